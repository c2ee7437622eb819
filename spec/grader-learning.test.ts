// The scenario that learns the dialect from the target's own clients (grader/run.ts): it runs first even when
// none of its items is asked for, except for a target that declares all it could learn (grader/dialect.ts
// leftToLearn, whose cases spec/grader-dialect.test.ts tables); then only the scenario asked for runs.
import { expect, test } from 'vitest';
import { gradeTarget } from '../grader/run.js';
import { loadTarget } from '../grader/target.js';
import { commandWorks } from '../harness/commands.js';
import { PYTHON_CLIENTS_DIALECT } from './support/declared-dialect.js';

const python3Works = commandWorks(['python3', '--version']);

test.skipIf(!python3Works)('a target that declares its line end and its names is graded on the order alone, without its clients first', async () => {
  const notes: string[] = [];
  const target = { ...loadTarget('fixtures/python/target.json'), ...PYTHON_CLIENTS_DIALECT };
  const grade = await gradeTarget(target, { only: ['order-x-first'], onNote: (line) => notes.push(line) });
  expect(notes.filter((line) => line.startsWith('running '))).toEqual(['running x-first (order-x-first, ack-to-both, server-prints, closing-line, server-exits)']);
  expect(grade.items.map((item) => [item.id, item.verdict.passed])).toEqual([['order-x-first', true]]);
  expect(grade.dialect).toBe("line end \\n (declared in the description); names Alice and Bob (declared in the description); no banner; chat ends on Bye");
});
