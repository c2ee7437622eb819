/**
 * Grades one target (already checked by checkPrograms): runs every scenario in a
 * fresh scene under its own time limit, each in a worker inside a fresh
 * network namespace where the machine allows (grader/worker.ts), and collects
 * a verdict per rubric item. A hang costs the items of that scenario, never
 * the run; the dialect learned by the first scenario carries to the rest.
 */
import { detectIsolation, type Isolation } from '../harness/isolation.js';
import { studentOf } from './class.js';
import { declaredDialect, describeDialect, leftToLearn } from './dialect.js';
import { DEFAULT_RUBRIC, PART_POINTS, type Item, type ItemId, type Part, type Rubric } from './rubric.js';
import { PLAN, runJob, type JobResult } from './scenario-job.js';
import { chatTarget, type Target } from './target.js';
import { calibrate, describeCalibration, slower, type Calibration } from './timing.js';
import { fail, type Verdict } from './verdict.js';
import { launchable } from './interpreters.js';
import { openSandbox } from './sandbox.js';
import { openWorkerSession } from './worker.js';

/** An item and how it went. */
export interface ItemResult extends Item {
  readonly score: number;
  readonly verdict: Verdict;
  readonly seconds: number;
  /** Whether the target claims the item's part; an unclaimed part is not run, and reports show it as skipped, not failed. */
  readonly claimed: boolean;
}

/** A target's grade. */
export interface TargetGrade {
  /** Whose submission: the student folder a class template was applied to, else derived from the file (grader/class.ts). */
  readonly student: string;
  readonly name: string;
  readonly file: string;
  readonly items: readonly ItemResult[];
  readonly scores: Readonly<Record<Part, number>>;
  readonly seconds: number;
  /** Problems of the grader or the machine, not of the submission: the grade is not trustworthy. */
  readonly harnessProblems: readonly string[];
  /** The dialect the grader spoke, and where each part of it came from, in one line. */
  readonly dialect: string;
  /** How the waits were scaled to the machine (grader/timing.ts), in one line. */
  readonly calibration: string;
  /** What each part is out of, by the rubric used. */
  readonly max: Readonly<Record<Part, number>>;
  /** Gradescope's stdout_visibility, by the rubric used. */
  readonly stdoutVisibility: Rubric['stdoutVisibility'];
}

/** Options for {@link gradeTarget}. */
export interface GradeOptions {
  /** Told of progress and waits, one line at a time. */
  readonly onNote?: (line: string) => void;
  /** Only these item ids (for tests); default all. */
  readonly only?: readonly ItemId[];
  /** The items and their points (default: the assignment's rubric). */
  readonly rubric?: Rubric;
  /** Run scenarios in this process even where a fresh network namespace each is possible (--no-sandbox). */
  readonly direct?: boolean;
  /**
   * Measures the machine before grading (default: {@link calibrate}, which reuses a recent measurement of
   * the same interpreter) and again before a confirming run (`maxAgeMs` 0); the specs pass a fixed one.
   */
  readonly calibrate?: (target: Target, maxAgeMs?: number) => Promise<Calibration>;
  /**
   * Run a scenario again before charging a lost item (default true). The
   * meta-specs, which hold every verdict to one written down, turn it off:
   * a verdict that flips fails them either way, and each lost item would
   * cost its waits twice.
   */
  readonly confirm?: boolean;
}

/**
 * Combines two runs of one scenario: an item both runs agree on keeps the
 * first run's verdict; an item that passed once and failed once is marked
 * unstable, keeps its points, carries both runs' evidence, and makes the grade
 * untrustworthy (a harness problem, exit 3), since a verdict must not depend
 * on which run counted.
 *
 * @example
 * const result = confirm(firstRun, secondRun, ['server-exits']);
 */
export function confirm(first: JobResult, second: JobResult, items: readonly ItemId[]): JobResult {
  const verdicts = { ...first.verdicts };
  const unstable: string[] = [];
  for (const id of items) {
    const [one, two] = [first.verdicts[id], second.verdicts[id]];
    if (!one || !two || one.passed === two.passed) continue;
    const failed = one.passed ? two : one;
    unstable.push(id);
    verdicts[id] = {
      passed: true,
      detail: `unstable: it ${one.passed ? 'passed, then failed' : 'failed, then passed'} when run again (${failed.detail}); not charged, but check it`,
      actual: [...(one.actual ?? []).map((evidence) => ({ ...evidence, source: `run 1, ${evidence.source}` })), ...(two.actual ?? []).map((evidence) => ({ ...evidence, source: `run 2, ${evidence.source}` }))],
      ...(failed.expected ? { expected: failed.expected } : {}),
    };
  }
  const problems = unstable.length > 0 ? [`${unstable.join(', ')} gave different verdicts in two runs of the same scenario`] : [];
  return { ...first, verdicts, harnessProblems: [...first.harnessProblems, ...second.harnessProblems, ...problems], notes: [...first.notes, ...second.notes] };
}

/**
 * What a target must not share with another graded at the same time: without
 * a private network namespace each, targets on hard-coded ports could meet on
 * one (or on its TIME_WAIT), so they go one at a time; with one, nothing.
 *
 * @example
 * mapPool(targets, grade, { concurrency: 2, keyOf: (target) => portKey(target, detectIsolation()) });
 */
