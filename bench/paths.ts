/**
 * The three paths the benchmark compares, each giving a connected X → Y pair
 * of sockets in this process: directly, through socat as a plain byte relay,
 * and through the reference server's chat. Everything listens and connects on
 * 127.0.0.1 only, and everything is owned by the caller's scene.
 */
import net, { type Server, type Socket } from 'node:net';
import getPort from 'get-port';
import { formatExit, launch } from '../harness/process.js';
import type { Resource, Scene } from '../harness/scene.js';
import { REPO_ROOT } from '../harness/repo-root.js';

const HOST = '127.0.0.1';
const CONNECT_MS = 5000;
const EXIT_MS = 10_000;
const ACK = /^[XY]: \S+ received before [XY]: \S+$/;
const READY = /^Listening on .*:(\d+)$/;
/**
 * How much of the reference server's output the benchmark keeps (the end of
 * each stream, for error messages): it prints every relayed line, megabytes
 * per session, which is read and dropped, only counted.
 */
const KEEP_CHARS = 4096;

/** A connected X → Y pair through one path. */
export interface Session {
  readonly x: Socket;
  readonly y: Socket;
  /** The relay's process id, to read its CPU time; undefined when nothing relays. */
  readonly relayPid?: number;
  /** What the relay has printed so far, when it is a program that prints. */
  printed?(): Printed;
  /** Ends the session the path's own way (end of input, or Bye) and waits until the relay is gone. */
  close(): Promise<void>;
}

/** What a relay printed: bytes on stdout (dropped) and on stderr, and stderr's last line. */
export interface Printed {
  readonly stdoutBytes: number;
  readonly stderrBytes: number;
  readonly stderrLastLine: string;
}

/** One way from X to Y. */
export interface Path {
  readonly name: string;
  open(scene: Scene): Promise<Session>;
}

/** Sockets and listeners as one scene resource, destroyed and closed on dispose. */
class Endpoints implements Resource {
  readonly label: string;
  readonly #items: Array<Socket | Server> = [];

  constructor(label: string) {
    this.label = label;
  }

  add<T extends Socket | Server>(item: T): T {
    this.#items.push(item);
    return item;
  }

  transcript(): string {
    return `── ${this.label} (${this.#items.length} sockets and listeners in the bench process)`;
  }

  async dispose(): Promise<void> {
    for (const item of this.#items.splice(0)) {
      if (item instanceof net.Socket) item.destroy();
      else if (item.listening) await new Promise((resolve) => item.close(resolve));
    }
  }
}

/** Rejects after `ms` unless `promise` settles first. */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Listens on a free loopback port; `accepted` is the first connection (the listener then stops listening). */
async function listenOnce(endpoints: Endpoints): Promise<{ port: number; accepted: Promise<Socket> }> {
  const server = endpoints.add(net.createServer({ noDelay: true }));
  const accepted = new Promise<Socket>((resolve) => {
    server.once('connection', (socket) => {
      server.close();
      resolve(endpoints.add(socket));
    });
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen({ host: HOST, port: 0 }, resolve));
  return { port: (server.address() as net.AddressInfo).port, accepted: within(CONNECT_MS, 'a connection', accepted) };
}

/** Connects to `port` on loopback with Nagle's algorithm off, as the benchmark's own clients. */
async function connect(endpoints: Endpoints, port: number): Promise<Socket> {
  const socket = endpoints.add(net.connect({ host: HOST, port, noDelay: true }));
  await within(CONNECT_MS, `a connection to ${HOST}:${port}`, new Promise((resolve, reject) => socket.once('error', reject).once('connect', resolve)));
  return socket;
}

/** Reads one line from `socket` (then pauses it); it must be the acknowledgment. */
async function readAck(socket: Socket, who: string): Promise<void> {
  let text = '';
  const line = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('utf8');
      if (!text.includes('\n')) return;
      socket.off('data', onData).pause();
      resolve(text);
    };
    socket.on('data', onData).once('end', () => reject(new Error(`${who}'s connection ended before the acknowledgment: ${JSON.stringify(text)}`)));
  });
  const received = await within(CONNECT_MS, `the acknowledgment at ${who}`, line);
  if (!received.endsWith('\n') || !ACK.test(received.slice(0, -1))) throw new Error(`${who} received ${JSON.stringify(received)}, not one acknowledgment line`);
}

