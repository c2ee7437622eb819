#!/usr/bin/env node
/**
 * `npm run grade -- [target.json | folder] [options]`: grades one target, or
 * every target in a folder, or (with `--template`) every student folder in a
 * folder by one description; prints the rubric and writes the reports.
 *
 * Exit codes: 0 every claimed part got full marks; 1 points were lost;
 * 2 the command line or a target description is wrong (nothing graded), or
 * the template could not be applied to some students (the rest are graded);
 * 3 a harness problem (a busy fixed port, say) makes the grade untrustworthy.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { detectIsolation } from '../harness/isolation.js';
import { checkPrograms, DescriptionError, loadTarget, targetFromJson, type Target } from './target.js';
import { describeSubmission } from './describe.js';
import { classTargets, loadTemplate, studentFolders, type StudentProblem } from './class.js';
import { HarnessError } from '../harness/errors.js';
import { REPO_ROOT } from '../harness/repo-root.js';
import { gradebookCsv, gradeJson, gradeMarkdown, gradescopeResults, junitXml, rubricText, shownPath } from './report.js';
import { DEFAULT_RUBRIC, isItemId, ITEMS, rubricFromJson, RubricError, type ItemId, type Rubric } from './rubric.js';
import { gradeTarget, portKey, type TargetGrade } from './run.js';
import { ENTRY_ENV, serveJobs, stopWorkers, WORKER_FLAG } from './worker.js';
import { mapPool } from './pool.js';
import { progressLine, type Progress } from './progress.js';

const USAGE = `usage: npm run grade -- [target.json | folder of targets] [--template FILE] [--jobs N] [--out DIR] [--gradescope FILE] [--only ITEM,...] [--rubric FILE] [--no-sandbox] [--verbose]
  no target: grades the reference implementation (fixtures/targets/reference.json)
  --template FILE    one description for a class: every folder in the folder named is a student,
                     graded by FILE with argv globs (*, ?, [...]) resolved in the student's folder;
                     a student it does not fit is not graded, says why, and makes the exit 2
  --jobs N           grade N targets at once (default: the number of cores, ${availableParallelism()} here)
  --out DIR          where reports go (default: reports/)
  --gradescope FILE  also write Gradescope's results.json there (one target only)
  --only ITEM,...    grade only these rubric items (ids: ${ITEMS.map((item) => item.id).join(', ')})
  --rubric FILE      points (0: not graded) and Gradescope visibility per item; see docs/GRADING.md
  --no-sandbox       run scenarios directly, not each in a fresh network namespace
  --verbose          say what runs, on stderr`;

/** Exit codes, as documented in docs/GRADING.md. */
export const GRADE_EXIT = { fullMarks: 0, pointsLost: 1, usage: 2, harness: 3 } as const;

class UsageError extends Error {}

/** The target files a path names: a JSON file, a folder with target.json, or a folder of those. */
export function targetFiles(path: string): { readonly files: string[]; readonly described: string[] } {
  const full = resolve(path);
  if (!existsSync(full)) throw new UsageError(`${path} does not exist; name a target JSON file or a folder of them`);
  if (!statSync(full).isDirectory()) return { files: [full], described: [] };
  if (existsSync(join(full, 'target.json'))) return { files: [join(full, 'target.json')], described: [] };
  const entries = readdirSync(full, { withFileTypes: true }).filter((entry) => !entry.name.startsWith('.') && entry.name !== '__MACOSX' && entry.name !== '__pycache__');
  const files = entries
    .flatMap((entry) => {
      if (entry.isFile() && entry.name.endsWith('.json')) return [join(full, entry.name)];
      if (entry.isDirectory() && existsSync(join(full, entry.name, 'target.json'))) return [join(full, entry.name, 'target.json')];
      return [];
    })
    .sort();
  // A submission handed in without a description is described from its sources (grader/describe.ts).
  const holdsPython = (folder: string): boolean => readdirSync(folder).some((name) => name.endsWith('.py'));
  const described = entries
    .filter((entry) => entry.isDirectory() && !existsSync(join(full, entry.name, 'target.json')) && holdsPython(join(full, entry.name)))
    .map((entry) => join(full, entry.name))
    .sort();
  if (files.length === 0 && described.length === 0 && holdsPython(full)) return { files: [], described: [full] };
  if (files.length === 0 && described.length === 0) {
    throw new UsageError(`${path} holds no target: no *.json, no */target.json and no folder of .py files to describe; see docs/GRADING.md`);
  }
  return { files, described };
}

