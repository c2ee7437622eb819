// The fault matrix, server side: the server is hit by a fault at each stage,
// and the clients (the reference programs) end as docs/CONTRACT.md says: one
// line on stderr, exit 1, no hang, no stack trace. Where the fault only cuts
// one connection (reset and half-close, made by the harness proxy), the
// server survives and a valid X and Y arriving afterwards still complete; a
// silent server (SIGSTOP) completes once it is continued (SIGCONT).
import { expect, onTestFinished, test } from 'vitest';
import { catalogue } from './catalogue/record.js';
import { connectAndSend } from '../harness/peer.js';
import { stackTraceLines, type Child } from '../harness/process.js';
import { startProxy, type ProxiedConnection, type Proxy } from '../harness/proxy.js';
import type { Scene } from '../harness/scene.js';
import { startClient, startServer, type RunningServer } from '../grader/launch.js';
import { chatTarget, referenceTarget, type Target } from '../grader/target.js';
import { useScene } from './support/vitest.js';

const STAGES = ['before connecting', 'connected, no greeting', 'greeted, no acknowledgment', 'mid-chat'] as const;
const FAULTS = ['clean close', 'reset', 'SIGKILL', 'half-close', 'silence'] as const;
type Stage = (typeof STAGES)[number];
type Fault = (typeof FAULTS)[number];

const ACK = 'X: Alice received before Y: Bob';
const SERVER_GONE = /^Error: (the server at 127\.0\.0\.1:\d+ closed the connection before acknowledging; see its output|the connection to 127\.0\.0\.1:\d+ was reset before the acknowledgment arrived)$/;
const SERVER_GONE_IN_CHAT = /^Error: the (server closed the connection|connection to the server was lost) during the chat/;

const INDUCED: Record<Fault, string> = {
  'clean close': 'the server gets SIGTERM (its orderly stop)',
  reset: "the harness proxy resets X's connection",
  SIGKILL: 'the server is killed with SIGKILL',
  'half-close': "the harness proxy shuts down the server's side of X's connection (FIN toward X)",
  silence: 'the server is frozen with SIGSTOP, then continued with SIGCONT',
};

interface Setting {
  readonly scene: Scene;
  readonly target: Target;
  readonly server: RunningServer;
}

/**
 * A new X and Y complete the exchange directly with the surviving server, which exits 0. They are raw sockets,
 * not the reference clients: what is tested is the server's survival, and the clients' side of a completed
 * exchange is tested in every other cell (two program starts fewer for each of the five cells that end here).
 */
async function validPairCompletes({ scene, server }: Setting): Promise<void> {
  const x = await connectAndSend(scene, server, 'raw X (after)', 'Client X: Alice\n');
  await server.child.waitForLine('Received: Client X: Alice');
  const y = await connectAndSend(scene, server, 'raw Y (after)', 'Client Y: Bob\n');
  await Promise.all([x.waitForLine(ACK), y.waitForLine(ACK)]);
  expect(await server.child.waitForExit()).toEqual({ code: 0, signal: null });
  expect({ x: x.lines(), y: y.lines() }).toEqual({ x: [ACK], y: [ACK] });
}

/** Waits for every one of `children` to exit, and expects each to exit 0. */
async function allExitZero(...children: Child[]): Promise<void> {
  const exits = await Promise.all(children.map((child) => child.waitForExit()));
  expect(exits).toEqual(children.map(() => ({ code: 0, signal: null })));
}

/** Exit code and stderr lines of a client. */
async function ending(client: Child): Promise<{ code: number | null; stderr: string[] }> {
  return { code: (await client.waitForExit()).code, stderr: client.lines('stderr') };
}

/** Applies a fault that acts on the server process. */
function hitServer({ server }: Setting, fault: 'clean close' | 'SIGKILL' | 'silence'): void {
  server.child.signal({ 'clean close': 'SIGTERM', SIGKILL: 'SIGKILL', silence: 'SIGSTOP' }[fault] as NodeJS.Signals);
}

/** Applies a fault that acts on one connection, through the proxy. */
function hitConnection(connection: ProxiedConnection, fault: 'reset' | 'half-close'): void {
  if (fault === 'reset') connection.reset();
  else connection.halfCloseTowardClient();
}

const cells = STAGES.flatMap((stage) => FAULTS.map((fault) => [stage, fault] as [Stage, Fault]));

