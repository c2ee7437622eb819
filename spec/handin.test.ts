// `npm run handin`: both archives hold the same files (the code, the docs and
// the reports, nothing git ignores), the tar.gz unpacks with tar and the
// unpacked tree holds every file of the last clean build, the zip unpacks with unzip to the same files, and a
// missing report or a wrong flag is one line and no archive.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, expect, onTestFinished, test } from 'vitest';
import { readTarGz, type TarEntry } from '../scripts/tar.js';
import { readZip } from '../scripts/zip.js';
import { countFinished, launch, type ExitStatus } from '../harness/process.js';
import { Scene } from '../harness/scene.js';
import { REPO_ROOT } from '../harness/repo-root.js';
import { useScene } from './support/vitest.js';
import { commandWorks } from '../harness/commands.js';

const HAS_TAR = commandWorks(['tar', '--version']);
const NO_UNZIP = commandWorks(['unzip', '-v']) ? undefined : 'unzip is not on PATH';
const NO_GIT = commandWorks(['git', '-C', REPO_ROOT, 'rev-parse', '--git-dir']) ? undefined : 'git is missing or this is not a checkout';

/** A 1×1 transparent PNG (grey and alpha, 8 bits), valid: signature, IHDR, IDAT, IEND with their CRCs. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

const metric = (covered: number, total: number): Record<string, number> => ({ total, covered, skipped: 0, pct: Math.round((covered / total) * 10_000) / 100 });

/** istanbul's json-summary for two files, with absolute paths as the suite writes them. */
const COVERAGE = {
  total: { lines: metric(19, 20), statements: metric(19, 20), functions: metric(3, 4), branches: metric(9, 10), branchesTrue: { total: 0, covered: 0, skipped: 0, pct: 'Unknown' } },
  [join(REPO_ROOT, 'impl', 'server.ts')]: { lines: metric(10, 10), functions: metric(1, 1), statements: metric(10, 10), branches: metric(5, 5) },
  [join(REPO_ROOT, 'impl', 'client.ts')]: { lines: metric(9, 10), functions: metric(2, 3), statements: metric(9, 10), branches: metric(4, 5) },
};

const CATALOGUE = '# Failure cases\n\n| case | induced | behaviour | improvement | test | result |\n| --- | --- | --- | --- | --- | --- |\n| A case | somehow | exits 1 | none | a.test.ts › a | pass |\n';

const SAMPLES = ['x-first', 'y-first', 'chat'];

/** A reports folder as `npm test` and `npm run samples` leave it. */
function fakeReports(dir: string): void {
  mkdirSync(join(dir, 'samples'), { recursive: true });
  mkdirSync(join(dir, 'coverage'));
  for (const name of SAMPLES) {
    writeFileSync(join(dir, 'samples', `${name}.txt`), `$ node dist/impl/server.js\nListening on 127.0.0.1:12000\n(${name})\n`);
    writeFileSync(join(dir, 'samples', `${name}.png`), PNG);
  }
  writeFileSync(join(dir, 'coverage', 'coverage-summary.json'), JSON.stringify(COVERAGE));
  writeFileSync(join(dir, 'coverage', 'lcov.info'), 'TN:\n'); // not part of the hand-in
  writeFileSync(join(dir, 'failure-cases.md'), CATALOGUE);
  writeFileSync(join(dir, 'grade.md'), '# not part of the hand-in\n');
}

interface Run {
  readonly exit: ExitStatus;
  readonly stdout: string[];
  readonly stderr: string[];
}

/** Runs the compiled hand-in script with `args` in the repository root. */
async function handin(scene: Scene, args: readonly string[]): Promise<Run> {
  const child = launch(scene, {
    label: 'handin',
    argv: ['node', 'dist/scripts/handin.js', ...args],
    cwd: REPO_ROOT,
    env: { NODE_V8_COVERAGE: '' }, // nothing of impl/ runs in it
  });
  const exit = await child.waitForExit(20_000);
  return { exit, stdout: child.lines('stdout'), stderr: child.lines('stderr') };
}

