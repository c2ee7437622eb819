// The reference server alone, driven by scripted raw-socket peers: who it
// accepts, what it refuses, and that the valid pair always completes.
import { networkInterfaces } from 'node:os';
import { describe, expect, test } from 'vitest';
import { runInOrder } from './harness/exchange.js';
import { connectAndSend, connectPeer, type Peer } from './harness/peer.js';
import type { Scene } from './harness/scene.js';
import { referenceTarget, startServer, type RunningServer } from './harness/target.js';
import { useScene } from './harness/vitest.js';

const ACK = 'X: Alice received before Y: Bob';

/** Connects a raw peer and sends `line` + newline. */
function greet(scene: Scene, server: RunningServer, label: string, line: string): Promise<Peer> {
  return connectAndSend(scene, server, label, `${line}\n`);
}

/** Greets as X then Y (each after the server printed the last) and checks both get the ack. */
async function completeValidPair(scene: Scene, server: RunningServer): Promise<[Peer, Peer]> {
  const x = await greet(scene, server, 'X', 'Client X: Alice');
  await server.child.waitForLine('Received: Client X: Alice');
  const y = await greet(scene, server, 'Y', 'Client Y: Bob');
  await Promise.all([x.waitForLine(ACK), y.waitForLine(ACK)]);
  return [x, y];
}

describe('an invalid greeting', () => {
  test.each([
    ['Alice', 'expected a greeting "Client X: <name>" or "Client Y: <name>"'],
    ['client x: Alice', 'expected a greeting "Client X: <name>" or "Client Y: <name>"'],
    ['Client Z: Zed', 'expected a greeting "Client X: <name>" or "Client Y: <name>"'],
    ['Client X:', 'the name is empty; send "Client X: <name>"'],
    [`Client Y: ${'n'.repeat(257)}`, 'the name is 257 bytes long; the limit is 256 bytes of UTF-8'],
    ['x'.repeat(1025), 'the line is longer than 1024 bytes; send shorter lines ending in a newline'],
  ])('%j is answered with one Error line and closed, and X and Y still complete', async (line, reason) => {
    const scene = useScene();
    const server = await startServer(scene, referenceTarget());
    const bad = await greet(scene, server, 'bad peer', line);
    await bad.waitForEnd();
    expect(bad.lines()).toEqual([`Error: ${reason}`]);
    await completeValidPair(scene, server);
    expect(await server.child.waitForExit()).toEqual({ code: 0, signal: null });
    expect(server.child.lines('stderr')).toEqual([expect.stringMatching(/^Rejected 127\.0\.0\.1:\d+: /)]);
  });

  test('bytes that are not UTF-8 are refused with an Error line', async () => {
    const scene = useScene();
    const server = await startServer(scene, referenceTarget());
    const bad = await connectPeer(scene, server, 'bad peer');
    await bad.send(Buffer.from([0x43, 0x6c, 0xff, 0xfe, 0x0a]));
    await bad.waitForEnd();
    expect(bad.lines()).toEqual(['Error: the line is not valid UTF-8; send UTF-8 text']);
  });

  test('a line over the limit is refused before its newline arrives', async () => {
    const scene = useScene();
    const server = await startServer(scene, referenceTarget());
    const bad = await connectPeer(scene, server, 'bad peer');
    await bad.send('x'.repeat(64 * 1024)); // no newline, ever
    await bad.waitForEnd();
    expect(bad.lines()).toEqual(['Error: the line is longer than 1024 bytes; send shorter lines ending in a newline']);
  });
});

describe('places for X and Y', () => {
  test('a second X while one is held is refused, and the first X completes', async () => {
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

  test('a connection that closes before greeting blocks nobody', async () => {
    const scene = useScene();
    const server = await startServer(scene, referenceTarget());
    const quitter = await connectPeer(scene, server, 'quitter');
    quitter.end();
    await server.child.waitForLine(/^Connection from 127\.0\.0\.1:\d+ closed before sending a greeting$/, 'stderr');
    await completeValidPair(scene, server);
    expect(await server.child.waitForExit()).toEqual({ code: 0, signal: null });
  });

  test('a silent connection does not block X and Y, and is told the server is closing', async () => {
    const scene = useScene();
    const server = await startServer(scene, referenceTarget());
    const silent = await connectPeer(scene, server, 'silent');
    await completeValidPair(scene, server);
    await silent.waitForEnd();
    expect(silent.lines()).toEqual(['Error: the server already has X and Y and is closing']);
  });

  test('a held X whose connection is reset frees its place for another X', async () => {
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

  test('a held X that half-closes its connection still gets the acknowledgment', async () => {
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

  test('the server stops listening once it has X and Y', async () => {
    const scene = useScene();
    const server = await startServer(scene, referenceTarget());
    await completeValidPair(scene, server);
    await server.child.waitForExit();
    await expect(connectPeer(scene, server, 'late')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

describe('IPv6', () => {
  const hasIpv6Loopback = Object.values(networkInterfaces()).some((addresses) =>
    addresses?.some((address) => address.address === '::1'),
  );

  test('the exchange works over ::1, and the address is printed in brackets', async ({ skip }) => {
    skip(!hasIpv6Loopback, 'this machine has no IPv6 loopback address (::1)');
    const exchange = await runInOrder(useScene(), { ...referenceTarget(), host: '::1' }, 'X', { X: 'Alice', Y: 'Bob' });
    expect({ first: exchange.server.child.lines()[0], x: exchange.x.lines().at(-1), exit: exchange.server.child.exit }).toEqual({
      first: `Listening on [::1]:${exchange.server.port}`,
      x: `Received: ${ACK}`,
      exit: { code: 0, signal: null },
    });
  });
});
