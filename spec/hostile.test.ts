// Hostile input to the server from raw sockets: whatever one connection
// sends, it gets at most one Error line, the server's console stays free of
// raw control characters, and a valid X and Y still get their acknowledgment.
// What the server makes of the bytes is its engine's logic, run in-process
// (spec/support/in-process-server.ts); the real program shows its console
// once, and its memory under a flood.
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { catalogue } from './catalogue/record.js';
import { connectAndSend, connectPeer, type Peer } from '../harness/peer.js';
import { startServer } from '../grader/launch.js';
import { referenceTarget } from '../grader/target.js';
import { startInProcessServer } from './support/in-process-server.js';
import { completeValidPair } from './support/valid-pair.js';
import { useScene } from './support/vitest.js';

const EXPECTED_GREETING = 'Error: expected a greeting "Client X: <name>" or "Client Y: <name>"';
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/; // newlines apart

/** The server's peak resident memory so far, in MB, from /proc. */
function peakMB(pid: number): number {
  const kB = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kB) / 1024;
}

test.for<[string, string | Buffer, string]>([
  ['NUL bytes', '\u0000\u0000\u0000\n', EXPECTED_GREETING],
  ['an escape sequence instead of a greeting', '\u001b[2J\u001b]0;pwned\u0007\n', EXPECTED_GREETING],
  ['a greeting behind an escape sequence', '\u001b[31mClient X: Alice\n', EXPECTED_GREETING],
  ['bytes that are not UTF-8', Buffer.from([0x43, 0xff, 0xfe, 0x0a]), 'Error: the line is not valid UTF-8; send UTF-8 text'],
  ['a name of 257 bytes', `Client Y: ${'é'.repeat(128)}x\n`, 'Error: the name is 257 bytes long; the limit is 256 bytes of UTF-8'],
])('%s get one Error line, nothing raw on the console, and X and Y still complete', async ([what, bytes, reply], { task }) => {
  catalogue(task, {
    case: `a connection sends ${what}`,
    induced: 'a raw socket sends the bytes before X and Y greet',
    behaviour: `the server answers "${reply}", closes that connection, and acknowledges X and Y`,
    improvement: 'none needed; a server could also rate-limit connections that keep sending garbage',
  });
  const scene = useScene();
  const server = await startInProcessServer();
  const hostile = await connectAndSend(scene, server, 'hostile', bytes);
  await hostile.waitForEnd();
  await completeValidPair(scene, server);
  const code = await server.closed;
  expect({ reply: hostile.lines(), raw: server.output.lines.filter((line) => RAW_CONTROL.test(line)), code }).toEqual({ reply: [reply], raw: [], code: 0 });
});

test("the real server's console, stdout and stderr, stays free of raw control characters when a connection sends escape sequences", async () => {
  const scene = useScene();
  const server = await startServer(scene, referenceTarget());
  const hostile = await connectAndSend(scene, server, 'hostile', '\u001b[2J\u001b]0;pwned\u0007\n');
  await hostile.waitForEnd();
  await completeValidPair(scene, server);
  await server.child.waitForExit();
  const printed = [...server.child.lines(), ...server.child.lines('stderr')];
  expect({ reply: hostile.lines(), raw: printed.filter((line) => RAW_CONTROL.test(line)), exit: server.child.exit }).toEqual({
    reply: [EXPECTED_GREETING],
    raw: [],
    exit: { code: 0, signal: null },
  });
});

test('a 10 MB line without a newline is refused once over the limit, with memory bounded', async ({ task }) => {
  catalogue(task, {
    case: 'a connection sends 10 MB with no newline',
    induced: 'a raw socket writes 10 MB of "x" and never a newline',
    behaviour: 'the server refuses the line at its 1025th byte, discards the rest, stays under 100 MB, and acknowledges X and Y',
    improvement: 'the server still reads (and drops) what the peer sends until it closes; it could reset such a peer at once',
  });
  const scene = useScene();
  const server = await startServer(scene, referenceTarget());
  const flood: Peer = await connectPeer(scene, server, 'flood');
  await flood.send(Buffer.alloc(10 * 1024 * 1024, 'x'));
  await flood.waitForEnd();
  await completeValidPair(scene, server);
  expect({ reply: flood.lines(), peakUnder100MB: peakMB(server.child.pid as number) < 100 }).toEqual({
    reply: ['Error: the line is longer than 1024 bytes; send shorter lines ending in a newline'],
    peakUnder100MB: true,
  });
});

test.for([
  ['a NUL byte', 'Al\u0000ice', 'Al\\x00ice'],
  ['escape sequences', 'Eve\u001b[2J\u001b]0;pwned\u0007', 'Eve\\x1b[2J\\x1b]0;pwned\\x07'],
  ['C1 controls', 'Zoë\u009b31m', 'Zoë\\x9b31m'],
])('a name with %s is accepted, sent on unchanged, and printed neutralized', async ([what, name, shown], { task }) => {
  catalogue(task, {
    case: `client X's name contains ${what}`,
    induced: 'a raw socket greets as X with that name',
    behaviour: 'the server accepts it, sends the name unchanged in the acknowledgment, and prints it with \\xHH for each control character',
    improvement: 'the server could refuse control characters in names outright, protecting clients that print without neutralizing',
  });
  const scene = useScene();
  const server = await startInProcessServer();
  const x = await connectAndSend(scene, server, 'X', `Client X: ${name}\n`);
  await server.waitForLine(`Received: Client X: ${shown}`);
  const y = await connectAndSend(scene, server, 'Y', 'Client Y: Bob\n');
  const ack = `X: ${name} received before Y: Bob`;
  await Promise.all([x.waitForLine(ack), y.waitForLine(ack)]);
  expect(await server.closed).toBe(0);
  expect(server.output.lines.slice(1)).toEqual([
    `Received: Client X: ${shown}`,
    'Received: Client Y: Bob',
    `Sent: X: ${shown} received before Y: Bob`,
    'Sent acknowledgment to both X and Y',
  ]);
});
