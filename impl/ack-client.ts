/**
 * The reference client's engine, the mirror of impl/ack-server.ts: connects,
 * sends `Client X: <name>` (or Y), prints it, waits for the server's
 * acknowledgment, prints it, and (with `chat`) chats until either side ends.
 *
 * The reply is checked: it must be an acknowledgment that names this client's
 * own greeting, so a client never reports success on a garbled or foreign
 * answer. A refusal from the server (`Error: ...`) ends the client with that
 * reason on stderr. Everything is printed through an {@link Output} and the
 * keyboard is an injected stream; the outcome is a promise of the exit code,
 * so the engine runs in-process in a test. impl/client.ts is the command line.
 */
import net from 'node:net';
import { ClientChat, type ChatInput } from './chat-client.js';
import { appError, EXIT, type AppError } from './errors.js';
import { reportFailure, type Output } from './output.js';
import {
  ERROR_PREFIX,
  formatGreeting,
  isAckFor,
  LineDecoder,
  neutralize,
  RECEIVED_LABEL,
  SENT_LABEL,
  type DecodeResult,
  type Greeting,
} from './protocol.js';
import { closeGracefully, connectError, formatAddress } from './sockets.js';

/** The client's settings, from the command line. */
export interface ClientOptions {
  readonly host: string;
  readonly port: number;
  readonly greeting: Greeting;
  /** Chat after the acknowledgment (extra credit). */
  readonly chat: boolean;
}

/** A running client, as {@link startClient} returns it. */
export interface AckClient {
  /** Resolves with the exit code once the exchange (and chat) is over and the connection is closed. */
  readonly done: Promise<number>;
  /** SIGINT or SIGTERM: before the acknowledgment, stop with exit 1; in the chat, say Bye and leave. */
  interrupt(signal: NodeJS.Signals): void;
}

/**
 * Where the client is: `awaiting` the server's reply, `chatting` after it
 * (with `chat`), or `ending` with its exit code decided, until the connection
 * has closed.
 */
type ClientState =
  | { readonly kind: 'awaiting' }
  | { readonly kind: 'chatting'; readonly chat: ClientChat }
  | { readonly kind: 'ending'; readonly exitCode: number };

/**
 * Runs one exchange (and the chat, with `chat`), printing through `output`.
 * `input` is called only when the chat opens, for the stream of typed lines,
 * so a part-1 client never touches its keyboard.
 *
 * @example
 * const client = startClient({ host: '127.0.0.1', port, greeting: { id: 'X', name: 'Alice' }, chat: false }, output, () => stdin);
 * const exitCode = await client.done; // 0 once a valid acknowledgment was printed
 */
export function startClient(options: ClientOptions, output: Output, input: () => ChatInput): AckClient {
  const address = formatAddress(options.host, options.port);
  const greeting = formatGreeting(options.greeting);
  const decoder = new LineDecoder();
  const socket = net.connect({ host: options.host, port: options.port });
  let state: ClientState = { kind: 'awaiting' };
  let settle: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => {
    settle = resolve;
  });

  /** Decides the exit code; the connection closes gracefully after an acknowledgment, at once otherwise. */
  const end = (exitCode: number, gracefully = false): void => {
    state = { kind: 'ending', exitCode };
    if (gracefully) closeGracefully(socket);
    else socket.destroy();
  };
  const fail = (error: AppError): void => end(reportFailure(error, output));

  const onReply = (line: string): void => {
    if (line.startsWith(ERROR_PREFIX)) {
      fail(appError('E_REFUSED', `the server refused the greeting: ${neutralize(line.slice(ERROR_PREFIX.length))}`));
      return;
    }
    output.print(`${RECEIVED_LABEL}${neutralize(line)}`);
    if (!isAckFor(line, options.greeting)) {
      fail(appError('E_BAD_REPLY', `the reply is not an acknowledgment naming "${neutralize(greeting)}"`));
    } else if (options.chat) {
      state = { kind: 'chatting', chat: new ClientChat(socket, options.greeting.id, input(), output, (code) => end(code)) };
    } else {
      end(EXIT.OK, true);
    }
  };

  const feed = ({ lines, error }: DecodeResult): void => {
    for (const line of lines) {
      if (state.kind === 'awaiting') onReply(line);
      else if (state.kind === 'chatting') state.chat.received(line); // part 1 ignores anything after the acknowledgment
    }
    if (error && state.kind === 'chatting') state.chat.unreadable(error.message);
    else if (error && state.kind === 'awaiting') fail(appError('E_BAD_REPLY', `the server's reply is unreadable: ${error.message}`));
  };

  socket.on('connect', () => {
    socket.write(`${greeting}\n`);
    output.print(`${SENT_LABEL}${neutralize(greeting)}`);
  });
  socket.on('data', (chunk: Buffer) => feed(decoder.push(chunk)));
  socket.on('end', () => {
    feed(decoder.end());
    if (state.kind === 'chatting') state.chat.serverClosed();
    else if (state.kind === 'awaiting') {
      fail(appError('E_NETWORK', `the server at ${address} closed the connection before acknowledging; see its output`));
    }
  });
  socket.on('error', (error) => {
    if (state.kind === 'chatting') state.chat.serverFailed(error);
    else if (state.kind === 'awaiting') fail(connectError(error, address));
  });
  // Every path to the end destroys or closes the socket, so 'close' always follows the decision.
  socket.on('close', () => settle(state.kind === 'ending' ? state.exitCode : EXIT.FAILURE));

  const interrupt = (signal: NodeJS.Signals): void => {
    if (state.kind === 'chatting') state.chat.interrupt();
    else if (state.kind === 'awaiting') fail(appError('E_INTERRUPTED', `interrupted by ${signal} before the acknowledgment arrived`));
    else socket.destroy(); // already decided: no need to linger for the server's close
  };

  return { done, interrupt };
}
