/**
 * The client's command line as data: its help text and the parser that turns
 * argv into {@link ClientOptions}. Importable without running anything, so a
 * test can parse command lines in-process; impl/client.ts is the program.
 */
import type { ClientOptions } from './ack-client.js';
import { parseCommandLine, parseHost, parsePort } from './cli.js';
import { appError } from './errors.js';
import { checkName, type ClientId } from './protocol.js';

/** What `--help` prints. */
export const CLIENT_HELP = `Usage: node dist/impl/client.js --id X|Y --name NAME [--host HOST] [--port PORT] [--chat]

Connects to the server, sends "Client <id>: <name>", prints it, then prints
the server's acknowledgment and exits. With --chat it then sends each line
typed (or piped) to the other client and shows theirs, until either says Bye
or the input ends (Ctrl-D).

Options:
  --id X|Y     which client this is (required)
  --name NAME  the person's name to send (required; at most 256 bytes)
  --host HOST  the server's address (default 127.0.0.1)
  --port PORT  the server's port (default 12000)
  --chat       after the acknowledgment, chat with the other client
  -h, --help   show this help

Exit codes: 0 acknowledged, 1 runtime failure, 2 usage error.`;

/**
 * Parses the client's command line; `undefined` means `--help` was asked for.
 * A mistake throws an `E_USAGE` {@link AppError}.
 *
 * @example
 * parseClientArgs(['--id', 'X', '--name', ' Alice ']);
 * // { host: '127.0.0.1', port: 12000, greeting: { id: 'X', name: 'Alice' }, chat: false }
 */
export function parseClientArgs(argv: readonly string[]): ClientOptions | undefined {
  const parsed = parseCommandLine(argv, {
    host: { type: 'string' },
    port: { type: 'string' },
    id: { type: 'string' },
    name: { type: 'string' },
    chat: { type: 'boolean' },
  });
  if (parsed.help) return undefined;
  const { id, name } = parsed.values;
  if (id === undefined) throw appError('E_USAGE', 'missing --id; give --id X or --id Y');
  if (id !== 'X' && id !== 'Y') throw appError('E_USAGE', `--id must be X or Y, not "${String(id)}"`);
  if (typeof name !== 'string') throw appError('E_USAGE', 'missing --name; give the person\'s name, e.g. --name Alice');
  try {
    checkName(name);
  } catch (error) {
    throw appError('E_USAGE', `--name: ${(error as Error).message}`);
  }
  return {
    host: parseHost(parsed.values.host),
    port: parsePort(parsed.values.port, 1),
    greeting: { id: id as ClientId, name: name.trim() },
    chat: parsed.values.chat === true,
  };
}
