// The grader's hints for two classic causes that need a running program to show:
// output held in a buffer, and a prompt nobody answers.
import { expect, test } from 'vitest';
import { gradeTarget } from '../grader/run.js';
import { loadTarget, type Target } from '../grader/target.js';
import { commandWorks } from '../harness/commands.js';
import { PYTHON_CLIENTS_DIALECT } from './support/declared-dialect.js';

const python3Works = commandWorks(['python3', '--version']);

/** The Python second implementation, as fixtures/python/target.json describes it. */
const python = (): Target => loadTarget('fixtures/python/target.json');

test.skipIf(!python3Works)('a server whose output never leaves its buffer gets the buffering hint', { concurrent: true }, async () => {
  const base = python();
  const target: Target = {
    ...base,
    env: { PYTHONUNBUFFERED: '' }, // what a target gets if it turns the grader's default off
    terminal: false, // and on plain pipes, not the terminal the grader gives by default
    server: { argv: ['python3', '../grader/buffered-server.py', '--port', '{port}'], port: 'free' },
    ...PYTHON_CLIENTS_DIALECT,
  };
  // No confirming run: the spec holds the lost item's hint, which a verdict that flips would fail either way.
  const grade = await gradeTarget(target, { only: ['server-prints'], confirm: false });
  expect(grade.items.map((item) => [item.id, item.verdict.passed, item.verdict.hint])).toEqual([
    [
      'server-prints',
      false,
      'nothing was printed on stdout at all: output is probably buffered until exit; flush after each print (Python: print(..., flush=True) or python -u)',
    ],
  ]);
});

test.skipIf(!python3Works)('the same server on the terminal the grader gives by default prints as the student saw it, and keeps the item', { concurrent: true }, async () => {
  const base = python();
  const target: Target = { ...base, ...PYTHON_CLIENTS_DIALECT, env: { PYTHONUNBUFFERED: '' }, server: { argv: ['python3', '../grader/buffered-server.py', '--port', '{port}'], port: 'free' } };
  const grade = await gradeTarget(target, { only: ['server-prints'] });
  expect(grade.items.map((item) => [item.id, item.verdict.passed, item.verdict.detail])).toEqual([
    ['server-prints', true, 'the server printed both greetings, then the acknowledgment it sent'],
  ]);
});

test.skipIf(!python3Works)('a client left waiting at its prompt gets the hint to describe its stdin', { timeout: 240_000, concurrent: true }, async () => {
  const base = python();
  const unanswered = { argv: base.clients.X.argv }; // no "stdin": nobody types the name
  const grade = await gradeTarget({ ...base, clients: { X: unanswered, Y: unanswered } }, { only: ['client-prints'], confirm: false });
  const [result] = grade.items;
  expect(result?.verdict.passed).toBe(false);
  expect(result?.verdict.hint).toBe(`client X seems to be waiting at a prompt ("Your name: "); list what to type in the target's "stdin"`);
});