/** (a) The floor: X connects straight to Y, both in this process. */
export const direct: Path = {
  name: 'direct (no relay)',
  async open(scene) {
    const endpoints = scene.adopt(new Endpoints('direct X and Y'));
    const sink = await listenOnce(endpoints);
    const x = await connect(endpoints, sink.port);
    const y = await sink.accepted;
    return { x, y, close: async () => void (await endpoints.dispose()) };
  },
};

/** (b) socat as a plain byte relay: X → socat (listening) → Y (listening in this process). */
export const socat: Path = {
  name: 'socat',
  async open(scene) {
    const endpoints = scene.adopt(new Endpoints('socat X and Y'));
    const sink = await listenOnce(endpoints);
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      const port = await getPort({ host: HOST });
      const relay = launch(scene, {
        label: 'socat',
        argv: ['socat', `TCP-LISTEN:${port},bind=${HOST},reuseaddr`, `TCP:${HOST}:${sink.port}`],
        cwd: REPO_ROOT,
      });
      // socat cannot say when it listens: retry refused connections until it does, or exits (port taken).
      let x: Socket | undefined;
      for (const deadline = Date.now() + CONNECT_MS; !x && relay.exit === undefined && Date.now() < deadline; ) {
        x = await connect(endpoints, port).catch(() => new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 20)));
      }
      if (!x) continue;
      const y = await sink.accepted;
      const close = async (): Promise<void> => {
        x.end(); // socat passes the end of input on to Y, Y ends too, and socat exits
        y.resume();
        const exit = await relay.waitForExit(EXIT_MS);
        if (exit.code !== 0) throw new Error(`socat exited with code ${exit.code}, signal ${exit.signal}\n${relay.transcript()}`);
      };
      return { x, y, close, ...(relay.pid === undefined ? {} : { relayPid: relay.pid }) };
    }
    throw new Error('socat could not listen on a free port after 5 tries');
  },
};

/** (c) The reference server with --chat: X and Y greet, read the acknowledgment, then X's lines go to Y. */
export const reference: Path = {
  name: 'reference --chat',
  open: (scene) => openReference(scene),
};

/**
 * Opens a session through the reference server, started with `nodeArgs`
 * before its script (e.g. `--cpu-prof`). Closing it says Bye and waits for
 * the server to exit by itself, with code 0.
 */
export async function openReference(scene: Scene, nodeArgs: readonly string[] = []): Promise<Session> {
  const server = launch(scene, {
    label: 'reference server',
    argv: ['node', ...nodeArgs, 'dist/impl/server.js', '--chat', '--host', HOST, '--port', '0'],
    cwd: REPO_ROOT,
    outputLimit: KEEP_CHARS,
  });
  const port = Number(READY.exec(await server.waitForLine(READY))?.[1]);
  const endpoints = scene.adopt(new Endpoints('reference X and Y'));
  const x = await connect(endpoints, port);
  const y = await connect(endpoints, port);
  x.write('Client X: Alice\n');
  y.write('Client Y: Bob\n');
  await Promise.all([readAck(x, 'X'), readAck(y, 'Y')]);
  const close = async (): Promise<void> => {
    x.write('Bye\n');
    x.resume();
    y.resume();
    const exit = await server.waitForExit(EXIT_MS);
    if (exit.code !== 0) throw new Error(`the reference server exited with ${formatExit(exit)}\n${server.transcript()}`);
  };
  const printed = (): Printed => ({
    stdoutBytes: server.bytes('stdout'),
    stderrBytes: server.bytes('stderr'),
    stderrLastLine: server.lines('stderr').at(-1) ?? '',
  });
  return { x, y, close, printed, ...(server.pid === undefined ? {} : { relayPid: server.pid }) };
}
