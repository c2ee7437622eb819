// How greetings may be cut or glued by TCP: the server must frame by newline,
// never by read() call. Greetings cut into segments go through the real
// programs; what the server makes of the bytes of one connection is its
// engine's logic, run in-process (spec/support/in-process-server.ts).
import { describe, expect, test } from 'vitest';
import { catalogue, type FailureCase } from './catalogue/record.js';
import { connectAndSend } from '../harness/peer.js';
import { startProxy } from '../harness/proxy.js';
import { startClient, startServer } from '../grader/launch.js';
import { referenceTarget } from '../grader/target.js';
import { startInProcessServer } from './support/in-process-server.js';
import { useScene } from './support/vitest.js';

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

test.for<[string, string, boolean, FailureCase?]>([
  ['a further line in the same segment', 'Client X: Alice\nand some chatter\n', false],
  ['a second greeting in the same segment', 'Client X: Alice\nClient Y: Mallory\n', false],
  ['a \\r\\n ending', 'Client X: Alice\r\n', false],
  ['no newline, then a half-close', 'Client X: Alice', true, {
    case: 'X sends its greeting without a newline, then half-closes',
    induced: 'A raw socket sends `Client X: Alice` with no newline and then calls `end()` (FIN).',
    behaviour: 'The server counts the unterminated last line as X\'s greeting (`Received: Client X: Alice`), and X and Y both get the acknowledgment.',
    improvement: 'A client that crashes in the middle of writing its greeting also ends with a FIN, so a cut-off `Client X: Al` would be accepted with the name `Al`.',
  }],
  ['blank lines before it', '\n\r\n  \nClient X: Alice\n', false],
])('a greeting with %s is read as one greeting and acknowledged', async ([, bytes, halfClose, record], { task }) => {
  if (record !== undefined) catalogue(task, record);
  const scene = useScene();
  const server = await startInProcessServer();
  const x = await connectAndSend(scene, server, 'X', bytes);
  if (halfClose) x.end();
  await server.waitForLine('Received: Client X: Alice');
  const y = await connectAndSend(scene, server, 'Y', 'Client Y: Bob\n');
  const [, , code] = await Promise.all([x.waitForLine(ACK), y.waitForLine(ACK), server.closed]);
  expect({ code, received: server.output.lines.filter((line) => line.startsWith('Received: ')) }).toEqual({
    code: 0,
    received: ['Received: Client X: Alice', 'Received: Client Y: Bob'],
  });
});
