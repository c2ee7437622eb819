/**
 * The server's logic as a state machine over socket events. It never touches
 * a socket: each event (a connection, bytes, a FIN, an error, a close, a
 * completed write) returns the {@link Command}s its owner carries out, in
 * order. impl/ack-server.ts is that owner; a test can be one too, with any
 * values standing for connections (spec/server-machine.test.ts), as the
 * websockets/ws parser is tested without a socket.
 *
 * Every connection has an explicit {@link ConnectionState} and the server an
 * explicit {@link ServerPhase}. Order is the order in which greetings arrive
 * in full: a connection is `held` the moment its decoder yields a valid
 * greeting, and the second one held starts the acknowledgment. What a held
 * client says before the chat opens is kept as data ({@link ChatEvent}) and
 * handed to the relay, in order, when the chat opens.
 */
import { appError, EXIT, type AppError } from './errors.js';
import {
  ERROR_PREFIX,
  FINAL_LINE,
  formatAck,
  LineDecoder,
  neutralize,
  parseGreeting,
  RECEIVED_LABEL,
  SENT_LABEL,
  type ClientId,
  type DecodeResult,
  type Greeting,
} from './protocol.js';

/** Something a client did after its greeting that the chat relay must hear, in order. */
export type ChatEvent =
  | { readonly kind: 'lines'; readonly lines: readonly string[] }
  | { readonly kind: 'invalid'; readonly error: AppError }
  | { readonly kind: 'left' };

/**
 * One connection: `greeting` until it sends a valid greeting, `held` once it
 * has (as client `id`), `relaying` in the chat, `closing` once the server is
 * done with it (refused, told to go, or closed) and only waits for its close.
 */
export type ConnectionState =
  | { readonly kind: 'greeting' }
  | { readonly kind: 'held'; readonly id: ClientId }
  | { readonly kind: 'relaying'; readonly id: ClientId }
  | { readonly kind: 'closing' };

/**
 * The server: `waiting` for a valid X and Y; `acknowledging` while the two
 * writes of the acknowledgment are under way; `relaying` the chat; `closing`
 * once the outcome is known, until every connection has closed; `closed`.
 */
export type ServerPhase =
  | { readonly kind: 'waiting' }
  | { readonly kind: 'acknowledging'; readonly unsent: number; readonly failed: boolean }
  | { readonly kind: 'relaying' }
  | { readonly kind: 'closing' }
  | { readonly kind: 'closed' };

/** One of the two clients the chat opens with, and what it did while the chat was not yet open. */
export interface Party<C> {
  readonly id: ClientId;
  readonly conn: C;
  readonly early: readonly ChatEvent[];
}

/** What the machine asks its owner to do; `C` is whatever stands for a connection. */
export type Command<C> =
  /** Print a line on stdout. */
  | { readonly kind: 'print'; readonly line: string }
  /** Print a line on stderr. */
  | { readonly kind: 'printError'; readonly line: string }
  /** Write `line` and a newline to `conn`, then report the outcome with {@link ServerMachine.sent}. */
  | { readonly kind: 'send'; readonly conn: C; readonly line: string }
  /** Close `conn` gracefully, after `lastLine` if given (a half-close, then a bounded wait for the peer's). */
  | { readonly kind: 'close'; readonly conn: C; readonly lastLine?: string }
  /** Half-close `conn` at once, after `lastLine` if given. */
  | { readonly kind: 'end'; readonly conn: C; readonly lastLine?: string }
  /** Stop accepting connections. */
  | { readonly kind: 'stopListening' }
  /** Open the chat between the two parties, replaying each one's early events into it. */
  | { readonly kind: 'startRelay'; readonly parties: readonly [Party<C>, Party<C>] }
  /** Hand `event` from client `from` to the chat relay. */
  | { readonly kind: 'relay'; readonly from: ClientId; readonly event: ChatEvent }
  /** Stop the chat relay (it tells both clients). */
  | { readonly kind: 'stopRelay' }
  /** Everything is closed: the run is over with `exitCode`. */
  | { readonly kind: 'done'; readonly exitCode: number };

