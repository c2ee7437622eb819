// `npm run grade` as a user runs it: the default target, reports, exit codes, and one-line errors.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, onTestFinished, test } from 'vitest';
import { commandWorks } from '../harness/commands.js';
import { launch } from '../harness/process.js';
import { REPO_ROOT } from '../harness/repo-root.js';
import { useScene } from './support/vitest.js';

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

const pyenvPresent = commandWorks(['pyenv', '--version']);

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

test('an interpreter that is not installed is named in one line, nothing runs, and the exit is 2', async () => {
  const dir = tempDir();
  const file = join(dir, 'target.json');
  writeFileSync(file, JSON.stringify({ server: { argv: ['python9', 'server.py'] }, client: { argv: ['python9', 'client.py'] } }));
  const { code, stdout, stderr } = await grade([file, '--out', tempDir()]);
  expect({ code, stdout, stderr }).toEqual({
    code: 2,
    stdout: '',
    stderr: `grade: ${file}: server.argv names python9, which is not installed here; install it or change server.argv\n`,
  });
});

test.skipIf(!pyenvPresent)('a pyenv shim for a Python version that is not installed is named in one line, and the exit is 2', async () => {
  const file = join(tempDir(), 'target.json');
  writeFileSync(file, JSON.stringify({ env: { PYENV_VERSION: '1.2.3' }, server: { argv: ['python2', 'Server.py'] }, client: { argv: ['python2', 'c.py'] } }));
  const { code, stdout, stderr } = await grade([file, '--out', tempDir()]);
  expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
  expect(stderr).toMatch(/^grade: .*: server\.argv names python2, which cannot run here \(pyenv: version `1\.2\.3' is not installed.*\); install it or change server\.argv\n$/);
});

test.for<[string, Record<string, unknown>, string]>([
  ['a misspelt key', { server: { argv: ['node', 'dist/impl/server.js', '--port', '{port}'], prot: 12000 }, client: { argv: ['node', 'dist/impl/client.js'] } }, 'server.prot is not a field of server (the fields are argv, stdin, port, ready); see docs/GRADING.md'],
  ['a misspelt placeholder', { server: { argv: ['node', 'dist/impl/server.js', '--port', '{prot}'] }, client: { argv: ['node', 'dist/impl/client.js'] } }, 'server.argv has the placeholder {prot}, which is not one of {host} {port}; see docs/GRADING.md'],
  ['a program file that does not exist', { server: { argv: ['node', 'dist/impl/sever.js'] }, client: { argv: ['node', 'dist/impl/client.js'] } }, 'server.argv names dist/impl/sever.js, which does not exist in {root}; fix the file name or "cwd"'],
])('%s is refused with exit 2 and one line naming it, before anything runs', async ([, description, problem]) => {
  const file = join(tempDir(), 'target.json');
  writeFileSync(file, JSON.stringify({ cwd: REPO_ROOT, ...description }));
  const { code, stdout, stderr } = await grade([file, '--out', tempDir()]);
  expect({ code, stdout, stderr }).toEqual({ code: 2, stdout: '', stderr: `grade: ${file}: ${problem.replace('{root}', REPO_ROOT)}\n` });
});

test('a folder of targets gives one gradebook row each', { timeout: 60_000 }, async () => {
  const out = tempDir();
  const { code, stdout } = await grade(['fixtures/broken', '--only', 'closing-line', '--out', out]);
  expect(code).toBe(1);
  expect(stdout).toContain('13 targets: ');
  const rows = readFileSync(join(out, 'gradebook.csv'), 'utf8').trimEnd().split('\n');
  expect(rows[0]).toMatch(/^student,target,file,executes correctly \(60\),extra credit \(25\),.*,harness problems,not graded because,seconds$/);
  // Without a template, the student is the folder holding the target.json.
  const scores = rows.slice(1).map((row) => /^([\w-]+),.*broken\/\1\/target\.json,(\d+),/.exec(row)?.slice(1).join(' '));
  expect(scores).toHaveLength(13);
  expect(scores).toContain('closing-line-misspelled 0');
  expect(scores.filter((score) => score?.endsWith(' 4'))).toHaveLength(12);
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

test.skipIf(!commandWorks(['python3', '--version'])).for<[string, string]>([
  ['with-ready-line', 'server exited (code 1) without printing a line matching /ready to receive/ on stdout'],
  ['without-ready-line', 'server exited (code 1) before listening on port 12000'],
])('a server that crashes at start (%s) loses points, with its crash as the evidence and the hint', async ([name, detail]) => {
  const out = tempDir();
  const { code, stdout, stderr } = await grade([`fixtures/grader/crash-at-start/${name}.json`, '--only', 'order-x-first', '--out', out]);
  expect({ code, stderr }).toEqual({ code: 1, stderr: '' });
  expect(stdout).not.toContain('Harness problem');
  expect(stdout).toContain(`✗   0/8  X's greeting arrives first`);
  expect(stdout).toContain(`\n           ${detail}\n`);
  expect(stdout).toContain("|   | TypeError: 'str' object cannot be interpreted as an integer");
  expect(stdout).toContain("hint: server crashed: TypeError: 'str' object cannot be interpreted as an integer (the last line of its stderr); fix that first");
});