/** Every file under `dir`, relative, with `/` separators, sorted. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((path) => statSync(join(dir, path)).isFile())
    .map((path) => path.split('\\').join('/'))
    .sort();
}

const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
const fingerprint = (entries: readonly TarEntry[]): Array<{ name: string; mode: string; sha: string }> =>
  entries.map(({ name, mode, data }) => ({ name, mode: mode.toString(8), sha: sha(data) }));

let tmp = '';
let reports = '';
let out = '';
let run: Run;
let tarred: TarEntry[] = [];
let zipped: TarEntry[] = [];
const scene = new Scene();

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'ack-handin-'));
  reports = join(tmp, 'reports');
  out = join(tmp, 'out');
  fakeReports(reports);
  run = await handin(scene, ['--reports', reports, '--out', out]);
  expect(run.exit, [...run.stdout, ...run.stderr].join('\n')).toEqual({ code: 0, signal: null });
  tarred = readTarGz(readFileSync(join(out, 'handin.tar.gz')));
  zipped = readZip(readFileSync(join(out, 'handin.zip')));
}, 30_000);

afterAll(async () => {
  await scene.dispose();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('it prints each archive\'s path, size and file count', () => {
  const count = tarred.length;
  expect(run.stdout.filter((line) => line.startsWith('Wrote '))).toEqual([
    expect.stringMatching(new RegExp(`^Wrote .*handin\\.tar\\.gz \\(\\d+\\.\\d KiB, ${count} files under handin/\\)$`)),
    expect.stringMatching(new RegExp(`^Wrote .*handin\\.zip \\(\\d+\\.\\d KiB, ${count} files under handin/\\)$`)),
  ]);
  expect(run.stderr).toEqual([]);
});

test('both archives hold the same files under handin/: the code, the docs and the reports, and nothing git ignores', () => {
  const names = tarred.map((entry) => entry.name);
  expect(fingerprint(zipped)).toEqual(fingerprint(tarred));
  expect(names).toEqual([...names].sort());
  expect(names.filter((name) => !name.startsWith('handin/'))).toEqual([]);
  expect(names).toEqual(
    expect.arrayContaining([
      'handin/README.md',
      'handin/docs/DESIGN.md',
      'handin/docs/CONTRACT.md',
      'handin/impl/server.ts',
      'handin/spec/handin.test.ts',
      'handin/grader/cli.ts',
      'handin/scripts/handin.ts',
      'handin/fixtures/python/server.py',
      'handin/package.json',
      'handin/package-lock.json',
      'handin/tsconfig.json',
      'handin/vitest.config.ts',
      ...SAMPLES.flatMap((name) => [`handin/reports/samples/${name}.txt`, `handin/reports/samples/${name}.png`]),
      'handin/reports/coverage/coverage-summary.json',
      'handin/reports/coverage-summary.txt',
      'handin/reports/failure-cases.md',
    ]),
  );
  const ignored = names.filter((name) => name.split('/').some((part) => ['node_modules', 'dist', '.git'].includes(part)));
  expect(ignored).toEqual([]);
  // Of the reports folder, only the samples, the coverage summary and the catalogue.
  expect(names.filter((name) => name.startsWith('handin/reports/'))).toEqual([
    'handin/reports/coverage-summary.txt',
    'handin/reports/coverage/coverage-summary.json',
    'handin/reports/failure-cases.md',
    ...['chat', 'x-first', 'y-first'].flatMap((name) => [`handin/reports/samples/${name}.png`, `handin/reports/samples/${name}.txt`]),
  ]);
  const file = (name: string): Buffer | undefined => tarred.find((entry) => entry.name === name)?.data;
  expect(file('handin/reports/samples/chat.png')).toEqual(PNG);
  expect(file('handin/reports/failure-cases.md')?.toString()).toBe(CATALOGUE);
  expect(file('handin/impl/server.ts')).toEqual(readFileSync(join(REPO_ROOT, 'impl', 'server.ts')));
});

test('every file git tracks in impl/, docs/ and spec/ is in the archive', ({ skip }) => {
  skip(NO_GIT !== undefined, NO_GIT);
  const listed = spawnSync('git', ['ls-files', '-z', 'impl', 'docs', 'spec'], { cwd: REPO_ROOT, encoding: 'utf8' });
  countFinished(listed.pid);
  const tracked = listed.stdout
    .split('\0')
    .filter((path) => path && existsSync(join(REPO_ROOT, path)));
  expect(tracked.length).toBeGreaterThan(10);
  const names = new Set(tarred.map((entry) => entry.name));
  expect(tracked.filter((path) => !names.has(`handin/${path}`))).toEqual([]);
});

test('the coverage summary text has the totals and each file: lines, statements, branches, functions as percentage and covered/total', () => {
  const text = tarred.find((entry) => entry.name === 'handin/reports/coverage-summary.txt')!.data.toString();
  const rows = text.split('\n').map((line) => line.trim().split(/\s{2,}/));
  expect(rows).toEqual(
    expect.arrayContaining([
      ['File', 'Lines', 'Statements', 'Branches', 'Functions'],
      ['All files', '95.00 %', '19/20', '95.00 %', '19/20', '90.00 %', '9/10', '75.00 %', '3/4'],
      ['impl/client.ts', '90.00 %', '9/10', '90.00 %', '9/10', '80.00 %', '4/5', '66.67 %', '2/3'],
      ['impl/server.ts', '100.00 %', '10/10', '100.00 %', '10/10', '100.00 %', '5/5', '100.00 %', '1/1'],
    ]),
  );
  const order = rows.map((row) => row[0]);
  expect(order.indexOf('All files')).toBeLessThan(order.indexOf('impl/client.ts'));
  expect(order.indexOf('impl/client.ts')).toBeLessThan(order.indexOf('impl/server.ts'));
});

test('the same tree and reports give byte-identical archives', async () => {
  const again = join(tmp, 'again');
  const second = await handin(useScene(), ['--reports', reports, '--out', again]);
  expect(second.exit).toEqual({ code: 0, signal: null });
  for (const name of ['handin.tar.gz', 'handin.zip']) {
    expect(sha(readFileSync(join(again, name))), name).toBe(sha(readFileSync(join(out, name))));
  }
});

/** What `npm run build` recorded of its last tsc run (tsconfig.json's tsBuildInfoFile): the files of its program and their hashes. */
interface BuildInfo {
  readonly fileNames: readonly string[];
  readonly [other: string]: unknown;
}

