// The fault matrix, client side: client X or Y is hit by a fault (clean close,
// reset, SIGKILL, half-close, silence) at each stage of the exchange, and the
// survivors do what docs/CONTRACT.md says, within the harness's bounds: no
// hang, no stack trace, the one-line messages, the exit codes; where the
// server survives, a client arriving afterwards still completes the exchange.
// Client X's cells run the real server program; the mirrored cells of client Y
// run the same server engine inside this process (spec/support/in-process-
// server.ts), since what differs there is the server's logic, not its process:
// its console and exit code are the engine's own.
import { expect, onTestFinished, test } from 'vitest';
import { catalogue } from './catalogue/record.js';
import { connectAndSend, connectPeer, type Peer } from '../harness/peer.js';
import { launch, stackTraceLines, type Child } from '../harness/process.js';
import { startProxy } from '../harness/proxy.js';
import type { Scene } from '../harness/scene.js';
import { startClient, startServer } from '../grader/launch.js';
import { chatTarget, referenceTarget } from '../grader/target.js';
import { REPO_ROOT } from '../harness/repo-root.js';
import { startInProcessServer } from './support/in-process-server.js';
import { useScene } from './support/vitest.js';
import type { ClientId } from '../impl/protocol.js';

const STAGES = ['before connecting', 'connected, no greeting', 'greeted, no acknowledgment', 'mid-chat'] as const;
const FAULTS = ['clean close', 'reset', 'SIGKILL', 'half-close', 'silence'] as const;
type Stage = (typeof STAGES)[number];
type Fault = (typeof FAULTS)[number];

const NAMES: Record<ClientId, string> = { X: 'Alice', Y: 'Bob' };
const STAND_IN = 'Carol'; // the client that takes a freed place

/** How each fault is made to happen, for the catalogue. */
const INDUCED: Record<Fault, string> = {
  'clean close': 'a raw socket closes (FIN)',
  reset: 'the harness proxy resets the connection (RST)',
  SIGKILL: 'a client process is killed with SIGKILL',
  'half-close': 'a raw socket shuts down its sending side and keeps reading',
  silence: 'a raw socket stays connected and sends nothing more',
};

/** The server a cell runs against: what the spec needs of it, whether it is a program or the engine in this process. */
interface CellServer {
  readonly host: string;
  readonly port: number;
  /** Resolves once it has printed `line` on `stream` (stdout by default). */
  waitForLine(line: string | RegExp, stream?: 'stdout' | 'stderr'): Promise<unknown>;
  /** Its exit code, once it has ended. */
  exitCode(): Promise<number | null>;
  /** What it has printed on stderr. */
  errors(): string[];
}

/** The real server program for client X's cells; for client Y's mirrored ones, its engine in this process. */
async function serverFor(scene: Scene, role: ClientId, chat: boolean): Promise<CellServer> {
  if (role === 'Y') {
    const engine = await startInProcessServer({ chat });
    return {
      host: engine.host,
      port: engine.port,
      waitForLine: (line, stream = 'stdout') => engine.waitForLine(line, undefined, stream),
      exitCode: () => engine.closed,
      errors: () => [...engine.output.errors],
    };
  }
  const target = chat ? chatTarget(referenceTarget()) : referenceTarget();
  const { host, port, child } = await startServer(scene, target);
  return {
    host,
    port,
    waitForLine: (line, stream = 'stdout') => child.waitForLine(line, stream),
    exitCode: async () => {
      const exit = await child.waitForExit();
      expect(exit.signal, 'the server program ends by itself, not by a signal').toBeNull();
      return exit.code;
    },
    errors: () => child.lines('stderr'),
  };
}

/** A client that can be hit by its fault once it has reached a stage. */
interface Faulty {
  /** Applies the fault. */
  hit(): void;
  /** The raw socket, for the faults that use one (all but SIGKILL). */
  peer?: Peer;
}