/** A held place: who holds it, with what greeting, and what it did before the chat. */
interface Place<C> {
  readonly conn: C;
  readonly greeting: Greeting;
  readonly peer: string;
  readonly early: ChatEvent[];
}

/** What the machine keeps per connection. */
interface Connection {
  readonly peer: string;
  readonly decoder: LineDecoder;
  state: ConnectionState;
}

const GREETING: ConnectionState = { kind: 'greeting' };
const CLOSING: ConnectionState = { kind: 'closing' };

/**
 * The server's state machine. Call one method per socket event; each returns
 * the commands that event calls for. `C` identifies a connection: a Socket in
 * the server, anything in a test.
 *
 * @example
 * const machine = new ServerMachine<string>({ chat: false });
 * machine.connected('a', '127.0.0.1:50000');
 * machine.data('a', Buffer.from('Client X: Alice\n')); // [{ kind: 'print', line: 'Received: Client X: Alice' }]
 */
export class ServerMachine<C> {
  readonly #chat: boolean;
  readonly #connections = new Map<C, Connection>();
  /** Insertion order is arrival order: the first entry's greeting arrived first. */
  readonly #places = new Map<ClientId, Place<C>>();
  #phase: ServerPhase = { kind: 'waiting' };
  #exitCode: number = EXIT.FAILURE;
  #out: Command<C>[] = [];

  /** A machine for a server that, with `chat`, relays a chat after the acknowledgment. */
  constructor(options: { readonly chat: boolean }) {
    this.#chat = options.chat;
  }

  /** Where the server is. */
  get phase(): ServerPhase {
    return this.#phase;
  }

  /** The exit code the run ends with, as far as it is known now. */
  get exitCode(): number {
    return this.#exitCode;
  }

  /** The state of `conn`, or `undefined` once it has closed (or was never connected). */
  stateOf(conn: C): ConnectionState | undefined {
    return this.#connections.get(conn)?.state;
  }

  /** A new connection from `peer` (`host:port`, for messages). */
  connected(conn: C, peer: string): Command<C>[] {
    this.#connections.set(conn, { peer, decoder: new LineDecoder(), state: GREETING });
    return this.#flush();
  }

  /** Bytes from `conn`, as they came. */
  data(conn: C, chunk: Uint8Array): Command<C>[] {
    const connection = this.#connections.get(conn);
    if (connection) this.#feed(conn, connection, connection.decoder.push(chunk));
    return this.#flush();
  }

  /** `conn` closed its sending side (FIN): a last line without a newline still counts. */
  ended(conn: C): Command<C>[] {
    const connection = this.#connections.get(conn);
    if (!connection || connection.state.kind === 'closing') return this.#flush();
    this.#feed(conn, connection, connection.decoder.end());
    const state = connection.state as ConnectionState; // #feed may have changed it
    if (state.kind === 'greeting') {
      this.#printError(`Connection from ${connection.peer} closed before sending a greeting`);
      this.#out.push({ kind: 'end', conn });
      connection.state = CLOSING;
    } else if (state.kind !== 'closing') {
      this.#chatEvent(connection, { kind: 'left' });
      if (this.#phase.kind === 'waiting' && !this.#chat) {
        this.#printError(`Client ${state.id} closed its sending side; it still gets the acknowledgment`);
      }
    }
    return this.#flush();
  }