/** What a build info keeps only when the build it records did not check or emit cleanly. */
const UNCLEAN = ['errors', 'semanticDiagnosticsPerFile', 'emitDiagnosticsPerFile', 'affectedFilesPendingEmit', 'pendingEmit', 'checkPending'];

// The unpacked tree builds as the repository does: it holds, byte for byte, every file of the program that
// `npm run build` (which `npm test` runs first) type-checked and compiled without an error, with the same
// tsconfig.json and packages: the repository's own bytes, none changed since that build (the build info's time
// is the build's, scripts/ensure-built.mjs). A fresh tsc of those bytes would repeat the build in the suite.
test('the tar.gz unpacks (with tar where installed), keeps executable bits, and holds every file of the last clean build, byte for byte', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ack-handin-tar-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true })); // registered first, so it runs after the scene is gone
  const local = useScene();
  if (HAS_TAR) {
    const tar = launch(local, { label: 'tar -xzf', argv: ['tar', '-xzf', join(out, 'handin.tar.gz'), '-C', dir], cwd: dir });
    expect(await tar.waitForExit(10_000), tar.transcript()).toEqual({ code: 0, signal: null });
  } else {
    for (const { name, mode, data } of tarred) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), data);
      chmodSync(join(dir, name), mode);
    }
  }
  expect(filesUnder(dir)).toEqual(tarred.map((entry) => entry.name));
  expect(statSync(join(dir, 'handin', 'gradescope', 'run_autograder')).mode & 0o777).toBe(0o755);
  expect(statSync(join(dir, 'handin', 'impl', 'server.ts')).mode & 0o777).toBe(0o644);

  const buildInfo = join(REPO_ROOT, 'dist', '.tsbuildinfo');
  const build = JSON.parse(readFileSync(buildInfo, 'utf8')) as BuildInfo;
  const builtAt = statSync(buildInfo).mtimeMs;
  expect(UNCLEAN.filter((key) => key in build && build[key] !== false), 'the last build did not type-check cleanly: run npm run build').toEqual([]);
  // Paths in the build info are relative to dist/; the sources are the repository's files outside node_modules
  // (TypeScript 7 names its own lib files bare, lib.es2022.d.ts: no path out of dist/).
  const sources = build.fileNames
    .map((name) => ({ name, path: relative(REPO_ROOT, join(REPO_ROOT, 'dist', name)) }))
    .filter(({ name, path }) => name.startsWith('../') && !path.split('/').includes('node_modules'));
  expect(sources.length).toBeGreaterThan(50);
  const differing = sources.flatMap(({ path }) => {
    const unpacked = join(dir, 'handin', path);
    if (!existsSync(unpacked)) return [`${path}: not in the hand-in`];
    if (statSync(join(REPO_ROOT, path)).mtimeMs > builtAt) return [`${path}: changed since the build`];
    return sha(readFileSync(unpacked)) === sha(readFileSync(join(REPO_ROOT, path))) ? [] : [`${path}: not the bytes that were built`];
  });
  expect(differing, 'a file differs from the last build (run npm run build if a source changed since)').toEqual([]);
  for (const name of ['tsconfig.json', 'package.json', 'package-lock.json']) {
    expect(readFileSync(join(dir, 'handin', name), 'utf8'), name).toBe(readFileSync(join(REPO_ROOT, name), 'utf8'));
  }
});

