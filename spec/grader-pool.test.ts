// Grading several targets at once (grader/pool.ts) and the progress line
// (grader/progress.ts): pure, driven by promises the test settles itself.
import { describe, expect, test } from 'vitest';
import { mapPool } from '../grader/pool.js';
import { etaMs, formatDuration, progressLine } from '../grader/progress.js';

/** A task per item whose promise the test settles, with a record of how many ran at once. */
function controlled(count: number) {
  const settle: Array<{ resolve: (value: string) => void; reject: (error: Error) => void }> = [];
  const started: number[] = [];
  let running = 0;
  let most = 0;
  const task = (item: number): Promise<string> =>
    new Promise<string>((resolve, reject) => {
      started.push(item);
      running += 1;
      most = Math.max(most, running);
      settle[item] = { resolve, reject };
    }).finally(() => {
      running -= 1;
    });
  return { items: Array.from({ length: count }, (_, index) => index), task, settle, started, most: () => most };
}

/** Lets every callback queued by settled promises run. */
const drain = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('mapPool', () => {
  test('returns results in the order of the inputs, whatever order the tasks end in', async () => {
    const { items, task, settle } = controlled(3);
    const done = mapPool(items, task, { concurrency: 3 });
    await drain();
    settle[2]!.resolve('c');
    settle[0]!.resolve('a');
    settle[1]!.resolve('b');
    expect(await done).toEqual(['a', 'b', 'c']);
  });

  test.each([1, 2, 4])('never runs more than %d at once, and starts the next as soon as one ends', async (concurrency) => {
    const { items, task, settle, started, most } = controlled(6);
    const done = mapPool(items, task, { concurrency });
    for (let index = 0; index < items.length; index += 1) {
      await drain();
      expect(started).toHaveLength(Math.min(items.length, index + concurrency));
      settle[index]!.resolve(String(index));
    }
    await done;
    expect(most()).toBe(concurrency);
  });

  test.each([0, -1, Number.NaN])('a concurrency of %d counts as 1', async (concurrency) => {
    const { items, task, settle, most } = controlled(2);
    const done = mapPool(items, task, { concurrency });
    await drain();
    settle[0]!.resolve('a');
    await drain();
    settle[1]!.resolve('b');
    expect(await done).toEqual(['a', 'b']);
    expect(most()).toBe(1);
  });

  test('tasks that share a key never run at once, and others pass them', async () => {
    const { items, task, settle, started } = controlled(3);
    const done = mapPool(items, task, { concurrency: 3, keyOf: (item) => (item < 2 ? 'port 12000' : undefined) });
    await drain();
    expect(started).toEqual([0, 2]);
    settle[0]!.resolve('a');
    await drain();
    expect(started).toEqual([0, 2, 1]);
    settle[1]!.resolve('b');
    settle[2]!.resolve('c');
    expect(await done).toEqual(['a', 'b', 'c']);
  });

  test('each result is told as its task ends, with its index', async () => {
    const { items, task, settle } = controlled(2);
    const told: Array<[string, number]> = [];
    const done = mapPool(items, task, { concurrency: 2, onResult: (result, index) => told.push([result, index]) });
    await drain();
    settle[1]!.resolve('b');
    await drain();
    settle[0]!.resolve('a');
    await done;
    expect(told).toEqual([
      ['b', 1],
      ['a', 0],
    ]);
  });

  test('a task that fails rejects the map once the tasks running then have ended, and starts no more', async () => {
    const { items, task, settle, started } = controlled(3);
    let settled = false;
    const done = mapPool(items, task, { concurrency: 2 }).finally(() => {
      settled = true;
    });
    await drain();
    settle[0]!.reject(new Error('boom'));
    await drain();
    expect([settled, started]).toEqual([false, [0, 1]]);
    settle[1]!.resolve('b');
    await expect(done).rejects.toThrow('boom');
    expect(started).toEqual([0, 1]);
  });

  test('no items resolve at once to no results', async () => {
    expect(await mapPool([], () => Promise.resolve(1), { concurrency: 2 })).toEqual([]);
  });
});

describe('progress', () => {
  test.each([
    [0, '0s'],
    [42_400, '42s'],
    [65_000, '1m05s'],
    [3_600_000, '60m00s'],
  ])('%d ms is shown as %s', (ms, shown) => {
    expect(formatDuration(ms)).toBe(shown);
  });

  test.each([
    [{ done: 0, total: 40, lostPoints: 0, harnessProblems: 0, elapsedMs: 1000 }, '0/40 graded, 0 lost points, 1s elapsed, time left unknown'],
    [{ done: 3, total: 40, lostPoints: 1, harnessProblems: 0, elapsedMs: 30_000 }, '3/40 graded, 1 lost points, 30s elapsed, about 6m10s left'],
    [{ done: 5, total: 8, lostPoints: 2, harnessProblems: 1, elapsedMs: 50_000 }, '5/8 graded, 2 lost points, 1 with harness problems, 50s elapsed, about 30s left'],
    [{ done: 8, total: 8, lostPoints: 2, harnessProblems: 0, elapsedMs: 80_000 }, '8/8 graded, 2 lost points, 1m20s elapsed, done'],
  ])('%o is shown as "%s"', (progress, line) => {
    expect(progressLine(progress)).toBe(line);
  });

  test('the time left is the average so far times the targets left', () => {
    expect(etaMs({ done: 4, total: 10, lostPoints: 0, harnessProblems: 0, elapsedMs: 40_000 })).toBe(60_000);
    expect(etaMs({ done: 0, total: 10, lostPoints: 0, harnessProblems: 0, elapsedMs: 40_000 })).toBeUndefined();
  });
});
