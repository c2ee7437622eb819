// The reference server alone, driven by scripted raw-socket peers: who it
// accepts, what it refuses, and that the valid pair always completes.
import { describe, expect, test } from 'vitest';
import { catalogue, type FailureCase } from './catalogue/record.js';
import { runInOrder } from '../grader/exchange.js';
import { connectAndSend, connectPeer, type Peer } from '../harness/peer.js';
import type { Scene } from '../harness/scene.js';
import { startServer, type RunningServer } from '../grader/launch.js';
import { referenceTarget } from '../grader/target.js';
import { hasIpv6Loopback } from './support/network.js';
import { startInProcessServer, type InProcessServer } from './support/in-process-server.js';
import { completeValidPair } from './support/valid-pair.js';
import { useScene } from './support/vitest.js';

const ACK = 'X: Alice received before Y: Bob';

/** Connects a raw peer and sends `line` + newline. */
function greet(scene: Scene, server: RunningServer | InProcessServer, label: string, line: string): Promise<Peer> {
  return connectAndSend(scene, server, label, `${line}\n`);
}


describe('an invalid greeting', () => {
  /** The parts of each row's catalogue record that differ from row to row. */
  type Varying = Pick<FailureCase, 'case' | 'improvement'>;
  test.for<[string, string, string, Varying]>([
    ['a plain name', 'Alice', 'expected a greeting "Client X: <name>" or "Client Y: <name>"', {
      case: 'A connection sends a line that is not a greeting at all',
      improvement: 'The refusal does not quote what was received, so the author of a broken client has to capture its traffic to see what it really sent.',
    }],
    ['a lower-case greeting', 'client x: Alice', 'expected a greeting "Client X: <name>" or "Client Y: <name>"', {
      case: 'A greeting with the wrong case (`client x:`)',
      improvement: 'The server gives the generic expected-greeting reason and could instead point out that `Client` and the id are case-sensitive.',
    }],
    ['an id Z', 'Client Z: Zed', 'expected a greeting "Client X: <name>" or "Client Y: <name>"', {
      case: 'A greeting for an id other than X or Y',
      improvement: 'The generic reason does not say that only the ids X and Y exist; a specific message would.',
    }],
    ['an empty name', 'Client X:', 'the name is empty; send "Client X: <name>"', {
      case: 'A greeting with an empty name',
      improvement: 'Only hand-made clients reach this (the reference client refuses an empty --name before connecting), and the refused client must reconnect to try again.',
    }],
    ['a 257-byte name', `Client Y: ${'n'.repeat(257)}`, 'the name is 257 bytes long; the limit is 256 bytes of UTF-8', {
      case: 'A greeting whose name is over 256 bytes',
      improvement: 'The limit counts UTF-8 bytes, so a name of 86 CJK characters is refused although it looks short on screen.',
    }],
    ['a 1025-byte line', 'x'.repeat(1025), 'the line is longer than 1024 bytes; send shorter lines ending in a newline', {
      case: 'A line over 1024 bytes where a greeting should be',
      improvement: 'The limit is fixed in the protocol module; a --max-line option would be needed to serve longer lines.',
    }],
  ])('%s is answered with one Error line and closed, and X and Y still complete', async ([, line, reason, varying], { task }) => {
    catalogue(task, {
      ...varying,
      induced: 'A raw socket sends that line, then a raw X and Y greet validly.',
      behaviour: `The server answers \`Error: ${reason}\`, closes that connection, logs one \`Rejected …\` line on stderr, and X and Y still complete with exit 0.`,
    });
    // Which lines are refused, and why, is the engine's logic: run in-process (spec/support/in-process-server.ts).
    const scene = useScene();
    const server = await startInProcessServer();
    const bad = await greet(scene, server, 'bad peer', line);
    await bad.waitForEnd();
    expect(bad.lines()).toEqual([`Error: ${reason}`]);
    await completeValidPair(scene, server);
    expect(await server.closed).toBe(0);
    expect(server.output.errors).toEqual([expect.stringMatching(/^Rejected 127\.0\.0\.1:\d+: /)]);
  });

  test('the real server answers one with one Error line, logs it on stderr, and X and Y still complete with exit 0', async () => {
    const scene = useScene();
    const server = await startServer(scene, referenceTarget());
    const bad = await greet(scene, server, 'bad peer', 'Alice');
    await bad.waitForEnd();
    expect(bad.lines()).toEqual(['Error: expected a greeting "Client X: <name>" or "Client Y: <name>"']);
    await completeValidPair(scene, server);
    expect(await server.child.waitForExit()).toEqual({ code: 0, signal: null });
    expect(server.child.lines('stderr')).toEqual([expect.stringMatching(/^Rejected 127\.0\.0\.1:\d+: /)]);
  });
});

