// `npm run grade` as a user runs it: the default target, reports, exit codes, and one-line errors.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test, type TestContext } from 'vitest';
import type { TargetGrade } from '../grader/run.js';
import { commandWorks } from '../harness/commands.js';
import { launch } from '../harness/process.js';
import { parseGradeArgs, UsageError } from '../grader/cli-args.js';
import { REPO_ROOT } from '../harness/repo-root.js';
import { GRADES_SIDE_BY_SIDE } from './support/side-by-side.js';
import { copyTarget } from './support/target-copy.js';
import { useScene } from './support/vitest.js';

// The tests run side by side, so each one's teardown is registered on its own context: a usage error
// runs nothing, and the grades run side by side where every scenario has a namespace of its own.
const USAGE = { concurrent: true } as const;
const GRADES = { concurrent: GRADES_SIDE_BY_SIDE } as const;

/** Folders of a run several tests read, removed when the file's last test ends. */
const shared: string[] = [];
afterAll(() => shared.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A temporary folder removed when the test of `context` ends, or, without one, when the file's last test does. */
function tempDir(context?: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'ack-grade-'));
  if (context) context.onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  else shared.push(dir);
  return dir;
}

/** Runs the compiled grader for the test of `context` and returns how it ended and what it printed. */
async function grade(context: TestContext, args: readonly string[], waitMs = 230_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // Without coverage: the grader is not impl/, so what V8 would write is read and dropped; the programs it grades write theirs.
  const child = launch(useScene(context), { label: 'grade', argv: ['node', 'dist/grader/cli.js', ...args], cwd: REPO_ROOT, env: { NODE_V8_COVERAGE: '' } });
  const exit = await child.waitForExit(waitMs);
  return { code: exit.code, stdout: child.output(), stderr: child.output('stderr') };
}

const pyenvPresent = commandWorks(['pyenv', '--version']);

// The reference's full grade for the meta-spec too (spec/grader-meta-fair.test.ts grades the items a port the harness picks can change).
test('with no target it grades the reference: every item passed, no harness problem, exit 0, and every report written', GRADES, async (context) => {
  const out = tempDir(context);
  const { code, stdout } = await grade(context, ['--out', out]);
  expect(code).toBe(0);
  expect(stdout).toContain('Executes correctly: 60/60');
  expect(stdout).toContain('Extra credit: the chat: 25/25');
  expect(stdout).toMatch(/^Total: 60\/60 executes correctly, 25\/25 extra credit; graded in [\d.]+ s$/m);
  for (const file of ['grade.md', 'grade.json', 'results.json', 'junit.xml', 'gradebook.csv']) expect(existsSync(join(out, file)), file).toBe(true);
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Record<string, unknown>;
  expect([results.score, 'max_score' in results]).toEqual([85, false]);
  const [target] = (JSON.parse(readFileSync(join(out, 'grade.json'), 'utf8')) as { targets: TargetGrade[] }).targets;
  expect(target?.items.filter((item) => !item.verdict.passed).map((item) => `${item.id}: ${item.verdict.detail}`)).toEqual([]);
  expect(target?.harnessProblems).toEqual([]);
});

test.for<[string, string[], string]>([
  ['two targets', ['a.json', 'b.json'], 'one target or folder at a time (got 2); put the targets in one folder'],
  ['an unknown item', ['--only', 'order-x-first,nope'], '--only: there is no item "nope"'],
  ['a path that does not exist', ['no/such/target.json'], 'no/such/target.json does not exist; name a target JSON file or a folder of them'],
  ['an unknown option', ['--bogus'], 'unknown option --bogus'],
  ['an option without its value', ['--out'], 'option --out needs a value'],
  ['--gradescope with a folder', ['fixtures/submissions', '--gradescope', '/tmp/never.json'], '--gradescope grades one submission; name one target, not a folder'],
  ['--template without a folder', ['--template', 'fixtures/class/template.json'], '--template needs the folder of student folders it applies to'],
  ['--template that does not exist', ['fixtures/class', '--template', 'no/such.json'], '--template: no/such.json does not exist; name the description to apply to every student'],
  ['--template with a file, not a folder', ['fixtures/class/template.json', '--template', 'fixtures/class/template.json'], '--template applies to a folder of student folders; fixtures/class/template.json is not a folder'],
  ['--template with a folder without student folders', ['fixtures/class/dee', '--template', 'fixtures/class/template.json'], 'fixtures/class/dee holds no student folder; with --template each folder in it is one student'],
  ['--gradescope with a class', ['fixtures/class', '--template', 'fixtures/class/template.json', '--gradescope', '/tmp/never.json'], '--gradescope grades one submission; name one target, not a folder'],
])('%s is a usage error naming it', ([, args, message]) => {
  expect(usageError(args)).toBe(message);
});

