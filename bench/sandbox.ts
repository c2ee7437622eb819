/**
 * `npm run build && node dist/bench/sandbox.js`: what the sandbox costs. Two
 * measures, each in rounds that alternate between the modes so that noise
 * from other work on the machine spreads over all of them:
 *
 * - per target: the time to grade the Python second implementation
 *   (fixtures/python, both parts) with bubblewrap, with the unshare fallback
 *   and directly (`--no-sandbox`), at a fixed calibration (waits ×1);
 * - per scenario: the time to start an empty program (`true`) inside each
 *   prefix, and to make and remove the target's private copy.
 *
 * Prints a table of the medians and writes reports/sandbox.md. Settings
 * (environment): BENCH_ROUNDS (default 3), BENCH_STARTS (20).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { gradeTarget } from '../grader/run.js';
import { openSandbox } from '../grader/sandbox.js';
import { loadTarget } from '../grader/target.js';
import { boundsAt, type Calibration } from '../grader/timing.js';
import { detectIsolation, ISOLATION_ENV, type Isolation } from '../harness/isolation.js';
import { REPO_ROOT } from '../harness/repo-root.js';
import { describeMachine } from './machine.js';
import { median } from './measure.js';

/** A positive whole number from the environment variable `name`, or `fallback`. */
function envCount(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a whole number above 0, not "${text}"`);
  return value;
}

type Mode = 'bwrap' | 'unshare' | 'direct';

/** The isolation a mode stands for, or why it is not here. */
function isolationFor(mode: Mode): Isolation {
  if (mode === 'direct') return detectIsolation(true);
  const before = process.env[ISOLATION_ENV];
  if (mode === 'unshare') process.env[ISOLATION_ENV] = 'unshare';
  else delete process.env[ISOLATION_ENV];
  try {
    return detectIsolation(false);
  } finally {
    if (before === undefined) delete process.env[ISOLATION_ENV];
    else process.env[ISOLATION_ENV] = before;
  }
}

/** A fixed calibration, so every grade waits the same. */
const fixed = async (): Promise<Calibration> => ({ probe: 'fixed by the bench', startMs: 0, scale: 1, bounds: boundsAt(1) });

const target = loadTarget('fixtures/python/target.json');

/** Grades the target once in `mode`; seconds, and whether it got full marks. */
async function gradeOnce(mode: Mode): Promise<{ seconds: number; full: boolean }> {
  const before = process.env[ISOLATION_ENV];
  if (mode === 'unshare') process.env[ISOLATION_ENV] = 'unshare';
  try {
    const grade = await gradeTarget(target, { direct: mode === 'direct', calibrate: fixed });
    return { seconds: grade.seconds, full: grade.items.every((item) => item.verdict.passed) && grade.harnessProblems.length === 0 };
  } finally {
    if (before === undefined) delete process.env[ISOLATION_ENV];
    else process.env[ISOLATION_ENV] = before;
  }
}

/** Milliseconds to run `true` inside `mode`'s prefix for the target (bwrap with every mount of a real grade). */
function startOnce(mode: Mode): number {
  const isolation = isolationFor(mode);
  const sandbox = isolation.kind === 'namespace' ? openSandbox(isolation, target) : undefined;
  try {
    const argv = [...(sandbox?.prefix ?? []), 'true'];
    const started = performance.now();
    const run = spawnSync(argv[0]!, argv.slice(1), { stdio: 'ignore', timeout: 10_000 });
    const ms = performance.now() - started;
    if (run.status !== 0) throw new Error(`${argv.slice(0, 3).join(' ')} ... true failed (${run.error?.message ?? `exit ${run.status}`})`);
    return ms;
  } finally {
    sandbox?.close();
  }
}

/** Milliseconds to make and remove the private copy of `folder`'s target. */
function copyOnce(file: string): number {
  const isolation = isolationFor('bwrap');
  if (isolation.kind !== 'namespace' || isolation.tool !== 'bwrap') return Number.NaN;
  const started = performance.now();
  openSandbox(isolation, loadTarget(file)).close();
  return performance.now() - started;
}

const fmt = (ms: number): string => (Number.isFinite(ms) ? ms.toFixed(ms < 10 ? 1 : 0) : 'n/a');

async function main(): Promise<void> {
  const rounds = envCount('BENCH_ROUNDS', 3);
  const starts = envCount('BENCH_STARTS', 20);
  const loadAtStart = os.loadavg()[0] ?? 0;
  const modes = (['bwrap', 'unshare', 'direct'] as const).filter((mode) => {
    const isolation = isolationFor(mode);
    const here = mode === 'direct' || (isolation.kind === 'namespace' && isolation.tool === mode);
    if (!here) console.error(`bench: ${mode} is not available here (${isolation.kind === 'direct' ? isolation.why : isolation.note}); left out`);
    return here;
  });
  const grades = new Map<Mode, number[]>(modes.map((mode) => [mode, []]));
  const startTimes = new Map<Mode, number[]>(modes.map((mode) => [mode, []]));
  const problems: string[] = [];
  for (let round = 1; round <= rounds; round += 1) {
    for (const mode of modes) {
      const { seconds, full } = await gradeOnce(mode);
      if (!full) problems.push(`round ${round}, ${mode}: the grade lost points or had harness problems`);
      grades.get(mode)!.push(seconds * 1000);
      console.error(`bench: round ${round}, ${mode}: graded in ${seconds.toFixed(2)} s`);
    }
  }
  for (let index = 0; index < starts; index += 1) for (const mode of modes) startTimes.get(mode)!.push(startOnce(mode));
  const copies = {
    python: median(Array.from({ length: starts }, () => copyOnce('fixtures/python/target.json'))),
    reference: median(Array.from({ length: starts }, () => copyOnce('fixtures/targets/reference.json'))),
  };
  const direct = median(grades.get('direct') ?? []);
  const rows = modes.map((mode) => {
    const grade = median(grades.get(mode)!);
    const extra = mode === 'direct' ? '' : ` (${grade - direct >= 0 ? '+' : ''}${fmt(grade - direct)} ms, ${(((grade - direct) / direct) * 100).toFixed(1)} %)`;
    return `| ${mode} | ${fmt(grade)}${extra} | ${fmt(median(startTimes.get(mode)!))} |`;
  });
  const table = ['| mode | grade of fixtures/python, median ms | `true` in the prefix, median ms |', '| --- | --- | --- |', ...rows].join('\n');
  const report = [
    '# The sandbox\'s cost',
    '',
    `Written by \`node dist/bench/sandbox.js\` (bench/sandbox.ts): ${rounds} rounds of a full grade of fixtures/python (both parts, every scenario, waits ×1) per mode, the modes alternating; ${starts} starts of \`true\` in each mode's prefix (bwrap with every mount of a real grade, its private copy made and removed around it, outside the timing).`,
    '',
    table,
    '',
    `Making and removing the private copy (once per target): fixtures/python ${fmt(copies.python)} ms, the reference (the repository, without node_modules and reports) ${fmt(copies.reference)} ms (medians of ${starts}).`,
    '',
    ...(problems.length > 0 ? ['Problems:', '', ...problems.map((line) => `- ${line}`), ''] : []),
    'Machine:',
    '',
    ...(await describeMachine(loadAtStart)).map((line) => `- ${line}`),
    '',
  ].join('\n');
  mkdirSync(join(REPO_ROOT, 'reports'), { recursive: true });
  writeFileSync(join(REPO_ROOT, 'reports', 'sandbox.md'), report);
  console.log(report);
  process.exitCode = problems.length > 0 ? 1 : 0;
}

await main();
