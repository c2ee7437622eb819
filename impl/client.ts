#!/usr/bin/env node
/**
 * The reference client for part 1: connects, sends `Client X: <name>` (or Y),
 * prints it, waits for the server's acknowledgment, prints it and exits.
 *
 * The reply is checked: it must be an acknowledgment that names this client's
 * own greeting, so a client never reports success on a garbled or foreign
 * answer. A refusal from the server (`Error: ...`) ends the client with that
 * reason on stderr.
 *
 * Usage: node dist/impl/client.js --id X --name Alice [--host 127.0.0.1] [--port 12000]
 */
import net from 'node:net';
import { exitWithError, onInterrupt, parseCommandLine, parseHost, parsePort, print } from './cli.js';
import { appError, EXIT } from './errors.js';
import {
  checkName,
  ERROR_PREFIX,
  formatGreeting,
  isAckFor,
  LineDecoder,
  neutralize,
  RECEIVED_LABEL,
  SENT_LABEL,
  type ClientId,
  type Greeting,
} from './protocol.js';
import { ClientChat } from './chat-client.js';
import { closeGracefully, connectError, formatAddress } from './sockets.js';

const HELP = `Usage: node dist/impl/client.js --id X|Y --name NAME [--host HOST] [--port PORT] [--chat]

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

/** The client's settings, from the command line. */
export interface ClientOptions {
  readonly host: string;
  readonly port: number;
  readonly greeting: Greeting;
  /** Chat after the acknowledgment (extra credit). */
  readonly chat: boolean;
}

/** Parses the client's command line; `undefined` means `--help` was asked for. */
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

/** Runs one exchange (and the chat, with `chat`); exits 0 once a valid acknowledgment has been printed. */
export function runClient(options: ClientOptions): void {
  const address = formatAddress(options.host, options.port);
  const decoder = new LineDecoder();
  let replied = false;
  let chat: ClientChat | undefined;
  const socket = net.connect({ host: options.host, port: options.port });

  socket.on('connect', () => {
    const greeting = formatGreeting(options.greeting);
    socket.write(`${greeting}\n`);
    print(`${SENT_LABEL}${neutralize(greeting)}`);
  });

  const onReply = (line: string): void => {
    replied = true;
    if (line.startsWith(ERROR_PREFIX)) {
      socket.destroy();
      exitWithError(appError('E_REFUSED', `the server refused the greeting: ${neutralize(line.slice(ERROR_PREFIX.length))}`));
    }
    print(`${RECEIVED_LABEL}${neutralize(line)}`);
    if (!isAckFor(line, options.greeting)) {
      socket.destroy();
      exitWithError(
        appError('E_BAD_REPLY', `the reply is not an acknowledgment naming "${neutralize(formatGreeting(options.greeting))}"`),
      );
    }
    process.exitCode = EXIT.OK;
    if (options.chat) chat = new ClientChat(socket, options.greeting.id);
    else closeGracefully(socket);
  };

  const feed = ({ lines, error }: { lines: string[]; error?: Error }): void => {
    for (const line of lines) {
      if (!replied) onReply(line);
      else chat?.received(line); // part 1 ignores anything after the acknowledgment
    }
    if (error && chat) chat.unreadable(error.message);
    if (error && !replied) exitWithError(appError('E_BAD_REPLY', `the server's reply is unreadable: ${error.message}`));
  };

  socket.on('data', (chunk: Buffer) => feed(decoder.push(chunk)));
  socket.on('end', () => {
    feed(decoder.end());
    if (chat) chat.serverClosed();
    if (!replied) {
      exitWithError(appError('E_NETWORK', `the server at ${address} closed the connection before acknowledging; see its output`));
    }
  });
  socket.on('error', (error) => {
    if (chat) chat.serverFailed(error);
    if (!replied) exitWithError(connectError(error, address));
  });

  onInterrupt((signal) => {
    if (chat) {
      chat.interrupt();
      return;
    }
    socket.destroy();
    if (replied) process.exit(EXIT.OK);
    exitWithError(appError('E_INTERRUPTED', `interrupted by ${signal} before the acknowledgment arrived`));
  });
}

function main(): void {
  try {
    const options = parseClientArgs(process.argv.slice(2));
    if (options === undefined) {
      print(HELP);
      return;
    }
    runClient(options);
  } catch (error) {
    exitWithError(error);
  }
}

main();