/** Connects the faulty client in the way its fault needs, optionally sending its greeting. */
async function connectFaulty(scene: Scene, server: CellServer, id: ClientId, fault: Fault, greeting?: string): Promise<Faulty> {
  if (fault === 'SIGKILL') {
    const child = launch(scene, {
      label: `bare client ${id}`,
      argv: ['node', 'fixtures/harness/bare-client.mjs', String(server.port), ...(greeting ? [greeting] : [])],
      cwd: REPO_ROOT,
    });
    await child.waitForLine(greeting ? 'sent' : 'connected');
    return { hit: () => child.signal('SIGKILL') };
  }
  if (fault === 'reset') {
    const proxy = await startProxy(scene, server, {}, `proxy ${id}→server`);
    const peer = await connectPeer(scene, proxy, `raw ${id} (via proxy)`);
    const connection = await proxy.waitForConnection();
    if (greeting) await peer.send(`${greeting}\n`);
    return { peer, hit: () => connection.reset() };
  }
  const peer: Peer = greeting ? await connectAndSend(scene, server, `raw ${id}`, `${greeting}\n`) : await connectPeer(scene, server, `raw ${id}`);
  const hit = { 'clean close': () => peer.close(), 'half-close': () => peer.end(), silence: () => {} }[fault];
  return { peer, hit };
}

const cells = (['X', 'Y'] as const).flatMap((role) =>
  STAGES.flatMap((stage) => FAULTS.map((fault) => [role, stage, fault] as [ClientId, Stage, Fault])),
);

test.for(cells)('client %s, %s, %s: the survivors carry on as the contract says', async ([role, stage, fault], { task }) => {
  const other: ClientId = role === 'X' ? 'Y' : 'X';
  const scene = useScene();
  onTestFinished(() => expect(stackTraceLines(scene), 'no program may print a stack trace').toEqual([]));
  if (stage === 'mid-chat') {
    const outcome = await midChat(scene, role, other, fault);
    catalogue(task, {
      case: `client ${role} is hit by ${fault} mid-chat`,
      induced: INDUCED[fault],
      behaviour: outcome,
      improvement:
        fault === 'silence' ? 'none: silence is a quiet chat partner' : 'the server could keep the chat open and let the other wait for a returning client',
    });
    return;
  }
  const outcome = await beforeAcknowledgment(scene, role, other, stage, fault);
  catalogue(task, {
    case: `client ${role} is hit by ${fault} (${stage})`,
    induced: stage === 'before connecting' ? 'the client never connects: its process is killed at start, or it stays away' : INDUCED[fault],
    behaviour: outcome,
    improvement:
      stage === 'greeted, no acknowledgment' && (fault === 'clean close' || fault === 'SIGKILL')
        ? 'a closed client looks like a half-closed one (both send FIN); an application-level keepalive would tell them apart'
        : 'none needed: the place is freed or kept as the contract says',
  });
});

/** Greets as `id` with its usual name from a raw socket. */
function greet(scene: Scene, server: CellServer, id: ClientId): Promise<Peer> {
  return connectAndSend(scene, server, `raw ${id}`, `Client ${id}: ${NAMES[id]}\n`);
}

/** Stages 1–3: the faulty client is hit before the acknowledgment; the exchange still completes. */
async function beforeAcknowledgment(scene: Scene, role: ClientId, other: ClientId, stage: Stage, fault: Fault): Promise<string> {
  const server = await serverFor(scene, role, false);

  if (stage === 'before connecting') {
    if (fault === 'SIGKILL' || fault === 'clean close') {
      const doomed = startClient(scene, referenceTarget(), server, { id: role, name: NAMES[role] });
      doomed.signal(fault === 'SIGKILL' ? 'SIGKILL' : 'SIGTERM'); // before node has run a line: no connection yet
      await doomed.waitForExit();
    }
    const survivor = await greet(scene, server, other);
    await server.waitForLine(`Received: Client ${other}: ${NAMES[other]}`);
    return completeWithStandIn(scene, server, survivor, role, other, 'the server keeps waiting');
  }

  if (stage === 'connected, no greeting') {
    const faulty = await connectFaulty(scene, server, role, fault);
    faulty.hit();
    const survivor = await greet(scene, server, other);
    await server.waitForLine(`Received: Client ${other}: ${NAMES[other]}`);
    if (fault === 'silence') {
      await completeWithStandIn(scene, server, survivor, role, other, '');
      await faulty.peer?.waitForEnd();
      expect(faulty.peer?.lines()).toEqual(['Error: the server already has X and Y and is closing']);
      return 'the silent connection blocks nobody; when X and Y are done it is told "Error: the server already has X and Y and is closing"';
    }
    const note = fault === 'reset' ? /^Connection from .* failed: ECONNRESET$/ : /^Connection from .* closed before sending a greeting$/;
    await server.waitForLine(note, 'stderr');
    return completeWithStandIn(scene, server, survivor, role, other, 'the server notes the lost connection on stderr');
  }

  // Greeted, no acknowledgment: the faulty client greets first, and the other is not there yet.
  const faulty = await connectFaulty(scene, server, role, fault, `Client ${role}: ${NAMES[role]}`);
  await server.waitForLine(`Received: Client ${role}: ${NAMES[role]}`);
  faulty.hit();
  if (fault === 'reset') {
    await server.waitForLine(`Client ${role} disconnected before the acknowledgment; waiting for another client ${role}`, 'stderr');
    const survivor = await greet(scene, server, other);
    await server.waitForLine(`Received: Client ${other}: ${NAMES[other]}`);
    return completeWithStandIn(scene, server, survivor, role, other, `the server frees ${role}'s place`);
  }
  if (fault !== 'silence') {
    await server.waitForLine(`Client ${role} closed its sending side; it still gets the acknowledgment`, 'stderr');
  }
  const latecomer = await connectAndSend(scene, server, `raw ${role} (second)`, `Client ${role}: Mallory\n`);
  await latecomer.waitForEnd();
  expect(latecomer.lines()).toEqual([`Error: client ${role} is already connected; only one X and one Y are served`]);
  // The faulty client keeps its place, and the exchange completes with it.
  const survivor = await greet(scene, server, other);
  const ack = `${role}: ${NAMES[role]} received before ${other}: ${NAMES[other]}`;
  await survivor.waitForLine(ack);
  expect(await server.exitCode()).toBe(0);
  const reads = fault === 'half-close' || fault === 'silence';
  if (reads) await faulty.peer?.waitForLine(ack);
  return `${role} keeps its place (a FIN looks like a half-close), a second ${role} is refused, the exchange completes and the server exits 0${
    reads ? `, ${role} receiving the acknowledgment` : ''
  }`;
}

