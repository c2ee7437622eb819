// Each grading scenario in its own network namespace (harness/isolation.ts, grader/worker.ts): a
// hard-coded port is always free, so what ran before and what holds the port outside change nothing.
import net from 'node:net';
import { expect, onTestFinished, test } from 'vitest';
import { gradeTarget, type TargetGrade } from '../grader/run.js';
import { loadTarget } from '../grader/target.js';
import { commandWorks } from '../harness/commands.js';
import { detectIsolation } from '../harness/isolation.js';

const isolation = detectIsolation();
const PYTHON2 = commandWorks(['python2', '--version'], { PYENV_VERSION: '2.7.18' });
const why = isolation.kind === 'direct' ? isolation.why : !PYTHON2 ? 'python2 (2.7.18) cannot run here' : undefined;

/** Item id and verdict, the grade's substance (timings and evidence aside). */
const verdicts = (grade: TargetGrade): Array<[string, boolean]> => grade.items.map((item) => [item.id, item.verdict.passed]);

/** Listens on 0.0.0.0:`port` in this process until the test ends, as another program would; one that already does is as good. */
async function holdPort(port: number): Promise<void> {
  const server = net.createServer();
  const held = await new Promise<boolean>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? resolve(false) : reject(error)));
    server.listen({ host: '0.0.0.0', port }, () => resolve(true));
  });
  if (held) onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
}

test.skipIf(why !== undefined)('a port-12000 target without SO_REUSEADDR, graded after another on 12000 and with 12000 held outside, gets its grade alone', { timeout: 180_000 }, async () => {
  const only = ['order-x-first', 'order-y-first', 'server-exits', 'end-to-end'] as const;
  const textbook = (): ReturnType<typeof loadTarget> => loadTarget('fixtures/submissions/tb-threads-py2/target.json');
  const alone = await gradeTarget(textbook(), { only: [...only] });
  await holdPort(12000);
  const other = await gradeTarget(loadTarget('fixtures/submissions/py2-hardcoded/target.json'), { only: [...only] });
  const after = await gradeTarget(textbook(), { only: [...only] });
  expect(verdicts(alone)).toEqual(only.map((id) => [id, true]));
  expect(verdicts(other)).toEqual(only.map((id) => [id, true]));
  expect(verdicts(after)).toEqual(verdicts(alone));
  expect([alone, other, after].flatMap((grade) => grade.harnessProblems)).toEqual([]);
});
