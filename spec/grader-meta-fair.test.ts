// The meta-spec, fair half: correct implementations, each with its own decoration, prompts, flags,
// fixed ports or fixed names, keep every point of every part they claim.
import { expect, test } from 'vitest';
import { PART_POINTS } from '../grader/rubric.js';
import { gradeTarget } from '../grader/run.js';
import { loadTarget } from '../grader/target.js';
import { commandWorks } from '../harness/commands.js';
import { GRADES_SIDE_BY_SIDE } from './support/side-by-side.js';

// A pyenv shim exists even where its version does not, so each is asked to run.
const PYTHON3 = commandWorks(['python3', '--version']);
const PYTHON2 = commandWorks(['python2', '--version'], { PYENV_VERSION: '2.7.18' });

// Side by side where each grade has a network of its own; else one after another: two hard-code their ports.
// The reference is graded in full through `npm run grade` itself, by spec/grader-cli.test.ts (below, on a port the
// harness picks, only where that port makes a difference).
test.for<[string, string, boolean, string]>([
  ['the Python 3 second implementation (own flags, prompt and labels)', 'fixtures/python/target.json', PYTHON3, 'python3 is not installed'],
  ['a Python 2.7 submission on port 12000 with ClientX.py and ClientY.py', 'fixtures/submissions/py2-hardcoded/target.json', PYTHON2, 'python2 (2.7.18) is not installed'],
  ['a Python 3 submission with fixed names, no ready line and separate chat programs', 'fixtures/submissions/py3-fixed-names/target.json', PYTHON3, 'python3 is not installed'],
  ['a server that exits once its clients have closed their side', 'fixtures/fair/waits-for-close/target.json', PYTHON3, 'python3 is not installed'],
  ['a threaded server slow to handle the first greeting it has', 'fixtures/fair/slow-first-handler/target.json', PYTHON3, 'python3 is not installed'],
])('%s keeps every point it claims', { timeout: 240_000, concurrent: GRADES_SIDE_BY_SIDE }, async ([, file, available, reason], context) => {
  if (!available) context.skip(reason);
  const target = loadTarget(file);
  const grade = await gradeTarget(target);
  const failures = grade.items.filter((item) => !item.verdict.passed && (item.part === 'ack' || target.parts.chat));
  expect(failures.map((item) => `${item.id}: ${item.verdict.detail}`)).toEqual([]);
  expect(grade.scores).toEqual({ ack: PART_POINTS.ack, chat: target.parts.chat ? PART_POINTS.chat : 0 });
  expect(grade.harnessProblems).toEqual([]);
});

// The port is the harness's to pick for most targets here; the reference's own scenarios on such a port are the ones
// that start its server and clients on it: every other item runs the same programs the same way as the full grade.
test('the reference on a port the harness picks keeps the items that start its programs on that port', { timeout: 240_000, concurrent: GRADES_SIDE_BY_SIDE }, async () => {
  const grade = await gradeTarget(loadTarget('fixtures/targets/reference-free-port.json'), { only: ['order-x-first', 'client-sends', 'end-to-end'] });
  expect(grade.items.map((item) => `${item.id}: ${item.verdict.passed ? 'kept' : item.verdict.detail}`)).toEqual([
    'order-x-first: kept',
    'client-sends: kept',
    'end-to-end: kept',
  ]);
  expect(grade.harnessProblems).toEqual([]);
});
