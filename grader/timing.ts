/**
 * The grader's bounds, scaled to the machine. Where a verdict must rest on a
 * wait (a server that never reads, a reply that never comes), the wait is not
 * a fixed number of seconds: before grading, the grader times how long the
 * target's own interpreter takes to start here and now, and multiplies every
 * bound by how much slower than a quiet machine that is. A busy laptop or a
 * shared container waits longer; it does not take points.
 */
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { resolveShim } from '../harness/commands.js';
import { countFinished, withoutSlowStart } from '../harness/process.js';
import { isPython, type Target } from './target.js';

/** The waits a scenario may end on, in milliseconds. */
export interface Bounds {
  /** For a server to read a greeting before the next client is let in anyway. */
  readonly read: number;
  /** For a reply or an exit, once everything it waits for has happened. */
  readonly reply: number;
  /** For a chat line to be relayed. */
  readonly relay: number;
  /** For a prompt before a stdin line is typed anyway (some programs read without one). */
  readonly prompt: number;
  /** For a server to be ready. */
  readonly ready: number;
  /** For a whole scenario, which only catches a harness that hangs. */
  readonly scenario: number;
}

/** The bounds on a quiet machine (scale 1). */
export const QUIET_BOUNDS: Bounds = { read: 2000, reply: 5000, relay: 5000, prompt: 2000, ready: 10_000, scenario: 40_000 };

/**
 * How long an interpreter may take to start on a quiet machine: the probes
 * take 40 to 100 ms here (Python, or Node), so a start within this changes
 * nothing, and a slower one scales every bound.
 */
export const QUIET_START_MS = 300;

/** The most the bounds are stretched: a machine 8 times slower than quiet still finishes a class. */
export const MAX_SCALE = 8;

/**
 * How many times the probe runs at most; the median counts, so one slow start
 * is not taken for a slow machine. Two quiet starts already make the median
 * quiet, and the third is not run (see {@link probesSettle}).
 */
const PROBES = 3;

/**
 * Whether the probe times so far decide the calibration: once more than half
 * of {@link PROBES} are within {@link QUIET_START_MS}, the median is too, and
 * the scale is 1 whatever the rest would take. Every probe is a start of the
 * interpreter (a Python start is 60 ms of CPU here), and a class grade
 * calibrates once per interpreter and again before every confirming run.
 *
 * @example
 * probesSettle([120, 140]); // true: two quiet starts of three
 * probesSettle([120, 900]); // false: the third decides
 */
export function probesSettle(times: readonly number[]): boolean {
  return times.length >= PROBES || times.filter((ms) => ms <= QUIET_START_MS).length > PROBES / 2;
}

/** What the calibration measured and what it made of it. */
export interface Calibration {
  /** The command timed, e.g. `python3 -c pass`. */
  readonly probe: string;
  /** Its median start-to-exit time, in milliseconds. */
  readonly startMs: number;
  /** What every bound is multiplied by (1 to {@link MAX_SCALE}). */
  readonly scale: number;
  readonly bounds: Bounds;
}

/**
 * The factor for an interpreter start of `startMs`: 1 up to
 * {@link QUIET_START_MS}, proportional beyond, at most {@link MAX_SCALE}.
 *
 * @example
 * scaleFor(150); // 1
 * scaleFor(900); // 3
 */
export function scaleFor(startMs: number): number {
  if (!Number.isFinite(startMs) || startMs <= QUIET_START_MS) return 1;
  return Math.min(MAX_SCALE, Math.round((startMs / QUIET_START_MS) * 10) / 10);
}

/**
 * {@link QUIET_BOUNDS} times `scale`. ACK_GRADER_SCENARIO_MS, when set, is
 * the scenario limit exactly (the specs use a short one to cut a scenario off).
 */
export function boundsAt(scale: number): Bounds {
  const fixed = Number(process.env.ACK_GRADER_SCENARIO_MS);
  const scaled = Object.fromEntries(Object.entries(QUIET_BOUNDS).map(([key, ms]) => [key, Math.round(ms * scale)])) as unknown as Bounds;
  return fixed > 0 ? { ...scaled, scenario: fixed } : scaled;
}

/**
 * The no-op that times the target's interpreter: Python's or Node's own, and
 * for anything else Node (the grader's own), as a measure of the machine.
 * A pyenv shim is timed as the interpreter it resolves to, which is what the
 * grader starts (grader/interpreters.ts): the shim's own scripts are not the
 * machine's speed.
 */
export function probeFor(target: Target): string[] {
  const interpreter = target.server.argv[0] ?? '';
  return isPython(interpreter) ? [resolveShim(interpreter, target.cwd, target.env), '-c', 'pass'] : [process.execPath, '-e', '0'];
}

/** Runs a probe once for a target and resolves with how long it took, in ms (NaN where it cannot run). */
export type TimeProbe = (argv: readonly string[], target: Target) => Promise<number>;

/** Runs `argv` once in the target's environment and resolves with how long it took, in ms. */
const timeOnce: TimeProbe = (argv, target) => {
  const [command, ...args] = argv;
  const started = performance.now();
  return new Promise((resolve) => {
    // Not in the submission's folder: the probe runs outside the sandbox, so nothing of the student's may load;
    // in the environment the programs get (harness/process.ts childEnv), so it times the start they have.
    const child = spawn(command ?? 'true', args, { cwd: tmpdir(), env: withoutSlowStart({ ...process.env, ...target.env }), stdio: 'ignore' });
    child.once('error', () => resolve(Number.NaN));
    child.once('close', () => {
      const ms = performance.now() - started;
      countFinished(child.pid);
      resolve(ms);
    });
  });
};

