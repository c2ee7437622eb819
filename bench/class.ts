/**
 * `npm run bench:class`: a whole class graded one at a time and in parallel.
 *
 * Generates a class of BENCH_CLASS_SIZE (default 40) submissions, every one on
 * port 12000 (the textbook's hard-coded port, or passed as {port} to those that
 * take one): correct ones, the thirteen one-bug variants and textbook-style
 * fixtures, mixed. Grades the class with `--jobs 1`, then with `--jobs 2`, with
 * the compiled grader as an instructor runs it, and writes
 * reports/bench-class.md and reports/bench-class.json: the wall time of each,
 * the ratio, and whether both runs gave the same grades (they must).
 *
 * Settings (environment): BENCH_CLASS_SIZE (default 40), BENCH_CLASS_ONLY (the
 * items graded, comma-separated; default every item of the acknowledgment part,
 * since the 250-line chat relays would make a class run take an hour),
 * BENCH_CLASS_JOBS (the parallel run's jobs, default 2).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from '../harness/repo-root.js';
import { ITEMS } from '../grader/rubric.js';
import { describeMachine } from './machine.js';

/** Where each kind of submission comes from; those whose server takes {port} are put on 12000. */
const SOURCES: readonly string[] = [
  'fixtures/python/target.json',
  'fixtures/submissions/py2-hardcoded/target.json',
  'fixtures/submissions/tb-threads-py2/target.json',
  'fixtures/submissions/tb-sequential-py2/target.json',
  'fixtures/submissions/tb-select-labels-py3/target.json',
  'fixtures/submissions/tb-length-prefix-py3/target.json',
  ...[
    'ack-other-words',
    'ack-to-one-client',
    'ack-wrong-order',
    'client-silent-send',
    'closing-line-misspelled',
    'connection-order',
    'crash-on-disconnect',
    'greetings-not-printed',
    'server-never-exits',
    'single-recv',
  ].map((name) => `fixtures/broken/${name}/target.json`),
];

/** The port every submission of the class uses. */
const PORT = 12000;

/** One graded run of the class. */
interface Run {
  readonly jobs: number;
  readonly seconds: number;
  readonly exitCode: number | null;
  /** The gradebook with timings taken out: what must not depend on `jobs`. */
  readonly grades: string;
}

/** Writes the class: `size` target files, cycling through {@link SOURCES}, each with its own name and on port 12000. */
function writeClass(dir: string, size: number): void {
  for (let index = 0; index < size; index += 1) {
    const file = SOURCES[index % SOURCES.length]!;
    const description = JSON.parse(readFileSync(join(REPO_ROOT, file), 'utf8')) as Record<string, unknown> & { server: Record<string, unknown> };
    const cwd = resolve(REPO_ROOT, file, '..', String(description.cwd ?? '.'));
    const takesPort = JSON.stringify(description.server.argv).includes('{port}');
    const server = takesPort ? { ...description.server, port: PORT } : description.server;
    const student = `student-${String(index + 1).padStart(2, '0')}`;
    writeFileSync(join(dir, `${student}.json`), JSON.stringify({ ...description, name: student, cwd, server }, null, 2));
  }
}

/** The gradebook without its timing column (if it has one): the part that must not depend on `--jobs`. */
function withoutTimings(csv: string): string {
  const rows = csv.trimEnd().split('\n').map((row) => row.split(','));
  const at = rows[0]?.indexOf('seconds') ?? -1;
  return rows.map((row) => (at < 0 ? row : row.filter((_, index) => index !== at)).join(',')).join('\n');
}