/** The most targets graded at once: each runs its own programs, so more would only thrash. */
const MAX_JOBS = 64;

/** Reads `--jobs`: a whole number from 1 to {@link MAX_JOBS}; default the number of cores. */
function parseJobs(value: string | undefined): number {
  if (value === undefined) return availableParallelism();
  const jobs = Number(value);
  if (!/^\d+$/.test(value) || jobs < 1 || jobs > MAX_JOBS) throw new UsageError(`--jobs takes a whole number from 1 to ${MAX_JOBS} (got "${value}")`);
  return jobs;
}

/** A class to grade by one description: the folder of student folders and the template file. */
interface ClassOption {
  readonly folder: string;
  readonly template: string;
}

/** Reads `FOLDER --template FILE`: both must exist, and the folder must hold a student folder. */
function classOption(folder: string | undefined, template: string): ClassOption {
  if (folder === undefined) throw new UsageError('--template needs the folder of student folders it applies to');
  if (!existsSync(template)) throw new UsageError(`--template: ${template} does not exist; name the description to apply to every student`);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new UsageError(`--template applies to a folder of student folders; ${folder} is not a folder`);
  if (studentFolders(folder).length === 0) throw new UsageError(`${folder} holds no student folder; with --template each folder in it is one student`);
  return { folder: resolve(folder), template: resolve(template) };
}

function parse(argv: readonly string[]): { targets: string[]; described: string[]; class?: ClassOption; out: string; gradescope?: string; only?: ItemId[]; rubric: Rubric; direct: boolean; verbose: boolean; jobs: number } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        jobs: { type: 'string' },
        gradescope: { type: 'string' },
        template: { type: 'string' },
        only: { type: 'string' },
        rubric: { type: 'string' },
        verbose: { type: 'boolean' },
        'no-sandbox': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    const option = /'(-[^' ]+)/.exec(message)?.[1] ?? '';
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`unknown option ${option}`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new UsageError(`option ${option} needs a value`);
    throw new UsageError(message.split('\n')[0]);
  }
  const { values, positionals } = parsed;
  if (values.help) throw new UsageError('');
  if (positionals.length > 1) throw new UsageError(`one target or folder at a time (got ${positionals.length}); put the targets in one folder`);
  const only = values.only?.split(',').map((id) => id.trim());
  const unknown = only?.find((id) => !isItemId(id));
  if (unknown !== undefined) throw new UsageError(`--only: there is no item "${unknown}"`);
  const klass = values.template === undefined ? undefined : classOption(positionals[0], values.template);
  const { files: targets, described } = klass ? { files: [], described: [] } : targetFiles(positionals[0] ?? join(REPO_ROOT, 'fixtures/targets/reference.json'));
  const count = klass ? studentFolders(klass.folder).length : targets.length + described.length;
  if (values.gradescope && count > 1) throw new UsageError('--gradescope grades one submission; name one target, not a folder');
  return {
    targets,
    described,
    ...(klass ? { class: klass } : {}),
    rubric: values.rubric === undefined ? DEFAULT_RUBRIC : readRubric(values.rubric),
    out: resolve(values.out ?? join(REPO_ROOT, 'reports')),
    verbose: values.verbose === true,
    direct: values['no-sandbox'] === true,
    jobs: parseJobs(values.jobs),
    ...(values.gradescope ? { gradescope: resolve(values.gradescope) } : {}),
    ...(only ? { only: only.filter(isItemId) } : {}),
  };
}

/** Reads `--rubric FILE`; a file that cannot be read is a usage error, a wrong one a RubricError (both exit 2). */
function readRubric(path: string): Rubric {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`--rubric: cannot read ${path}: ${(error as Error).message.split('\n')[0]}`);
  }
  return rubricFromJson(raw, resolve(path));
}

function write(file: string, text: string): string {
  mkdirSync(resolve(file, '..'), { recursive: true });
  writeFileSync(file, text);
  return file;
}

/**
 * What to grade: the descriptions named, each checked before anything runs;
 * or, with --template, the template applied to every student folder (its
 * interpreters checked once), with the students it does not fit named on
 * stderr, one line each, and returned to be reported, not graded.
 */
