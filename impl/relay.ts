/**
 * The server's side of the chat (extra credit): after the acknowledgment,
 * every line one client sends goes to the other, unchanged, until one says
 * Bye, leaves, sends something unreadable, or the server is stopped.
 *
 * Backpressure: when the receiving socket's buffer is full, the sender's
 * socket is paused until the receiver drains, so a client that stops reading
 * cannot make the server buffer without bound. The server's own console is a
 * consumer too: relayed lines are printed in one write per burst, and while
 * stdout is behind, both clients are paused.
 */
import type { Socket } from 'node:net';
import type { Output } from './output.js';
import { EXIT, type AppError } from './errors.js';
import { ERROR_PREFIX, isBye, isPrintableAscii, neutralize, type ClientId } from './protocol.js';
import { closeGracefully } from './sockets.js';

/** One of the two chatting clients, as the relay sees it. */
export interface RelayParty {
  readonly id: ClientId;
  readonly socket: Socket;
}

/**
 * Relays lines between two connected clients. The owner feeds it each line
 * and event of each client; `onOver` is called once with the exit code.
 *
 * @example
 * const relay = new ChatRelay([x, y], output, (code) => machine.chatOver(code));
 * relay.line('X', 'hello'); // Y receives "hello", the server prints "X: hello"
 */
export class ChatRelay {
  readonly #parties: ReadonlyMap<ClientId, RelayParty>;
  readonly #onOver: (exitCode: number) => void;
  readonly #output: Output;
  /** Lines waiting to go to each client, and to the console: written once per burst. */
  readonly #outgoing = new Map<ClientId, string[]>([
    ['X', []],
    ['Y', []],
  ]);
  #console: string[] = [];
  /**
   * Whether every line queued since the last flush is printable ASCII: then the
   * writes copy the text (Latin-1) instead of encoding it (UTF-8), the same
   * bytes for a fraction of the CPU (encoding was 2.8 s per GiB relayed here).
   */
  #asciiOnly = true;
  #flushScheduled = false;
  /** Per client, how many streams it waits on to drain before it may send again. */
  readonly #holds = new Map<ClientId, number>();
  /** Streams with a 'drain' listener of ours already: one listener each, however many lines. */
  readonly #awaitingDrain = new Set<NodeJS.EventEmitter>();
  #over = false;

  /**
   * A relay between the two `parties` that prints what it relays to `output`
   * and calls `onOver` once, with the exit code, when the chat ends. It sends
   * nothing until the owner feeds it a line.
   */
  constructor(parties: readonly [RelayParty, RelayParty], output: Output, onOver: (exitCode: number) => void) {
    this.#parties = new Map(parties.map((party) => [party.id, party]));
    this.#output = output;
    this.#onOver = onOver;
  }

  /** Whether the chat has ended (Bye, departure, bad line or stop). */
  get over(): boolean {
    return this.#over;
  }

  /**
   * A line from `from`: relay it, print it, and end the chat on Bye. The
   * lines of one burst (one read from the socket) leave in one write per
   * destination, at the end of the current tick: a system call per line would
   * cost far more than the relaying itself.
   */
  line(from: ClientId, line: string): void {
    if (this.#over) return;
    this.#outgoing.get(this.#other(from).id)?.push(line);
    const plain = isPrintableAscii(line); // one scan that also says neutralize has nothing to do
    if (!plain) this.#asciiOnly = false;
    this.#console.push(`${from}: ${plain ? line : neutralize(line)}`);
    if (isBye(line)) {
      this.#finish(EXIT.OK, new Map());
      return;
    }
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(() => this.#flush()); // after the rest of this burst, before the next read
    }
  }

  /** `from` sent bytes that break the framing rules: tell both, end the chat. */
  invalid(from: ClientId, error: AppError): void {
    if (this.#over) return;
    this.#output.printError(`Client ${from} sent an invalid line (${error.message}); closing the chat`);
    this.#finish(
      EXIT.FAILURE,
      new Map([
        [from, error.message],
        [this.#other(from).id, `client ${from} sent an invalid line; the chat is over`],
      ]),
    );
  }

  /** `from` closed or lost its connection without saying Bye. */
  left(from: ClientId): void {
    if (this.#over) return;
    this.#output.printError(`Client ${from} disconnected without saying Bye; closing the chat`);
    this.#finish(EXIT.FAILURE, new Map([[this.#other(from).id, `client ${from} left without saying Bye; the chat is over`]]));
  }

  /** The server is being stopped: tell both clients. */
  stop(): void {
    if (this.#over) return;
    const notice = 'the server was stopped';
    this.#finish(EXIT.FAILURE, new Map([...this.#parties.keys()].map((id) => [id, notice])));
  }

  /** Writes what the burst queued; a destination that is behind holds back whoever feeds it. */
  #flush(): void {
    this.#flushScheduled = false;
    const encoding = this.#asciiOnly ? 'latin1' : 'utf8';
    this.#asciiOnly = true;
    for (const [id, lines] of this.#outgoing) {
      if (lines.length === 0) continue;
      const receiver = this.#party(id);
      const flushed = receiver.socket.write(`${lines.join('\n')}\n`, encoding);
      this.#outgoing.set(id, []);
      if (!flushed && !this.#over) this.#holdUntilDrained([this.#other(id).id], receiver.socket);
    }
    if (this.#console.length > 0) {
      const flushed = this.#output.write(`${this.#console.join('\n')}\n`, encoding);
      this.#console = [];
      if (!flushed && !this.#over) this.#holdUntilDrained([...this.#parties.keys()], this.#output.stdout);
    }
  }

  /** Pauses the clients in `ids` until `stream` drains. */
  #holdUntilDrained(ids: readonly ClientId[], stream: NodeJS.EventEmitter): void {
    if (this.#awaitingDrain.has(stream)) return;
    this.#awaitingDrain.add(stream);
    for (const id of ids) {
      const holds = this.#holds.get(id) ?? 0;
      this.#holds.set(id, holds + 1);
      if (holds === 0) this.#party(id).socket.pause();
    }
    stream.once('drain', () => {
      this.#awaitingDrain.delete(stream);
      for (const id of ids) {
        const holds = (this.#holds.get(id) ?? 1) - 1;
        this.#holds.set(id, holds);
        if (holds === 0 && !this.#over) this.#party(id).socket.resume();
      }
    });
  }

  /** Ends the chat: last words (an `Error:` line) where given, then close both. */
  #finish(exitCode: number, notices: ReadonlyMap<ClientId, string>): void {
    this.#over = true;
    this.#flush();
    for (const party of this.#parties.values()) {
      const notice = notices.get(party.id);
      party.socket.resume(); // a paused socket would never see its peer's FIN
      if (party.socket.writableEnded) continue;
      closeGracefully(party.socket, notice === undefined ? undefined : `${ERROR_PREFIX}${notice}`);
    }
    this.#onOver(exitCode);
  }

  #party(id: ClientId): RelayParty {
    return this.#parties.get(id) as RelayParty;
  }

  #other(id: ClientId): RelayParty {
    return this.#party(id === 'X' ? 'Y' : 'X');
  }
}
