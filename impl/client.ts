#!/usr/bin/env node
/**
 * The reference client's command line: parses flags (impl/client-args.ts),
 * runs the engine (impl/ack-client.ts) with the process's console and stdin,
 * and turns its result and SIGINT/SIGTERM into exit codes (docs/CONTRACT.md).
 * With the server's bin file, the only place that ends the process.
 *
 * Usage: node dist/impl/client.js --id X --name Alice [--host 127.0.0.1] [--port 12000] [--chat]
 */
import { startClient } from './ack-client.js';
import { CLIENT_HELP, parseClientArgs } from './client-args.js';
import { onInterrupt, processOutput, reportFailure, watchStdout } from './output.js';

/** Ends the program because of `error`: one line on stderr, then its exit code. */
function exitWithError(error: unknown): never {
  process.exit(reportFailure(error, processOutput));
}

function main(): void {
  watchStdout(exitWithError);
  try {
    const options = parseClientArgs(process.argv.slice(2));
    if (options === undefined) {
      processOutput.print(CLIENT_HELP);
      return;
    }
    const client = startClient(options, processOutput, () => process.stdin);
    // The keyboard (stdin) would keep the process alive after the chat: exit explicitly.
    void client.done.then((code) => process.exit(code));
    onInterrupt((signal) => client.interrupt(signal));
  } catch (error) {
    exitWithError(error);
  }
}

main();
