#!/usr/bin/env node
/**
 * The reference server's command line: parses flags (impl/server-args.ts),
 * runs the engine (impl/ack-server.ts) with the process's console, and turns
 * its result and SIGINT/SIGTERM into exit codes (docs/CONTRACT.md). With the
 * client's bin file, the only place that ends the process.
 *
 * Usage: node dist/impl/server.js [--host 127.0.0.1] [--port 12000] [--chat]
 */
import { startAckServer } from './ack-server.js';
import { onInterrupt, processOutput, reportFailure, watchStdout } from './output.js';
import { parseServerArgs, SERVER_HELP } from './server-args.js';

/** Ends the program because of `error`: one line on stderr, then its exit code. */
function exitWithError(error: unknown): never {
  process.exit(reportFailure(error, processOutput));
}

function main(): void {
  watchStdout(exitWithError);
  try {
    const options = parseServerArgs(process.argv.slice(2));
    if (options === undefined) {
      processOutput.print(SERVER_HELP);
      return;
    }
    const server = startAckServer(options, processOutput);
    server.listening.catch(exitWithError);
    void server.closed.then((code) => {
      process.exitCode = code;
    });
    onInterrupt((signal) => process.exit(server.interrupt(signal)));
  } catch (error) {
    exitWithError(error);
  }
}

main();