/** Recent calibrations by probe (command and the environment it starts in), with when they were taken. */
const recent = new Map<string, { readonly at: number; readonly calibration: Calibration }>();

/**
 * The variables an interpreter's start can depend on: Python's own
 * (`PYTHONPATH`, `PYTHONHOME`...), pyenv's, Node's, the dynamic loader's, and
 * `PATH` and `HOME` (Python's user site-packages). A target's other variables
 * (a fixture's mode, a lock file, a tag) leave the start as it was, so they do
 * not make another calibration.
 */
const STARTUP_VARIABLE = /^(?:PYTHON|PYENV|NODE_|LD_)|^(?:PATH|HOME)$/;

/** The key of a calibration: the probe, and the part of the target's environment its start can depend on. */
function calibrationKey(probe: readonly string[], env: Readonly<Record<string, string>> | undefined): string {
  const startup = Object.entries(env ?? {}).filter(([name]) => STARTUP_VARIABLE.test(name));
  return JSON.stringify([probe, startup.sort(([a], [b]) => (a < b ? -1 : 1))]);
}

/** How long a calibration stands for the next target with the same interpreter: a class of 40 is not measured 40 times. */
export const CALIBRATION_MAX_AGE_MS = 60_000;

/**
 * Times the target's interpreter up to {@link PROBES} times, one after
 * another (`time` runs one probe), and scales the bounds by the median; two
 * quiet starts settle it ({@link probesSettle}). A calibration of the same probe
 * in the same startup environment ({@link STARTUP_VARIABLE}) younger than
 * `maxAgeMs` is reused, and one being measured when another grade asks is
 * shared (0 always measures). A probe that cannot
 * run leaves the bounds at scale 1 (the programs' own check reports a missing
 * interpreter).
 *
 * @example
 * const { scale, bounds } = await calibrate(loadTarget('fixtures/python/target.json'));
 */
export async function calibrate(target: Target, maxAgeMs = CALIBRATION_MAX_AGE_MS, time: TimeProbe = timeOnce): Promise<Calibration> {
  const probe = probeFor(target);
  const key = calibrationKey(probe, target.env); // not the folder: the probe measures the machine
  // Only real probes are remembered: times another runner gives (a spec's fixed ones) stay with its call.
  const remembered = time === timeOnce;
  const known = remembered ? recent.get(key) : undefined;
  if (known !== undefined && performance.now() - known.at < maxAgeMs) return withScenarioLimitNow(known.calibration);
  // Grades that start together (a class graded side by side) share the one being measured; maxAgeMs 0 measures anew.
  const pending = remembered && maxAgeMs > 0 ? measuring.get(key) : undefined;
  if (pending !== undefined) return withScenarioLimitNow(await pending);
  const measured = measure(probe, target, time);
  if (!remembered) return measured;
  measuring.set(key, measured);
  try {
    const calibration = await measured;
    recent.set(key, { at: performance.now(), calibration });
    return calibration;
  } finally {
    if (measuring.get(key) === measured) measuring.delete(key);
  }
}

/** Calibrations being measured now, by key ({@link calibrationKey}). */
const measuring = new Map<string, Promise<Calibration>>();

/** Runs the probe until its times settle ({@link probesSettle}) and scales the bounds by their median. */
async function measure(probe: readonly string[], target: Target, time: TimeProbe): Promise<Calibration> {
  const times: number[] = [];
  do times.push(await time(probe, target));
  while (!probesSettle(times));
  // The median; of two quiet starts, the slower (the median of three is at most that).
  const sorted = times.filter(Number.isFinite).sort((a, b) => a - b);
  const startMs = sorted.length === 0 ? Number.NaN : Math.round(sorted[Math.floor(sorted.length / 2)]!);
  const scale = scaleFor(startMs);
  // Shown as the target names it (python3, not the path pyenv resolved it to), or `node`.
  const shown = [probe[0] === process.execPath ? 'node' : (target.server.argv[0] ?? ''), ...probe.slice(1)].join(' ');
  return { probe: shown, startMs, scale, bounds: boundsAt(scale) };
}

/**
 * A remembered calibration with the scenario limit ACK_GRADER_SCENARIO_MS sets
 * now ({@link boundsAt}): a spec that sets it after an earlier grade measured
 * the machine still cuts its scenario off. The same object when nothing changed.
 */
function withScenarioLimitNow(calibration: Calibration): Calibration {
  const bounds = boundsAt(calibration.scale);
  return bounds.scenario === calibration.bounds.scenario ? calibration : { ...calibration, bounds };
}

/**
 * The slower of two calibrations: a confirming run takes the bounds of
 * whichever measured the busier machine.
 */
export function slower(one: Calibration, two: Calibration): Calibration {
  return two.scale > one.scale ? two : one;
}

/** One line for the report, e.g. `python3 -c pass took 140 ms here (quiet is up to 300 ms): waits ×1`. */
export function describeCalibration(calibration: Calibration): string {
  const took = Number.isFinite(calibration.startMs) ? `took ${calibration.startMs} ms here` : 'could not run here';
  return `${calibration.probe} ${took} (quiet is up to ${QUIET_START_MS} ms): waits ×${calibration.scale}`;
}
