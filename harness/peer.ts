/**
 * Scripted raw-socket peers: a fake client that talks to a server byte by
 * byte, and a fake server that a real client connects to. They test one
 * program alone, with exact control over what it is sent.
 */
import { EventEmitter } from 'node:events';
import net, { type Socket } from 'node:net';
import { resetSocket } from './reset.js';
import type { Resource, Scene } from './scene.js';
import { quoteBlock, splitLines } from './text.js';
import { waitUntil } from './wait.js';

/** Where a {@link Peer} is in comparing what it receives with an expected stream. */
interface Comparison {
  readonly expected: () => Buffer | undefined;
  /** What is left of the expected chunk being compared. */
  pending: Buffer;
  bytes: number;
  firstDifference: number | undefined;
}

/** Compares `chunk`, received next, with what `comparison` expects next. */
function compare(comparison: Comparison, chunk: Buffer): void {
  for (let offset = 0; offset < chunk.length; ) {
    if (comparison.pending.length === 0) {
      const next = comparison.expected();
      if (next === undefined) {
        comparison.firstDifference ??= comparison.bytes; // bytes past the end of the expected stream
        comparison.bytes += chunk.length - offset;
        return;
      }
      comparison.pending = next;
    }
    const length = Math.min(comparison.pending.length, chunk.length - offset);
    const got = chunk.subarray(offset, offset + length);
    if (comparison.firstDifference === undefined && !got.equals(comparison.pending.subarray(0, length))) {
      let same = 0;
      while (got[same] === comparison.pending[same]) same += 1;
      comparison.firstDifference = comparison.bytes + same;
    }
    comparison.pending = comparison.pending.subarray(length);
    comparison.bytes += length;
    offset += length;
  }
}

/** How a comparison's transcript says where the bytes first differed, if they did. */
const differs = (comparison: Comparison): string => (comparison.firstDifference === undefined ? '' : `, first difference at byte ${comparison.firstDifference}`);

/** One end of a raw TCP connection, scripted by a test. */
export class Peer implements Resource {
  readonly label: string;
  readonly #socket: Socket;
  readonly #scene: Scene;
  readonly #updates = new EventEmitter();
  #received = Buffer.alloc(0);
  /** Where each 'data' chunk ended in #received: a program reading with one recv() per message sees these boundaries. */
  readonly #chunkEnds: number[] = [];
  #comparison: Comparison | undefined;
  #ended = false;
  #closed = false;
  #error: string | undefined;

