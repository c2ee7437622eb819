// Backpressure in the chat relay: 1 GiB pushed from X toward a Y that reads
// nothing must not grow the server's memory, and once Y reads again every
// byte arrives, in order. The gigabyte is npm run test:stress's; npm test
// pushes a quarter of it, twice the peak growth allowed, so a relay that kept
// what it read still fails, for a quarter of the CPU (a gigabyte was 11 s of
// it here, a twentieth of the whole suite's).
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { expect, test } from 'vitest';
import { connectAndSend, type Peer } from '../harness/peer.js';
import { startServer } from '../grader/launch.js';
import { chatTarget, referenceTarget } from '../grader/target.js';
import { stressing } from './support/repeat.js';
import { useScene } from './support/vitest.js';

const MiB = 1024 * 1024;
/** 1 GiB in chunks of 1 MiB in the stress command, 256 MiB in npm test. */
const TOTAL_CHUNKS = stressing() ? 1024 : 256;
const LINE = 1024; // bytes per line, newline included
/** How much the server may grow over its size once the chat opened, while X is held back: its own baseline differs by Node line (20 or 24). */
const GROWTH_LIMIT_MB = 64;
/**
 * How much it may grow at its peak over the whole stream: an eighth of the gigabyte, half of the
 * quarter npm test pushes. Once Y reads again
 * the relay holds only what its sockets buffer, but every chunk read is a Buffer that V8
 * collects only after 64 MB more of them (its external-memory trigger), and later still when
 * the CPU is busy: on Node 24 the peak grew 19 to 65 MB over four CI runs of the gigabyte. A
 * relay that kept what it read would grow by all of it.
 */
const PEAK_GROWTH_LIMIT_MB = 128;
// Deliberate gap, where time is the thing under test: X counts as stalled once
// its socket has not drained for this long while Y reads nothing.
const STALL_MS = 1000;

/** Chunk `index` of the stream: 1024 lines, each numbered, padded to 1 KiB. */
function chunk(index: number): Buffer {
  const bytes = Buffer.alloc(MiB, '.');
  for (let line = 0; line < MiB / LINE; line += 1) {
    bytes.write(`${index}:${line}:`, line * LINE, 'latin1');
    bytes[line * LINE + LINE - 1] = 0x0a;
  }
  return bytes;
}

/** The kB figure of a line in /proc/<pid>/status, in MB. */
function statusMB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

/** Pushes the whole stream through `x`, honouring backpressure; reports when it stalls. */
async function push(x: Peer, onStall: () => void): Promise<void> {
  let stalled = false;
  for (let index = 0; index < TOTAL_CHUNKS; index += 1) {
    const bytes = chunk(index);
    if (x.socket.write(bytes)) continue;
    const drained = once(x.socket, 'drain');
    if (!stalled) {
      const gap = delay(STALL_MS).then(() => false); // deliberate gap: how long counts as stalled
      stalled = (await Promise.race([drained.then(() => true), gap])) === false;
      if (stalled) onStall();
    }
    await drained;
  }
}

test(`${TOTAL_CHUNKS} MiB toward a client that reads nothing grow the server by under 64 MB while X is held back and by under 128 MB at the peak, and all of it arrives later`, async () => {
  const scene = useScene();
  const server = await startServer(scene, chatTarget(referenceTarget()), { outputLimit: 64 * 1024 });
  const x = await connectAndSend(scene, server, 'raw X', 'Client X: Alice\n');
  await server.child.waitForLine('Received: Client X: Alice');
  const y = await connectAndSend(scene, server, 'raw Y', 'Client Y: Bob\n');
  await Promise.all([x.waitForLine(/received before/), y.waitForLine(/received before/)]);
  // Y compares what arrives with the stream X sends, made again chunk by chunk: every byte checked, none kept.
  let expected = 0;
  y.compareFromHere(() => (expected < TOTAL_CHUNKS ? chunk(expected++) : undefined));
  y.pause();

  const pid = server.child.pid as number;
  const baselineMB = statusMB(pid, 'VmRSS');
  let atStall: { rssMB: number } | undefined;
  const pushing = push(x, () => {
    atStall = { rssMB: statusMB(pid, 'VmRSS') };
    y.resume();
  });
  await pushing.catch((error: Error) => {
    throw new Error(`X could not push: ${error.message}\n\n${scene.transcript()}`);
  });
  if (atStall === undefined) y.resume(); // X was never held back: let the check below say so
  const received = await y.waitForCompared(TOTAL_CHUNKS * MiB, 120_000);

  const peakMB = statusMB(pid, 'VmHWM');
  console.log(`server RSS at the chat's start: ${baselineMB.toFixed(1)} MB; when X stalled: ${atStall?.rssMB.toFixed(1)} MB; peak over ${TOTAL_CHUNKS} MiB: ${peakMB.toFixed(1)} MB`);
  expect(atStall, 'X was never held back while Y read nothing').toBeDefined();
  expect((atStall?.rssMB ?? Infinity) - baselineMB).toBeLessThan(GROWTH_LIMIT_MB);
  expect(peakMB - baselineMB).toBeLessThan(PEAK_GROWTH_LIMIT_MB); // the peak over the whole stream
  expect(received).toEqual({ bytes: TOTAL_CHUNKS * MiB, firstDifference: undefined });
}, 180_000);
