// Property-based: arbitrary bytes, cut arbitrarily, sent on other connections
// before, between and after the valid greetings (and after X's own greeting)
// never crash the server, never reach its console raw, and never keep the
// valid pair from its acknowledgment. The server runs in-process
// (impl/ack-server.ts), so a thousand cases take seconds, not minutes.
import net from 'node:net';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { startAckServer } from '../impl/ack-server.js';
import { greetingPrinted } from '../grader/exchange.js';
import { waitUntil } from '../harness/wait.js';
import { RecordingOutput } from './support/in-process-server.js';

const RUNS = 1000;
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** A raw connection that sends `chunks` one write each, then half-closes or not. */
interface Junk {
  readonly when: 'before' | 'between' | 'after';
  readonly chunks: Uint8Array[];
  readonly end: boolean;
}

const bytes = fc.uint8Array({ maxLength: 64 });
// Random bytes never spell a greeting in practice; the filter makes it certain.
const junk: fc.Arbitrary<Junk> = fc
  .record({
    when: fc.constantFrom<Junk['when']>('before', 'between', 'after'),
    chunks: fc.array(bytes, { minLength: 1, maxLength: 4 }),
    end: fc.boolean(),
  })
  .filter(({ chunks }) => !Buffer.concat(chunks).includes('Client '));
/** Cut points for a greeting: the same bytes, in arbitrary segments. */
const cuts = fc.uniqueArray(fc.integer({ min: 1, max: 14 }), { maxLength: 4 }).map((points) => points.sort((a, b) => a - b));
/**
 * One code point of any plane, surrogates left out: the alphabet of fast-check's `unit: 'binary'`, drawn
 * the same way (an integer mapped to a code point). Built here because 'binary' is a table of every code
 * point whose reverse map fast-check builds on first use, 1.1 million entries and over a second of CPU.
 */
const codePoint = fc.integer({ min: 0, max: 0x10ffff - 0x800 }).map((n) => String.fromCodePoint(n < 0xd800 ? n : n + 0x800));
/** Any valid name: control characters, C1, astral planes included; no line break; not blank. */
const names = fc
  .string({ unit: codePoint, minLength: 1, maxLength: 24 })
  .filter((name) => !/[\r\n]/.test(name) && trimmed(name) !== '' && name.trim() !== '');

/** The name as the server keeps it: spaces and tabs around it removed. */
function trimmed(name: string): string {
  return name.replace(/^[ \t]+|[ \t]+$/g, '');
}

function cut(text: string, points: readonly number[]): Buffer[] {
  const all = Buffer.from(text);
  return [0, ...points].map((start, i) => all.subarray(start, points[i] ?? all.length)).filter((part) => part.length > 0);
}

/** Connects and sends `chunks`, one write each; resolves with the socket and everything it receives. */
async function send(port: number, chunks: readonly Uint8Array[], end: boolean): Promise<{ socket: net.Socket; received: () => string }> {
  const socket = net.connect({ host: '127.0.0.1', port });
  const received: Buffer[] = [];
  socket.on('data', (data: Buffer) => received.push(data));
  socket.on('error', () => {}); // refused or reset: what the server does to junk is its business
  await new Promise<void>((resolve) => {
    socket.once('connect', resolve);
    socket.once('error', () => resolve());
  });
  for (const chunk of chunks) if (!socket.destroyed) socket.write(chunk);
  if (end && !socket.destroyed) socket.end();
  return { socket, received: () => Buffer.concat(received).toString('utf8') };
}

test(`${RUNS} cases of arbitrary bytes around the valid greetings: no crash, no raw control character, the pair acknowledged`, async () => {
  const cases = fc.record({
    junks: fc.array(junk, { maxLength: 4 }),
    xName: names,
    yName: names,
    xCuts: cuts,
    yCuts: cuts,
    xTail: bytes,
  });
  await fc.assert(
    fc.asyncProperty(cases, async ({ junks, xName, yName, xCuts, yCuts, xTail }) => {
      const ack = `X: ${trimmed(xName)} received before Y: ${trimmed(yName)}`;
      const output = new RecordingOutput();
      const server = startAckServer({ host: '127.0.0.1', port: 0, chat: false }, output);
      const { port } = await server.listening;
      const sockets: net.Socket[] = [];
      const sendJunk = async (when: Junk['when']) => {
        for (const j of junks.filter((each) => each.when === when)) sockets.push((await send(port, j.chunks, j.end)).socket);
      };
      const arrived = (pattern: RegExp) =>
        waitUntil({
          emitter: output,
          done: () => output.lines.some((line) => pattern.test(line)),
          what: `the server to print ${String(pattern)}`,
          context: () => output.lines.join('\n'),
          timeoutMs: 2000, // a failing case must fail fast: fast-check reruns it to shrink
        });
      try {
        await sendJunk('before');
        const x = await send(port, [...cut(`Client X: ${xName}\n`, xCuts), xTail], false);
        await arrived(greetingPrinted('X', xName)); // the line as received, spaces and all
        await sendJunk('between');
        const y = await send(port, cut(`Client Y: ${yName}\n`, yCuts), false);
        sockets.push(x.socket, y.socket);
        await sendJunk('after');
        expect(await server.closed).toBe(0);
        expect([x.received(), y.received()]).toEqual([`${ack}\n`, `${ack}\n`]);
        expect(output.lines.filter((line) => RAW_CONTROL.test(line))).toEqual([]);
      } finally {
        for (const socket of sockets) socket.destroy();
        server.interrupt('SIGTERM'); // a no-op once closed; stops a failed case's server
      }
    }),
    { numRuns: RUNS },
  );
}, 120_000);
