// Each grading scenario in its own network namespace (harness/isolation.ts, grader/worker.ts): a
// hard-coded port is always free, so what ran before and what holds the port outside change nothing.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { expect, onTestFinished, test } from 'vitest';
import { held, lockFile } from './support/lock.js';
import { gradeTarget, type TargetGrade } from '../grader/run.js';
import { loadTarget, type Target } from '../grader/target.js';
import { commandWorks } from '../harness/commands.js';
import { detectIsolation } from '../harness/isolation.js';
import { isAlive } from '../harness/process.js';
import { PYTHON_CLIENTS_DIALECT } from './support/declared-dialect.js';

const isolation = detectIsolation();
const PYTHON2 = commandWorks(['python2', '--version'], { PYENV_VERSION: '2.7.18' });
const why = isolation.kind === 'direct' ? isolation.why : !PYTHON2 ? 'python2 (2.7.18) cannot run here' : undefined;

/** Item id and verdict, the grade's substance (timings and evidence aside). */
const verdicts = (grade: TargetGrade): Array<[string, boolean]> => grade.items.map((item) => [item.id, item.verdict.passed]);

/** The textbook-style Python 2 submission on port 12000, threaded, without SO_REUSEADDR. */
const textbook = (): Target => loadTarget('fixtures/submissions/tb-threads-py2/target.json');
/** The items graded: the scenarios that start its server on 12000, one after another in one worker. */
const ONLY = ['order-x-first', 'order-y-first', 'server-exits', 'end-to-end'] as const;

let aloneGraded: Promise<{ grade: TargetGrade; notes: string[] }> | undefined;

/**
 * {@link textbook} graded on {@link ONLY} with nothing else on port 12000, with the notes the grade gave, for both
 * tests that read it (once, whichever runs first).
 */
function gradedAlone(): Promise<{ grade: TargetGrade; notes: string[] }> {
  aloneGraded ??= (async () => {
    const notes: string[] = [];
    const grade = await gradeTarget(textbook(), { only: [...ONLY], onNote: (line) => notes.push(line) });
    return { grade, notes };
  })();
  return aloneGraded;
}

/** Listens on 0.0.0.0:`port` in this process until the test ends, as another program would; one that already does is as good. */
async function holdPort(port: number): Promise<void> {
  const server = net.createServer();
  const held = await new Promise<boolean>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? resolve(false) : reject(error)));
    server.listen({ host: '0.0.0.0', port }, () => resolve(true));
  });
  if (held) onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
}

// The textbook's server binds ('', 12000) without SO_REUSEADDR and closes its connections first: in one worker, each
// scenario's server would wait out the last one's TIME_WAIT on that port, unless the worker lets none wait.
test.skipIf(why !== undefined)('a port-12000 target without SO_REUSEADDR binds it again in each scenario of its grade, all in one worker', { timeout: 240_000 }, async () => {
  const { grade, notes } = await gradedAlone();
  expect(verdicts(grade), JSON.stringify(grade.items)).toEqual(ONLY.map((id) => [id, true]));
  expect(notes.filter((line) => line.startsWith('grading worker:'))).toEqual([]);
});

test.skipIf(why !== undefined)('a port-12000 target without SO_REUSEADDR, graded after another on 12000 and with 12000 held outside, gets its grade alone', { timeout: 240_000 }, async () => {
  const { grade: alone } = await gradedAlone();
  await holdPort(12000);
  const other = await gradeTarget(loadTarget('fixtures/submissions/py2-hardcoded/target.json'), { only: [...ONLY] });
  const after = await gradeTarget(textbook(), { only: [...ONLY] });
  expect(verdicts(other)).toEqual(ONLY.map((id) => [id, true]));
  expect(verdicts(after)).toEqual(verdicts(alone));
  expect([alone, other, after].flatMap((grade) => grade.harnessProblems)).toEqual([]);
});

const FLOCK = commandWorks(['flock', '--version']);
const PYTHON3 = commandWorks(['python3', '--version']);
const noLeftoverCheck = isolation.kind === 'direct' ? isolation.why : !FLOCK ? 'flock (util-linux) is not installed' : !PYTHON3 ? 'python3 cannot run here' : undefined;



/** The Python second implementation with its server replaced by a leftovers fixture holding `lock`. */
function withServer(script: string, lock: string, extra: Partial<Target> = {}): Target {
  const base = loadTarget('fixtures/python/target.json');
  return { ...base, ...PYTHON_CLIENTS_DIALECT, env: { ...base.env, LEFTOVER_LOCK: lock }, server: { ...base.server, argv: ['python3', `../grader/leftovers/${script}`, '--host', '{host}', '--port', '{port}'] }, ...extra };
}

test.skipIf(noLeftoverCheck !== undefined)('a server that leaves a double-forked daemon behind leaves nothing running once graded', { timeout: 240_000 }, async () => {
  const lock = lockFile('ack-leftover-');
  const grade = await gradeTarget(withServer('daemon-server.py', lock), { only: ['order-x-first'] });
  expect(verdicts(grade)).toEqual([['order-x-first', true]]);
  expect(held(lock)).toBe(false);
});

test.skipIf(noLeftoverCheck !== undefined)('without the sandbox the same daemon outlives its grade (ended here by the pid it wrote)', { timeout: 240_000 }, async () => {
  const lock = lockFile('ack-leftover-');
  await gradeTarget(withServer('daemon-server.py', lock), { only: ['order-x-first'], direct: true });
  // Every daemon wrote its pid before its server listened; only positive pids, so no group is signalled.
  const pids = readFileSync(lock, 'utf8').split('\n').map(Number).filter((pid) => Number.isInteger(pid) && pid > 0);
  onTestFinished(() => pids.forEach((pid) => isAlive(pid) && process.kill(pid, 'SIGKILL')));
  expect(pids.length).toBeGreaterThan(0);
  expect(held(lock)).toBe(true);
});

test.skipIf(noLeftoverCheck !== undefined)('a scenario cut off by its time limit leaves nothing running', { timeout: 240_000 }, async () => {
  const lock = lockFile('ack-leftover-');
  process.env.ACK_GRADER_SCENARIO_MS = '3000'; // read by the workers this grade starts
  onTestFinished(() => {
    delete process.env.ACK_GRADER_SCENARIO_MS;
  });
  const target = withServer('silent-server.py', lock);
  const grade = await gradeTarget({ ...target, server: { argv: ['python3', '../grader/leftovers/silent-server.py', '{port}'], port: 'free', ready: 'listening on' } }, { only: ['order-x-first'] });
  expect(grade.items.map((item) => [item.id, item.verdict.passed, item.verdict.detail])).toEqual([['order-x-first', false, 'the scenario did not finish within 3 s']]);
  expect(held(lock)).toBe(false);
});