function planTargets(options: ReturnType<typeof parse>): { targets: Target[]; notGraded: StudentProblem[] } {
  if (!options.class) {
    // Every description is checked before anything runs: a mistake is exit 2 in a second, not lost points later.
    const targets = options.targets.map((file) => loadTarget(file));
    for (const target of targets) checkPrograms(target);
    const described = describeFolders(options.described);
    return { targets: [...targets, ...described.targets], notGraded: described.notGraded };
  }
  const template = loadTemplate(options.class.template);
  checkPrograms({ ...template, cwd: options.class.folder }, { files: false });
  const planned = classTargets(options.class.folder, template);
  for (const { student, problem } of planned.notGraded) process.stderr.write(`grade: ${student}: not graded: ${problem}\n`);
  return planned;
}

/**
 * Describes each folder from its sources (grader/describe.ts). A folder the
 * inference is unsure of, or whose inferred description does not check, is
 * not graded: one line on stderr and a row saying why, never a guess.
 */
function describeFolders(folders: readonly string[]): { targets: Target[]; notGraded: StudentProblem[] } {
  const targets: Target[] = [];
  const notGraded: StudentProblem[] = [];
  for (const folder of folders) {
    const file = join(folder, 'target.json'); // where the description counts as written: `npm run describe -- --write-targets` puts it there
    const student = basename(folder);
    const described = describeSubmission(folder);
    let problem: string | undefined;
    if ('problem' in described) problem = `not described: ${described.problem}; write its target.json (npm run describe -- ${folder} --write-targets, then edit it)`;
    else {
      try {
        const target = targetFromJson(described.target, file);
        checkPrograms(target);
        targets.push({ ...target, student });
        process.stderr.write(`grade: ${student}: described from its sources (${described.notes.at(-1) ?? 'see npm run describe'})\n`);
      } catch (error) {
        if (!(error instanceof DescriptionError)) throw error;
        problem = `the description inferred from its sources does not check: ${error.message.split('\n')[0]}`;
      }
    }
    if (problem === undefined) continue;
    process.stderr.write(`grade: ${student}: not graded: ${problem}\n`);
    notGraded.push({ student, name: student, file, problem });
  }
  return { targets, notGraded };
}

/** Full marks on every part the target claims. */
function fullMarks(grade: TargetGrade, target: Target): boolean {
  return grade.items.every((item) => item.verdict.passed || (item.part === 'chat' && !target.parts.chat));
}

/**
 * What a run of several targets shows while it goes: each target's rubric on
 * stdout in the order the targets were named (whatever order they finish in),
 * and the progress on stderr, rewritten in place on a terminal, one plain
 * line per finished target elsewhere. A single target shows only its rubric.
 */
function reporter(total: number): { note(line: string): void; finished(grade: TargetGrade, index: number, outcome: 'full' | 'lost' | 'harness'): void } {
  const started = performance.now();
  const pending = new Map<number, TargetGrade>();
  let nextToPrint = 0;
  const counts = { done: 0, lostPoints: 0, harnessProblems: 0 };
  const live = process.stderr.isTTY === true && total > 1;
  let shown = false;
  const clear = (): void => {
    if (shown) process.stderr.write('\r\u001b[K');
    shown = false;
  };
  return {
    note(line) {
      clear();
      process.stderr.write(`${line}\n`);
    },
    finished(grade, index, outcome) {
      counts.done += 1;
      if (outcome === 'lost') counts.lostPoints += 1;
      if (outcome === 'harness') counts.harnessProblems += 1;
      pending.set(index, grade);
      clear();
      for (let next = pending.get(nextToPrint); next !== undefined; next = pending.get(nextToPrint)) {
        process.stdout.write(`${rubricText(next)}\n\n`);
        pending.delete(nextToPrint);
        nextToPrint += 1;
      }
      if (total === 1) return;
      const state: Progress = { ...counts, total, elapsedMs: performance.now() - started };
      if (live) {
        process.stderr.write(`grade: ${progressLine(state)}`);
        shown = counts.done < total;
        if (!shown) process.stderr.write('\n'); // the last state stays on screen
      } else {
        process.stderr.write(`grade: ${progressLine(state)} (${grade.student}: ${grade.scores.ack}/${grade.max.ack}+${grade.scores.chat})\n`);
      }
    },
  };
}