export function portKey(target: Target, isolation: Isolation): string | undefined {
  return isolation.kind === 'direct' && bindsFixedPort(target) ? 'fixed ports' : undefined;
}

/** Whether a server of `target` (part 1's or the chat's) binds a port of its own choosing. */
export function bindsFixedPort(target: Target): boolean {
  return [target.server, target.chat?.server].some((server) => typeof server?.port === 'number');
}

/**
 * Grades `target` against every rubric item.
 *
 * @example
 * const grade = await gradeTarget(loadTarget('fixtures/python/target.json'));
 * console.log(grade.scores.ack); // 60
 */
export async function gradeTarget(target: Target, options: GradeOptions = {}): Promise<TargetGrade> {
  const started = performance.now();
  const harnessProblems: string[] = [];
  const verdicts = new Map<ItemId, { verdict: Verdict; seconds: number }>();
  const rubric = options.rubric ?? DEFAULT_RUBRIC;
  const counted = new Set(rubric.items.map((one) => one.id));
  const wanted = (id: ItemId): boolean => counted.has(id) && (options.only === undefined || options.only.includes(id));
  let dialect = declaredDialect(target);
  const isolation = detectIsolation(options.direct);
  // The waits are scaled to how busy the machine is now; a confirming run measures again and takes the slower.
  const measure = options.calibrate ?? calibrate;
  let calibration = await measure(target);
  options.onNote?.(`calibration: ${describeCalibration(calibration)}`);
  // One sandbox for the whole target: its private copy of the folder is made once and removed after the grade.
  const sandbox = isolation.kind === 'namespace' ? openSandbox(isolation, target) : undefined;
  if (sandbox) options.onNote?.(sandbox.note);
  // The target's scenarios run one after another in one worker and one network namespace, which the worker
  // clears between them (grader/sweep.ts): what one scenario left running is ended, and no connection waits
  // in TIME_WAIT, so a hard-coded port is free for the next. Where it cannot clear it, a new worker takes over.
  const session = sandbox ? openWorkerSession(sandbox, options.onNote) : undefined;
  // Programs start through the interpreter a pyenv shim would pick, without the shim's own scripts each time.
  const launched = launchable(target);
  try {
    for (const { part, scenario, learns } of PLAN) {
      // The scenario that learns the dialect runs even when none of its items is asked for, unless nothing is left to learn.
      if (!scenario.items.some(wanted) && !(learns && leftToLearn(dialect))) continue;
      if (!target.parts[part]) {
        const detail = `not attempted: the target does not claim the ${part === 'chat' ? 'chat' : 'acknowledgment exchange'}`;
        for (const id of scenario.items.filter(wanted)) verdicts.set(id, { verdict: fail(detail), seconds: 0 });
        continue;
      }
      options.onNote?.(`running ${scenario.id} (${scenario.items.join(', ')})`);
      const scenarioStarted = performance.now();
      // The programs print as the student saw them: on a terminal, unless the description says otherwise.
      const partTarget = { ...(part === 'chat' ? chatTarget(launched) : launched), terminal: target.terminal !== false };
      const run = (): Promise<JobResult> => {
        const job = { scenario: scenario.id, target: partTarget, dialect, bounds: calibration.bounds, privateNetwork: sandbox !== undefined };
        return session ? session.run(job) : runJob(job);
      };
      const first = await run();
      // A lost item is never charged on one run: the scenario runs again, and an item that flips is reported, not decided.
      const confirming = options.confirm !== false && first.harnessProblems.length === 0 && scenario.items.filter(wanted).some((id) => first.verdicts[id]?.passed === false);
      if (confirming) calibration = slower(calibration, await measure(target, 0));
      const result = confirming ? confirm(first, await run(), scenario.items.filter(wanted)) : first;
      const seconds = (performance.now() - scenarioStarted) / 1000;
      dialect = result.dialect;
      harnessProblems.push(...result.harnessProblems);
      for (const note of result.notes) options.onNote?.(note);
      for (const id of scenario.items.filter(wanted)) {
        verdicts.set(id, { verdict: result.verdicts[id] ?? fail('the scenario gave no verdict for this item (a grader bug)'), seconds });
      }
    }
  } finally {
    await session?.close();
    sandbox?.close();
  }
  const items: ItemResult[] = rubric.items.filter((item) => verdicts.has(item.id)).map((item) => {
    const { verdict, seconds } = verdicts.get(item.id)!;
    return { ...item, verdict, seconds, score: verdict.passed ? item.points : 0, claimed: target.parts[item.part] };
  });
  const scoreOf = (part: Part): number => items.filter((item) => item.part === part).reduce((sum, item) => sum + item.score, 0);
  return {
    student: target.student ?? studentOf(target.file),
    name: target.name,
    file: target.file,
    items,
    scores: { ack: scoreOf('ack'), chat: scoreOf('chat') },
    seconds: (performance.now() - started) / 1000,
    harnessProblems: [...new Set(harnessProblems)],
    dialect: describeDialect(dialect),
    calibration: describeCalibration(calibration),
    max: rubric.max,
    stdoutVisibility: rubric.stdoutVisibility,
  };
}

/** The most each part can score. */
export { PART_POINTS };
