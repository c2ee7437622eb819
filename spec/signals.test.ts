// SIGTERM and SIGINT: each program stops through its own code path, says why
// on one line, tells its peers, and exits 1.
import { describe, expect, test } from 'vitest';
import { connectAndSend, startFakeServer, type Peer } from './harness/peer.js';
import { referenceTarget, startClient, startServer, type RunningServer } from './harness/target.js';
import { useScene } from './harness/vitest.js';

/** A server that holds a greeted raw X. */
async function serverHoldingX(): Promise<{ server: RunningServer; peer: Peer }> {
  const scene = useScene();
  const server = await startServer(scene, referenceTarget());
  const peer = await connectAndSend(scene, server, 'raw X', 'Client X: Alice\n');
  await server.child.waitForLine('Received: Client X: Alice');
  return { server, peer };
}

describe.each(['SIGTERM', 'SIGINT'] as const)('on %s', (signal) => {
  test('a server waiting with no clients exits 1, saying it closed 0 connections', async () => {
    const { child, port } = await startServer(useScene(), referenceTarget());
    child.signal(signal);
    expect(await child.waitForExit()).toEqual({ code: 1, signal: null });
    expect({ stdout: child.output(), stderr: child.output('stderr') }).toEqual({
      stdout: `Listening on 127.0.0.1:${port}\n`,
      stderr: `Interrupted by ${signal} before both clients greeted; closing 0 connection(s)\n`,
    });
  });

  test('a greeted peer is told the server was stopped', async () => {
    const { server, peer } = await serverHoldingX();
    server.child.signal(signal);
    await peer.waitForEnd();
    expect(peer.lines()).toEqual(['Error: the server was stopped']);
  });

  test('a server holding a greeted peer exits 1, saying it closed 1 connection', async () => {
    const { server } = await serverHoldingX();
    server.child.signal(signal);
    expect(await server.child.waitForExit()).toEqual({ code: 1, signal: null });
    expect(server.child.output('stderr')).toBe(
      `Interrupted by ${signal} before both clients greeted; closing 1 connection(s)\n`,
    );
  });

  test('a client waiting for its acknowledgment exits 1, saying it was interrupted', async () => {
    const scene = useScene();
    const fake = await startFakeServer(scene);
    const client = startClient(scene, referenceTarget(), fake, { id: 'X', name: 'Alice' });
    await (await fake.waitForPeer()).waitForLine('Client X: Alice'); // and never replies
    await client.waitForLine('Sent: Client X: Alice');
    client.signal(signal);
    expect(await client.waitForExit()).toEqual({ code: 1, signal: null });
    expect({ stdout: client.output(), stderr: client.output('stderr') }).toEqual({
      stdout: 'Sent: Client X: Alice\n',
      stderr: `Error: interrupted by ${signal} before the acknowledgment arrived\n`,
    });
  });
});
