// A lost item is confirmed by a second run of its scenario (grader/run.ts, confirm): a verdict
// both runs agree on stands; one that flips is reported as unstable, never silently charged.
import { expect, test } from 'vitest';
import { declaredDialect } from '../grader/dialect.js';
import { confirm, gradeTarget } from '../grader/run.js';
import type { JobResult } from '../grader/scenario-job.js';
import { loadTarget, referenceTarget } from '../grader/target.js';
import { boundsAt, type Calibration } from '../grader/timing.js';
import { commandWorks } from '../harness/commands.js';
import { fail, pass } from '../grader/verdict.js';
import { PYTHON_CLIENTS_DIALECT } from './support/declared-dialect.js';

const dialect = declaredDialect(referenceTarget());
const run = (verdicts: JobResult['verdicts']): JobResult => ({ verdicts, dialect, harnessProblems: [], notes: [] });

test('an item lost in both runs keeps the first run’s verdict, and the grade stays trustworthy', () => {
  const first = run({ 'server-exits': fail('still running', { actual: [{ source: 'server stdout', text: 'one' }] }) });
  const second = run({ 'server-exits': fail('still running again') });
  const result = confirm(first, second, ['server-exits']);
  expect(result.verdicts['server-exits']).toBe(first.verdicts['server-exits']);
  expect(result.harnessProblems).toEqual([]);
});

test('an item that fails once and passes once is unstable: not charged, both runs quoted, and a harness problem', () => {
  const first = run({
    'closing-line': fail('the closing line is missing', { expected: ['Sent acknowledgment to both X and Y'], actual: [{ source: 'server stdout', text: 'one' }] }),
    'server-prints': pass('fine'),
  });
  const second = run({ 'closing-line': pass('printed'), 'server-prints': pass('fine') });
  const result = confirm(first, second, ['closing-line', 'server-prints']);
  expect(result.verdicts['closing-line']).toEqual({
    passed: true,
    detail: 'unstable: it failed, then passed when run again (the closing line is missing); not charged, but check it',
    expected: ['Sent acknowledgment to both X and Y'],
    actual: [{ source: 'run 1, server stdout', text: 'one' }],
  });
  expect(result.verdicts['server-prints']).toEqual(pass('fine'));
  expect(result.harnessProblems).toEqual(['closing-line gave different verdicts in two runs of the same scenario']);
});

const python3Works = commandWorks(['python3', '--version']);

// The machine is measured once before grading and once more before each confirming run.
test.skipIf(!python3Works).for<[string, boolean | undefined, number]>([
  ['by default a lost item is run again before it is charged (the machine measured twice)', undefined, 2],
  ['with confirm: false a lost item is charged on its one run (the machine measured once)', false, 1],
])('%s', { timeout: 120_000 }, async ([, confirming, measured]) => {
  let calibrations = 0;
  const calibrate = async (): Promise<Calibration> => {
    calibrations += 1;
    return { probe: 'fixed by the spec', startMs: 0, scale: 1, bounds: boundsAt(1) };
  };
  // Its clients' dialect declared: the grade runs the closing line's scenario alone, once or twice.
  const grade = await gradeTarget({ ...loadTarget('fixtures/broken/closing-line-misspelled/target.json'), ...PYTHON_CLIENTS_DIALECT }, {
    only: ['closing-line'],
    calibrate,
    ...(confirming === undefined ? {} : { confirm: confirming }),
  });
  expect(grade.items.map((item) => [item.id, item.verdict.passed])).toEqual([['closing-line', false]]);
  expect(calibrations).toBe(measured);
});
