/**
 * The figures the suite prints at its end: its ten slowest files with their
 * times and the child processes each started, and how its wall time compares
 * with its spawn floor (the time the processes it started would take to start
 * if nothing else happened: the median cold start of the reference program
 * here, timed before the specs and again after them, times the processes,
 * over the cores). A suite near its floor spends
 * its time starting programs; one far above it waits or repeats itself.
 */
import { spawnSync } from 'node:child_process';
import { relative } from 'node:path';
import { countFinished, withoutSlowStart } from '../../harness/process.js';

/**
 * One line of the suite's pid log: `pid starttime specfile` (older lines have
 * no file; `-` for a pid inside a namespace; `- ended` for a process counted
 * once it had run to its end, harness/process.ts countFinished).
 */
export interface LoggedPid {
  /** Undefined for a process started inside a PID namespace, or counted once it had exited: counted, not checked. */
  readonly pid: number | undefined;
  readonly started: string | undefined;
  /** Present (true) for a process counted once it had run to its end: a probe, a check, a one-off command. */
  readonly ended?: true;
  /** The spec file (relative to the repository) whose test started it, or undefined outside any. */
  readonly file: string | undefined;
}

/**
 * Parses the pid log written by harness/process.ts recordPid.
 *
 * @example
 * parsePidLog('123 456 spec/chat.test.ts\n'); // [{ pid: 123, started: '456', file: 'spec/chat.test.ts' }]
 */
export function parsePidLog(text: string): LoggedPid[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [pid, started, ...rest] = line.split(' ');
      const file = rest.length > 0 ? rest.join(' ') : undefined;
      return {
        pid: pid === '-' ? undefined : Number(pid),
        started: started === undefined || started === '-' || started === 'ended' ? undefined : started,
        file: file === undefined || file === '-' ? undefined : file,
        ...(started === 'ended' ? { ended: true as const } : {}),
      };
    });
}

/** A spec file's time and the processes it started. */
export interface FileFigure {
  readonly file: string;
  readonly seconds: number;
  readonly processes: number;
}

/**
 * The `count` slowest files, each with the processes logged for it, slowest first.
 *
 * @example
 * slowestFiles([{ file: 'spec/a.test.ts', seconds: 3 }], parsePidLog('1 2 spec/a.test.ts\n'), 10);
 * // [{ file: 'spec/a.test.ts', seconds: 3, processes: 1 }]
 */
export function slowestFiles(files: ReadonlyArray<{ file: string; seconds: number }>, pids: readonly LoggedPid[], count: number): FileFigure[] {
  const perFile = new Map<string, number>();
  for (const { file } of pids) if (file !== undefined) perFile.set(file, (perFile.get(file) ?? 0) + 1);
  return [...files]
    .sort((a, b) => b.seconds - a.seconds || a.file.localeCompare(b.file))
    .slice(0, count)
    .map(({ file, seconds }) => ({ file, seconds, processes: perFile.get(file) ?? 0 }));
}

/** The medians, in milliseconds, of the cold starts timed before the specs and after them. */
export interface ColdStartEnds {
  readonly before: number;
  readonly after: number;
}

/** What the wall time is made of, as far as starting processes goes. */
export interface SpawnFloor {
  readonly processes: number;
  /** How many of {@link processes} were run to their end and waited for (probes, checks), where known. */
  readonly ended?: number;
  /** The median cold start of the reference program, in milliseconds. */
  readonly coldStartMs: number;
  /** Where the cold start was timed at both ends of the run: each end's median, shown beside the overall one. */
  readonly ends?: ColdStartEnds;
  readonly cores: number;
  /** processes × cold start ÷ cores, in seconds. */
  readonly floorSeconds: number;
  readonly wallSeconds: number;
  /** wall ÷ floor. */
  readonly ratio: number;
}

/**
 * The spawn floor of a run and its wall time's ratio to it.
 *
 * @example
 * spawnFloor({ processes: 1000, coldStartMs: 100, cores: 2, wallSeconds: 100 }); // floorSeconds 50, ratio 2
 */
export function spawnFloor(run: { processes: number; ended?: number; coldStartMs: number; ends?: ColdStartEnds; cores: number; wallSeconds: number }): SpawnFloor {
  const floorSeconds = (run.processes * run.coldStartMs) / 1000 / Math.max(1, run.cores);
  return { ...run, floorSeconds, ratio: floorSeconds > 0 ? run.wallSeconds / floorSeconds : Number.POSITIVE_INFINITY };
}

/**
 * The closing lines: the slowest files as a table, then the floor.
 *
 * @example
 * console.log(formatFigures(slowest, floor).join('\n'));
 */
export function formatFigures(slowest: readonly FileFigure[], floor: SpawnFloor): string[] {
  const width = Math.max(0, ...slowest.map(({ file }) => file.length));
  const rows = slowest.map(({ file, seconds, processes }) => `  ${file.padEnd(width)}  ${seconds.toFixed(1).padStart(6)} s  ${String(processes).padStart(5)} processes`);
  const ratio = Number.isFinite(floor.ratio) ? `is ${floor.ratio.toFixed(2)}× the floor` : 'and no floor to compare (no process started)';
  const ends = floor.ends === undefined ? '' : ` (the median of starts before the specs, ${floor.ends.before.toFixed(0)} ms, and after them, ${floor.ends.after.toFixed(0)} ms)`;
  const ended = floor.ended === undefined ? '' : ` (${floor.ended} of them run to their end: probes, checks, one-off commands)`;
  return [
    `Slowest ${slowest.length} spec files (time, child processes started):`,
    ...rows,
    `Spawn floor: ${floor.processes} processes${ended} × ${floor.coldStartMs.toFixed(0)} ms cold start${ends} ÷ ${floor.cores} cores = ${floor.floorSeconds.toFixed(1)} s; ` +
      `wall time ${floor.wallSeconds.toFixed(1)} s ${ratio}`,
  ];
}

/**
 * The times, in milliseconds, of `runs` starts of `argv` one after another
 * (each to its exit), leaving out any that failed: none if it cannot run.
 *
 * @example
 * coldStarts(['node', 'dist/impl/server.js', '--help'], 5, process.cwd()); // [61, 58, 60, 63, 59] here
 */
export function coldStarts(argv: readonly string[], runs: number, cwd: string): number[] {
  const [command, ...args] = argv;
  const times: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const started = performance.now();
    // Without coverage: the figure is the program's start, not V8's coverage writer; and without what the suite
    // leaves out of every program's environment (childEnv), so it is the start the suite's programs have.
    const result = spawnSync(command ?? 'true', args, { cwd, stdio: 'ignore', env: withoutSlowStart({ ...process.env, NODE_V8_COVERAGE: '' }) });
    countFinished(result.pid); // in a spec; the global setup's own timing starts are outside the count (its log is read first)
    if (result.error === undefined && result.status === 0) times.push(performance.now() - started);
  }
  return times;
}

/**
 * The median of `times` (of an even count, the mean of the middle two); NaN for none.
 *
 * @example
 * median([60, 90, 70]); // 70
 * median([60, 90, 70, 80]); // 75
 */
export function median(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** A spec file's path as the figures show it: relative to the repository. */
export const shownSpecPath = (root: string, path: string): string => relative(root, path);
