/**
 * The two measurements, on a connected pair of sockets X → Y, whatever lies
 * between them: the throughput of a stream of 64-byte lines, and the one-way
 * latency of single lines sent one at a time. Both ends live in this process,
 * so one clock times both.
 */
import { once } from 'node:events';
import type { Socket } from 'node:net';

/** Every line is this long: 63 characters and `\n`. */
export const LINE_BYTES = 64;

/** How many lines go into one `write()` during the throughput phase (16 KiB). */
const LINES_PER_WRITE = 256;

/** What a throughput phase measured. */
export interface Throughput {
  readonly lines: number;
  readonly seconds: number;
  readonly linesPerSecond: number;
  /** Megabytes (10^6 bytes) per second. */
  readonly megabytesPerSecond: number;
}

/**
 * A 64-byte line: `tag` padded with dots to 63 characters, then `\n`.
 *
 * @example
 * makeLine('latency 7').toString(); // 'latency 7......(63 characters in all)\n'
 */
export function makeLine(tag: string): Buffer {
  return Buffer.from(`${tag.padEnd(LINE_BYTES - 1, '.').slice(0, LINE_BYTES - 1)}\n`, 'latin1');
}

/**
 * Feeds every chunk `y` receives to `onChunk` until it returns true, then
 * pauses `y` again. Rejects if `onChunk` throws, if `y` ends or fails first,
 * or after `timeoutMs`.
 */
function receive(y: Socket, what: string, timeoutMs: number, onChunk: (chunk: Buffer) => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const finish = (error?: Error): void => {
      clearTimeout(timer);
      y.off('data', onData).off('end', onEnd).off('error', finish);
      y.pause();
      if (error) reject(error);
      else resolve();
    };
    const onData = (chunk: Buffer): void => {
      try {
        if (onChunk(chunk)) finish();
      } catch (error) {
        finish(error as Error);
      }
    };
    const onEnd = (): void => finish(new Error(`Y's connection ended while waiting for ${what}`));
    const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
    y.on('data', onData).on('end', onEnd).on('error', finish);
    y.resume();
  });
}

/**
 * Sends `lines` lines from X as fast as backpressure allows (waiting for
 * `drain` whenever `write()` returns false) and times from the first write
 * to the last byte received at Y.
 */
export async function measureThroughput(x: Socket, y: Socket, lines: number, timeoutMs: number): Promise<Throughput> {
  const block = Buffer.concat(Array.from({ length: LINES_PER_WRITE }, (_, i) => makeLine(`throughput ${i}`)));
  const total = lines * LINE_BYTES;
  let received = 0;
  let end = 0n;
  const arrived = receive(y, `${lines} lines at Y`, timeoutMs, (chunk) => {
    received += chunk.length;
    if (received < total) return false;
    end = process.hrtime.bigint();
    if (received > total) throw new Error(`Y received ${received - total} bytes more than X sent`);
    return true;
  });
  const start = process.hrtime.bigint();
  const sending = (async () => {
    for (let sent = 0; sent < lines; sent += LINES_PER_WRITE) {
      const count = Math.min(LINES_PER_WRITE, lines - sent);
      if (!x.write(count === LINES_PER_WRITE ? block : block.subarray(0, count * LINE_BYTES))) await once(x, 'drain');
    }
  })();
  await Promise.all([arrived, sending]);
  const seconds = Number(end - start) / 1e9;
  return { lines, seconds, linesPerSecond: lines / seconds, megabytesPerSecond: total / seconds / 1e6 };
}

/**
 * Sends `warmup + samples` lines one at a time, each only after the previous
 * one arrived whole at Y, and returns the send→receive time of the last
 * `samples` of them in microseconds. Checks every line arrives unchanged.
 */
export async function measureLatency(x: Socket, y: Socket, samples: number, warmup: number, timeoutMs: number): Promise<number[]> {
  const micros: number[] = [];
  let index = 0;
  let expected: Buffer = Buffer.alloc(0);
  let pending: Buffer = Buffer.alloc(0);
  let sentAt = 0n;
  const sendNext = (): void => {
    expected = makeLine(`latency ${index}`);
    sentAt = process.hrtime.bigint();
    x.write(expected);
  };
  const done = receive(y, `${warmup + samples} latency lines at Y`, timeoutMs, (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    if (pending.length < LINE_BYTES) return false;
    const now = process.hrtime.bigint();
    if (!pending.equals(expected)) {
      throw new Error(`Y received ${JSON.stringify(pending.toString('latin1'))}, not ${JSON.stringify(expected.toString('latin1'))}`);
    }
    pending = Buffer.alloc(0);
    if (index >= warmup) micros.push(Number(now - sentAt) / 1000);
    index += 1;
    if (index === warmup + samples) return true;
    sendNext();
    return false;
  });
  sendNext();
  await done;
  return micros;
}

/**
 * The nearest-rank percentile `p` (0–100) of `values`.
 *
 * @example
 * percentile([1, 2, 3, 4], 50); // 2
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
