// SIGTERM and SIGINT: each program stops through its own code path, says why
// on one line, tells its peers, and exits 1.
import { describe, expect, test } from 'vitest';
import { catalogue } from './catalogue/record.js';
import { connectAndSend, startFakeServer, type Peer } from '../harness/peer.js';
import { startClient, startServer, type RunningServer } from '../grader/launch.js';
import { referenceTarget } from '../grader/target.js';
import { useScene } from './support/vitest.js';

/** A server that holds a greeted raw X. */
async function serverHoldingX(): Promise<{ server: RunningServer; peer: Peer }> {
  const scene = useScene();
  const server = await startServer(scene, referenceTarget());
  const peer = await connectAndSend(scene, server, 'raw X', 'Client X: Alice\n');
  await server.child.waitForLine('Received: Client X: Alice');
  return { server, peer };
}

describe.each(['SIGTERM', 'SIGINT'] as const)('on %s', (signal) => {
  test('a server waiting with no clients exits 1, saying it closed 0 connections', async ({ task }) => {
    catalogue(task, {
      case: `The server is stopped by ${signal} before any client came`,
      induced: `The harness sends ${signal} to the listening server process.`,
      behaviour: `The server prints \`Interrupted by ${signal} before both clients greeted; closing 0 connection(s)\` on stderr and exits 1.`,
      improvement: 'A deliberate stop exits 1 like a failure, so a script cannot tell it from one; shells\' 128 + signal codes (130, 143) would.',
    });
    const { child, port } = await startServer(useScene(), referenceTarget());
    child.signal(signal);
    expect(await child.waitForExit()).toEqual({ code: 1, signal: null });
    expect({ stdout: child.output(), stderr: child.output('stderr') }).toEqual({
      stdout: `Listening on 127.0.0.1:${port}\n`,
      stderr: `Interrupted by ${signal} before both clients greeted; closing 0 connection(s)\n`,
    });
  });

  test('a greeted peer is told the server was stopped', async ({ task }) => {
    catalogue(task, {
      case: `The server is stopped by ${signal} while it holds a greeted X`,
      induced: `A raw socket greets as X, then the harness sends ${signal} to the server.`,
      behaviour: 'X receives `Error: the server was stopped` and then the connection closes.',
      improvement: 'The notice needs the server to run its handler, so a SIGKILL or a crash closes the connection without any reason given.',
    });
    const { server, peer } = await serverHoldingX();
    server.child.signal(signal);
    await peer.waitForEnd();
    expect(peer.lines()).toEqual(['Error: the server was stopped']);
  });

  test('a server holding a greeted peer exits 1, saying it closed 1 connection', async ({ task }) => {
    catalogue(task, {
      case: `The server is stopped by ${signal} while it holds a greeted X`,
      induced: `A raw socket greets as X, then the harness sends ${signal} to the server.`,
      behaviour: `The server prints \`Interrupted by ${signal} before both clients greeted; closing 1 connection(s)\` on stderr and exits 1.`,
      improvement: 'The server waits at most 2 s (LINGER_MS) for each peer to close before destroying its socket, trading a prompt exit against a slow peer reading the notice.',
    });
    const { server } = await serverHoldingX();
    server.child.signal(signal);
    expect(await server.child.waitForExit()).toEqual({ code: 1, signal: null });
    expect(server.child.output('stderr')).toBe(
      `Interrupted by ${signal} before both clients greeted; closing 1 connection(s)\n`,
    );
  });

  test('a client waiting for its acknowledgment exits 1, saying it was interrupted', async ({ task }) => {
    catalogue(task, {
      case: `A client waiting for its acknowledgment is stopped by ${signal}`,
      induced: `A fake server reads the greeting and never replies; the harness sends ${signal} to the client.`,
      behaviour: `The client prints \`Error: interrupted by ${signal} before the acknowledgment arrived\` on stderr, only its Sent line on stdout, and exits 1.`,
      improvement: 'Without the signal it would wait forever, since a client waits for its acknowledgment without a time limit (CONTRACT section 8); an optional --timeout would bound it.',
    });
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
