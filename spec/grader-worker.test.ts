// Grading workers (grader/worker.ts): a session runs a target's jobs one after another in one
// worker; a worker that dies costs its job (a harness problem), and later jobs get workers of their own.
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { declaredDialect } from '../grader/dialect.js';
import type { ScenarioJob } from '../grader/scenario-job.js';
import { referenceTarget } from '../grader/target.js';
import { boundsAt } from '../grader/timing.js';
import { ENTRY_ENV, openWorkerSession } from '../grader/worker.js';
import { REPO_ROOT } from '../harness/repo-root.js';

// No sandbox around it: the worker fixture runs directly, as the grader's own Node would run the real one.
const direct = { prefix: [], env: {} };
const target = referenceTarget();
const job = (scenario: string): ScenarioJob => ({ scenario, target, dialect: declaredDialect(target), bounds: boundsAt(1), privateNetwork: true });

let before: string | undefined;
beforeEach(() => {
  before = process.env[ENTRY_ENV];
  process.env[ENTRY_ENV] = join(REPO_ROOT, 'fixtures', 'grader', 'session-worker.mjs');
});
afterEach(() => {
  if (before === undefined) delete process.env[ENTRY_ENV];
  else process.env[ENTRY_ENV] = before;
});

test('a session runs its jobs one after another in one worker', async () => {
  const session = openWorkerSession(direct);
  try {
    const notes = [(await session.run(job('x-first'))).notes, (await session.run(job('arrival-order'))).notes];
    expect(notes[0]).toHaveLength(1);
    expect(notes[1]).toEqual(notes[0]);
  } finally {
    await session.close();
  }
});

test('a worker that dies costs its own job, as a harness problem, and the next job gets a worker of its own', async () => {
  const session = openWorkerSession(direct);
  try {
    const first = await session.run(job('x-first'));
    const died = await session.run(job('y-first'));
    const problem = 'the grading worker for y-first failed: it exited (code 1): worker fixture: dying on y-first';
    expect(died.harnessProblems).toEqual([problem]);
    expect(Object.entries(died.verdicts).map(([id, verdict]) => [id, verdict?.passed, verdict?.detail])).toEqual([['order-y-first', false, `harness problem: ${problem}`]]);
    const after = await session.run(job('arrival-order'));
    expect(after.harnessProblems).toEqual([]);
    expect(after.notes).toHaveLength(1);
    expect(after.notes).not.toEqual(first.notes);
  } finally {
    await session.close();
  }
});
