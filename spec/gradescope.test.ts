// `npm run bundle:gradescope`: the autograder zip, and run_autograder run here
// against submissions laid out as Gradescope lays them out.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import getPort from 'get-port';
import { afterAll, beforeAll, expect, onTestFinished, test, vi } from 'vitest';
import { countFinished, launch } from '../harness/process.js';
import { Scene } from '../harness/scene.js';
import { REPO_ROOT } from '../harness/repo-root.js';
import { useScene } from './support/vitest.js';
import { commandWorks } from '../harness/commands.js';
import { readZip } from '../scripts/zip.js';

/** A file in the zip: its name and Unix permission bits. */
interface ZipFile {
  readonly name: string;
  readonly mode: number;
}

/**
 * Unpacks a zip into `into`, with the permissions its entries carry, as unzip
 * does, and lists its files. The archive is read by the repository's one zip
 * reader (`scripts/zip.ts`), which also checks each entry's CRC-32.
 */
function unzip(zip: Buffer, into: string): ZipFile[] {
  return readZip(zip).map(({ name, mode, data }) => {
    const file = join(into, name);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, data);
    chmodSync(file, mode);
    return { name, mode };
  });
}

// Each test runs a whole grade; on a busy machine the grader stretches its waits (grader/timing.ts), so the bound here is generous.
vi.setConfig({ testTimeout: 240_000 });

const NO_PYTHON3 = commandWorks(['python3', '--version']) ? undefined : 'python3 is not on PATH, so no submission can run';
const NO_UNZIP = commandWorks(['unzip', '-v']) ? undefined : 'unzip is not on PATH';

let tmp = '';
let zipFile = '';
const zipped: Record<Bundle, ZipFile[]> = { describes: [], template: [] };
const scene = new Scene();

/**
 * The two bundles under test: the default one, which describes each
 * submission from its sources, and one built with a class template (globs for
 * a Python 3 server and client, any spelling) and --student-targets.
 */
type Bundle = 'describes' | 'template';

/** The class template of the 'template' bundle: fixtures/python's programs, however the student named them. */
const TEMPLATE = {
  name: 'a class on fixtures/python',
  parts: ['ack'],
  server: { argv: ['python3', '*[Ss]erver*.py', '--port', '{port}'], port: 'free', ready: 'listening' },
  client: { argv: ['python3', '*[Cc]lient*.py', '--port', '{port}', '--id', '{id}'], stdin: ['{name}'] },
};

/** Builds one bundle into tmp/<bundle>.zip and unpacks it into tmp/<bundle>. */
async function bundle(name: Bundle, args: readonly string[]): Promise<void> {
  const zip = join(tmp, `${name}.zip`);
  const bundler = launch(scene, { label: `bundle:gradescope (${name})`, argv: ['node', 'dist/scripts/bundle-gradescope.js', ...args, '--out', zip], cwd: REPO_ROOT });
  const exit = await bundler.waitForExit(120_000);
  expect(exit, bundler.transcript()).toEqual({ code: 0, signal: null });
  zipped[name] = unzip(readFileSync(zip), join(tmp, name));
  if (name === 'describes') zipFile = zip;
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'ack-gradescope-'));
  const template = join(tmp, 'class-template.json');
  writeFileSync(template, JSON.stringify(TEMPLATE));
  await bundle('describes', []);
  await bundle('template', ['--target', template, '--student-targets']);
}, 300_000);

