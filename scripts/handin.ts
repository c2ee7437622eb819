/**
 * `npm run handin [-- --reports DIR] [--out DIR] [--prepare]`: builds the
 * hand-in, `handin.tar.gz` and `handin.zip` (default in reports/), the same
 * files in both, under one top folder `handin/`:
 *
 *   the code    impl/ harness/ spec/ grader/ scripts/ bench/ fixtures/ types/ gradescope/ mininet/,
 *               package.json, package-lock.json, tsconfig.json, vitest.config.ts
 *               and eslint.config.* if there is one
 *   the docs    README.md, docs/*.md
 *   reports/    samples/*.txt and *.png       (written by `npm run samples`)
 *               coverage/coverage-summary.json (written by `npm test`)
 *               coverage-summary.txt           (made here from that JSON: totals and per file)
 *               failure-cases.md               (written by `npm test`)
 *
 * The code and docs are the files git knows: `git ls-files` (tracked, and
 * untracked ones that are not ignored, which it names), so node_modules/,
 * dist/, .git/ and anything else .gitignore lists never get in. Outside a git
 * checkout it walks the same folders instead, skipping node_modules, dist and
 * .git. The archives are deterministic (sorted entries, every date
 * 1980-01-01, no owner names): the same tree gives the same bytes.
 *
 * A missing report is named in one line with the command that writes it, and
 * nothing is written; with `--prepare` those commands (`npm test`,
 * `npm run samples`) are run first.
 *
 * Exit codes: 0 both archives written; 1 a prerequisite missing or a step
 * failed (nothing written); 2 a wrong command line.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../harness/repo-root.js';
import { countFinished } from '../harness/process.js';
import { tarGz } from './tar.js';
import { zipArchive, type ZipEntry } from './zip.js';
import { missedGates } from './coverage-gates.js';

const USAGE = `usage: npm run handin -- [--reports DIR] [--out DIR] [--prepare]
  --reports DIR  where the samples, coverage summary and failure-case catalogue are (default reports/)
  --out DIR      where handin.tar.gz and handin.zip go (default reports/)
  --prepare      run \`npm test\` and \`npm run samples\` first if what they write is missing
  --no-screenshots  hand in without the screenshots (*.png); the rubric asks for them
exit codes: 0 written; 1 a prerequisite missing or a step failed (nothing written); 2 a wrong command line`;

/** The one folder everything in the archives is under. */
const TOP = 'handin';

/** Folders of code taken whole (what git knows of them). */
const CODE_DIRS = ['impl', 'harness', 'spec', 'grader', 'scripts', 'bench', 'fixtures', 'types', 'gradescope', 'mininet'] as const;

/** Single files taken from the repository root when git knows them. */
const ROOT_FILES = new Set([
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'vitest.config.ts',
  'eslint.config.js',
  'eslint.config.mjs',
  'eslint.config.cjs',
  'eslint.config.ts',
  'README.md',
]);

/** Never taken, at any depth, when walking a tree that is not a git checkout. */
const WALK_SKIPS = new Set(['node_modules', 'dist', '.git', '__pycache__']);

/** The reports `npm test` writes that the hand-in needs, relative to the reports folder. */
const TEST_REPORTS = ['coverage/coverage-summary.json', 'failure-cases.md'] as const;

/** The samples `npm run samples` writes, relative to the reports folder. */
const SAMPLES = ['x-first', 'y-first', 'chat'].flatMap((name) => [`samples/${name}.txt`, `samples/${name}.png`]);

/** Whether a repository path (with `/` separators) belongs in the hand-in. */
function wanted(path: string): boolean {
  if (ROOT_FILES.has(path)) return true;
  if (/^docs\/[^/]+\.md$/.test(path)) return true;
  return CODE_DIRS.some((dir) => path.startsWith(`${dir}/`));
}

/** A command line is wrong (exit 2). */
class UsageError extends Error {}

/** A prerequisite is missing or a step failed (exit 1); the message is the whole line. */
class Failure extends Error {}

interface Options {
  readonly reports: string;
  readonly out: string;
  readonly prepare: boolean;
  /** Hand in without the screenshots (*.png): the rubric asks for them, so this is said when it is used. */
  readonly screenshots: boolean;
}

