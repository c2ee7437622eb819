/**
 * The order spec files start in. Vitest starts the files it knows to be slow
 * first, but only from its cache of earlier runs, which a fresh clone lacks;
 * then it goes by file size, which says little here. The files that grade
 * whole submissions take the longest, and a long file started last keeps
 * the run going after every other file is done, so they start first, in the
 * order below, then the other long ones, and the rest follow in vitest's own
 * order.
 */
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** The slowest files, slowest first (spec/suite-figures.test.ts checks each exists). */
export const SLOW_FIRST: readonly string[] = [
  'spec/grader-meta-textbook.test.ts',
  'spec/grader-meta-broken.test.ts',
  'spec/grader-describe.test.ts',
  'spec/grader-cli.test.ts',
  'spec/grader-jobs.test.ts',
  'spec/grader-hints.test.ts',
  'spec/grader-meta-fair.test.ts',
  'spec/grader-sandbox.test.ts',
  'spec/gradescope.test.ts',
  'spec/grader-isolation.test.ts',
  // Then the other files that take ten seconds or more, so that the run ends on many short files, not on one
  // long one: started late by vitest's order (by file size on a fresh clone), chat-backpressure or harness ran
  // alone for the last 5 to 7 s of a run.
  'spec/chat-backpressure.test.ts',
  'spec/lint.test.ts',
  'spec/client.test.ts',
  'spec/faults.test.ts',
  'spec/chat.test.ts',
  'spec/faults-server.test.ts',
  // Started late by vitest's order on a fresh clone, it ran 13 s and ended 8 s after every other file but one.
  'spec/chat-terminal.test.ts',
  'spec/grader-timing.test.ts',
  'spec/samples.test.ts',
  'spec/mininet.test.ts',
  'spec/cli.test.ts',
  'spec/names.test.ts',
  'spec/fuzz.test.ts',
  'spec/harness.test.ts',
  // Its watch compiles with TypeScript 5's tsc, seconds of CPU: started late by vitest's order, it was among the last to end.
  'spec/test-watch.test.ts',
  'spec/signals.test.ts',
  // Four to five seconds each on a fresh clone, all started in its last 20 s.
  'spec/grader-worker.test.ts',
  'spec/handin.test.ts',
  'spec/grader-target.test.ts',
  'spec/catalogue.test.ts',
  'spec/server.test.ts',
  'spec/grader-kernel.test.ts',
];

/** Starts {@link SLOW_FIRST} first, then the rest as vitest would. */
export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification): number => {
      const index = SLOW_FIRST.indexOf(relative(file.project.config.root, file.moduleId));
      return index === -1 ? SLOW_FIRST.length : index;
    };
    const rest = await super.sort(files.filter((file) => rank(file) === SLOW_FIRST.length));
    return [...files.filter((file) => rank(file) < SLOW_FIRST.length).sort((a, b) => rank(a) - rank(b)), ...rest];
  }
}
