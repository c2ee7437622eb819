// `npm run grade` as a user runs it: the default target, reports, exit codes, and one-line errors.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, onTestFinished, test } from 'vitest';
import { launch } from './harness/process.js';
import { REPO_ROOT } from './harness/target.js';
import { useScene } from './harness/vitest.js';

/** A temporary folder removed when the test ends. */
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ack-grade-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs the compiled grader and returns how it ended and what it printed. */
async function grade(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = launch(useScene(), { label: 'grade', argv: ['node', 'dist/grader/cli.js', ...args], cwd: REPO_ROOT });
  const exit = await child.waitForExit(60_000);
  return { code: exit.code, stdout: child.output(), stderr: child.output('stderr') };
}

const pyenvPresent = spawnSync('pyenv', ['--version'], { encoding: 'utf8' }).status === 0;

test('with no target it grades the reference: full marks, exit 0, and every report written', async () => {
  const out = tempDir();
  const { code, stdout } = await grade(['--out', out]);
  expect(code).toBe(0);
  expect(stdout).toContain('Executes correctly: 60/60');
  expect(stdout).toContain('Extra credit: the chat: 25/25');
  expect(stdout).toMatch(/^Total: 60\/60 executes correctly, 25\/25 extra credit; graded in [\d.]+ s$/m);
  for (const file of ['grade.md', 'grade.json', 'results.json', 'junit.xml', 'gradebook.csv']) expect(existsSync(join(out, file)), file).toBe(true);
  expect(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'))).toMatchObject({ score: 85, max_score: 60 });
});

test.for<[string, string[], string]>([
  ['two targets', ['a.json', 'b.json'], 'one target or folder at a time (got 2); put the targets in one folder'],
  ['an unknown item', ['--only', 'order-x-first,nope'], '--only: there is no item "nope"'],
  ['a path that does not exist', ['no/such/target.json'], 'no/such/target.json does not exist; name a target JSON file or a folder of them'],
  ['an unknown option', ['--bogus'], 'unknown option --bogus'],
  ['an option without its value', ['--out'], 'option --out needs a value'],
  ['--gradescope with a folder', ['fixtures/submissions', '--gradescope', '/tmp/never.json'], '--gradescope grades one submission; name one target, not a folder'],
])('%s is refused with exit 2 and one line, then the usage', async ([, args, message]) => {
  const { code, stdout, stderr } = await grade(args);
  expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
  expect(stderr.split('\n')[0]).toBe(`grade: ${message}`);
  expect(stderr.split('\n')[1]).toMatch(/^usage: npm run grade -- /);
});

test('a wrong target description is refused with exit 2 and one line naming the field', async () => {
  const file = join(tempDir(), 'target.json');
  writeFileSync(file, JSON.stringify({ server: { argv: ['python3', 'server.py'], port: 'any' }, client: { argv: ['python3', 'client.py'] } }));
  const { code, stdout, stderr } = await grade([file, '--out', tempDir()]);
  expect({ code, stdout, stderr }).toEqual({
    code: 2,
    stdout: '',
    stderr: `grade: ${file}: server.port must be "zero", "free" or a port number from 1 to 65535; see docs/GRADING.md\n`,
  });
});

test('an interpreter that is not installed is named in one line, nothing runs, and the exit is 3', async () => {
  const file = join(tempDir(), 'target.json');
  writeFileSync(file, JSON.stringify({ server: { argv: ['python9', 'server.py'] }, client: { argv: ['python9', 'client.py'] } }));
  const { code, stdout } = await grade([file, '--out', tempDir()]);
  const problem = `python9 (named by server.argv) is not installed here; install it or change server.argv in ${file}`;
  expect(code).toBe(3);
  expect(stdout).toContain(`Harness problem (not the submission's fault): ${problem}`);
  expect(stdout).toContain(`✗ none of its 12 items: ${problem}`);
});

test.skipIf(!pyenvPresent)('a pyenv shim for a Python version that is not installed is named in one line', async () => {
  const file = join(tempDir(), 'target.json');
  writeFileSync(file, JSON.stringify({ env: { PYENV_VERSION: '1.2.3' }, server: { argv: ['python2', 'Server.py'] }, client: { argv: ['python2', 'c.py'] } }));
  const { code, stdout } = await grade([file, '--out', tempDir()]);
  expect(code).toBe(3);
  expect(stdout).toMatch(/Harness problem \(not the submission's fault\): python2 \(named by server\.argv\) cannot run here \(pyenv: version `1\.2\.3' is not installed.*\); install it or change server\.argv in /);
});

test('a folder of targets gives one gradebook row each', async () => {
  const out = tempDir();
  const { code, stdout } = await grade(['fixtures/broken', '--only', 'closing-line', '--out', out]);
  expect(code).toBe(1);
  expect(stdout).toContain('10 targets: ');
  const rows = readFileSync(join(out, 'gradebook.csv'), 'utf8').trimEnd().split('\n');
  expect(rows[0]).toMatch(/^target,file,executes correctly \(60\),extra credit \(25\),/);
  const scores = rows.slice(1).map((row) => /broken\/([\w-]+)\/target\.json,(\d+),/.exec(row)?.slice(1).join(' '));
  expect(scores).toHaveLength(10);
  expect(scores).toContain('closing-line-misspelled 0');
  expect(scores.filter((score) => score?.endsWith(' 4'))).toHaveLength(9);
  expect(existsSync(join(out, 'results.json'))).toBe(false);
});

test('lost points exit 1, and the report shows the expected line, what was printed and the hint', async () => {
  const out = tempDir();
  const { code, stdout } = await grade(['fixtures/broken/closing-line-misspelled', '--only', 'closing-line', '--out', out]);
  expect(code).toBe(1);
  expect(stdout).toContain('✗   0/4  The server prints "Sent acknowledgment to both X and Y" after the greetings');
  const markdown = readFileSync(join(out, 'grade.md'), 'utf8');
  expect(markdown).toContain('  | Sent acknowledgment to both X and Y\n');
  expect(markdown).toMatch(/\| .*Sent acknowledgement to both X and Y⏎/);
  expect(markdown).toContain('hint: the assignment spells it "acknowledgment" (no e after the g); "acknowledgement" does not match');
});
