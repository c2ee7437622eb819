// Grading workers (grader/worker.ts), with a stand-in worker: a job runs in a worker of its own, or a
// session's jobs in one; a worker that dies costs its own job, as a harness problem, and a session
// goes on in a new one. Then which file a worker runs:
// the one-file bundle the build writes, only while no module is newer, and it grades as they do.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { declaredDialect } from '../grader/dialect.js';
import { runJob, type JobResult, type ScenarioJob } from '../grader/scenario-job.js';
import { referenceTarget } from '../grader/target.js';
import { boundsAt } from '../grader/timing.js';
import { DIST_WORKER_BUNDLE, DIST_WORKER_ENTRY, ENTRY_ENV, entryByAge, openWorkerSession, runInWorker, type WorkerSession } from '../grader/worker.js';
import { REPO_ROOT } from '../harness/repo-root.js';

// No sandbox around it: the stand-in runs directly, as the grader's own Node would run the real worker.
const direct = { prefix: [], env: {} };
const target = referenceTarget();
const job = (scenario: string): ScenarioJob => ({ scenario, target, dialect: declaredDialect(target), bounds: boundsAt(1), privateNetwork: true });

const STAND_IN = join(REPO_ROOT, 'fixtures', 'grader', 'stand-in-worker.mjs');

/** Runs `work` with workers that run `entry` ({@link ENTRY_ENV} set for the call, then restored). */
async function withEntry<T>(entry: string, work: () => Promise<T>): Promise<T> {
  const before = process.env[ENTRY_ENV];
  process.env[ENTRY_ENV] = entry;
  try {
    return await work();
  } finally {
    if (before === undefined) delete process.env[ENTRY_ENV];
    else process.env[ENTRY_ENV] = before;
  }
}

/** Runs `job` in a worker of its own that runs `entry`. */
const runWith = (entry: string, job: ScenarioJob): Promise<JobResult> => withEntry(entry, () => runInWorker(direct, job));

/** Runs `jobs` one after another in one session of stand-in workers, and closes it. */
async function inSession(...scenarios: string[]): Promise<JobResult[]> {
  const session: WorkerSession = openWorkerSession(direct);
  try {
    const results: JobResult[] = [];
    for (const scenario of scenarios) results.push(await withEntry(STAND_IN, () => session.run(job(scenario))));
    return results;
  } finally {
    await session.close();
  }
}

test('each job runs in a worker of its own, whose one result line is the result', async () => {
  const [one, two] = [await runWith(STAND_IN, job('x-first')), await runWith(STAND_IN, job('arrival-order'))];
  expect([one.harnessProblems, two.harnessProblems]).toEqual([[], []]);
  expect(one.notes).toHaveLength(1);
  expect(two.notes).toHaveLength(1);
  expect(two.notes).not.toEqual(one.notes);
});

test('a worker that dies costs its own job: the scenario\'s items, and one harness problem quoting its last stderr line', async () => {
  const died = await runWith(STAND_IN, job('y-first'));
  const problem = 'the grading worker for y-first failed: it exited (code 1): worker fixture: dying on y-first';
  expect(died.harnessProblems).toEqual([problem]);
  expect(Object.entries(died.verdicts).map(([id, verdict]) => [id, verdict.passed, verdict.detail])).toEqual([['order-y-first', false, `harness problem: ${problem}`]]);
});

test('a session runs its jobs one after another in one worker', async () => {
  const results = await inSession('x-first', 'arrival-order', 'fragmented');
  expect(results.map((result) => result.harnessProblems)).toEqual([[], [], []]);
  expect(new Set(results.map((result) => result.notes[0])).size).toBe(1);
});

test('a worker that dies in a session costs its own job, and the next job gets a new worker', async () => {
  const [before, died, after] = await inSession('x-first', 'y-first', 'arrival-order');
  expect(died!.harnessProblems).toEqual(['the grading worker for y-first failed: it exited (code 1): worker fixture: dying on y-first']);
  expect([before!.harnessProblems, after!.harnessProblems]).toEqual([[], []]);
  expect(after!.notes).not.toEqual(before!.notes);
});

test.each<[string, number | undefined, number, string]>([
  ['no bundle', undefined, 1000, DIST_WORKER_ENTRY],
  ['a bundle older than a module (a tsc --watch rebuild since)', 999, 1000, DIST_WORKER_ENTRY],
  ['a bundle written with the newest module', 1000, 1000, DIST_WORKER_BUNDLE],
  ['a bundle newer than every module', 1001, 1000, DIST_WORKER_BUNDLE],
])('with %s, a worker runs the right entry', (_, bundleMs, modulesMs, entry) => {
  expect(entryByAge(bundleMs, modulesMs)).toBe(entry);
});

// npm run build writes the bundle wherever esbuild is installed (a devDependency).
test.skipIf(!existsSync(DIST_WORKER_BUNDLE))('the bundled worker grades a scenario as the modules do', { timeout: 60_000 }, async () => {
  const real = (scenario: string): ScenarioJob => ({ ...job(scenario), privateNetwork: false });
  const verdicts = (result: JobResult): Array<[string, boolean]> => Object.entries(result.verdicts).map(([id, verdict]) => [id, verdict.passed]);
  const bundled = await runWith(DIST_WORKER_BUNDLE, real('x-first'));
  const modules = await runWith(DIST_WORKER_ENTRY, real('x-first'));
  expect([bundled.harnessProblems, modules.harnessProblems]).toEqual([[], []]);
  expect(verdicts(bundled).map(([id]) => id)).toContain('order-x-first');
  expect(verdicts(bundled).filter(([, passed]) => !passed)).toEqual([]);
  expect(verdicts(bundled)).toEqual(verdicts(modules));
});

test('a job says on its report line when its scenario is over and which programs it stops', { timeout: 60_000 }, async () => {
  const said: string[] = [];
  const result = await runJob({ ...job('x-first'), privateNetwork: false }, (line) => said.push(line));
  expect(result.harnessProblems).toEqual([]);
  expect(said).toHaveLength(1);
  expect(said[0]).toMatch(/^x-first: over; stopping server \(pid \d+\)$/);
});
