/**
 * Runs tasks a few at a time: at most `concurrency` at once, each started as
 * soon as a slot is free, results in the order of the inputs whatever order
 * they finish in (so a report does not depend on which student was quick).
 * An optional key serializes the tasks that share it: in direct mode, two
 * targets on the same hard-coded port must not run at once.
 */

/** Options for {@link mapPool}. */
export interface PoolOptions<T, R> {
  /** How many tasks may run at once (anything below 1, or not a number, counts as 1). */
  readonly concurrency: number;
  /** Tasks with the same key never run at the same time; undefined: no constraint. */
  readonly keyOf?: (item: T, index: number) => string | undefined;
  /** Told of each result as its task ends, with its index. */
  readonly onResult?: (result: R, index: number) => void;
}

/**
 * Maps `items` through `task`, `concurrency` at a time. A task that throws
 * rejects the whole map once the tasks running then have ended (none is
 * abandoned mid-way).
 *
 * @example
 * const grades = await mapPool(targets, (target) => gradeTarget(target), { concurrency: 2 });
 */
export async function mapPool<T, R>(items: readonly T[], task: (item: T, index: number) => Promise<R>, options: PoolOptions<T, R>): Promise<R[]> {
  const concurrency = Number.isFinite(options.concurrency) && options.concurrency >= 1 ? Math.floor(options.concurrency) : 1;
  const results: R[] = new Array<R>(items.length);
  const waiting = items.map((_, index) => index);
  const busyKeys = new Set<string>();
  let failure: { error: unknown } | undefined;
  let running = 0;
  return new Promise<R[]>((resolve, reject) => {
    const finishIfDone = (): void => {
      if (running > 0) return;
      if (failure) reject(failure.error);
      else if (waiting.length === 0) resolve(results);
    };
    const startMore = (): void => {
      while (!failure && running < concurrency) {
        // The first waiting task whose key is free: order is kept as far as the keys allow.
        const at = waiting.findIndex((index) => {
          const key = options.keyOf?.(items[index]!, index);
          return key === undefined || !busyKeys.has(key);
        });
        if (at < 0) break;
        const [index] = waiting.splice(at, 1) as [number];
        const key = options.keyOf?.(items[index]!, index);
        if (key !== undefined) busyKeys.add(key);
        running += 1;
        task(items[index]!, index).then(
          (result) => {
            results[index] = result;
            options.onResult?.(result, index);
          },
          (error: unknown) => {
            failure ??= { error };
          },
        ).finally(() => {
          running -= 1;
          if (key !== undefined) busyKeys.delete(key);
          startMore();
          finishIfDone();
        });
      }
    };
    startMore();
    finishIfDone();
  });
}