test.for(cells)('the server, %s, %s: the clients end as the contract says', async ([stage, fault], { task }) => {
  const scene = useScene();
  onTestFinished(() => expect(stackTraceLines(scene), 'no program may print a stack trace').toEqual([]));
  const target = stage === 'mid-chat' ? chatTarget(referenceTarget()) : referenceTarget();
  const setting: Setting = { scene, target, server: await startServer(scene, target) };
  const run = { 'before connecting': beforeConnecting, 'connected, no greeting': connectedNoGreeting, 'greeted, no acknowledgment': greeted, 'mid-chat': midChat }[stage];
  const behaviour = await run(setting, fault);
  catalogue(task, {
    case: `the server is hit by ${fault} (${stage})`,
    induced: INDUCED[fault],
    behaviour,
    improvement:
      fault === 'silence'
        ? 'clients wait without a time limit for a frozen server; a timeout with a clear message would end the wait'
        : 'clients could reconnect and greet again instead of giving up',
  });
});

async function beforeConnecting(setting: Setting, fault: Fault): Promise<string> {
  const { scene, target, server } = setting;
  if (fault === 'clean close' || fault === 'SIGKILL') {
    hitServer(setting, fault);
    await server.child.waitForExit();
    const x = startClient(scene, target, server, { id: 'X', name: 'Alice' });
    expect(await ending(x)).toEqual({
      code: 1,
      stderr: [`Error: nothing is listening on 127.0.0.1:${server.port} (connection refused); start the server first, or check --host and --port`],
    });
    return 'the server is gone; a client then started says nothing is listening, in one line, and exits 1';
  }
  if (fault === 'silence') {
    hitServer(setting, fault);
    const x = startClient(scene, target, server, { id: 'X', name: 'Alice' });
    const y = startClient(scene, target, server, { id: 'Y', name: 'Bob' });
    await Promise.all([x.waitForLine('Sent: Client X: Alice'), y.waitForLine('Sent: Client Y: Bob')]);
    expect([x.exit, y.exit]).toEqual([undefined, undefined]); // both still waiting for the frozen server
    server.child.signal('SIGCONT');
    await allExitZero(x, y, server.child);
    return 'connections wait in the kernel while the server is frozen; once continued it completes the exchange and all exit 0';
  }
  // reset / half-close: the connection is cut as it arrives, before anything reaches the server.
  const proxy = await startProxy(scene, server, { hold: true }, 'proxy X→server');
  const x = startClient(scene, target, proxy, { id: 'X', name: 'Alice' });
  hitConnection(await proxy.waitForConnection(), fault);
  expect(await ending(x)).toEqual({ code: 1, stderr: [expect.stringMatching(SERVER_GONE)] });
  await validPairCompletes(setting);
  return `X says in one line that its connection was ${fault === 'reset' ? 'reset' : 'closed'} and exits 1; the server survives and a new X and Y complete`;
}

async function connectedNoGreeting(setting: Setting, fault: Fault): Promise<string> {
  const { scene, target, server } = setting;
  const proxy: Proxy = await startProxy(scene, server, { hold: true }, 'proxy X→server (holding the greeting)');
  const x = startClient(scene, target, proxy, { id: 'X', name: 'Alice' });
  const connection = await proxy.waitForConnection();
  await x.waitForLine('Sent: Client X: Alice');
  if (fault === 'reset' || fault === 'half-close') {
    hitConnection(connection, fault);
    expect(await ending(x)).toEqual({ code: 1, stderr: [expect.stringMatching(SERVER_GONE)] });
    await validPairCompletes(setting);
    return `X says in one line that its connection was ${fault === 'reset' ? 'reset' : 'closed'} and exits 1; the server survives and a new X and Y complete`;
  }
  if (fault === 'silence') {
    await frozenThenContinued(setting, x, () => connection.release());
    return 'X and Y wait while the server is frozen; once continued it completes the exchange and all exit 0';
  }
  return serverStops(setting, x, fault);
}

