/**
 * Grades one target (already checked by checkPrograms): runs every scenario in a
 * fresh scene under its own time limit, and collects a verdict per rubric
 * item. A hang costs the items of that scenario, never the run.
 */
import { Peer } from '../harness/peer.js';
import { Child, formatExit } from '../harness/process.js';
import { Scene } from '../harness/scene.js';
import { chatTarget, type Target } from './target.js';
import { HarnessError } from '../harness/errors.js';
import { DEFAULT_RUBRIC, PART_POINTS, type Item, type ItemId, type Part, type Rubric } from './rubric.js';
import type { Scenario, Verdicts } from './scenario.js';
import { declaredDialect, describeDialect, type Dialect } from './dialect.js';
import { ACK_PROGRAM_SCENARIOS, ACK_SCENARIOS, LEARNING_SCENARIOS } from './scenarios-ack.js';
import { CHAT_PROGRAM_SCENARIOS, CHAT_SCENARIOS } from './scenarios-chat.js';
import { crashHint } from './evidence.js';
import { fail, type Verdict } from './verdict.js';

/** Each scenario's own limit; its waits are shorter, so this only catches a harness that hangs. */
export const SCENARIO_MS = 40_000;

/** An item and how it went. */
export interface ItemResult extends Item {
  readonly score: number;
  readonly verdict: Verdict;
  readonly seconds: number;
}

/** A target's grade. */
export interface TargetGrade {
  readonly name: string;
  readonly file: string;
  readonly items: readonly ItemResult[];
  readonly scores: Readonly<Record<Part, number>>;
  readonly seconds: number;
  /** Problems of the grader or the machine, not of the submission: the grade is not trustworthy. */
  readonly harnessProblems: readonly string[];
  /** The dialect the grader spoke, and where each part of it came from, in one line. */
  readonly dialect: string;
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
}

/**
 * The order scenarios run in: the one that learns the dialect from the
 * target's own clients first (it always runs, even when none of its items is
 * asked for), then everything that leaves no TIME_WAIT on a fixed port.
 */
const PLAN: ReadonlyArray<{ part: Part; scenario: Scenario }> = [
  ...LEARNING_SCENARIOS.map((scenario) => ({ part: 'ack' as const, scenario })),
  ...ACK_SCENARIOS.map((scenario) => ({ part: 'ack' as const, scenario })),
  ...CHAT_SCENARIOS.map((scenario) => ({ part: 'chat' as const, scenario })),
  ...ACK_PROGRAM_SCENARIOS.map((scenario) => ({ part: 'ack' as const, scenario })),
  ...CHAT_PROGRAM_SCENARIOS.map((scenario) => ({ part: 'chat' as const, scenario })),
];

/** Runs one scenario in its own scene and returns verdicts for its items, whatever happens. */
async function runScenario(
  scenario: Scenario,
  target: Target,
  dialect: { current: Dialect },
  options: GradeOptions,
  harnessProblems: string[],
): Promise<Verdicts> {
  const scene = new Scene();
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    // guard: a scenario whose own bounded waits somehow hang
    timer = setTimeout(() => reject(new Error(`the scenario did not finish within ${SCENARIO_MS / 1000} s`)), SCENARIO_MS);
  });
  try {
    const serverOptions = { onWait: (line: string) => options.onNote?.(line) };
    const learn = (learned: Dialect): void => {
      dialect.current = learned;
    };
    return { ...(await Promise.race([scenario.run({ scene, target, serverOptions, dialect: dialect.current, learn }), limit])) };
  } catch (error) {
    const message = (error as Error).message;
    const first = (message.split('\n')[0] ?? message).replace(/\.$/, '');
    if (error instanceof HarnessError) harnessProblems.push(first);
    const children = scene.resources().filter((resource): resource is Child => resource instanceof Child);
    // A server that exited is worth saying, unless the message already says so.
    const died = children
      .filter((child) => child.exit !== undefined && child.label.includes('server') && !first.startsWith(`${child.label} exited`))
      .map((child) => `; ${child.label} had exited (${formatExit(child.exit)})`)
      .join('');
    const detail = error instanceof HarnessError ? `harness problem: ${first}` : `${first}${died}`;
    const verdict = fail(detail, { actual: [{ source: 'everything the programs printed', text: scene.transcript() }], hint: crashHint(children) });
    return Object.fromEntries(scenario.items.map((id) => [id, verdict]));
  } finally {
    clearTimeout(timer);
    // A reset, not a close: a closed connection would hold a fixed port in TIME_WAIT for 60 s.
    for (const resource of scene.resources()) if (resource instanceof Peer) resource.reset();
    await scene.dispose().catch(() => undefined);
  }
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
  const dialect = { current: declaredDialect(target) };
  for (const { part, scenario } of PLAN) {
    const learning = LEARNING_SCENARIOS.includes(scenario);
    if (!scenario.items.some(wanted) && !learning) continue;
    if (!target.parts[part]) {
      const detail = `not attempted: the target does not claim the ${part === 'chat' ? 'chat' : 'acknowledgment exchange'}`;
      for (const id of scenario.items.filter(wanted)) verdicts.set(id, { verdict: fail(detail), seconds: 0 });
      continue;
    }
    options.onNote?.(`running ${scenario.id} (${scenario.items.join(', ')})`);
    const scenarioStarted = performance.now();
    const partTarget = part === 'chat' ? chatTarget(target) : target;
    const results = await runScenario(scenario, partTarget, dialect, options, harnessProblems);
    const seconds = (performance.now() - scenarioStarted) / 1000;
    for (const id of scenario.items.filter(wanted)) {
      verdicts.set(id, { verdict: results[id] ?? fail('the scenario gave no verdict for this item (a grader bug)'), seconds });
    }
  }
  const items: ItemResult[] = rubric.items.filter((item) => verdicts.has(item.id)).map((item) => {
    const { verdict, seconds } = verdicts.get(item.id)!;
    return { ...item, verdict, seconds, score: verdict.passed ? item.points : 0 };
  });
  const scoreOf = (part: Part): number => items.filter((item) => item.part === part).reduce((sum, item) => sum + item.score, 0);
  return {
    name: target.name,
    file: target.file,
    items,
    scores: { ack: scoreOf('ack'), chat: scoreOf('chat') },
    seconds: (performance.now() - started) / 1000,
    harnessProblems: [...new Set(harnessProblems)],
    dialect: describeDialect(dialect.current),
    max: rubric.max,
    stdoutVisibility: rubric.stdoutVisibility,
  };
}

/** The most each part can score. */
export { PART_POINTS };