/** The message of the usage error `args` makes the grader's parser throw (grader/cli-args.ts), or why there is none. */
function usageError(args: readonly string[]): string {
  try {
    parseGradeArgs(args);
    return '(parsed without an error)';
  } catch (error) {
    return error instanceof UsageError ? error.message : `(not a usage error: ${String(error)})`;
  }
}

// The table's wiring in the real command line: the parser's one line, then the usage, on stderr.
test('a usage error exits 2 with its one line, then the usage, and nothing on stdout', USAGE, async (context) => {
  const { code, stdout, stderr } = await grade(context, ['--bogus']);
  expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
  expect(stderr.split('\n')[0]).toBe('grade: unknown option --bogus');
  expect(stderr.split('\n')[1]).toMatch(/^usage: npm run grade -- /);
});

// What is wrong with a description, and the line that says so, is grader/target.ts's, tested case by case in-process in
// spec/grader-target.test.ts (unknown keys and placeholders, missing program files, interpreters not installed); here the
// real command line shows the wiring once: the line, the exit 2, nothing on stdout.
test('a wrong target description is refused with exit 2 and one line naming the field', USAGE, async (context) => {
  const file = join(tempDir(context), 'target.json');
  writeFileSync(file, JSON.stringify({ server: { argv: ['python3', 'server.py'], port: 'any' }, client: { argv: ['python3', 'client.py'] } }));
  const { code, stdout, stderr } = await grade(context, [file, '--out', tempDir(context)]);
  expect({ code, stdout, stderr }).toEqual({
    code: 2,
    stdout: '',
    stderr: `grade: ${file}: server.port must be "zero", "free" or a port number from 1 to 65535; see docs/GRADING.md\n`,
  });
});