/** A stand-in for the faulty client greets; the survivor and it get the acknowledgment; the server exits 0. */
async function completeWithStandIn(scene: Scene, server: CellServer, survivor: Peer, role: ClientId, other: ClientId, first: string): Promise<string> {
  const standIn = await connectAndSend(scene, server, `raw ${role} (stand-in)`, `Client ${role}: ${STAND_IN}\n`);
  const ack = ackFor(other, role, STAND_IN);
  await Promise.all([survivor.waitForLine(ack), standIn.waitForLine(ack)]);
  expect(await server.exitCode()).toBe(0);
  return `${first ? `${first}; ` : ''}a client ${role} arriving afterwards completes the exchange and the server exits 0`;
}

/** The acknowledgment when `first` (with its usual name) arrived before `second` named `secondName`. */
function ackFor(first: ClientId, second: ClientId, secondName: string): string {
  return `${first}: ${NAMES[first]} received before ${second}: ${secondName}`;
}

/** Stage 4: the faulty client greets first, the other is the reference chat client; then the fault. */
async function midChat(scene: Scene, role: ClientId, other: ClientId, fault: Fault): Promise<string> {
  const target = chatTarget(referenceTarget());
  const server = await serverFor(scene, role, true);
  const faulty = await connectFaulty(scene, server, role, fault, `Client ${role}: ${NAMES[role]}`);
  await server.waitForLine(`Received: Client ${role}: ${NAMES[role]}`);
  const survivor: Child = startClient(scene, target, server, { id: other, name: NAMES[other] });
  await survivor.waitForLine(`Received: ${ackFor(role, other, NAMES[other])}`);
  await server.waitForLine('Sent acknowledgment to both X and Y');
  faulty.hit();

  if (fault === 'silence') {
    survivor.write('still there?\nBye\n');
    await faulty.peer?.waitForLine('still there?');
    const [serverCode, survivorExit] = await Promise.all([server.exitCode(), survivor.waitForExit()]);
    expect({ server: serverCode, survivor: survivorExit.code, stderr: survivor.lines('stderr') }).toEqual({
      server: 0,
      survivor: 0,
      stderr: [],
    });
    return 'the chat goes on: the silent client still receives lines, and a Bye ends it with exit 0 everywhere';
  }
  const [serverCode, survivorExit] = await Promise.all([server.exitCode(), survivor.waitForExit()]);
  expect({
    server: serverCode,
    serverSays: server.errors(),
    survivor: survivorExit.code,
    survivorSays: survivor.lines('stderr'),
  }).toEqual({
    server: 1,
    serverSays: [`Client ${role} disconnected without saying Bye; closing the chat`],
    survivor: 1,
    survivorSays: [`Error: client ${role} left without saying Bye; the chat is over`],
  });
  return `the server tells ${other} "Error: client ${role} left without saying Bye; the chat is over", closes, and both exit 1`;
}