async function greeted(setting: Setting, fault: Fault): Promise<string> {
  const { scene, target, server } = setting;
  const proxy = await startProxy(scene, server, {}, 'proxy X→server');
  const x = startClient(scene, target, proxy, { id: 'X', name: 'Alice' });
  const connection = await proxy.waitForConnection();
  await server.child.waitForLine('Received: Client X: Alice');
  if (fault === 'reset') {
    hitConnection(connection, fault);
    expect(await ending(x)).toEqual({ code: 1, stderr: [expect.stringMatching(SERVER_GONE)] });
    await server.child.waitForLine('Client X disconnected before the acknowledgment; waiting for another client X', 'stderr');
    await validPairCompletes(setting);
    return 'X says in one line that its connection was reset and exits 1; the server frees its place and a new X and Y complete';
  }
  if (fault === 'half-close') {
    hitConnection(connection, fault);
    expect(await ending(x)).toEqual({ code: 1, stderr: [expect.stringMatching(SERVER_GONE)] });
    const y = startClient(scene, target, server, { id: 'Y', name: 'Bob' });
    await allExitZero(y, server.child);
    expect(y.lines().at(-1)).toBe(`Received: ${ACK}`);
    return 'X says in one line that the server closed and exits 1; the server still holds X (a FIN looks like a half-close), so Y completes with it';
  }
  if (fault === 'silence') {
    await frozenThenContinued(setting, x, () => {});
    return 'Y connects and greets while the server is frozen; once continued it completes the exchange and all exit 0';
  }
  return serverStops(setting, x, fault);
}

/** Freezes the server, lets Y connect and greet (after `meanwhile`), continues it: X, Y and the server exit 0. */
async function frozenThenContinued({ scene, target, server }: Setting, x: Child, meanwhile: () => void): Promise<void> {
  server.child.signal('SIGSTOP');
  meanwhile();
  const y = startClient(scene, target, server, { id: 'Y', name: 'Bob' });
  await y.waitForLine('Sent: Client Y: Bob');
  server.child.signal('SIGCONT');
  await allExitZero(x, y, server.child);
}

/** SIGTERM or SIGKILL to the server while X waits for its acknowledgment. */
async function serverStops(setting: Setting, x: Child, fault: 'clean close' | 'SIGKILL'): Promise<string> {
  hitServer(setting, fault);
  const expected =
    fault === 'clean close' ? ['Error: the server refused the greeting: the server was stopped'] : [expect.stringMatching(SERVER_GONE)];
  expect(await ending(x)).toEqual({ code: 1, stderr: expected });
  expect((await setting.server.child.waitForExit()).code).toBe(fault === 'clean close' ? 1 : null);
  return fault === 'clean close'
    ? 'the server tells X "Error: the server was stopped" and exits 1; X prints it in one line and exits 1'
    : 'X says in one line that the server closed the connection and exits 1';
}

async function midChat(setting: Setting, fault: Fault): Promise<string> {
  const { scene, target, server } = setting;
  const proxy = await startProxy(scene, server, {}, 'proxy X→server');
  const x = startClient(scene, target, proxy, { id: 'X', name: 'Alice' });
  const connection = await proxy.waitForConnection();
  await server.child.waitForLine('Received: Client X: Alice');
  const y = startClient(scene, target, server, { id: 'Y', name: 'Bob' });
  await Promise.all([x.waitForLine(`Received: ${ACK}`), y.waitForLine(`Received: ${ACK}`)]);
  await server.child.waitForLine('Sent acknowledgment to both X and Y');
  if (fault === 'silence') {
    hitServer(setting, fault);
    y.write('hello\n');
    await y.waitForLine('Y: hello');
    server.child.signal('SIGCONT');
    await x.waitForLine('Y: hello');
    y.write('Bye\n');
    expect((await Promise.all([x.waitForExit(), y.waitForExit(), server.child.waitForExit()])).map((e) => e.code)).toEqual([0, 0, 0]);
    return 'a line typed while the server is frozen is delivered once it is continued; Bye then ends the chat with exit 0 everywhere';
  }
  if (fault === 'reset' || fault === 'half-close') {
    hitConnection(connection, fault);
    expect({ x: await ending(x), y: await ending(y), server: (await server.child.waitForExit()).code }).toEqual({
      x: { code: 1, stderr: [expect.stringMatching(SERVER_GONE_IN_CHAT)] },
      y: { code: 1, stderr: ['Error: client X left without saying Bye; the chat is over'] },
      server: 1,
    });
    return 'X says in one line that its connection is gone and exits 1; the server tells Y that X left and both exit 1';
  }
  hitServer(setting, fault);
  const expected = fault === 'clean close' ? ['Error: the server was stopped'] : [expect.stringMatching(SERVER_GONE_IN_CHAT)];
  expect({ x: await ending(x), y: await ending(y) }).toEqual({ x: { code: 1, stderr: expected }, y: { code: 1, stderr: expected } });
  return fault === 'clean close'
    ? 'both clients are told "Error: the server was stopped" and exit 1'
    : 'each client says in one line that the server closed the connection and exits 1';
}
