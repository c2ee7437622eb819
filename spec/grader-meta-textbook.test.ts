// The meta-spec, textbook half: submissions written the way students write this assignment
// (fixtures/submissions/tb-*: Python 2 print statements, no line end on the wire, one recv() per
// message, prompts, hard-coded names and ports, banners, threads, chats ending on another word)
// get, item by item, the verdict an expert wrote down in each folder's expected.json before
// the grader ever graded it.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { gradeTarget } from '../grader/run.js';
import { loadTarget } from '../grader/target.js';
import { commandWorks } from '../harness/commands.js';
import { REPO_ROOT } from '../harness/repo-root.js';
import { lostEvidence } from './support/evidence.js';
import { GRADES_SIDE_BY_SIDE } from './support/side-by-side.js';

/** An expert's verdict on one item, and why. */
interface ExpertVerdict {
  readonly pass: boolean;
  readonly why: string;
}

const SUBMISSIONS = join(REPO_ROOT, 'fixtures', 'submissions');
const folders = readdirSync(SUBMISSIONS, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && entry.name.startsWith('tb-'))
  .map((entry) => entry.name)
  .sort();

/** Why a fixture cannot run here (its interpreter is missing), or undefined. */
function missingInterpreter(folder: string): string | undefined {
  const target = loadTarget(join(SUBMISSIONS, folder, 'target.json'));
  const commands = new Set([target.server.argv[0], target.clients.X.argv[0], target.clients.Y.argv[0], target.chat?.server.argv[0], target.chat?.clients.X.argv[0]]);
  const missing = [...commands].filter((command) => command !== undefined && command !== 'node' && !commandWorks([command, '--version'], target.env));
  return missing.length > 0 ? `${missing.join(' and ')} cannot run here` : undefined;
}

test('there are at least eight textbook-style submissions, each with an expert verdict for every item it claims', () => {
  expect(folders.length).toBeGreaterThanOrEqual(8);
  for (const folder of folders) {
    const expected = JSON.parse(readFileSync(join(SUBMISSIONS, folder, 'expected.json'), 'utf8')) as { items: Record<string, ExpertVerdict> };
    const target = loadTarget(join(SUBMISSIONS, folder, 'target.json'));
    expect(Object.keys(expected.items).length, folder).toBe((target.parts.ack ? 12 : 0) + (target.parts.chat ? 6 : 0));
  }
});

// Side by side where each grade has a network of its own; else one after another: most hard-code port 12000.
test.for(folders)('%s gets the expert verdict on every item', { timeout: 240_000, concurrent: GRADES_SIDE_BY_SIDE }, async (folder, context) => {
  const reason = missingInterpreter(folder);
  if (reason !== undefined) context.skip(reason);
  const expected = JSON.parse(readFileSync(join(SUBMISSIONS, folder, 'expected.json'), 'utf8')) as { items: Record<string, ExpertVerdict> };
  // No confirming run: a verdict that flips fails this spec either way.
  const grade = await gradeTarget(loadTarget(join(SUBMISSIONS, folder, 'target.json')), { confirm: false });
  expect(grade.harnessProblems, lostEvidence(grade)).toEqual([]);
  const disagreements = Object.entries(expected.items).flatMap(([id, expert]) => {
    const item = grade.items.find((result) => result.id === id);
    if (item?.verdict.passed === expert.pass) return [];
    return [`${id}: expert ${expert.pass ? 'passes' : 'fails'} it (${expert.why}); grader ${item?.verdict.passed ? 'passed' : 'failed'} it: ${item?.verdict.detail ?? 'not graded'}`];
  });
  expect(disagreements, lostEvidence(grade)).toEqual([]);
});
