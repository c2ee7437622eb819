/**
 * One scenario run as a job: what it needs (the target's programs for the
 * part, the dialect so far) and what comes back (verdicts, what it learned of
 * the dialect, harness problems, notes), all plain data. The runner runs a job
 * in-process; grader/worker.ts runs the same job in a worker process inside a
 * fresh network namespace, and hands back the same result.
 */
import { HarnessError } from '../harness/errors.js';
import { Peer } from '../harness/peer.js';
import { Child, formatExit } from '../harness/process.js';
import { Scene } from '../harness/scene.js';
import type { Dialect } from './dialect.js';
import { limitHint } from './confine.js';
import { crashHint } from './evidence.js';
import type { ItemId, Part } from './rubric.js';
import type { Scenario, Verdicts } from './scenario.js';
import { ACK_PROGRAM_SCENARIOS, ACK_SCENARIOS, LEARNING_SCENARIOS } from './scenarios-ack.js';
import { CHAT_PROGRAM_SCENARIOS, CHAT_SCENARIOS } from './scenarios-chat.js';
import type { Target } from './target.js';
import type { Bounds } from './timing.js';
import { fail } from './verdict.js';

/**
 * The order scenarios run in: the one that learns the dialect from the
 * target's own clients first (it runs even when none of its items is asked
 * for, unless the target declares all it could learn), then everything that
 * leaves no TIME_WAIT on a fixed port.
 */
export const PLAN: ReadonlyArray<{ readonly part: Part; readonly scenario: Scenario; readonly learns: boolean }> = [
  ...LEARNING_SCENARIOS.map((scenario) => ({ part: 'ack' as const, scenario, learns: true })),
  ...ACK_SCENARIOS.map((scenario) => ({ part: 'ack' as const, scenario, learns: false })),
  ...CHAT_SCENARIOS.map((scenario) => ({ part: 'chat' as const, scenario, learns: false })),
  ...ACK_PROGRAM_SCENARIOS.map((scenario) => ({ part: 'ack' as const, scenario, learns: false })),
  ...CHAT_PROGRAM_SCENARIOS.map((scenario) => ({ part: 'chat' as const, scenario, learns: false })),
];

/** A scenario to run: which, against which programs, speaking which dialect. */
export interface ScenarioJob {
  /** The scenario's id (one of {@link PLAN}'s). */
  readonly scenario: string;
  /** The target with the part's programs in place (chatTarget for the chat). */
  readonly target: Target;
  readonly dialect: Dialect;
  /** The waits, scaled to the machine; `scenario` is the job's own limit (it only catches a harness that hangs). */
  readonly bounds: Bounds;
  /** Whether it runs in a network namespace private to the grade (grader/worker.ts in a sandbox), not the machine's. */
  readonly privateNetwork: boolean;
}

/** What a job gives back. */
export interface JobResult {
  readonly verdicts: Verdicts;
  /** The dialect after the scenario: what it learned, or the one it was given. */
  readonly dialect: Dialect;
  readonly harnessProblems: readonly string[];
  /** Lines for the grader's user (waits for a fixed port, say). */
  readonly notes: readonly string[];
}

/** The scenario with this id. */
export function scenarioById(id: string): Scenario {
  const found = PLAN.find((step) => step.scenario.id === id)?.scenario;
  if (!found) throw new Error(`no scenario ${id} (a grader bug)`);
  return found;
}

/** The same verdict for every item of `items`: how a scenario that could not finish is reported. */
export function verdictsForAll(items: readonly ItemId[], detail: string, transcript: string, hint?: string): Verdicts {
  const verdict = fail(detail, { actual: [{ source: 'everything the programs printed', text: transcript, shown: true }], hint });
  return Object.fromEntries(items.map((id) => [id, verdict]));
}

/** The programs a scene started. */
const programsIn = (scene: Scene): Child[] => scene.resources().filter((resource): resource is Child => resource instanceof Child);

