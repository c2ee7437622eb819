// Grading workers (grader/worker.ts), with a stand-in worker: a session's jobs run in one worker; a
// worker that dies costs its own job, as a harness problem, and one that says it ends after a job is
// replaced without costing any; the session goes on in a new one. A worker takes its parent's word on
// whether util-linux script is here. Then which file a worker runs:
// the one-file bundle the build writes, only while no module is newer, and it grades as they do.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, onTestFinished, test, vi } from 'vitest';
import { declaredDialect } from '../grader/dialect.js';
import { scriptAvailable, SCRIPT_ENV } from '../grader/launch.js';
import { runJob, type JobResult, type ScenarioJob } from '../grader/scenario-job.js';
import { referenceTarget } from '../grader/target.js';
import { boundsAt } from '../grader/timing.js';
import { DIST_WORKER_BUNDLE, DIST_WORKER_ENTRY, ENTRY_ENV, entryByAge, openWorkerSession } from '../grader/worker.js';
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

/** Runs `jobs` one after another in one session of workers that run `entry`, and closes it; `notes` hears its notes. */
async function inSession(entry: string, jobs: readonly ScenarioJob[], notes: string[] = []): Promise<JobResult[]> {
  return withEntry(entry, async () => {
    const session = openWorkerSession(direct, (line) => notes.push(line));
    try {
      const results: JobResult[] = [];
      for (const one of jobs) results.push(await session.run(one));
      return results;
    } finally {
      await session.close();
    }
  });
}

/** The pid the stand-in's result names. */
const workerOf = (result: JobResult | undefined): string | undefined => result?.notes[0];

test('a session runs its jobs one after another in one worker, whose result lines are the results', async () => {
  const results = await inSession(STAND_IN, [job('x-first'), job('arrival-order'), job('fragmented')]);
  expect(results.map((result) => result.harnessProblems)).toEqual([[], [], []]);
  expect(new Set(results.map(workerOf)).size).toBe(1);
});

test('a worker that dies costs its own job: the scenario\'s items, and one harness problem quoting its last stderr line', async () => {
  const [died] = await inSession(STAND_IN, [job('y-first')]);
  const problem = 'the grading worker for y-first failed: it exited (code 1): worker fixture: dying on y-first';
  expect(died!.harnessProblems).toEqual([problem]);
  expect(Object.entries(died!.verdicts).map(([id, verdict]) => [id, verdict.passed, verdict.detail])).toEqual([['order-y-first', false, `harness problem: ${problem}`]]);
});

test('after a worker that died, the session\'s next job gets a new worker', async () => {
  const [before, , after] = await inSession(STAND_IN, [job('x-first'), job('y-first'), job('arrival-order')]);
  expect([before!.harnessProblems, after!.harnessProblems]).toEqual([[], []]);
  expect(workerOf(after)).not.toBe(workerOf(before));
});

test('a worker that ends after a job says why, costs no job, and the next job gets a new worker', async () => {
  const notes: string[] = [];
  const [ending, next] = await inSession(STAND_IN, [job('early-leaver'), job('x-first')], notes);
  expect([ending!.harnessProblems, next!.harnessProblems]).toEqual([[], []]);
  expect(ending).not.toHaveProperty('workerEnds');
  expect(workerOf(next)).not.toBe(workerOf(ending));
  expect(notes).toEqual(['grading worker: worker fixture: ending after early-leaver; the next scenario gets a new one']);
});

test('a worker is told whether util-linux script is here, as its parent found it, and does not ask again', async () => {
  const [result] = await inSession(STAND_IN, [job('x-first')]);
  expect(result!.notes[1]).toBe(`script ${scriptAvailable() ? 1 : 0}`);
});

test.each<[string, boolean]>([
  ['1', true],
  ['0', false],
])('told %s, a process takes that for whether script is here', (told, available) => {
  onTestFinished(() => {
    vi.unstubAllEnvs();
  });
  vi.stubEnv(SCRIPT_ENV, told);
  expect(scriptAvailable()).toBe(available);
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
  const [bundled] = await inSession(DIST_WORKER_BUNDLE, [real('x-first')]);
  const [modules] = await inSession(DIST_WORKER_ENTRY, [real('x-first')]);
  expect([bundled!.harnessProblems, modules!.harnessProblems]).toEqual([[], []]);
  expect(verdicts(bundled!).map(([id]) => id)).toContain('order-x-first');
  expect(verdicts(bundled!).filter(([, passed]) => !passed)).toEqual([]);
  expect(verdicts(bundled!)).toEqual(verdicts(modules!));
});

test('a job says on its report line when its scenario is over and which programs it stops', { timeout: 60_000 }, async () => {
  const said: string[] = [];
  const result = await runJob({ ...job('x-first'), privateNetwork: false }, (line) => said.push(line));
  expect(result.harnessProblems).toEqual([]);
  expect(said).toHaveLength(1);
  expect(said[0]).toMatch(/^x-first: over; stopping server \(pid \d+\)$/);
});
