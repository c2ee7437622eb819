/**
 * The failure-case catalogue's records: each failure test says what case it
 * covers, how the suite induces it, what the programs do, and a possible
 * improvement. A reporter (spec/catalogue/reporter.ts) collects them, with
 * each test's pass or fail, into reports/failure-cases.md on every run: the
 * design document's "cases where the code might fail", from evidence.
 */
import type { TestContext } from 'vitest';

/** One row of the catalogue. */
export interface FailureCase {
  /** The case, e.g. "X's connection is reset after its greeting". */
  readonly case: string;
  /** How the suite makes it happen, e.g. "the harness proxy resets X's connection". */
  readonly induced: string;
  /** What the programs do, as the test checks it. */
  readonly behaviour: string;
  /** A possible improvement, or a limit that remains. */
  readonly improvement: string;
}

declare module 'vitest' {
  interface TaskMeta {
    failureCase?: FailureCase;
  }
}

/**
 * Files the current test in the catalogue.
 *
 * @example
 * test('a second X is refused', ({ task }) => {
 *   catalogue(task, { case: 'a second X while one is held', induced: '…', behaviour: '…', improvement: '…' });
 * });
 */
export function catalogue(task: TestContext['task'], record: FailureCase): void {
  task.meta.failureCase = record;
}