async function main(argv: readonly string[]): Promise<number> {
  const options = parse(argv);
  const { targets: loaded, notGraded } = planTargets(options);
  let code: number = GRADE_EXIT.fullMarks;
  const isolation = detectIsolation(options.direct);
  if (isolation.kind === 'direct') process.stderr.write(`grade: ${isolation.why}\n`);
  const progress = reporter(loaded.length);
  const grades = await mapPool(
    loaded,
    (target) => {
      const note = (line: string): void => {
        if (options.verbose || line.includes('TIME_WAIT')) progress.note(`grade: ${target.name}: ${line}`);
      };
      return gradeTarget(target, { onNote: note, rubric: options.rubric, direct: options.direct, ...(options.only ? { only: options.only } : {}) });
    },
    {
      concurrency: options.jobs,
      keyOf: (target) => portKey(target, isolation),
      onResult: (grade, index) => progress.finished(grade, index, grade.harnessProblems.length > 0 ? 'harness' : fullMarks(grade, loaded[index]!) ? 'full' : 'lost'),
    },
  );
  for (const [index, grade] of grades.entries()) {
    if (grade.harnessProblems.length > 0) code = GRADE_EXIT.harness;
    else if (code === GRADE_EXIT.fullMarks && !fullMarks(grade, loaded[index]!)) code = GRADE_EXIT.pointsLost;
  }
  // A student the template does not fit is a description problem (2), named in every report; a harness problem still says more.
  if (notGraded.length > 0 && code !== GRADE_EXIT.harness) code = GRADE_EXIT.usage;
  const written = [
    write(join(options.out, 'grade.md'), gradeMarkdown(grades, notGraded)),
    write(join(options.out, 'grade.json'), gradeJson(grades, notGraded)),
    write(join(options.out, 'junit.xml'), junitXml(grades, notGraded)),
    write(join(options.out, 'gradebook.csv'), gradebookCsv(grades, notGraded)),
  ];
  const one = grades.length === 1 && notGraded.length === 0 ? grades[0] : undefined;
  if (one) written.push(write(join(options.out, 'results.json'), gradescopeResults(one)));
  if (options.gradescope && one) written.push(write(options.gradescope, gradescopeResults(one)));
  if (grades.length + notGraded.length > 1) {
    const scored = grades.map((grade) => `${grade.student} ${grade.scores.ack}/${grade.max.ack}+${grade.scores.chat}`);
    const unscored = notGraded.map(({ student }) => `${student} not graded`);
    process.stdout.write(`${grades.length + notGraded.length} ${options.class ? 'students' : 'targets'}: ${[...scored, ...unscored].join(', ')}\n`);
  }
  process.stdout.write(`Reports: ${written.map(shownPath).join(', ')}\n`);
  return code;
}

// Workers run the worker's own entry in dist/ (grader/worker.ts chooses which), or this same file where
// there is none beside it (the Gradescope bundle).
const besideMe = join(dirname(fileURLToPath(import.meta.url)), 'worker-main.js');
if (!existsSync(besideMe)) process.env[ENTRY_ENV] ??= fileURLToPath(import.meta.url);
const argv = process.argv.slice(2);
// Workers lead their own process groups, so the terminal's Ctrl-C reaches only this process: pass it on.
const worker = argv[0] === WORKER_FLAG;
for (const signal of worker ? [] : (['SIGINT', 'SIGTERM'] as const)) {
  process.once(signal, () => void stopWorkers().then(() => process.exit(130)));
}
const run = worker ? serveJobs().then(() => GRADE_EXIT.fullMarks) : main(argv);

run.then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(error.message ? `grade: ${error.message}\n${USAGE}\n` : `${USAGE}\n`);
      process.exitCode = error.message ? GRADE_EXIT.usage : 0;
    } else if (error instanceof DescriptionError || error instanceof RubricError) {
      process.stderr.write(`grade: ${error.message.split('\n')[0]}\n`);
      process.exitCode = GRADE_EXIT.usage;
    } else if (error instanceof HarnessError) {
      process.stderr.write(`grade: harness problem (not the submission's fault): ${error.message.split('\n')[0]}\n`);
      process.exitCode = GRADE_EXIT.harness;
    } else {
      process.stderr.write(`grade: internal error: ${(error as Error).message.split('\n')[0]}; please report it with the command you ran\n`);
      process.exitCode = GRADE_EXIT.harness;
    }
  },
);