afterAll(async () => {
  await scene.dispose();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/**
 * A fresh autograder root as Gradescope lays it out: `source` (the unzipped
 * bundle named), `submission` holding `files` (copied), and no `results` yet.
 * Removed when the test ends.
 */
function autograderRoot(files: ReadonlyArray<readonly [from: string, to: string]>, bundled: Bundle = 'template'): string {
  const root = mkdtempSync(join(tmp, 'root-'));
  onTestFinished(() => rmSync(root, { recursive: true, force: true }));
  symlinkSync(join(tmp, bundled), join(root, 'source'));
  mkdirSync(join(root, 'submission'));
  for (const [from, to] of files) cpSync(join(REPO_ROOT, from), join(root, 'submission', to), { recursive: true });
  return root;
}

/** Gradescope's results.json as the tests read it. */
interface Results {
  readonly score: number;
  readonly max_score?: number;
  readonly output: string;
  readonly tests: ReadonlyArray<{ readonly status: string; readonly tags: readonly string[] }>;
}

/** Runs the bundle's run_autograder with AUTOGRADER_ROOT=root and returns its exit code, output and results.json. */
async function runAutograder(root: string): Promise<{ code: number | null; stdout: string; results: Results }> {
  const child = launch(useScene(), {
    label: 'run_autograder',
    argv: ['bash', join(root, 'source', 'run_autograder')],
    cwd: root,
    env: { AUTOGRADER_ROOT: root },
  });
  const exit = await child.waitForExit(200_000);
  let results: Results;
  try {
    results = JSON.parse(readFileSync(join(root, 'results', 'results.json'), 'utf8')) as Results;
  } catch (error) {
    throw new Error(`run_autograder left no readable results.json (${(error as Error).message})\n\n${child.transcript()}`);
  }
  return { code: exit.code, stdout: child.output(), results };
}

const tally = (results: Results): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const item of results.tests) counts[`${item.tags[0]} ${item.status}`] = (counts[`${item.tags[0]} ${item.status}`] ?? 0) + 1;
  return counts;
};

test('the default zip holds exactly its five top-level files, with setup.sh and run_autograder executable, and no template', () => {
  expect(zipped.describes).toEqual([
    { name: 'setup.sh', mode: 0o755 },
    { name: 'run_autograder', mode: 0o755 },
    { name: 'grader.mjs', mode: 0o644 },
    { name: 'package.json', mode: 0o644 },
    { name: 'README.md', mode: 0o644 },
  ]);
  expect(JSON.parse(readFileSync(join(tmp, 'describes', 'package.json'), 'utf8'))).toEqual({ type: 'module', private: true });
});

test('a zip built with --target and --student-targets adds the template and the marker', () => {
  expect(zipped.template.map((file) => file.name).slice(5)).toEqual(['target.json', 'student-targets']);
  expect(JSON.parse(readFileSync(join(tmp, 'template', 'target.json'), 'utf8'))).toEqual(TEMPLATE);
});

