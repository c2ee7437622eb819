// How greetings may be cut or glued by TCP: the server must frame by newline,
// never by read() call.
import { describe, expect, test } from 'vitest';
import { connectPeer } from './harness/peer.js';
import { startProxy } from './harness/proxy.js';
import { referenceTarget, startClient, startServer } from './harness/target.js';
import { useScene } from './harness/vitest.js';

const ACK = 'X: Alice received before Y: Bob';

describe('a greeting cut into 1-byte segments', () => {
  test.each(['X', 'Y'] as const)('from client %s is still read whole and acknowledged', async (sliced) => {
    const scene = useScene();
    const target = referenceTarget();
    const server = await startServer(scene, target);
    const proxy = await startProxy(scene, server, { sliceBytes: 1, gapMs: 2 }, `proxy ${sliced}→server (1-byte slices)`);
    const names = { X: 'Alice', Y: 'Bob' };
    const route = (id: 'X' | 'Y') => (id === sliced ? proxy : server);
    const x = startClient(scene, target, route('X'), { id: 'X', name: names.X });
    await server.child.waitForLine('Received: Client X: Alice');
    const y = startClient(scene, target, route('Y'), { id: 'Y', name: names.Y });
    await Promise.all([x.waitForExit(), y.waitForExit(), server.child.waitForExit()]);
    expect(proxy.connections[0]?.forwarded).toBe(Buffer.byteLength(`Client ${sliced}: ${names[sliced]}\n`));
    expect([x.lines().at(-1), y.lines().at(-1)]).toEqual([`Received: ${ACK}`, `Received: ${ACK}`]);
  });
});

describe('a greeting glued to more bytes', () => {
  test('with a further line in the same segment is read up to its newline only', async () => {
    const scene = useScene();
    const server = await startServer(scene, referenceTarget());
    const x = await connectPeer(scene, server, 'X');
    await x.send('Client X: Alice\nand some chatter\n');
    await server.child.waitForLine('Received: Client X: Alice');
    const y = await connectPeer(scene, server, 'Y');
    await y.send('Client Y: Bob\n');
    await Promise.all([x.waitForLine(ACK), y.waitForLine(ACK)]);
    await server.child.waitForExit();
    expect(server.child.lines().filter((line) => line.startsWith('Received: '))).toEqual([
      'Received: Client X: Alice',
      'Received: Client Y: Bob',
    ]);
  });

  test('with a second greeting in the same segment makes one client, not two', async () => {
    const scene = useScene();
    const server = await startServer(scene, referenceTarget());
    const x = await connectPeer(scene, server, 'X');
    await x.send('Client X: Alice\nClient Y: Mallory\n');
    await server.child.waitForLine('Received: Client X: Alice');
    const y = await connectPeer(scene, server, 'Y');
    await y.send('Client Y: Bob\n');
    await Promise.all([x.waitForLine(ACK), y.waitForLine(ACK)]);
  });
});

describe('line endings', () => {
  test('a greeting ending in \\r\\n is accepted without the \\r', async () => {
    const scene = useScene();
    const server = await startServer(scene, referenceTarget());
    const x = await connectPeer(scene, server, 'X');
    await x.send('Client X: Alice\r\n');
    await server.child.waitForLine('Received: Client X: Alice');
    const y = await connectPeer(scene, server, 'Y');
    await y.send('Client Y: Bob\r\n');
    await Promise.all([x.waitForLine(ACK), y.waitForLine(ACK)]);
  });

  test('a greeting without a newline counts once the client half-closes', async () => {
    const scene = useScene();
    const server = await startServer(scene, referenceTarget());
    const x = await connectPeer(scene, server, 'X');
    await x.send('Client X: Alice');
    x.end();
    await server.child.waitForLine('Received: Client X: Alice');
    const y = await connectPeer(scene, server, 'Y');
    await y.send('Client Y: Bob\n');
    await Promise.all([x.waitForLine(ACK), y.waitForLine(ACK)]);
  });

  test('blank lines before the greeting are ignored', async () => {
    const scene = useScene();
    const server = await startServer(scene, referenceTarget());
    const x = await connectPeer(scene, server, 'X');
    await x.send('\n\r\n  \nClient X: Alice\n');
    await server.child.waitForLine('Received: Client X: Alice');
    const y = await connectPeer(scene, server, 'Y');
    await y.send('Client Y: Bob\n');
    await Promise.all([x.waitForLine(ACK), y.waitForLine(ACK)]);
  });
});
