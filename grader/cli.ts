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
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { detectIsolation } from '../harness/isolation.js';
import { checkPrograms, DescriptionError, loadTarget, targetFromJson, type Target } from './target.js';
import { describeSubmission } from './describe.js';
import { classTargets, loadTemplate, type StudentProblem } from './class.js';
import { parseGradeArgs, UsageError, USAGE, type GradeOptions } from './cli-args.js';
import { HarnessError } from '../harness/errors.js';
import { gradebookCsv, gradeJson, gradeMarkdown, gradescopeResults, junitXml, rubricText, shownPath } from './report.js';
import { RubricError } from './rubric.js';
import { gradeTarget, portKey, type TargetGrade } from './run.js';
import { ENTRY_ENV, serveJobs, stopWorkers, WORKER_FLAG } from './worker.js';
import { mapPool } from './pool.js';
import { progressLine, type Progress } from './progress.js';

/** Exit codes, as documented in docs/GRADING.md. */
export const GRADE_EXIT = { fullMarks: 0, pointsLost: 1, usage: 2, harness: 3 } as const;

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
function planTargets(options: GradeOptions): { targets: Target[]; notGraded: StudentProblem[] } {
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
  const options = parseGradeArgs(argv);
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