  /**
   * Starts recording everything `socket` receives, from its first byte, and
   * its end, close and errors. Prefer {@link connectPeer}, which connects and
   * hands the peer to `scene`; a {@link FakeServer} makes one per accepted
   * connection.
   */
  constructor(scene: Scene, label: string, socket: Socket) {
    this.label = label;
    this.#scene = scene;
    this.#socket = socket;
    this.#updates.setMaxListeners(0);
    socket.on('data', (chunk: Buffer) => {
      if (this.#comparison) {
        compare(this.#comparison, chunk);
      } else {
        this.#received = Buffer.concat([this.#received, chunk]);
        this.#chunkEnds.push(this.#received.length);
      }
      this.#updates.emit('update');
    });
    socket.on('end', () => {
      this.#ended = true;
      this.#updates.emit('update');
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.#error = error.code ?? error.message;
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#updates.emit('update');
    });
  }

  /** Everything received so far, as UTF-8 text. */
  text(): string {
    return this.#received.toString('utf8');
  }

  /**
   * What arrived, cut where each read from the socket ended: how a program
   * that takes one recv() as one message would see it.
   */
  chunks(): string[] {
    return this.chunksFrom(0);
  }

  /** The reads from the `start`-th on (see {@link Peer.chunks}): a caller that keeps count decodes each read once. */
  chunksFrom(start: number): string[] {
    return this.#chunkEnds.slice(start).map((end, index) => this.#received.toString('utf8', this.#chunkEnds[start + index - 1] ?? 0, end));
  }

  /** The lines received so far, byte for byte (a peer's wire is not a console: nothing is stripped). */
  lines(): string[] {
    return splitLines(this.text());
  }

  /** The local port of this end, which names the connection in /proc/net/tcp. */
  get localPort(): number {
    return this.#socket.localPort ?? 0;
  }

  /** Whether the connection is over: the other side ended or reset it, or it was closed here. */
  get finished(): boolean {
    return this.#ended || this.#closed;
  }

  /** Waits until `done(text)` holds for the text received, or the connection is over; false after the bound. */
  async waitForText(done: (text: string) => boolean, timeoutMs: number): Promise<boolean> {
    try {
      await waitUntil({
        emitter: this.#updates,
        done: () => done(this.text()) || this.#ended || this.#closed,
        what: `${this.label} to receive the expected text`,
        context: () => '',
        timeoutMs,
      });
    } catch {
      return false;
    }
    return done(this.text());
  }

  /**
   * Waits until the connection is over (the other side ended or reset it);
   * true if it is, false if it was still open after `timeoutMs`.
   */
  async waitUntilClosed(timeoutMs: number): Promise<boolean> {
    await this.waitForText(() => false, timeoutMs);
    return this.finished;
  }

  /** Whether the other side has finished sending (FIN received). */
  get ended(): boolean {
    return this.#ended;
  }

  /** Sends bytes; resolves once they are handed to the kernel. */
  async send(data: string | Uint8Array): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#socket.write(data, (error) => (error ? reject(error) : resolve()));
    });
  }

  /** Waits for a complete line equal to `line` (or matching the pattern). */
  async waitForLine(line: string | RegExp): Promise<string> {
    const error = new Error('waitForLine');
    const find = (): string | undefined =>
      this.lines().find((l) => (typeof line === 'string' ? l === line : line.test(l)));
    await waitUntil({
      emitter: this.#updates,
      done: () => find() !== undefined || this.#closed,
      what: `${this.label} to receive ${String(line)}`,
      context: () => this.#scene.transcript(),
      error,
    });
    const found = find();
    if (found !== undefined) return found;
    error.message = `${this.label}: the connection closed without ${String(line)}.\n\n${this.#scene.transcript()}`;
    throw error;
  }

  /** Waits until the other side has closed its sending direction. */
  async waitForEnd(): Promise<void> {
    await waitUntil({
      emitter: this.#updates,
      done: () => this.#ended || this.#closed,
      what: `${this.label}'s peer to close the connection`,
      context: () => this.#scene.transcript(),
      error: new Error('waitForEnd'),
    });
  }

  /**
   * From now on, bytes received are compared with the stream `expected`
   * yields, chunk after chunk (undefined once it has no more), instead of
   * kept, so a test can receive gigabytes and still check every byte, without
   * hashing them on both sides.
   */
  compareFromHere(expected: () => Buffer | undefined): void {
    this.#comparison = { expected, pending: Buffer.alloc(0), bytes: 0, firstDifference: undefined };
  }

  /**
   * Waits until `bytes` bytes have been compared, one differed, or the
   * connection closed; returns how many were compared, and the offset of the
   * first that differed from the expected stream or came after its end, if any.
   */
  async waitForCompared(bytes: number, timeoutMs?: number): Promise<{ bytes: number; firstDifference: number | undefined }> {
    await waitUntil({
      emitter: this.#updates,
      done: () => (this.#comparison?.bytes ?? 0) >= bytes || this.#comparison?.firstDifference !== undefined || this.#closed,
      what: `${this.label} to receive ${bytes} bytes (has ${this.#comparison?.bytes ?? 0})`,
      context: () => this.#scene.transcript(),
      error: new Error('waitForCompared'),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });
    return { bytes: this.#comparison?.bytes ?? 0, firstDifference: this.#comparison?.firstDifference };
  }

  /** Stops reading (the kernel buffers fill, then the sender is held back). */
  pause(): void {
    this.#socket.pause();
  }

  /** Reads again after {@link pause}. */
  resume(): void {
    this.#socket.resume();
  }

  /** The underlying socket, for tests that must write with backpressure themselves. */
  get socket(): Socket {
    return this.#socket;
  }

  /** Half-closes: no more bytes from this side, but keeps reading. */
  end(): void {
    this.#socket.end();
  }

  /** Closes cleanly: FIN once everything written is sent, then nothing more in either direction. */
  close(): void {
    this.#socket.destroySoon();
  }

  /** Resets the connection (TCP RST), or closes it if its own end is still being sent (harness/reset.ts). */
  reset(): void {
    resetSocket(this.#socket);
  }

  /** The connection's state (open, ended by the other side, closed, failed) and every byte received, shown visibly. */
  transcript(): string {
    const state = this.#closed ? 'closed' : this.#ended ? 'peer ended' : 'open';
    const error = this.#error ? `, error ${this.#error}` : '';
    const compared = this.#comparison ? `, ${this.#comparison.bytes} bytes compared${differs(this.#comparison)}` : '';
    return [`── ${this.label} (${state}${error}${compared})`, quoteBlock('received:', this.text())].join('\n');
  }

  /** Destroys the socket without waiting for the other side to finish, and waits until it has closed. */
  async dispose(): Promise<void> {
    if (this.#closed) return;
    const closed = new Promise<void>((resolve) => this.#socket.once('close', () => resolve()));
    this.#socket.destroy();
    await closed;
  }
}

/**
 * Opens a raw connection to `host:port`.
 *
 * @example
 * const peer = await connectPeer(scene, server, 'raw X');
 * await peer.send('Client X: Alice\n');
 */
export async function connectPeer(
  scene: Scene,
  server: { readonly host: string; readonly port: number },
  label = 'raw peer',
  { allowHalfOpen = false }: { allowHalfOpen?: boolean } = {},
): Promise<Peer> {
  // By default, like a polite client, it closes its side once the other side
  // has closed. With allowHalfOpen it stays open until the test closes or
  // resets it (a reset leaves no TIME_WAIT on a fixed port).
  const socket = net.connect({ host: server.host, port: server.port, allowHalfOpen });
  const peer = scene.adopt(new Peer(scene, label, socket));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return peer;
}

/**
 * Opens a raw connection to `server` and sends `data` (a greeting, say).
 *
 * @example
 * const x = await connectAndSend(scene, server, 'X', 'Client X: Alice\n');
 */
export async function connectAndSend(
  scene: Scene,
  server: { readonly host: string; readonly port: number },
  label: string,
  data: string | Uint8Array,
): Promise<Peer> {
  const peer = await connectPeer(scene, server, label);
  await peer.send(data);
  return peer;
}

/** A listening socket that hands each accepted connection to the test as a {@link Peer}. */
export class FakeServer implements Resource {
  readonly label: string;
  readonly host: string;
  readonly peers: Peer[] = [];
  readonly #server: net.Server;
  readonly #scene: Scene;
  readonly #updates = new EventEmitter();

  readonly #listenOn: { readonly host: string; readonly port: number };

  /**
   * Prepares the listener; it listens only on {@link FakeServer.listen}.
   * Each accepted connection becomes a {@link Peer} owned by `scene`, so it
   * is closed with the scene even after this server stops listening. Prefer
   * {@link startFakeServer}.
   */
  constructor(scene: Scene, label: string, listenOn: { readonly host: string; readonly port: number }, banner = '') {
    this.label = label;
    this.#scene = scene;
    this.#listenOn = listenOn;
    this.host = listenOn.host === '0.0.0.0' ? '127.0.0.1' : listenOn.host;
    this.#server = net.createServer({ allowHalfOpen: true }, (socket) => {
      // A server that greets first (a banner) does so before anything is read.
      if (banner !== '') socket.write(banner);
      this.peers.push(scene.adopt(new Peer(scene, `${label} connection #${this.peers.length + 1}`, socket)));
      this.#updates.emit('update');
    });
  }

  /** The port it listens on (the one the system chose, when asked for port 0); only valid once listening. */
  get port(): number {
    return (this.#server.address() as net.AddressInfo).port;
  }

  /** Binds and listens where the constructor said; rejects if it cannot (a fixed port in use, say). */
  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#listenOn, resolve);
    });
  }

  /** Waits for connection number `index` (0-based), up to `timeoutMs` (default: the harness's bound). */
  async waitForPeer(index = 0, timeoutMs?: number): Promise<Peer> {
    await waitUntil({
      emitter: this.#updates,
      done: () => this.peers[index] !== undefined,
      what: `a connection #${index + 1} to ${this.label}`,
      context: () => this.#scene.transcript(),
      error: new Error('waitForPeer'),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });
    return this.peers[index] as Peer;
  }

  /** How many connections it accepted; what each received is in that {@link Peer}'s own transcript. */
  transcript(): string {
    return `── ${this.label} (${this.peers.length} connection(s))`;
  }

  /** Stops listening and waits for the listener to close; the accepted peers are the scene's to close. */
  async dispose(): Promise<void> {
    if (!this.#server.listening) return;
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/**
 * Starts a fake server, by default on a free loopback port; `0.0.0.0` and a
 * fixed port stand in for a server that clients find at a hard-coded port.
 * With a `banner`, every connection is sent it as soon as it is accepted.
 *
 * @example
 * const fake = await startFakeServer(scene);
 * const client = startClient(scene, target, fake, { id: 'X', name: 'Alice' });
 * const peer = await fake.waitForPeer();
 */
export async function startFakeServer(
  scene: Scene,
  label = 'fake server',
  listenOn: { readonly host: string; readonly port: number } = { host: '127.0.0.1', port: 0 },
  banner = '',
): Promise<FakeServer> {
  const server = scene.adopt(new FakeServer(scene, label, listenOn, banner));
  await server.listen();
  return server;
}
