/**
 * A scenario: one run of the target's programs (or some of them) in a fresh
 * scene, judging one or more rubric items from what it saw.
 */
import type { Scene } from '../harness/scene.js';
import type { StartServerOptions } from './launch.js';
import type { Target } from './target.js';
import type { Dialect } from './dialect.js';
import type { ItemId } from './rubric.js';
import type { Verdict } from './verdict.js';
import type { Bounds } from './timing.js';

/** A scenario's verdicts, by item. */
export type Verdicts = Partial<Record<ItemId, Verdict>>;

/** What a scenario gets. */
export interface ScenarioContext {
  /** Owns everything the scenario starts; disposed of by the runner. */
  readonly scene: Scene;
  /** The target, with the programs of the part being graded. */
  readonly target: Target;
  /** Passed to startServer: tells the grader's user about waits for a fixed port. */
  readonly serverOptions: StartServerOptions;
  /** How the grader speaks to this target: declared, or learned by an earlier scenario. */
  readonly dialect: Dialect;
  /** The waits this scenario may end on, scaled to the machine (grader/timing.ts). */
  readonly bounds: Bounds;
  /**
   * Whether the scenario runs in a network namespace private to this grade,
   * which its worker clears between scenarios (grader/sweep.ts). Then no
   * TIME_WAIT it leaves can reach a later scenario, and the grader need not
   * wait for a client to close first.
   */
  readonly privateNetwork: boolean;
  /** Tells the runner what this scenario learned of the dialect; later scenarios get it. */
  learn(dialect: Dialect): void;
}

/** One run judging some items. */
export interface Scenario {
  readonly id: string;
  /** The rubric items it judges. */
  readonly items: readonly ItemId[];
  /** Runs and returns a verdict for each of its items. */
  run(context: ScenarioContext): Promise<Verdicts>;
}
