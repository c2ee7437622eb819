/**
 * Progress of a class being graded: done out of total, how many targets lost
 * points so far, time elapsed and an estimate of the time left. On a terminal
 * it is one line rewritten in place; elsewhere (a log, CI) one plain line per
 * finished target.
 */

/** Where a run of several targets stands. */
export interface Progress {
  readonly done: number;
  readonly total: number;
  /** Targets graded so far that lost points. */
  readonly lostPoints: number;
  /** Targets graded so far with a harness problem (their grade is not trustworthy). */
  readonly harnessProblems: number;
  readonly elapsedMs: number;
}

/** `1m05s`, `42s`: whole seconds, minutes when there are any. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const minutes = Math.floor(seconds / 60);
  return minutes > 0 ? `${minutes}m${String(seconds % 60).padStart(2, '0')}s` : `${seconds}s`;
}

/**
 * The time left if the rest go as fast as those done so far (undefined
 * before the first is done).
 */
export function etaMs(progress: Progress): number | undefined {
  if (progress.done === 0) return undefined;
  return (progress.elapsedMs / progress.done) * (progress.total - progress.done);
}

/**
 * The progress in one line.
 *
 * @example
 * progressLine({ done: 3, total: 40, lostPoints: 1, harnessProblems: 0, elapsedMs: 30_000 });
 * // '3/40 graded, 1 lost points, 30s elapsed, about 6m10s left'
 */
export function progressLine(progress: Progress): string {
  const eta = etaMs(progress);
  return [
    `${progress.done}/${progress.total} graded`,
    `${progress.lostPoints} lost points`,
    ...(progress.harnessProblems > 0 ? [`${progress.harnessProblems} with harness problems`] : []),
    `${formatDuration(progress.elapsedMs)} elapsed`,
    eta === undefined ? 'time left unknown' : progress.done === progress.total ? 'done' : `about ${formatDuration(eta)} left`,
  ].join(', ');
}
