/**
 * A TCP proxy placed between a client and the server. It shapes the client's
 * bytes on their way to the server (hold until released, pass in slices of N
 * bytes, delay each slice) and can reset a connection. This is how the suite
 * forces an arrival order and fragments a greeting without touching the
 * program under test. Bytes from the server pass through untouched.
 */
import { EventEmitter } from 'node:events';
import net, { type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { resetSocket } from './reset.js';
import type { Resource, Scene } from './scene.js';
import { waitUntil } from './wait.js';

/** How a connection's client-to-server bytes are shaped. */
export interface Shape {
  /** Keep every byte until {@link ProxiedConnection.release} is called. */
  readonly hold?: boolean;
  /** Forward at most this many bytes per write (each its own TCP segment). */
  readonly sliceBytes?: number;
  /** Pause this long after each write: the spacing itself is under test. */
  readonly gapMs?: number;
}

/** One client connection through the proxy. */
export class ProxiedConnection {
  /** Bytes the client has sent to the proxy. */
  received = 0;
  /** Bytes passed on to the server. */
  forwarded = 0;
  /** Separate writes made to the server (each its own TCP segment). */
  writes = 0;
  /** Whether the upstream connection to the server is established. */
  upstreamConnected = false;
  readonly #client: Socket;
  readonly #upstream: Socket;
  readonly #shape: Shape;
  readonly #queue: Buffer[] = [];
  readonly #changed: () => void;
  #holding: boolean;
  #pumping = false;
  #clientEnded = false;

  /**
   * Joins an accepted `client` socket to a fresh `upstream` one to the
   * server, queueing the client's bytes until upstream connects (and, with
   * `shape.hold`, until released). `changed` is called whenever a count or
   * state a test may wait on changes. Made by {@link Proxy}, not by tests.
   */
  constructor(client: Socket, upstream: Socket, shape: Shape, changed: () => void) {
    this.#client = client;
    this.#upstream = upstream;
    this.#shape = shape;
    this.#holding = shape.hold === true;
    this.#changed = changed;
    upstream.setNoDelay(true);
    client.on('data', (chunk: Buffer) => {
      this.received += chunk.length;
      this.#queue.push(chunk);
      changed();
      void this.#pump();
    });
    client.on('end', () => {
      this.#clientEnded = true;
      void this.#pump();
    });
    upstream.on('connect', () => {
      this.upstreamConnected = true;
      changed();
      void this.#pump();
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    upstream.on('end', () => client.end());
    // Either side failing takes the other down the same way.
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => changed());
    upstream.on('close', () => changed());
  }

  /** Starts forwarding what was held, and everything after it. */
  release(): void {
    this.#holding = false;
    void this.#pump();
  }

  /** Ends the server-to-client direction only (FIN toward the client), as a server that half-closes would. */
  halfCloseTowardClient(): void {
    this.#client.end();
  }

  /** Resets both sides (TCP RST), as a crashed peer or a broken network would. */
  reset(): void {
    resetSocket(this.#client);
    resetSocket(this.#upstream);
    this.#changed();
  }

  /** Destroys both sockets. */
  destroy(): void {
    this.#client.destroy();
    this.#upstream.destroy();
  }

  async #pump(): Promise<void> {
    if (this.#pumping || !this.upstreamConnected) return;
    this.#pumping = true;
    const slice = this.#shape.sliceBytes ?? Number.POSITIVE_INFINITY;
    while (!this.#holding && this.#queue.length > 0 && !this.#upstream.destroyed) {
      const chunk = this.#queue.shift() as Buffer;
      if (chunk.length > slice) this.#queue.unshift(chunk.subarray(slice));
      const part = chunk.subarray(0, Math.min(slice, chunk.length));
      await new Promise<void>((resolve) => this.#upstream.write(part, () => resolve()));
      this.forwarded += part.length;
      this.writes += 1;
      this.#changed();
      if (this.#shape.gapMs) await delay(this.#shape.gapMs); // deliberate gap: separate segments are under test
    }
    this.#pumping = false;
    if (this.#clientEnded && !this.#holding && this.#queue.length === 0 && !this.#upstream.destroyed) this.#upstream.end();
  }
}

/**
 * A listening proxy to one upstream server. Create with {@link startProxy}.
 */
export class Proxy implements Resource {
  readonly label: string;
  readonly host = '127.0.0.1';
  readonly connections: ProxiedConnection[] = [];
  readonly #server: net.Server;
  readonly #scene: Scene;
  readonly #updates = new EventEmitter();

  /**
   * Prepares a proxy that opens one connection to `upstream` per client it
   * accepts, shaping each as `shape` says; it listens only on
   * {@link Proxy.listen}. Prefer {@link startProxy}, which also hands it to
   * `scene`.
   */
  constructor(scene: Scene, label: string, upstream: { host: string; port: number }, shape: Shape) {
    this.label = label;
    this.#scene = scene;
    this.#updates.setMaxListeners(0);
    this.#server = net.createServer({ allowHalfOpen: true }, (client) => {
      const socket = net.connect({ host: upstream.host, port: upstream.port, allowHalfOpen: true });
      this.connections.push(new ProxiedConnection(client, socket, shape, () => this.#updates.emit('update')));
      this.#updates.emit('update');
    });
  }

  /** The port clients should connect to. */
  get port(): number {
    return (this.#server.address() as net.AddressInfo).port;
  }

  /** Listens on a port the system picks on loopback, so it cannot collide with anything. */
  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen({ host: this.host, port: 0 }, resolve);
    });
  }

  /** Waits until connection number `index` (0-based) is connected through to the server. */
  async waitForConnection(index = 0): Promise<ProxiedConnection> {
    await waitUntil({
      emitter: this.#updates,
      done: () => this.connections[index]?.upstreamConnected === true,
      what: `${this.label} to connect client #${index + 1} through to the server`,
      context: () => this.#scene.transcript(),
      error: new Error('waitForConnection'),
    });
    return this.connections[index] as ProxiedConnection;
  }

  /** Waits until connection `index` has received at least `bytes` bytes from its client. */
  async waitForReceived(bytes: number, index = 0): Promise<ProxiedConnection> {
    await waitUntil({
      emitter: this.#updates,
      done: () => (this.connections[index]?.received ?? 0) >= bytes,
      what: `${this.label} to receive ${bytes} bytes from client #${index + 1}`,
      context: () => this.#scene.transcript(),
      error: new Error('waitForReceived'),
    });
    return this.connections[index] as ProxiedConnection;
  }

  /** Its port and, per connection, the bytes received from the client and forwarded so far: a held or short count shows where bytes stopped. */
  transcript(): string {
    const rows = this.connections.map(
      (c, i) => `  | #${i + 1}: ${c.received} bytes from the client, ${c.forwarded} forwarded to the server`,
    );
    return [`── ${this.label} (port ${this.#server.listening ? this.port : 'closed'})`, ...rows].join('\n');
  }

  /** Destroys every proxied connection (both sides) and closes the listener. */
  async dispose(): Promise<void> {
    for (const connection of this.connections) connection.destroy();
    if (!this.#server.listening) return;
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/**
 * Starts a proxy on a free loopback port that forwards to `upstream`.
 *
 * @example
 * const proxy = await startProxy(scene, server, { hold: true });
 * const x = startClient(scene, target, proxy, { id: 'X', name: 'Alice' });
 * (await proxy.waitForConnection()).release();
 */
export async function startProxy(
  scene: Scene,
  upstream: { host: string; port: number },
  shape: Shape = {},
  label = 'proxy',
): Promise<Proxy> {
  const proxy = scene.adopt(new Proxy(scene, label, upstream, shape));
  await proxy.listen();
  return proxy;
}