test('the bundled grader imports nothing but Node.js built-in modules', () => {
  const grader = readFileSync(join(tmp, 'describes', 'grader.mjs'), 'utf8');
  const specifiers = /\bfrom\s*["']([^"']+)["']|^\s*import\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']|\brequire\(\s*["']([^"']+)["']/gm;
  const imported = [...grader.matchAll(specifiers)].map((match) => match[1] ?? match[2] ?? match[3] ?? match[4]);
  expect(imported.length).toBeGreaterThan(0);
  expect(imported.filter((name) => !name?.startsWith('node:'))).toEqual([]);
});

test('unzip finds no errors in the zip', ({ skip }) => {
  skip(NO_UNZIP !== undefined, NO_UNZIP);
  const check = spawnSync('unzip', ['-t', zipFile], { encoding: 'utf8', timeout: 10_000 });
  countFinished(check.pid);
  expect({ status: check.status, last: check.stdout.trim().split('\n').at(-1) }).toEqual({
    status: 0,
    last: `No errors detected in compressed data of ${zipFile}.`,
  });
});

test('a submission with its own target.json gets full marks and the extra credit: 85 of 60 over 18 passed tests', async ({ skip }) => {
  skip(NO_PYTHON3 !== undefined, NO_PYTHON3);
  const root = autograderRoot([['fixtures/submissions/py3-fixed-names', '.']]);
  // Its ports are fixed (12001, 12002); other specs grade the same files, so this copy gets ports of its own.
  const ports = new Map([
    ['12001', String(await getPort())],
    ['12002', String(await getPort())],
  ]);
  for (const file of ['server.py', 'client.py', 'chat_server.py', 'chat_client.py', 'target.json']) {
    const path = join(root, 'submission', file);
    writeFileSync(path, readFileSync(path, 'utf8').replace(/\b1200[12]\b/g, (port) => ports.get(port)!));
  }
  const { code, results } = await runAutograder(root);
  expect({ code, score: results.score, max_score: results.max_score, tests: tally(results) }).toEqual({
    code: 0,
    score: 85,
    max_score: undefined, // not a key of the specification: the tests' max_score add up to 60, the chat's are 0 (extra credit)
    tests: { 'ack passed': 12, 'chat passed': 6 },
  });
});

test('a submission without target.json is graded with the class template, its globs finding renamed programs', async ({ skip }) => {
  skip(NO_PYTHON3 !== undefined, NO_PYTHON3);
  const root = autograderRoot([
    ['fixtures/python/server.py', 'MyServer.py'],
    ['fixtures/python/client.py', 'tcp_client.py'],
  ]);
  const { code, stdout, results } = await runAutograder(root);
  expect(stdout).toContain("run_autograder: grading the submission with the instructor's template (target.json)\n");
  // The template claims the acknowledgment exchange only, so the chat's items are not run, and not reported as tests.
  expect({ code, score: results.score, tests: tally(results) }).toEqual({ code: 0, score: 60, tests: { 'ack passed': 12 } });
});

test('without a template, a submission is described from its sources, and its own target.json is not used', async ({ skip }) => {
  skip(NO_PYTHON3 !== undefined, NO_PYTHON3);
  const root = autograderRoot(
    [
      ['fixtures/python/server.py', 'server.py'],
      ['fixtures/python/client.py', 'client.py'],
    ],
    'describes',
  );
  writeFileSync(join(root, 'submission', 'target.json'), JSON.stringify({ server: { argv: ['python9', 'nothing.py'] } }));
  const { code, stdout, results } = await runAutograder(root);
  expect(stdout).toContain("run_autograder: the submission's own target.json is not used (the bundle was built without --student-targets)\n");
  expect(stdout).toContain('run_autograder: grading the submission with a description inferred from its sources\n');
  expect({ code, score: results.score, tests: tally(results) }).toEqual({ code: 0, score: 85, tests: { 'ack passed': 12, 'chat passed': 6 } });
  // What students see (the output and the grader's rubric on stdout) names the submission, never the grader's
  // temporary folder; the autograder's own root (here in a temporary folder too, on Gradescope /autograder) may show.
  expect(stdout).toContain('Grade for submission: ');
  for (const shown of [JSON.stringify(results), stdout]) expect(shown.split(root).join('/autograder')).not.toMatch(/\/tmp\//);
});

test('a submission the inference cannot describe gets score 0 and the reason, naming no temporary folder', async ({ skip }) => {
  skip(NO_PYTHON3 !== undefined, NO_PYTHON3);
  const root = autograderRoot([['fixtures/python/server.py', 'server.py']], 'describes');
  const { stdout, results } = await runAutograder(root);
  expect(results.output).toMatch(/^The autograder could not grade this submission \(score 0\): submission: not graded: not described: /);
  for (const shown of [JSON.stringify(results), stdout]) expect(shown.split(root).join('/autograder')).not.toMatch(/\/tmp\//);
});

test('a target naming an interpreter that is not installed gets score 0 and a one-line reason', async () => {
  const root = autograderRoot([['fixtures/submissions/py3-fixed-names', '.']]);
  const target = join(root, 'submission', 'target.json');
  writeFileSync(target, readFileSync(target, 'utf8').replaceAll('"python3"', '"python9"'));
  const { code, results } = await runAutograder(root);
  expect({ code, score: results.score, output: results.output }).toEqual({
    code: 0,
    score: 0,
    output: 'The autograder could not grade this submission (score 0): submission/target.json: server.argv names python9, which is not installed here; install it or change server.argv',
  });
});

test('a wrong target description gets score 0 and the grader\'s one-line reason', async () => {
  const root = autograderRoot([]);
  const target = join(root, 'submission', 'target.json');
  writeFileSync(target, JSON.stringify({ server: { argv: [] }, client: { argv: ['python3', 'client.py'] } }));
  const { code, results } = await runAutograder(root);
  expect({ code, results }).toEqual({
    code: 0,
    results: {
      score: 0,
      output: 'The autograder could not grade this submission (score 0): submission/target.json: server.argv must be a non-empty array of strings; see docs/GRADING.md',
      visibility: 'visible',
      stdout_visibility: 'visible',
      tests: [],
    },
  });
});