test.skipIf(!pyenvPresent)('a pyenv shim for a Python version that is not installed is named in one line, and the exit is 2', USAGE, async (context) => {
  const file = join(tempDir(context), 'target.json');
  writeFileSync(file, JSON.stringify({ env: { PYENV_VERSION: '1.2.3' }, server: { argv: ['python2', 'Server.py'] }, client: { argv: ['python2', 'c.py'] } }));
  const { code, stdout, stderr } = await grade(context, [file, '--out', tempDir(context)]);
  expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
  expect(stderr).toMatch(/^grade: .*: server\.argv names python2, which cannot run here \(pyenv: version `1\.2\.3' is not installed.*\); install it or change server\.argv\n$/);
});

/** A grader run's report folder, exit code and stdout. */
interface GradedRun {
  readonly out: string;
  readonly code: number | null;
  readonly stdout: string;
}

let folderGraded: Promise<GradedRun> | undefined;

/**
 * A folder of three targets, each in a folder of its own named for the broken implementation it grades (its
 * description as fixtures/broken has it, with its folder made absolute): one whose closing line is misspelled,
 * and two whose bugs leave the closing line alone, graded on the closing line once for the tests that read
 * that run (its gradebook, and the misspelled line's report). Three rows show a row per target as well as
 * thirteen would.
 */
function gradedFolder(context: TestContext): Promise<GradedRun> {
  folderGraded ??= (async () => {
    const [dir, out] = [tempDir(), tempDir()];
    for (const name of ['closing-line-misspelled', 'client-silent-send', 'chat-echo']) copyTarget(`fixtures/broken/${name}/target.json`, join(dir, name, 'target.json'));
    return { out, ...(await grade(context, [dir, '--only', 'closing-line', '--out', out])) };
  })();
  return folderGraded;
}

test('a folder of targets gives one gradebook row each', { ...GRADES, timeout: 240_000 }, async (context) => {
  const { out, code, stdout } = await gradedFolder(context);
  expect(code).toBe(1);
  expect(stdout).toContain('3 targets: ');
  const rows = readFileSync(join(out, 'gradebook.csv'), 'utf8').trimEnd().split('\n');
  expect(rows[0]).toMatch(/^student,target,file,executes correctly \(60\),extra credit \(25\),.*,harness problems,not graded because,seconds$/);
  // Without a template, the student is the folder holding the target.json.
  const scores = rows.slice(1).map((row) => /^([\w-]+),.*\/\1\/target\.json,(\d+),/.exec(row)?.slice(1).join(' '));
  expect(scores.sort()).toEqual(['chat-echo 4', 'client-silent-send 4', 'closing-line-misspelled 0']);
  expect(existsSync(join(out, 'results.json'))).toBe(false);
});

test('a template with a bad glob, or an interpreter that is not installed, is refused with exit 2 and one line, before anything runs', USAGE, async (context) => {
  const dir = tempDir(context);
  const slash = join(dir, 'slash.json');
  writeFileSync(slash, JSON.stringify({ server: { argv: ['python3', 'src/*server*.py'] }, client: { argv: ['python3', '*client*.py'] } }));
  expect(await grade(context, ['fixtures/class', '--template', slash, '--out', tempDir(context)])).toEqual({
    code: 2,
    stdout: '',
    stderr: `grade: ${slash}: server.argv has the glob "src/*server*.py" with a /; a glob matches file names in the student's folder (one folder down is searched by itself), so drop the folder; see docs/GRADING.md\n`,
  });
  const missing = join(dir, 'missing.json');
  writeFileSync(missing, JSON.stringify({ server: { argv: ['python9', '*[Ss]erver*.py'] }, client: { argv: ['python9', '*[Cc]lient*.py'] } }));
  expect(await grade(context, ['fixtures/class', '--template', missing, '--out', tempDir(context)])).toEqual({
    code: 2,
    stdout: '',
    stderr: `grade: ${missing}: server.argv names python9, which is not installed here; install it or change server.argv\n`,
  });
});

/** The cells of one CSV row as gradebookCsv writes it (quoted cells may hold commas and doubled quotes). */
function csvCells(row: string): string[] {
  const cells: string[] = [];
  let at = 0;
  while (at <= row.length) {
    if (row[at] === '"') {
      let close = at + 1;
      while (close < row.length && !(row[close] === '"' && row[close + 1] !== '"')) close += row[close] === '"' ? 2 : 1;
      cells.push(row.slice(at + 1, close).replace(/""/g, '"'));
      at = close + 2;
    } else {
      const comma = row.indexOf(',', at);
      const stop = comma === -1 ? row.length : comma;
      cells.push(row.slice(at, stop));
      at = stop + 1;
    }
  }
  return cells;
}

/** What fixtures/class/expected.json says, written before grading. */
interface ClassExpectation {
  readonly students: Record<string, { readonly 'arrival-order'?: { readonly pass: boolean }; readonly 'not graded'?: string }>;
}