describe('places for X and Y', () => {
  test('a second X while one is held is refused, and the first X completes', async ({ task }) => {
    catalogue(task, {
      case: 'A second client X while one is held',
      induced: 'Two raw sockets greet as `Client X:`, the second after the server printed the first.',
      behaviour: 'The second is answered `Error: client X is already connected; only one X and one Y are served` and closed; the first X and a Y get the acknowledgment.',
      improvement: 'Whoever greets first as X takes the place, since the protocol has no authentication, so an impostor who is quicker wins.',
    });
    const scene = useScene();
    const server = await startServer(scene, referenceTarget());
    const x = await greet(scene, server, 'X', 'Client X: Alice');
    await server.child.waitForLine('Received: Client X: Alice');
    const intruder = await greet(scene, server, 'second X', 'Client X: Mallory');
    await intruder.waitForEnd();
    expect(intruder.lines()).toEqual(['Error: client X is already connected; only one X and one Y are served']);
    const y = await greet(scene, server, 'Y', 'Client Y: Bob');
    await Promise.all([x.waitForLine(ACK), y.waitForLine(ACK)]);
  });

  test('a connection that closes before greeting blocks nobody', async ({ task }) => {
    catalogue(task, {
      case: 'A connection that closes before greeting',
      induced: 'A raw socket connects and closes its sending side (FIN) without sending anything.',
      behaviour: 'The server logs `Connection from … closed before sending a greeting` on stderr, and a valid X and Y still complete with exit 0.',
      improvement: 'Every such connection adds a line on stderr, so a port scan floods the log; repeated ones could be summarised.',
    });
    const scene = useScene();
    const server = await startServer(scene, referenceTarget());
    const quitter = await connectPeer(scene, server, 'quitter');
    quitter.end();
    await server.child.waitForLine(/^Connection from 127\.0\.0\.1:\d+ closed before sending a greeting$/, 'stderr');
    await completeValidPair(scene, server);
    expect(await server.child.waitForExit()).toEqual({ code: 0, signal: null });
  });

  test('a silent connection does not block X and Y, and is told the server is closing', async ({ task }) => {
    catalogue(task, {
      case: 'A connection that never sends anything',
      induced: 'A raw socket connects and stays silent while a raw X and Y greet.',
      behaviour: 'X and Y get the acknowledgment regardless, and the silent connection is told `Error: the server already has X and Y and is closing` and closed.',
      improvement: 'A silent connection is held without a time limit until the exchange ends, so a greeting timeout or a cap on connections would bound what many of them cost.',
    });
    const scene = useScene();
    const server = await startServer(scene, referenceTarget());
    const silent = await connectPeer(scene, server, 'silent');
    await completeValidPair(scene, server);
    await silent.waitForEnd();
    expect(silent.lines()).toEqual(['Error: the server already has X and Y and is closing']);
  });

  test('a held X whose connection is reset frees its place for another X', async ({ task }) => {
    catalogue(task, {
      case: 'X\'s connection is reset after its greeting, before the acknowledgment',
      induced: 'The raw X socket is reset (RST, `resetAndDestroy`) after the server printed its greeting.',
      behaviour: 'The server logs `Client X disconnected before the acknowledgment; waiting for another client X`, and a new X (Carol) takes the place and completes with Y.',
      improvement: 'Only a reset or close is noticed: a client whose host vanishes without a word keeps its place, which TCP keepalive or an application-level ping would detect.',
    });
    const scene = useScene();
    const server = await startServer(scene, referenceTarget());
    const first = await greet(scene, server, 'X (reset)', 'Client X: Alice');
    await server.child.waitForLine('Received: Client X: Alice');
    first.reset();
    await server.child.waitForLine('Client X disconnected before the acknowledgment; waiting for another client X', 'stderr');
    const x = await greet(scene, server, 'X (Carol)', 'Client X: Carol');
    await server.child.waitForLine('Received: Client X: Carol');
    const y = await greet(scene, server, 'Y', 'Client Y: Bob');
    const ack = 'X: Carol received before Y: Bob';
    await Promise.all([x.waitForLine(ack), y.waitForLine(ack)]);
  });

  test('a held X that half-closes its connection still gets the acknowledgment', async ({ task }) => {
    catalogue(task, {
      case: 'X half-closes its connection (shuts down its sending side) after greeting',
      induced: 'The raw X socket calls `end()` (FIN) right after its greeting.',
      behaviour: 'The server logs `Client X closed its sending side; it still gets the acknowledgment`, keeps X\'s place, and both X and Y receive the acknowledgment.',
      improvement: 'A client that closed fully after greeting looks the same (both send FIN), so the server keeps its place and writes the acknowledgment into a socket nobody reads (CONTRACT section 8).',
    });
    const scene = useScene();
    const server = await startServer(scene, referenceTarget());
    const x = await greet(scene, server, 'X', 'Client X: Alice');
    x.end();
    await server.child.waitForLine('Client X closed its sending side; it still gets the acknowledgment', 'stderr');
    const y = await greet(scene, server, 'Y', 'Client Y: Bob');
    await Promise.all([x.waitForLine(ACK), y.waitForLine(ACK)]);
  });
});