test('the zip unpacks with unzip to the same files, bytes and permissions as the tar.gz', async ({ skip }) => {
  skip(NO_UNZIP !== undefined, NO_UNZIP);
  const dir = mkdtempSync(join(tmpdir(), 'ack-handin-zip-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true })); // registered first, so it runs after the scene is gone
  const unzip = launch(useScene(), { label: 'unzip', argv: ['unzip', '-q', join(out, 'handin.zip'), '-d', dir], cwd: dir });
  expect(await unzip.waitForExit(10_000), unzip.transcript()).toEqual({ code: 0, signal: null });
  const unpacked = filesUnder(dir).map((name) => ({
    name,
    mode: (statSync(join(dir, name)).mode & 0o777).toString(8),
    sha: sha(readFileSync(join(dir, name))),
  }));
  expect(unpacked).toEqual(fingerprint(tarred));
});

test('a missing failure-case catalogue: exit 1, one line naming it and `npm test`, and no archive written', async () => {
  const partial = join(tmp, 'no-catalogue');
  cpSync(reports, partial, { recursive: true });
  rmSync(join(partial, 'failure-cases.md'));
  const nowhere = join(tmp, 'no-catalogue-out');
  const result = await handin(useScene(), ['--reports', partial, '--out', nowhere]);
  expect(result).toEqual({
    exit: { code: 1, signal: null },
    stdout: [],
    stderr: [expect.stringMatching(/^handin: missing \S*no-catalogue\/failure-cases\.md; `npm test` writes it \(or run `npm run handin -- --prepare`\)$/)],
  });
  expect(existsSync(nowhere)).toBe(false);
});

test('a coverage summary under the README\'s gates (79 % of lines): exit 1, one line naming the gate, and no archive written', async () => {
  const low = join(tmp, 'low-coverage');
  cpSync(reports, low, { recursive: true });
  const under = { total: { lines: metric(79, 100), statements: metric(79, 100), functions: metric(3, 4), branches: metric(95, 100) } };
  writeFileSync(join(low, 'coverage', 'coverage-summary.json'), JSON.stringify(under));
  const nowhere = join(tmp, 'low-coverage-out');
  const result = await handin(useScene(), ['--reports', low, '--out', nowhere]);
  expect(result).toEqual({
    exit: { code: 1, signal: null },
    stdout: [],
    stderr: [expect.stringMatching(/^handin: \S*low-coverage\/coverage\/coverage-summary\.json: coverage of impl\/ is under the README's gates: lines 79\.00 % \(the gate is 95 %\); make `npm test` pass \(it checks the same gates\), then run npm run handin again$/)],
  });
  expect(existsSync(nowhere)).toBe(false);
});

test('reports from a partial run (no line covered): exit 1, one line saying to run the whole `npm test`, and no archive written', async () => {
  const partial = join(tmp, 'partial-run');
  cpSync(reports, partial, { recursive: true });
  const empty = { total: Object.fromEntries(['lines', 'statements', 'functions', 'branches'].map((name) => [name, { total: 1413, covered: 0, skipped: 0, pct: 0 }])) };
  writeFileSync(join(partial, 'coverage', 'coverage-summary.json'), JSON.stringify(empty));
  const nowhere = join(tmp, 'partial-run-out');
  const result = await handin(useScene(), ['--reports', partial, '--out', nowhere]);
  expect(result).toEqual({
    exit: { code: 1, signal: null },
    stdout: [],
    stderr: [expect.stringMatching(/^handin: \S*partial-run\/coverage\/coverage-summary\.json records no covered line: it comes from a partial run \(one spec file, say\); run the whole `npm test` and then hand in$/)],
  });
  expect(existsSync(nowhere)).toBe(false);
});

test('missing samples and coverage summary: one line for each, naming the command that writes it, and no archive written', async () => {
  const partial = join(tmp, 'no-samples');
  cpSync(reports, partial, { recursive: true });
  rmSync(join(partial, 'samples', 'chat.png'));
  rmSync(join(partial, 'coverage'), { recursive: true });
  const nowhere = join(tmp, 'no-samples-out');
  const result = await handin(useScene(), ['--reports', partial, '--out', nowhere]);
  expect(result).toEqual({
    exit: { code: 1, signal: null },
    stdout: [],
    stderr: [
      expect.stringMatching(/^handin: missing \S*no-samples\/coverage\/coverage-summary\.json; `npm test` writes it /),
      expect.stringMatching(
        /^handin: missing the screenshots \S*no-samples\/samples\/chat\.png: `npm run samples` makes them with Chrome or Chromium \(apt-get install chromium, or set CHROME_PATH to one\); or hand in without them with `npm run handin -- --no-screenshots` \(the rubric asks for screenshots: add your own\)$/,
      ),
    ],
  });
  expect(existsSync(nowhere)).toBe(false);
});

test('--no-screenshots hands in the samples without their pictures, and says the rubric asks for them', async () => {
  const partial = join(tmp, 'no-pictures');
  cpSync(reports, partial, { recursive: true });
  for (const name of SAMPLES) rmSync(join(partial, 'samples', `${name}.png`));
  const out = join(tmp, 'no-pictures-out');
  const result = await handin(useScene(), ['--reports', partial, '--out', out, '--no-screenshots']);
  expect(result.exit).toEqual({ code: 0, signal: null });
  expect(result.stdout.at(-1)).toBe('handin: no screenshots packed, as asked (--no-screenshots); the rubric asks for screenshots of sample outputs: add your own');
  expect(existsSync(join(out, 'handin.zip'))).toBe(true);
});

test('an unknown flag: exit 2 and one line with the usage', async () => {
  const result = await handin(useScene(), ['--bogus']);
  expect(result).toEqual({
    exit: { code: 2, signal: null },
    stdout: [],
    stderr: ["handin: unknown option '--bogus'; usage: npm run handin -- [--reports DIR] [--out DIR] [--prepare] (--help for more)"],
  });
});
