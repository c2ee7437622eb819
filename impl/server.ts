#!/usr/bin/env node
/**
 * The reference server's command line: parses flags, runs the engine
 * (impl/ack-server.ts) with the process's console, and turns its result and
 * SIGINT/SIGTERM into exit codes (docs/CONTRACT.md).
 *
 * Usage: node dist/impl/server.js [--host 127.0.0.1] [--port 12000] [--chat]
 */
import { startAckServer, type ServerOptions } from './ack-server.js';
import { exitWithError, onInterrupt, parseCommandLine, parseHost, parsePort, print, processOutput } from './cli.js';
import { FINAL_LINE } from './protocol.js';

const HELP = `Usage: node dist/impl/server.js [--host HOST] [--port PORT] [--chat]

Waits for client X and client Y, then sends both an acknowledgment saying
whose greeting arrived first, prints "${FINAL_LINE}" and exits.
With --chat it then relays every line between X and Y until one says Bye.

Options:
  --host HOST  address to listen on (default 127.0.0.1; 0.0.0.0 serves other hosts)
  --port PORT  port to listen on (default 12000; 0 picks a free port, printed at start)
  --chat       after the acknowledgment, relay a chat between X and Y
  -h, --help   show this help

Exit codes: 0 done, 1 runtime failure, 2 usage error.`;

/** Parses the server's command line; `undefined` means `--help` was asked for. */
export function parseServerArgs(argv: readonly string[]): ServerOptions | undefined {
  const parsed = parseCommandLine(argv, {
    host: { type: 'string' },
    port: { type: 'string' },
    chat: { type: 'boolean' },
  });
  if (parsed.help) return undefined;
  return {
    host: parseHost(parsed.values.host),
    port: parsePort(parsed.values.port, 0),
    chat: parsed.values.chat === true,
  };
}

function main(): void {
  try {
    const options = parseServerArgs(process.argv.slice(2));
    if (options === undefined) {
      print(HELP);
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