/** Runs the compiled grader on the class and times it; its progress lines go to our stderr as they come. */
function gradeClass(dir: string, out: string, jobs: number, only: string): Promise<Run> {
  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'dist/grader/cli.js'), dir, '--jobs', String(jobs), '--only', only, '--out', out], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr.on('data', (chunk: Buffer) => process.stderr.write(`  [jobs ${jobs}] ${chunk.toString()}`));
    child.once('error', reject);
    child.once('close', (exitCode) => {
      const seconds = (performance.now() - started) / 1000;
      const gradebook = join(out, 'gradebook.csv');
      if (!existsSync(gradebook)) {
        reject(new Error(`the grader wrote no gradebook with --jobs ${jobs} (exit ${exitCode}); run it by hand to see why`));
        return;
      }
      resolvePromise({ jobs, seconds, exitCode, grades: withoutTimings(readFileSync(gradebook, 'utf8')) });
    });
  });
}

/** The report: the machine, the settings, a table of the two runs and the verdict on their grades. */
function formatReport(machine: readonly string[], size: number, only: string, runs: readonly [Run, Run]): string {
  const [serial, parallel] = runs;
  const same = serial.grades === parallel.grades;
  return [
    '# A class graded one at a time and in parallel',
    '',
    `Written by \`npm run bench:class\` on ${new Date().toISOString()}.`,
    '',
    ...machine.map((fact) => `- ${fact}`),
    `- class: ${size} submissions, all on port ${PORT} (${SOURCES.length} kinds, cycled: correct, textbook-style and one-bug variants)`,
    `- items graded: ${only}`,
    '',
    '| jobs | wall time | per submission | grader exit |',
    '| ---: | ---: | ---: | ---: |',
    ...runs.map((run) => `| ${run.jobs} | ${run.seconds.toFixed(1)} s | ${(run.seconds / size).toFixed(2)} s | ${run.exitCode} |`),
    '',
    `Speed-up with ${parallel.jobs} jobs: ${(serial.seconds / parallel.seconds).toFixed(2)}×.`,
    '',
    same ? 'Both runs gave the same grades, item by item.' : '**The runs gave different grades**: a grade must not depend on --jobs; see the gradebooks in the json report.',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const size = Number(process.env.BENCH_CLASS_SIZE ?? 40);
  const jobs = Number(process.env.BENCH_CLASS_JOBS ?? 2);
  if (!Number.isInteger(size) || size < 1) throw new Error(`BENCH_CLASS_SIZE must be a whole number of at least 1 (got "${process.env.BENCH_CLASS_SIZE}")`);
  if (!Number.isInteger(jobs) || jobs < 2) throw new Error(`BENCH_CLASS_JOBS must be a whole number of at least 2 (got "${process.env.BENCH_CLASS_JOBS}")`);
  const only = process.env.BENCH_CLASS_ONLY ?? ITEMS.filter((item) => item.part === 'ack').map((item) => item.id).join(',');
  const loadAtStart = os.loadavg()[0] ?? 0;
  const work = mkdtempSync(join(os.tmpdir(), 'ack-bench-class-'));
  try {
    const dir = join(work, 'class');
    mkdirSync(dir);
    writeClass(dir, size);
    process.stderr.write(`bench:class: ${size} submissions on port ${PORT}; grading with --jobs 1, then --jobs ${jobs}\n`);
    const serial = await gradeClass(dir, join(work, 'jobs-1'), 1, only);
    const parallel = await gradeClass(dir, join(work, `jobs-${jobs}`), jobs, only);
    const report = formatReport(await describeMachine(loadAtStart), size, only, [serial, parallel]);
    const reports = join(REPO_ROOT, 'reports');
    mkdirSync(reports, { recursive: true });
    writeFileSync(join(reports, 'bench-class.md'), report);
    writeFileSync(join(reports, 'bench-class.json'), `${JSON.stringify({ size, port: PORT, only, runs: [serial, parallel] }, null, 2)}\n`);
    process.stdout.write(`${report}\nWritten: reports/bench-class.md, reports/bench-class.json\n`);
    if (serial.grades !== parallel.grades) process.exitCode = 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:class: ${(error as Error).message.split('\n')[0]}\n`);
  process.exitCode = 1;
});