function parse(argv: readonly string[]): Options | undefined {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        reports: { type: 'string' },
        out: { type: 'string' },
        prepare: { type: 'boolean' },
        'no-screenshots': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    // node's messages run on with advice about `--`; the first sentence says what is wrong.
    const message = (error as Error).message.split('\n')[0]!.replace(/\. .*$/, '');
    throw new UsageError(message.charAt(0).toLowerCase() + message.slice(1));
  }
  if (parsed.values.help) return undefined;
  for (const name of ['reports', 'out'] as const) {
    if (parsed.values[name] === '') throw new UsageError(`--${name} needs a folder`);
  }
  return {
    reports: resolve(parsed.values.reports ?? join(REPO_ROOT, 'reports')),
    out: resolve(parsed.values.out ?? join(REPO_ROOT, 'reports')),
    prepare: parsed.values.prepare ?? false,
    screenshots: parsed.values['no-screenshots'] !== true,
  };
}

/** A path as the user should read it: relative to where they are, if that is shorter. */
function shown(path: string): string {
  const near = relative(process.cwd(), path);
  return near && near.length < path.length ? near : path;
}

/** `a`, `a and b`, `a, b and c`. */
function listed(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** Unix permissions as the archives store them: executable or not. */
function modeOf(file: string): number {
  return statSync(file).mode & 0o111 ? 0o755 : 0o644;
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Runs git in the repository root; undefined if git is missing or this is not a checkout. */
function git(args: readonly string[]): string[] | undefined {
  const result = spawnSync('git', [...args], { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  countFinished(result.pid);
  if (result.error || result.status !== 0) return undefined;
  return result.stdout.split('\0').filter(Boolean);
}

/** Every file under `dir` (repository-relative, `/` separators), skipping {@link WALK_SKIPS}. */
function walk(dir: string): string[] {
  const absolute = join(REPO_ROOT, dir);
  if (!existsSync(absolute)) return [];
  return readdirSync(absolute, { withFileTypes: true }).flatMap((entry) => {
    if (WALK_SKIPS.has(entry.name) || entry.name.endsWith('.log') || entry.name.endsWith('.pyc')) return [];
    const path = `${dir}/${entry.name}`;
    return entry.isDirectory() ? walk(path) : [path];
  });
}

/**
 * The code and docs: repository-relative paths of files that exist, with
 * those git does not track yet and how they were found.
 */
function repositoryFiles(): { files: string[]; untracked: string[]; fromGit: boolean } {
  const tracked = git(['ls-files', '-z', '--cached']);
  const others = git(['ls-files', '-z', '--others', '--exclude-standard']);
  if (tracked === undefined || others === undefined) {
    const found = [...readdirSync(REPO_ROOT).filter((name) => ROOT_FILES.has(name)), ...walk('docs'), ...CODE_DIRS.flatMap(walk)];
    return { files: found.filter((path) => wanted(path) && isFile(join(REPO_ROOT, path))), untracked: [], fromGit: false };
  }
  const keep = (paths: string[]): string[] => paths.filter((path) => wanted(path) && isFile(join(REPO_ROOT, path))); // tracked but deleted: left out
  const untracked = keep(others);
  return { files: [...keep(tracked), ...untracked], untracked, fromGit: true };
}

/** The reports the hand-in needs that `reports` lacks, by the command that writes them. */
function missingReports(reports: string, screenshots = true): { tests: string[]; samples: string[] } {
  return {
    tests: TEST_REPORTS.filter((file) => !isFile(join(reports, file))),
    samples: SAMPLES.filter((file) => (screenshots || !file.endsWith('.png')) && !isFile(join(reports, file))),
  };
}

/** One line per command whose reports are missing. */
function missingLines(reports: string, missing: { tests: string[]; samples: string[] }, prepared: boolean): string[] {
  const lines: string[] = [];
  const at = (file: string): string => shown(join(reports, file));
  /** What to say about the command that writes `count` missing files. */
  const writes = (command: string, count: number): string => {
    const them = count === 1 ? 'it' : 'them';
    return prepared ? `\`${command}\` ran but did not write ${them} there` : `\`${command}\` writes ${them} (or run \`npm run handin -- --prepare\`)`;
  };
  if (missing.tests.length > 0) {
    lines.push(`missing ${listed(missing.tests.map(at))}; ${writes('npm test', missing.tests.length)}`);
  }
  if (missing.samples.length === SAMPLES.length) {
    lines.push(`missing the samples ${at('samples')}/{x-first,y-first,chat}.{txt,png}; ${writes('npm run samples', 2)}`);
  } else if (missing.samples.length > 0 && missing.samples.every((file) => file.endsWith('.png'))) {
    // The texts are there: the screenshots were skipped (no browser); say every way out.
    lines.push(
      `missing the screenshots ${listed(missing.samples.map(at))}: \`npm run samples\` makes them with Chrome or Chromium (apt-get install chromium, or set CHROME_PATH to one); or hand in without them with \`npm run handin -- --no-screenshots\` (the rubric asks for screenshots: add your own)`,
    );
  } else if (missing.samples.length > 0) {
    lines.push(`missing ${listed(missing.samples.map(at))}; ${writes('npm run samples', missing.samples.length)}`);
  }
  return lines;
}

/** Runs an npm script in the repository root with the console inherited; throws a {@link Failure} unless it exits 0. */
function runStep(args: readonly string[], why: string): void {
  const command = `npm ${args.join(' ')}`;
  process.stdout.write(`handin: running \`${command}\` (${why})\n`);
  const result = spawnSync('npm', [...args], { cwd: REPO_ROOT, stdio: 'inherit' });
  countFinished(result.pid);
  if (result.error) throw new Failure(`could not run \`${command}\`: ${result.error.message}`);
  if (result.status !== 0) {
    const how = result.signal ? `was stopped by ${result.signal}` : `failed (exit ${result.status})`;
    throw new Failure(`\`${command}\` ${how}; nothing written (what it did write can be handed in as it is with \`npm run handin\`)`);
  }
}

/** One metric of istanbul's json-summary. */
interface Metric {
  readonly total: number;
  readonly covered: number;
  readonly pct: number | string;
}

const METRICS = ['lines', 'statements', 'branches', 'functions'] as const;

type Summary = Record<string, Record<(typeof METRICS)[number], Metric>>;

function isMetric(value: unknown): value is Metric {
  const metric = value as Metric | null;
  return typeof metric === 'object' && metric !== null && typeof metric.total === 'number' && typeof metric.covered === 'number';
}

/**
 * A readable text table of istanbul's json-summary (`coverage-summary.json`):
 * the totals, then each file, with lines, statements, branches and functions
 * as percentage and covered/total.
 *
 * @throws Failure if the JSON is not istanbul's json-summary.
 */
function coverageText(json: string, source: string): string {
  let summary: Summary;
  try {
    summary = JSON.parse(json) as Summary;
  } catch (error) {
    throw new Failure(`${source} is not JSON (${(error as Error).message.replace(/\s+/g, ' ').trim()}); \`npm test\` writes it`);
  }
  const bad = Object.entries(summary ?? {}).find(([, entry]) => !METRICS.every((metric) => isMetric(entry?.[metric])));
  if (typeof summary !== 'object' || summary === null || !summary.total || bad) {
    const what = bad ? `${bad[0]} lacks lines, statements, branches or functions` : 'it has no "total"';
    throw new Failure(`${source} is not istanbul's coverage summary (${what}); \`npm test\` writes it`);
  }
  const files = Object.keys(summary).filter((key) => key !== 'total');
  const cell = ({ total, covered, pct }: Metric): string => {
    const percent = typeof pct === 'number' ? `${pct.toFixed(2)} %` : 'n/a';
    return `${percent.padStart(8)}  ${`${covered}/${total}`.padStart(11)}`;
  };
  const rows = [
    ['File', ...METRICS.map((metric) => metric.charAt(0).toUpperCase() + metric.slice(1))],
    ['All files', ...METRICS.map((metric) => cell(summary.total![metric]))],
    ...files
      .map((file) => [displayPath(file, files), ...METRICS.map((metric) => cell(summary[file]![metric]))])
      .sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0)),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const line = (row: readonly string[]): string => row.map((text, column) => (column === 0 ? text.padEnd(widths[0]!) : text.padStart(widths[column]!))).join('   ').trimEnd();
  return [
    `Coverage summary (from coverage/coverage-summary.json, written by \`npm test\`): percentage and covered/total`,
    '',
    line(rows[0]!),
    widths.map((width) => '-'.repeat(width)).join('   '),
    ...rows.slice(1).map(line),
    '',
  ].join('\n');
}

/** A file of the coverage summary as a reader knows it: relative to the repository, or to the files' common folder. */
function displayPath(file: string, all: readonly string[]): string {
  if (!isAbsolute(file)) return file;
  const inRepo = relative(REPO_ROOT, file);
  if (!inRepo.startsWith('..') && !isAbsolute(inRepo)) return inRepo.split(sep).join('/');
  let common: string[] | undefined;
  for (const path of all.filter(isAbsolute)) {
    const dirs = path.split(sep).slice(0, -1);
    let same = 0;
    while (same < (common ?? dirs).length && (common ?? dirs)[same] === dirs[same]) same += 1;
    common = (common ?? dirs).slice(0, same);
  }
  return relative((common ?? []).join(sep) || sep, file).split(sep).join('/');
}

/**
 * Writes every file whole or none of them: each into a temporary file beside
 * it first, and only when all are written are they renamed into place.
 */
function writeAll(files: ReadonlyArray<{ readonly file: string; readonly data: Buffer }>): void {
  const temporary = (file: string): string => `${file}.${process.pid}.tmp`;
  try {
    for (const { file, data } of files) writeFileSync(temporary(file), data);
    for (const { file } of files) renameSync(temporary(file), file);
  } finally {
    for (const { file } of files) rmSync(temporary(file), { force: true });
  }
}

function main(argv: readonly string[]): void {
  const options = parse(argv);
  if (options === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  let missing = missingReports(options.reports, options.screenshots);
  if (options.prepare) {
    if (missing.tests.length > 0) runStep(['test'], 'it writes the coverage summary and the failure-case catalogue');
    if (missing.samples.length > 0) runStep(['run', 'samples'], 'it writes the samples');
    missing = missingReports(options.reports, options.screenshots);
  }
  const lines = missingLines(options.reports, missing, options.prepare);
  if (lines.length > 0) throw new Failure(lines.join('\nhandin: '));
  const summaryJson = join(options.reports, 'coverage', 'coverage-summary.json');
  const summaryText = coverageText(readFileSync(summaryJson, 'utf8'), shown(summaryJson));
  // A run of a single spec file rewrites the reports too, with next to nothing in them: refuse to hand that in.
  const totalLines = (JSON.parse(readFileSync(summaryJson, 'utf8')) as Summary).total?.lines;
  if (totalLines && totalLines.covered === 0) {
    throw new Failure(`${shown(summaryJson)} records no covered line: it comes from a partial run (one spec file, say); run the whole \`npm test\` and then hand in`);
  }
  // A summary below the README's own gates is no evidence to hand in: `npm test` fails on it too.
  const total = (JSON.parse(readFileSync(summaryJson, 'utf8')) as Summary).total!;
  const pct = ({ pct: value }: Metric): number => (typeof value === 'number' ? value : 0);
  const missed = missedGates({ lines: pct(total.lines), branches: pct(total.branches) });
  if (missed.length > 0) {
    throw new Failure(`${shown(summaryJson)}: coverage of impl/ is under the README's gates: ${missed.join(', ')}; make \`npm test\` pass (it checks the same gates), then run npm run handin again`);
  }

  const code = repositoryFiles();
  if (!code.fromGit) {
    process.stdout.write(`handin: not a git checkout (or no git here); took ${CODE_DIRS.join('/, ')}/ and docs by walking them, skipping ${[...WALK_SKIPS].join(', ')}\n`);
  } else if (code.untracked.length > 0) {
    process.stdout.write(`handin: including ${code.untracked.length} file(s) git does not track yet: ${code.untracked.join(', ')}\n`);
  }
  const entries: ZipEntry[] = code.files.map((path) => {
    const file = join(REPO_ROOT, path);
    return { name: `${TOP}/${path}`, data: readFileSync(file), mode: modeOf(file) };
  });
  const report = (path: string, data?: Buffer): void => {
    const file = join(options.reports, path);
    entries.push({ name: `${TOP}/reports/${path}`, data: data ?? readFileSync(file), mode: 0o644 });
  };
  const samples = readdirSync(join(options.reports, 'samples')).filter(
    (name) => /\.(txt|png)$/.test(name) && isFile(join(options.reports, 'samples', name)),
  );
  for (const name of samples) report(`samples/${name}`);
  for (const path of TEST_REPORTS) report(path);
  report('coverage-summary.txt', Buffer.from(summaryText));
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const archives = [
    { file: join(options.out, `${TOP}.tar.gz`), data: tarGz(entries) },
    { file: join(options.out, `${TOP}.zip`), data: zipArchive(entries) },
  ];
  mkdirSync(options.out, { recursive: true });
  writeAll(archives);
  for (const { file, data } of archives) {
    process.stdout.write(`Wrote ${shown(file)} (${(data.length / 1024).toFixed(1)} KiB, ${entries.length} files under ${TOP}/)\n`);
  }
  if (!options.screenshots && !samples.some((name) => name.endsWith('.png'))) {
    process.stdout.write('handin: no screenshots packed, as asked (--no-screenshots); the rubric asks for screenshots of sample outputs: add your own\n');
  }
}

try {
  main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(`handin: ${error.message}; usage: npm run handin -- [--reports DIR] [--out DIR] [--prepare] (--help for more)\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`handin: ${(error as Error).message.split('\n').slice(0, error instanceof Failure ? undefined : 1).join('\n')}\n`);
    process.exitCode = 1;
  }
}
