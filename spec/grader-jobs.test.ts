// `npm run grade -- FOLDER --jobs N`: several targets at once, several of them on
// the same hard-coded port, with the same reports as one at a time; without the
// sandbox, fixed-port targets wait for each other.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, onTestFinished, test } from 'vitest';
import { parseGradeArgs, UsageError } from '../grader/cli-args.js';
import { portKey } from '../grader/run.js';
import { loadTarget, type Target } from '../grader/target.js';
import { commandWorks } from '../harness/commands.js';
import { detectIsolation, type Isolation } from '../harness/isolation.js';
import { launch } from '../harness/process.js';
import { REPO_ROOT } from '../harness/repo-root.js';
import { copyTarget } from './support/target-copy.js';
import { useScene } from './support/vitest.js';

/** Folders the class runs shared by several tests write to, removed when the file's last test ends. */
const shared: string[] = [];
afterAll(() => shared.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A temporary folder removed when the test ends, or with `forFile` when the file's last test does. */
function tempDir(forFile = false): string {
  const dir = mkdtempSync(join(tmpdir(), 'ack-jobs-'));
  if (forFile) shared.push(dir);
  else onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs the compiled grader and returns how it ended and what it printed. */
async function grade(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // Without coverage: the grader is not impl/, so what V8 would write is read and dropped; the programs it grades write theirs.
  const child = launch(useScene(), { label: 'grade', argv: ['node', 'dist/grader/cli.js', ...args], cwd: REPO_ROOT, env: { NODE_V8_COVERAGE: '' } });
  const exit = await child.waitForExit(170_000);
  return { code: exit.code, stdout: child.output(), stderr: child.output('stderr') };
}

/** A report with its timings taken out: the time graded, and the calibration (a busier machine scales the waits). */
const withoutTimings = (text: string): string =>
  text
    .replace(/graded in \d+\.\d s|Graded in \d+\.\d s/g, 'graded in T s')
    .replace(/took \d+ ms here \(quiet is up to 300 ms\): waits ×[\d.]+/g, 'took T ms here: waits ×T')
    .replace(/"seconds": [\d.]+/g, '"seconds": T')
    .replace(/time="[\d.]+"/g, 'time="T"')
    .replace(/,[\d.]+\r?$/gm, ',T');

/**
 * A class folder of five targets: three on port 12000 (two of them the same
 * Python 2 submission), one broken on a free port, one correct on a free port.
 * Written before grading: order-x-first kept by all but ack-wrong-order.
 */
function classFolder(forFile = false): { dir: string; names: string[] } {
  const dir = tempDir(forFile);
  const copies: Array<[string, string]> = [
    ['a-py2-12000', 'fixtures/submissions/py2-hardcoded/target.json'],
    ['b-broken-order', 'fixtures/broken/ack-wrong-order/target.json'],
    ['c-threads-12000', 'fixtures/submissions/tb-threads-py2/target.json'],
    ['d-python', 'fixtures/python/target.json'],
    ['e-py2-12000-again', 'fixtures/submissions/py2-hardcoded/target.json'],
  ];
  for (const [name, file] of copies) copyTarget(file, join(dir, `${name}.json`), { name });
  return { dir, names: copies.map(([name]) => name) };
}

const isolation = detectIsolation();
const PYTHON2 = commandWorks(['python2', '--version'], { PYENV_VERSION: '2.7.18' });
const why = isolation.kind === 'direct' ? isolation.why : !PYTHON2 ? 'python2 (2.7.18) cannot run here' : undefined;

/** The class folder graded with --jobs 1 and with --jobs 3: its reports' folders and what each run printed. */
interface ClassRuns {
  readonly names: string[];
  readonly one: string;
  readonly three: string;
  readonly serial: Awaited<ReturnType<typeof grade>>;
  readonly parallel: Awaited<ReturnType<typeof grade>>;
}

let classRuns: Promise<ClassRuns> | undefined;

/**
 * Grades the class folder once with --jobs 1 and once with --jobs 3, for every test of this file
 * that reads those runs (a grade per behaviour would grade the same five targets again); its
 * folders are removed when the file's last test ends.
 */
function gradedClass(): Promise<ClassRuns> {
  classRuns ??= (async () => {
    const { dir, names } = classFolder(true);
    const [one, three] = [tempDir(true), tempDir(true)];
    const serial = await grade([dir, '--only', 'order-x-first', '--jobs', '1', '--out', one]);
    const parallel = await grade([dir, '--only', 'order-x-first', '--jobs', '3', '--out', three]);
    return { names, one, three, serial, parallel };
  })();
  return classRuns;
}

test.skipIf(why !== undefined)('five targets, three on port 12000, get the same reports with --jobs 3 as with --jobs 1', { timeout: 360_000 }, async () => {
  const { names, one, three, serial, parallel } = await gradedClass();
  const printed = [serial, parallel].map((run, index) => `--jobs ${index === 0 ? 1 : 3} (exit ${run.code}):\n${run.stdout}\n${run.stderr}`).join('\n');
  expect([serial.code, parallel.code], printed).toEqual([1, 1]);
  for (const file of ['grade.md', 'grade.json', 'junit.xml', 'gradebook.csv']) {
    expect(withoutTimings(readFileSync(join(three, file), 'utf8')), file).toBe(withoutTimings(readFileSync(join(one, file), 'utf8')));
  }
  const [header, ...rows] = readFileSync(join(three, 'gradebook.csv'), 'utf8').trimEnd().split('\n').map((row) => row.split(','));
  const [nameAt, scoreAt] = ['target', 'executes correctly (60)'].map((column) => header!.indexOf(column));
  expect(rows.map((row) => [row[nameAt!], row[scoreAt!]])).toEqual(names.map((name) => [name, name === 'b-broken-order' ? '0' : '8']));
  // The rubrics on stdout come in the order the targets were named, whatever order they finished in.
  expect([...parallel.stdout.matchAll(/^Grade for ([^:]+):/gm)].map((match) => match[1])).toEqual(names);
});

test.skipIf(why !== undefined)('a folder shows one progress line per graded target on stderr when it is not a terminal', { timeout: 360_000 }, async () => {
  const { stderr } = (await gradedClass()).parallel;
  const lines = stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(5);
  // A duration is 42s, or 1m04s past a minute (grader/progress.ts formatDuration): a busy machine gets there.
  const duration = String.raw`(?:\d+m)?\d+s`;
  const line = new RegExp(String.raw`^grade: (\d)\/5 graded, (\d) lost points, ${duration} elapsed, (?:about ${duration} left|done) \((.+): \d+\/60\+0\)$`);
  expect(lines.map((one) => line.exec(one)?.[1])).toEqual(['1', '2', '3', '4', '5']);
  expect(lines.at(-1)).toMatch(new RegExp(String.raw`^grade: 5\/5 graded, 1 lost points, ${duration} elapsed, done \(`));
});

// The parser's answer in-process (grader/cli-args.ts); spec/grader-cli.test.ts runs a usage error through the real command line.
test.for<[string]>([['0'], ['65'], ['two'], ['1.5']])('--jobs %s is a usage error naming the range', ([jobs]) => {
  const parsing = () => parseGradeArgs(['fixtures/python/target.json', '--jobs', jobs]);
  expect(parsing).toThrow(UsageError);
  expect(parsing).toThrow(new Error(`--jobs takes a whole number from 1 to 64 (got "${jobs}")`));
});

describe('which targets wait for each other', () => {
  const sandboxed: Isolation = { kind: 'namespace', tool: 'unshare', prefix: ['unshare'], note: 'a sandbox' };
  const direct: Isolation = { kind: 'direct', why: 'no namespaces here' };
  const python = loadTarget('fixtures/python/target.json');
  const fixed = loadTarget('fixtures/submissions/py2-hardcoded/target.json');
  const chatOnFixed: Target = { ...python, chat: { ...python.chat!, server: { ...python.chat!.server, port: 12001 } } };
  test.each<[string, Target, Isolation, string | undefined]>([
    ['a fixed-port target in its own namespace', fixed, sandboxed, undefined],
    ['a fixed-port target without the sandbox', fixed, direct, 'fixed ports'],
    ['a free-port target without the sandbox', python, direct, undefined],
    ['a target whose chat alone has a fixed port, without the sandbox', chatOnFixed, direct, 'fixed ports'],
  ])('%s: key %s', (_, target, isolation, key) => {
    expect(portKey(target, isolation)).toBe(key);
  });
});

const PYTHON3 = commandWorks(['python3', '--version']);

test.skipIf(why !== undefined || !PYTHON3)('a class handed in without any target.json is described from its sources and graded in one command, one row per student', { timeout: 300_000 }, async () => {
  const dir = tempDir();
  // Students of different kinds side by side: Python 2 on a fixed port, Python 3 with a length prefix on the wire, a
  // chat alone (no cell for the item), and the hand-written implementation on a free port. What is inferred for each
  // fixture, and how each description grades, is spec/grader-describe.test.ts's; here, that one command does it all.
  const sources = ['py2-hardcoded', 'tb-chat-handshake-py3', 'tb-length-prefix-py3'].map((name) => `fixtures/submissions/${name}`).concat('fixtures/python');
  for (const source of sources) {
    const student = basename(source);
    mkdirSync(join(dir, student));
    for (const file of readdirSync(join(REPO_ROOT, source)).filter((name) => name.endsWith('.py'))) copyFileSync(join(REPO_ROOT, source, file), join(dir, student, file));
  }
  // Written before grading: each fixture's expert verdict on order-x-first (expected.json), or a pass for the two
  // hand-written implementations; a chat-only submission does not claim it, so its cell is empty.
  const expected = sources.map((source) => {
    const file = join(REPO_ROOT, source, 'expected.json');
    const verdict = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { items: Record<string, { pass: boolean } | undefined> }).items['order-x-first'] : { pass: true };
    return [basename(source), verdict === undefined ? '0' : verdict.pass ? '8' : '0'];
  });
  const out = tempDir();
  const { stderr } = await grade([dir, '--only', 'order-x-first', '--jobs', '2', '--out', out]);
  const [header, ...rows] = readFileSync(join(out, 'gradebook.csv'), 'utf8').trimEnd().split('\n').map((row) => row.split(','));
  const [studentAt, scoreAt] = ['student', 'order-x-first'].map((column) => header!.indexOf(column));
  expect(rows.map((row) => [row[studentAt!], row[scoreAt!] === '' ? '0' : row[scoreAt!]])).toEqual(expected.sort(([a], [b]) => a!.localeCompare(b!)));
  expect(stderr.match(/^grade: [\w-]+: described from its sources/gm)).toHaveLength(sources.length);
});
