/**
 * The server's command line as data: its help text and the parser that turns
 * argv into {@link ServerOptions}. Importable without running anything, so a
 * test can parse command lines in-process; impl/server.ts is the program.
 */
import type { ServerOptions } from './ack-server.js';
import { parseCommandLine, parseHost, parsePort } from './cli.js';
import { FINAL_LINE } from './protocol.js';

/** What `--help` prints. */
export const SERVER_HELP = `Usage: node dist/impl/server.js [--host HOST] [--port PORT] [--chat]

Waits for client X and client Y, then sends both an acknowledgment saying
whose greeting arrived first, prints "${FINAL_LINE}" and exits.
With --chat it then relays every line between X and Y until one says Bye.

Options:
  --host HOST  address to listen on (default 127.0.0.1; 0.0.0.0 serves other hosts)
  --port PORT  port to listen on (default 12000; 0 picks a free port, printed at start)
  --chat       after the acknowledgment, relay a chat between X and Y
  -h, --help   show this help

Exit codes: 0 done, 1 runtime failure, 2 usage error.`;

/**
 * Parses the server's command line; `undefined` means `--help` was asked for.
 * A mistake throws an `E_USAGE` {@link AppError}.
 *
 * @example
 * parseServerArgs(['--port', '0', '--chat']); // { host: '127.0.0.1', port: 0, chat: true }
 */
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