  /** `conn` failed with `code` (ECONNRESET, for instance); its close follows. */
  failed(conn: C, code: string): Command<C>[] {
    const connection = this.#connections.get(conn);
    if (connection && this.#phase.kind === 'waiting') this.#printError(`Connection from ${connection.peer} failed: ${code}`);
    return this.#flush();
  }

  /** `conn` is closed for good: a held place is freed while still waiting. */
  closed(conn: C): Command<C>[] {
    const connection = this.#connections.get(conn);
    if (!connection) return this.#flush();
    this.#connections.delete(conn);
    const { state } = connection;
    if ((state.kind === 'held' || state.kind === 'relaying') && this.#phase.kind !== 'waiting') {
      this.#chatEvent(connection, { kind: 'left' });
    } else if (state.kind === 'held') {
      this.#places.delete(state.id);
      this.#printError(`Client ${state.id} disconnected before the acknowledgment; waiting for another client ${state.id}`);
    }
    return this.#flush();
  }

  /** The acknowledgment's write to `conn` completed, or failed with `error` (a message). */
  sent(conn: C, error?: string): Command<C>[] {
    const phase = this.#phase;
    if (phase.kind !== 'acknowledging') return this.#flush(); // stopped meanwhile
    const [first, second] = [...this.#places.values()] as [Place<C>, Place<C>];
    let failed = phase.failed;
    if (error !== undefined) {
      const place = first.conn === conn ? first : second;
      this.#printError(`Error: could not send the acknowledgment to ${place.greeting.id} (${place.peer}): ${error}`);
      this.#exitCode = EXIT.FAILURE;
      failed = true;
    }
    if (phase.unsent > 1) {
      this.#phase = { kind: 'acknowledging', unsent: phase.unsent - 1, failed };
      return this.#flush();
    }
    if (failed || !this.#chat) {
      for (const place of [first, second]) this.#close(place.conn);
      this.#phase = { kind: 'closing' };
    }
    if (failed) return this.#flush();
    this.#print(FINAL_LINE);
    this.#exitCode = EXIT.OK;
    if (this.#chat) this.#startRelay(first, second);
    return this.#flush();
  }

  /** The chat relay has ended (Bye, a departure, a bad line, or a stop) with `exitCode`. */
  chatOver(exitCode: number): Command<C>[] {
    this.#exitCode = exitCode;
    this.#phase = { kind: 'closing' };
    for (const connection of this.#connections.values()) {
      if (connection.state.kind === 'relaying') connection.state = CLOSING; // the relay closes them
    }
    return this.#flush();
  }

  /**
   * SIGINT or SIGTERM: tell every open connection, stop. The exit code is
   * 0 only if the exchange had already completed; in the chat, the relay's
   * end (through {@link ServerMachine.chatOver}) decides it.
   */
  interrupt(signal: NodeJS.Signals): Command<C>[] {
    if (this.#phase.kind === 'relaying') {
      this.#printError(`Interrupted by ${signal} during the chat; telling both clients`);
      this.#out.push({ kind: 'stopRelay' });
      return this.#flush();
    }
    const open = [...this.#connections].filter(([, { state }]) => state.kind === 'greeting' || state.kind === 'held');
    if (this.#phase.kind === 'waiting') {
      this.#printError(`Interrupted by ${signal} before both clients greeted; closing ${open.length} connection(s)`);
      this.#out.push({ kind: 'stopListening' });
    }
    for (const [conn, connection] of open) {
      this.#out.push({ kind: 'end', conn, lastLine: `${ERROR_PREFIX}the server was stopped` });
      connection.state = CLOSING;
    }
    if (this.#phase.kind === 'waiting' || this.#phase.kind === 'acknowledging') {
      this.#exitCode = EXIT.FAILURE;
      this.#phase = { kind: 'closing' };
    }
    return this.#flush();
  }

  /** Lines (and a framing error) from `conn`: greeting lines first, then whatever the chat must hear. */
  #feed(conn: C, connection: Connection, { lines, error }: DecodeResult): void {
    let taken = 0;
    while (connection.state.kind === 'greeting' && taken < lines.length) this.#greetingLine(conn, connection, lines[taken++] as string);
    if (taken < lines.length) this.#chatEvent(connection, { kind: 'lines', lines: taken === 0 ? lines : lines.slice(taken) });
    if (error && connection.state.kind === 'greeting') this.#refuse(conn, connection, error);
    else if (error) this.#chatEvent(connection, { kind: 'invalid', error });
  }

  #greetingLine(conn: C, connection: Connection, line: string): void {
    if (line.trim() === '') return; // a stray Enter before the greeting is harmless
    let greeting: Greeting;
    try {
      greeting = parseGreeting(line);
    } catch (error) {
      this.#refuse(conn, connection, error as AppError);
      return;
    }
    if (this.#places.has(greeting.id)) {
      const taken = appError('E_DUPLICATE_ID', `client ${greeting.id} is already connected; only one X and one Y are served`);
      this.#refuse(conn, connection, taken);
      return;
    }
    connection.state = { kind: 'held', id: greeting.id };
    this.#places.set(greeting.id, { conn, greeting, peer: connection.peer, early: [] });
    this.#print(`${RECEIVED_LABEL}${neutralize(line)}`);
    if (this.#places.size === 2) this.#acknowledge();
  }

  /** Both greetings are in: stop listening, send away the rest, send the acknowledgment to both. */
  #acknowledge(): void {
    this.#phase = { kind: 'acknowledging', unsent: 2, failed: false };
    this.#out.push({ kind: 'stopListening' });
    for (const [conn, connection] of this.#connections) {
      if (connection.state.kind === 'greeting') this.#close(conn, `${ERROR_PREFIX}the server already has X and Y and is closing`);
    }
    const [first, second] = [...this.#places.values()] as [Place<C>, Place<C>];
    const ack = formatAck(first.greeting, second.greeting);
    for (const place of [first, second]) this.#out.push({ kind: 'send', conn: place.conn, line: ack });
    this.#print(`${SENT_LABEL}${neutralize(ack)}`);
  }

  /** The acknowledgment is out: the chat opens with what each client said meanwhile. */
  #startRelay(first: Place<C>, second: Place<C>): void {
    this.#phase = { kind: 'relaying' };
    const party = ({ conn, greeting, early }: Place<C>): Party<C> => {
      const connection = this.#connections.get(conn);
      if (connection) connection.state = { kind: 'relaying', id: greeting.id };
      return { id: greeting.id, conn, early: early.splice(0) };
    };
    this.#out.push({ kind: 'startRelay', parties: [party(first), party(second)] });
  }

  /** After its greeting, what a client does goes to the relay, waits for it (chat), or is ignored (part 1). */
  #chatEvent(connection: Connection, event: ChatEvent): void {
    const { state } = connection;
    if (state.kind === 'relaying') this.#out.push({ kind: 'relay', from: state.id, event });
    else if (state.kind === 'held' && this.#chat) (this.#places.get(state.id) as Place<C>).early.push(event);
  }

  #refuse(conn: C, connection: Connection, error: AppError): void {
    this.#printError(`Rejected ${connection.peer}: ${error.message}`);
    this.#close(conn, `${ERROR_PREFIX}${error.message}`);
  }

  #close(conn: C, lastLine?: string): void {
    this.#out.push(lastLine === undefined ? { kind: 'close', conn } : { kind: 'close', conn, lastLine });
    const connection = this.#connections.get(conn);
    if (connection) connection.state = CLOSING;
  }

  #print(line: string): void {
    this.#out.push({ kind: 'print', line });
  }

  #printError(line: string): void {
    this.#out.push({ kind: 'printError', line });
  }

  /** Returns the commands of this event; once the outcome is known and every connection has closed, the run is done. */
  #flush(): Command<C>[] {
    const phase = this.#phase.kind;
    if (phase !== 'waiting' && phase !== 'closed' && this.#connections.size === 0) {
      this.#phase = { kind: 'closed' };
      this.#out.push({ kind: 'done', exitCode: this.#exitCode });
    }
    const out = this.#out;
    this.#out = [];
    return out;
  }
}
