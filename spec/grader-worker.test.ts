// Grading workers (grader/worker.ts), with a stand-in worker: each job runs in a worker of its own,
// and a worker that dies costs its own job, as a harness problem.
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { declaredDialect } from '../grader/dialect.js';
import type { ScenarioJob } from '../grader/scenario-job.js';
import { referenceTarget } from '../grader/target.js';
import { boundsAt } from '../grader/timing.js';
import { ENTRY_ENV, runInWorker } from '../grader/worker.js';
import { REPO_ROOT } from '../harness/repo-root.js';

// No sandbox around it: the stand-in runs directly, as the grader's own Node would run the real worker.
const direct = { prefix: [], env: {} };
const target = referenceTarget();
const job = (scenario: string): ScenarioJob => ({ scenario, target, dialect: declaredDialect(target), bounds: boundsAt(1), privateNetwork: true });

let before: string | undefined;
beforeEach(() => {
  before = process.env[ENTRY_ENV];
  process.env[ENTRY_ENV] = join(REPO_ROOT, 'fixtures', 'grader', 'stand-in-worker.mjs');
});
afterEach(() => {
  if (before === undefined) delete process.env[ENTRY_ENV];
  else process.env[ENTRY_ENV] = before;
});

test('each job runs in a worker of its own, whose one result line is the result', async () => {
  const [one, two] = [await runInWorker(direct, job('x-first')), await runInWorker(direct, job('arrival-order'))];
  expect([one.harnessProblems, two.harnessProblems]).toEqual([[], []]);
  expect(one.notes).toHaveLength(1);
  expect(two.notes).toHaveLength(1);
  expect(two.notes).not.toEqual(one.notes);
});

test('a worker that dies costs its own job: the scenario\'s items, and one harness problem quoting its last stderr line', async () => {
  const died = await runInWorker(direct, job('y-first'));
  const problem = 'the grading worker for y-first failed: it exited (code 1): worker fixture: dying on y-first';
  expect(died.harnessProblems).toEqual([problem]);
  expect(Object.entries(died.verdicts).map(([id, verdict]) => [id, verdict.passed, verdict.detail])).toEqual([['order-y-first', false, `harness problem: ${problem}`]]);
});