/** Each lost item's hint replaced by the limit a program hit, if one did: inside the sandbox, that is the cause to fix first. */
function withLimitHint(verdicts: Verdicts, children: readonly Child[]): Verdicts {
  const hint = limitHint(children);
  if (hint === undefined) return verdicts;
  return Object.fromEntries(Object.entries(verdicts).map(([id, verdict]) => [id, verdict.passed ? verdict : { ...verdict, hint }]));
}

/** How long stopping a scenario's programs may take before {@link runJob} reports which are left: SIGKILL comes after 3 s. */
const STOPPING_REPORT_MS = 10_000;

/**
 * Runs `job` in this process, in a fresh scene under its `bounds.scenario`,
 * and returns a result whatever happens: a hang or a crash of the target
 * costs the scenario's items, a {@link HarnessError} is reported as such.
 *
 * `report` hears where the job is (the worker writes it on stderr, which its
 * parent quotes if the worker never answers): when the scenario is over, and,
 * if stopping its programs takes more than {@link STOPPING_REPORT_MS}, which
 * of them are still running.
 *
 * @example
 * const { verdicts } = await runJob({ scenario: 'x-first', target, dialect: declaredDialect(target), bounds: QUIET_BOUNDS, privateNetwork: false });
 */
export async function runJob(job: ScenarioJob, report: (line: string) => void = () => {}): Promise<JobResult> {
  const scenario = scenarioById(job.scenario);
  // Without coverage: a graded program is the grader's subject, even when it is the reference (harness/scene.ts).
  const scene = new Scene({ coverage: false });
  const notes: string[] = [];
  let dialect = job.dialect;
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    // guard: a scenario whose own bounded waits somehow hang
    timer = setTimeout(() => reject(new Error(`the scenario did not finish within ${job.bounds.scenario / 1000} s`)), job.bounds.scenario);
  });
  try {
    const context = {
      scene,
      target: job.target,
      serverOptions: { onWait: (line: string) => notes.push(line), readyMs: job.bounds.ready, promptMs: job.bounds.prompt },
      dialect,
      bounds: job.bounds,
      privateNetwork: job.privateNetwork,
      learn: (learned: Dialect): void => {
        dialect = learned;
      },
    };
    const verdicts = await Promise.race([scenario.run(context), limit]);
    return { verdicts: withLimitHint(verdicts, programsIn(scene)), dialect, harnessProblems: [], notes };
  } catch (error) {
    const message = (error as Error).message;
    const first = (message.split('\n')[0] ?? message).replace(/\.$/, '');
    const children = programsIn(scene);
    // A server that exited is worth saying, unless the message already says so.
    const died = children
      .filter((child) => child.exit !== undefined && child.label.includes('server') && !first.startsWith(`${child.label} exited`))
      .map((child) => `; ${child.label} had exited (${formatExit(child.exit)})`)
      .join('');
    const harness = error instanceof HarnessError;
    const verdicts = verdictsForAll(scenario.items, harness ? `harness problem: ${first}` : `${first}${died}`, scene.transcript(), limitHint(children) ?? crashHint(children));
    return { verdicts, dialect, harnessProblems: harness ? [first] : [], notes };
  } finally {
    clearTimeout(timer);
    const children = programsIn(scene);
    report(`${job.scenario}: over; stopping ${children.map((child) => `${child.label} (pid ${child.pid ?? '?'})`).join(', ') || 'no program'}`);
    // Diagnostic only: stopping is bounded by SIGKILL, so a report here names what did not go.
    const slow = setTimeout(() => {
      const running = children.filter((child) => child.exit === undefined).map((child) => `${child.label} (pid ${child.pid ?? '?'})`);
      report(`${job.scenario}: still stopping after ${STOPPING_REPORT_MS / 1000} s: ${running.join(', ') || 'every program has exited; a connection or listener is still closing'}`);
    }, STOPPING_REPORT_MS);
    slow.unref();
    // A reset, not a close: a closed connection would hold a fixed port in TIME_WAIT for 60 s.
    for (const resource of scene.resources()) if (resource instanceof Peer) resource.reset();
    await scene.dispose().catch(() => undefined);
    clearTimeout(slow);
  }
}