describe('the end of the exchange', () => {
  test('the server prints the closing line after the acknowledgment it sent, then exits 0', async () => {
    const scene = useScene();
    const server = await startServer(scene, referenceTarget());
    await completeValidPair(scene, server);
    expect(await server.child.waitForExit()).toEqual({ code: 0, signal: null });
    expect(server.child.lines().slice(-2)).toEqual([`Sent: ${ACK}`, 'Sent acknowledgment to both X and Y']);
  });

  test('both clients\' connections are closed by the server', async () => {
    const scene = useScene();
    const server = await startServer(scene, referenceTarget());
    const [x, y] = await completeValidPair(scene, server);
    await Promise.all([x.waitForEnd(), y.waitForEnd()]);
    expect([x.lines(), y.lines()]).toEqual([[ACK], [ACK]]);
  });

  test('the server stops listening once it has X and Y', async ({ task }) => {
    catalogue(task, {
      case: 'A client connects after the exchange is over',
      induced: 'A raw socket connects to the port after the server completed with a raw X and Y and exited.',
      behaviour: 'The connection is refused (`ECONNREFUSED`): the server stopped listening once it had X and Y.',
      improvement: 'A late client learns only that nothing is listening, not that the exchange already happened; only connections made before the end are told so.',
    });
    const scene = useScene();
    const server = await startServer(scene, referenceTarget());
    await completeValidPair(scene, server);
    await server.child.waitForExit();
    await expect(connectPeer(scene, server, 'late')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

describe('IPv6', () => {
  test('the exchange works over ::1, and the address is printed in brackets', async ({ skip }) => {
    skip(!hasIpv6Loopback(), 'this machine has no IPv6 loopback address (::1)');
    const exchange = await runInOrder(useScene(), { ...referenceTarget(), host: '::1' }, 'X', { X: 'Alice', Y: 'Bob' });
    expect({ first: exchange.server.child.lines()[0], x: exchange.x.lines().at(-1), exit: exchange.server.child.exit }).toEqual({
      first: `Listening on [::1]:${exchange.server.port}`,
      x: `Received: ${ACK}`,
      exit: { code: 0, signal: null },
    });
  });
});
