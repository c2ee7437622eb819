// The reference client alone, against a scripted fake server: what it sends,
// what it prints, and how it ends for every kind of reply (or none).
import { describe, expect, test } from 'vitest';
import { catalogue } from './catalogue/record.js';
import { startFakeServer, type FakeServer, type Peer } from '../harness/peer.js';
import type { Child } from '../harness/process.js';
import type { Scene } from '../harness/scene.js';
import { startClient } from '../grader/launch.js';
import { referenceTarget } from '../grader/target.js';
import { useScene } from './support/vitest.js';

const ACK = 'X: Alice received before Y: Bob';
const SENT = 'Sent: Client X: Alice\n';

/** Client X (Alice) against a fake server; resolves once the fake server has the whole greeting. */
async function greeted(scene: Scene): Promise<{ fake: FakeServer; client: Child; server: Peer }> {
  const fake = await startFakeServer(scene);
  const client = startClient(scene, referenceTarget(), fake, { id: 'X', name: 'Alice' });
  const server = await fake.waitForPeer();
  await server.waitForLine('Client X: Alice');
  return { fake, client, server };
}

/** How `child` ended and everything it printed, raw (ANSI not stripped). */
async function outcome(child: Child): Promise<object> {
  const exit = await child.waitForExit();
  return { exit, stdout: child.output(), stderr: child.output('stderr') };
}

describe('the greeting', () => {
  test('the fake server receives exactly "Client X: Alice\\n" and nothing else', async () => {
    const { client, server } = await greeted(useScene());
    await server.send(`${ACK}\n`);
    await client.waitForExit();
    await server.waitForEnd();
    expect(server.text()).toBe('Client X: Alice\n');
  });

  test('the client prints its Sent line before any reply, and the Received line after it', async () => {
    const { client, server } = await greeted(useScene());
    await client.waitForLine('Sent: Client X: Alice');
    expect(client.output()).toBe(SENT); // nothing has been sent to the client yet
    await server.send(`${ACK}\n`);
    await client.waitForExit();
    expect(client.output()).toBe(`${SENT}Received: ${ACK}\n`);
  });
});

describe('a valid acknowledgment', () => {
  // Which replies are acknowledgments, and how they are printed, is the client engine's logic, tested in-process in
  // spec/client-engine.test.ts (either order, 1-byte writes, \r\n, escape sequences); the real program once here.
  test('naming X first is printed, and the client exits 0 with nothing on stderr', async () => {
    const { client, server } = await greeted(useScene());
    await server.send(`${ACK}\n`);
    expect(await outcome(client)).toEqual({
      exit: { code: 0, signal: null },
      stdout: `${SENT}Received: ${ACK}\n`,
      stderr: '',
    });
  });
});

describe('a reply that is not a valid acknowledgment', () => {
  test('a refusal makes the client exit 1 with the server\'s reason on stderr', async ({ task }) => {
    catalogue(task, {
      case: 'The server refuses the client\'s greeting',
      induced: 'A fake server answers the greeting with `Error: client X is already connected; only one X and one Y are served`.',
      behaviour: 'The client prints `Error: the server refused the greeting: client X is already connected; …` on stderr, only its Sent line on stdout, and exits 1.',
      improvement: 'The client does not retry, so when its place is merely taken for now the user has to start it again later.',
    });
    const { client, server } = await greeted(useScene());
    await server.send('Error: client X is already connected; only one X and one Y are served\n');
    expect(await outcome(client)).toEqual({
      exit: { code: 1, signal: null },
      stdout: SENT,
      stderr:
        'Error: the server refused the greeting: client X is already connected; only one X and one Y are served\n',
    });
  });
});

describe('an unreadable reply', () => {
  test('bytes that are not UTF-8 make the client exit 1 with one line', async ({ task }) => {
    catalogue(task, {
      case: 'The server\'s reply is not UTF-8',
      induced: 'A fake server replies with `X`, the byte 0xFF and a newline.',
      behaviour: 'The client prints `Error: the server\'s reply is unreadable: the line is not valid UTF-8; send UTF-8 text` on stderr and exits 1.',
      improvement: 'The message ends with advice meant for a sender (`send UTF-8 text`), which the client\'s user cannot act on.',
    });
    const { client, server } = await greeted(useScene());
    await server.send(Buffer.from([0x58, 0xff, 0x0a]));
    expect(await outcome(client)).toEqual({
      exit: { code: 1, signal: null },
      stdout: SENT,
      stderr: "Error: the server's reply is unreadable: the line is not valid UTF-8; send UTF-8 text\n",
    });
  });
});

describe('no reply at all', () => {
  test('the fake server closing without a reply makes the client exit 1 with one line', async ({ task }) => {
    catalogue(task, {
      case: 'The server closes the connection before acknowledging',
      induced: 'A fake server reads the greeting, then closes its sending side (FIN) without a reply.',
      behaviour: 'The client prints `Error: the server at 127.0.0.1:PORT closed the connection before acknowledging; see its output` and exits 1.',
      improvement: 'The client cannot tell a crashed server from one that closed on purpose, which is why it can only point to the server\'s output.',
    });
    const { fake, client, server } = await greeted(useScene());
    server.end();
    expect(await outcome(client)).toEqual({
      exit: { code: 1, signal: null },
      stdout: SENT,
      stderr: `Error: the server at 127.0.0.1:${fake.port} closed the connection before acknowledging; see its output\n`,
    });
  });

  test('a reset from the fake server makes the client exit 1 with one line and no stack trace', async ({ task }) => {
    catalogue(task, {
      case: 'The connection is reset before the acknowledgment',
      induced: 'A fake server reads the greeting, then resets the connection (RST).',
      behaviour: 'The client prints `Error: the connection to 127.0.0.1:PORT was reset before the acknowledgment arrived`, no stack trace, and exits 1.',
      improvement: 'The client does not reconnect, although the server would take a new greeting since a reset frees the place.',
    });
    const { fake, client, server } = await greeted(useScene());
    server.reset();
    expect(await outcome(client)).toEqual({
      exit: { code: 1, signal: null },
      stdout: SENT,
      stderr: `Error: the connection to 127.0.0.1:${fake.port} was reset before the acknowledgment arrived\n`,
    });
  });

  test('nothing listening on the port makes the client exit 1 saying the connection was refused', async ({ task }) => {
    catalogue(task, {
      case: 'Nothing is listening on the server\'s port',
      induced: 'The client is pointed at the port of a fake server that has just been closed.',
      behaviour: 'The client prints `Error: nothing is listening on 127.0.0.1:PORT (connection refused); start the server first, or check --host and --port`, nothing on stdout, and exits 1.',
      improvement: 'The client does not wait for a server to come up, so clients must be started after the server; a --retry option would lift that.',
    });
    const scene = useScene();
    const vacated = await startFakeServer(scene, 'vacated');
    const port = vacated.port;
    await vacated.dispose();
    const client = startClient(scene, referenceTarget(), { host: '127.0.0.1', port }, { id: 'X', name: 'Alice' });
    expect(await outcome(client)).toEqual({
      exit: { code: 1, signal: null },
      stdout: '',
      stderr: `Error: nothing is listening on 127.0.0.1:${port} (connection refused); start the server first, or check --host and --port\n`,
    });
  });
});
