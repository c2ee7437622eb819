/**
 * Grades one target: checks its interpreters exist, runs every scenario in a
 * fresh scene under its own time limit, and collects a verdict per rubric
 * item. A hang costs the items of that scenario, never the run.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { Peer } from '../spec/harness/peer.js';
import { Child, formatExit } from '../spec/harness/process.js';
import { Scene } from '../spec/harness/scene.js';
import { chatTarget, HarnessError, isPython, type Target } from '../spec/harness/target.js';
import { ITEMS, PART_POINTS, type Item, type Part } from './rubric.js';
import type { Scenario } from './scenario.js';
import { ACK_PROGRAM_SCENARIOS, ACK_SCENARIOS } from './scenarios-ack.js';
import { CHAT_PROGRAM_SCENARIOS, CHAT_SCENARIOS } from './scenarios-chat.js';
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
}

/** Options for {@link gradeTarget}. */
export interface GradeOptions {
  /** Told of progress and waits, one line at a time. */
  readonly onNote?: (line: string) => void;
  /** Only these item ids (for tests); default all. */
  readonly only?: readonly string[];
}

/** The order scenarios run in: everything that leaves no TIME_WAIT on a fixed port first. */
const PLAN: ReadonlyArray<{ part: Part; scenario: Scenario }> = [
  ...ACK_SCENARIOS.map((scenario) => ({ part: 'ack' as const, scenario })),
  ...CHAT_SCENARIOS.map((scenario) => ({ part: 'chat' as const, scenario })),
  ...ACK_PROGRAM_SCENARIOS.map((scenario) => ({ part: 'ack' as const, scenario })),
  ...CHAT_PROGRAM_SCENARIOS.map((scenario) => ({ part: 'chat' as const, scenario })),
];

/** Finds `command` the way spawn will: a path relative to `cwd`, or a name on PATH. */
function findCommand(command: string, cwd: string): string | undefined {
  const candidates = command.includes('/')
    ? [isAbsolute(command) ? command : resolve(cwd, command)]
    : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, command));
  return candidates.find((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Checks that every program's command can run here; returns one line per
 * problem (empty when all is well). Python interpreters are asked their
 * version, since a pyenv shim exists even where its version does not.
 */
export function preflight(target: Target): string[] {
  const programs: Array<[string, readonly string[]]> = [
    ['server', target.server.argv],
    ['clients.X', target.clients.X.argv],
    ['clients.Y', target.clients.Y.argv],
  ];
  if (target.chat && target.parts.chat) {
    programs.push(['chat.server', target.chat.server.argv], ['chat.clients.X', target.chat.clients.X.argv], ['chat.clients.Y', target.chat.clients.Y.argv]);
  }
  const problems = new Map<string, string>();
  for (const [field, argv] of programs) {
    const command = argv[0] ?? '';
    if (command === 'node' || problems.has(command)) continue;
    const found = findCommand(command, target.cwd);
    if (!found) {
      problems.set(command, `${command} (named by ${field}.argv) is not installed here; install it or change ${field}.argv in ${target.file}`);
      continue;
    }
    if (isPython(command)) {
      const check = spawnSync(found, ['--version'], { env: { ...process.env, ...target.env }, encoding: 'utf8', timeout: 10_000 });
      if (check.status !== 0) {
        const said = `${check.stderr ?? ''}${check.stdout ?? ''}`.trim().split('\n')[0] || `exit ${check.status}`;
        problems.set(command, `${command} (named by ${field}.argv) cannot run here (${said}); install it or change ${field}.argv in ${target.file}`);
      }
    }
  }
  return [...problems.values()];
}

/** Runs one scenario in its own scene and returns verdicts for its items, whatever happens. */
async function runScenario(scenario: Scenario, target: Target, options: GradeOptions, harnessProblems: string[]): Promise<Record<string, Verdict>> {
  const scene = new Scene();
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    // guard: a scenario whose own bounded waits somehow hang
    timer = setTimeout(() => reject(new Error(`the scenario did not finish within ${SCENARIO_MS / 1000} s`)), SCENARIO_MS);
  });
  try {
    const serverOptions = { onWait: (line: string) => options.onNote?.(line) };
    return { ...(await Promise.race([scenario.run({ scene, target, serverOptions }), limit])) };
  } catch (error) {
    const message = (error as Error).message;
    const first = message.split('\n')[0] ?? message;
    if (error instanceof HarnessError) harnessProblems.push(first);
    const died = scene
      .resources()
      .filter((resource): resource is Child => resource instanceof Child && resource.exit !== undefined && resource.label.includes('server'))
      .map((child) => `; ${child.label} had exited (${formatExit(child.exit)})`)
      .join('');
    const detail = error instanceof HarnessError ? `harness problem: ${first}` : `${first}${died}`;
    const verdict = fail(detail, { actual: [{ source: 'everything the programs printed', text: scene.transcript() }] });
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
  const verdicts = new Map<string, { verdict: Verdict; seconds: number }>();
  const missing = preflight(target);
  const wanted = (id: string): boolean => options.only === undefined || options.only.includes(id);
  for (const { part, scenario } of PLAN) {
    if (!scenario.items.some(wanted)) continue;
    const claimed = target.parts[part];
    if (missing.length > 0 || !claimed) {
      const detail = missing.length > 0 ? missing[0]! : `not attempted: the target does not claim the ${part === 'chat' ? 'chat' : 'acknowledgment exchange'}`;
      for (const id of scenario.items.filter(wanted)) verdicts.set(id, { verdict: fail(detail), seconds: 0 });
      continue;
    }
    options.onNote?.(`running ${scenario.id} (${scenario.items.join(', ')})`);
    const scenarioStarted = performance.now();
    const partTarget = part === 'chat' ? chatTarget(target) : target;
    const results = await runScenario(scenario, partTarget, options, harnessProblems);
    const seconds = (performance.now() - scenarioStarted) / 1000;
    for (const id of scenario.items.filter(wanted)) {
      verdicts.set(id, { verdict: results[id] ?? fail('the scenario gave no verdict for this item (a grader bug)'), seconds });
    }
  }
  const items: ItemResult[] = ITEMS.filter((item) => verdicts.has(item.id)).map((item) => {
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
    harnessProblems: [...new Set([...missing, ...harnessProblems])],
  };
}

/** The most each part can score. */
export { PART_POINTS };