test.skipIf(!commandWorks(['python2', '--version'], { PYENV_VERSION: '2.7.18' }))(
  'a class graded by one template: a gradebook row per student folder, the two the globs do not fit not graded with the reason, exit 2',
  { ...GRADES, timeout: 240_000 },
  async (context) => {
    const expected = (JSON.parse(readFileSync(join(REPO_ROOT, 'fixtures/class/expected.json'), 'utf8')) as ClassExpectation).students;
    const out = tempDir(context);
    const { code, stdout, stderr } = await grade(context, ['fixtures/class', '--template', 'fixtures/class/template.json', '--only', 'arrival-order', '--out', out], 110_000);
    expect(code).toBe(2);
    expect(stderr.split('\n').filter((line) => line.includes('not graded'))).toEqual([
      `grade: dee: not graded: ${expected.dee!['not graded']}`,
      `grade: eve: not graded: ${expected.eve!['not graded']}`,
    ]);
    expect(stdout).toContain('\n5 students: ada 8/60+0, ben 8/60+0, cy 0/60+0, dee not graded, eve not graded\n');
    const [header = [], ...rows] = readFileSync(join(out, 'gradebook.csv'), 'utf8').trimEnd().split('\n').map(csvCells);
    const column = (name: string): number => header.indexOf(name);
    expect(rows.map((row) => row[column('student')])).toEqual(['ada', 'ben', 'cy', 'dee', 'eve']);
    for (const row of rows) {
      const student = row[column('student')]!;
      const verdict = expected[student]!;
      expect(row, student).toHaveLength(header.length);
      if (verdict['not graded']) {
        // No score at all, so nobody reads a zero: both totals and every item empty, and why.
        const scoreCells = row.slice(column('executes correctly (60)'), column('harness problems'));
        expect(scoreCells.length, student).toBe(20);
        expect(scoreCells.every((cell) => cell === ''), student).toBe(true);
        expect(row[column('not graded because')], student).toBe(verdict['not graded']);
        expect(row[column('seconds')], student).toBe('');
      } else {
        expect(row[column('arrival-order')], student).toBe(verdict['arrival-order']!.pass ? '8' : '0');
        expect(row[column('executes correctly (60)')], student).toBe(verdict['arrival-order']!.pass ? '8' : '0');
        expect(row[column('not graded because')], student).toBe('');
        expect(row[column('seconds')], student).toMatch(/^\d+\.\d$/);
      }
    }
    const json = JSON.parse(readFileSync(join(out, 'grade.json'), 'utf8')) as { targets: Array<{ student: string; cwd?: string }>; notGraded: Array<{ student: string }> };
    expect(json.targets.map((target) => target.student)).toEqual(['ada', 'ben', 'cy']);
    expect(json.notGraded.map((problem) => problem.student)).toEqual(['dee', 'eve']);
    expect(readFileSync(join(out, 'grade.md'), 'utf8')).toContain(`## dee: lab 2, part 1: Python 2.7, port 12000\n\nTarget: \`${join(REPO_ROOT, 'fixtures/class/template.json')}\`\n\n**Not graded**: ${expected.dee!['not graded']}\n`);
    expect(existsSync(join(out, 'results.json'))).toBe(false);
  },
);

// Read from the folder's run above: the misspelled closing line is one of its three targets.
test('lost points exit 1, and the report shows the expected line, what was printed and the hint', { ...GRADES, timeout: 240_000 }, async (context) => {
  const { out, code, stdout } = await gradedFolder(context);
  expect(code).toBe(1);
  expect(stdout).toContain('✗   0/4  The server prints "Sent acknowledgment to both X and Y" after the greetings');
  const markdown = readFileSync(join(out, 'grade.md'), 'utf8');
  expect(markdown).toContain('  | Sent acknowledgment to both X and Y\n');
  expect(markdown).toMatch(/\| .*Sent acknowledgement to both X and Y⏎/);
  expect(markdown).toContain('hint: the assignment spells it "acknowledgment" (no e after the g); "acknowledgement" does not match');
});

test.skipIf(!commandWorks(['python3', '--version'])).for<[string, string]>([
  ['with-ready-line', 'server exited (code 1) without printing a line matching /ready to receive/ on stdout'],
  ['without-ready-line', 'server exited (code 1) before listening on port 12000'],
])('a server that crashes at start (%s) loses points, with its crash as the evidence and the hint', GRADES, async ([name, detail], context) => {
  const out = tempDir(context);
  const { code, stdout, stderr } = await grade(context, [`fixtures/grader/crash-at-start/${name}.json`, '--only', 'order-x-first', '--out', out]);
  expect({ code, stderr }).toEqual({ code: 1, stderr: '' });
  expect(stdout).not.toContain('Harness problem');
  expect(stdout).toContain(`✗   0/8  X's greeting arrives first`);
  expect(stdout).toContain(`\n           ${detail}\n`);
  expect(stdout).toContain("|   | TypeError: 'str' object cannot be interpreted as an integer");
  expect(stdout).toContain("hint: server crashed: TypeError: 'str' object cannot be interpreted as an integer (the last line of its stderr); fix that first");
});
