/**
 * Scenarios in a worker process inside a fresh network namespace
 * (harness/isolation.ts). The parent writes each {@link ScenarioJob} as a
 * JSON line on the worker's stdin; the worker (`node dist/grader/worker-main.js --worker`,
 * or the Gradescope bundle with `--worker`) runs it with grader/scenario-job.ts
 * and prints the {@link JobResult} as one JSON line. A worker runs a
 * target's jobs one after another (a session), clearing its namespace
 * between them (grader/sweep.ts). The worker leads its own process group, so the target's
 * programs go with it whatever happens; its namespace goes when its last
 * process does.
 */
import { readdirSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { NAMESPACE_PIDS_ENV } from '../harness/isolation.js';
import { kernelSockets, TCP_STATE } from '../harness/kernel.js';
import { launch, type Child } from '../harness/process.js';
import { REPO_ROOT } from '../harness/repo-root.js';
import { Scene } from '../harness/scene.js';
import type { Sandbox } from './sandbox.js';
import { scriptAvailable, SCRIPT_ENV } from './launch.js';
import { sweepNamespace, withoutTimeWait } from './sweep.js';
import { runJob, scenarioById, verdictsForAll, type JobResult, type ScenarioJob } from './scenario-job.js';

/** The flag that turns the grader's command line into a worker. */
export const WORKER_FLAG = '--worker';

/**
 * The environment variable naming the file a worker runs, set by the command
 * line itself: grader/worker-main.js beside it in dist/, or the Gradescope
 * bundle's one file.
 */
export const ENTRY_ENV = 'ACK_GRADER_ENTRY';

/** The worker's entry in dist/ (grader/worker-main.ts), used when {@link ENTRY_ENV} is not set. */
export const DIST_WORKER_ENTRY = join(REPO_ROOT, 'dist', 'grader', 'worker-main.js');

/** The same entry bundled into one file by `npm run build` (scripts/ensure-built.mjs): it starts faster. */
export const DIST_WORKER_BUNDLE = join(REPO_ROOT, 'dist', 'grader', 'worker.bundle.mjs');

/** The newest modification time of the .js files in `dirs`, 0 for none. */
function newestModule(dirs: readonly string[]): number {
  let newest = 0;
  for (const dir of dirs) {
    for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
      if (name.endsWith('.js')) newest = Math.max(newest, statSync(join(dir, name)).mtimeMs);
    }
  }
  return newest;
}

/**
 * The file a worker runs: {@link ENTRY_ENV} if set, else the bundle while it
 * is at least as new as every module of dist/grader and dist/harness (a
 * `tsc --watch` rebuild, as in `npm run test:watch`, makes it stale until the
 * next `npm run build`), else the modules' own entry. Checked at each start
 * (the times of dist/'s files, about 2 ms against a start of 150 ms), so a
 * long-lived process never runs a bundle a rebuild has left behind.
 *
 * @example
 * launch(scene, { label: 'worker', argv: [process.execPath, workerEntry(), WORKER_FLAG] });
 */
export function workerEntry(): string {
  const set = process.env[ENTRY_ENV];
  if (set !== undefined) return set;
  let bundleMs: number | undefined;
  let modulesMs = Infinity;
  try {
    bundleMs = statSync(DIST_WORKER_BUNDLE).mtimeMs;
    modulesMs = newestModule([join(REPO_ROOT, 'dist', 'grader'), join(REPO_ROOT, 'dist', 'harness')]);
  } catch {
    // no bundle (built without esbuild), or no dist/ to compare with: the modules' entry
  }
  return entryByAge(bundleMs, modulesMs);
}

/**
 * The bundle if it was written at or after the newest module it is made of, else the modules' entry.
 *
 * @example
 * entryByAge(undefined, 1_700_000_000_000); // DIST_WORKER_ENTRY: there is no bundle
 */
export function entryByAge(bundleMs: number | undefined, newestModuleMs: number): string {
  return bundleMs !== undefined && bundleMs >= newestModuleMs ? DIST_WORKER_BUNDLE : DIST_WORKER_ENTRY;
}

/** The scenes of the workers running now, so an interrupted grader can stop them (they lead their own process groups). */
const running = new Set<Scene>();

/**
 * Stops every worker still running, with everything it started: for a grader
 * interrupted by Ctrl-C, whose workers would not get the terminal's SIGINT.
 *
 * @example
 * process.once('SIGINT', () => void stopWorkers().then(() => process.exit(130)));
 */
export async function stopWorkers(): Promise<void> {
  await Promise.all([...running].map((scene) => scene.dispose().catch(() => undefined)));
}

/** How long past the scenario's own limit a worker may take before it is killed: start-up and clean-up. */
const WORKER_GRACE_MS = 20_000;

/** How long a worker waits for what one scenario left running to end before it gives up on the next. */
const SWEEP_LIMIT_MS = 10_000;

/** A worker's answer to a job: the job's result, and why the worker ends after it, if it does. */
interface Answer extends JobResult {
  readonly workerEnds?: string;
}

/** The fixed port of the job's server, if it has one. */
const fixedPort = (job: ScenarioJob): number | undefined => (typeof job.target.server.port === 'number' ? job.target.server.port : undefined);

/** A TCP state as harness/kernel.ts names it, e.g. `TIME_WAIT`, or its number. */
const stateName = (state: number): string => Object.entries(TCP_STATE).find(([, value]) => value === state)?.[0] ?? `TCP state ${state}`;

/**
 * Clears the namespace for the next job: ends whatever `job` left running
 * (grader/sweep.ts) and, for a hard-coded port, checks that no connection is
 * left on it. Returns why the next job needs a fresh worker, or undefined.
 */
async function clearAfter(job: ScenarioJob, say: (line: string) => void): Promise<string | undefined> {
  const { ended, left } = await sweepNamespace(SWEEP_LIMIT_MS);
  if (ended > 0) say(`${job.scenario}: ended ${ended} process(es) it left running`);
  if (left.length > 0) return `${job.scenario} left processes that would not end within ${SWEEP_LIMIT_MS / 1000} s (pids ${left.join(', ')} in its namespace)`;
  const port = fixedPort(job);
  const states = port === undefined ? [] : kernelSockets().filter((socket) => socket.localPort === port).map((socket) => stateName(socket.state));
  if (states.length > 0) return `${job.scenario} left port ${port} in use (${[...new Set(states)].join(', ')})`;
  return undefined;
}

/**
 * The worker's side: reads jobs from stdin, one JSON line each, and runs
 * them one after another until stdin ends. After each, it ends whatever the
 * scenario left running in its namespace and checks that a hard-coded port
 * is free again (grader/sweep.ts), then prints the result as one JSON line:
 * so the next job meets nothing of this one. Where it cannot, the line says
 * why (`workerEnds`) and the worker exits; the parent starts a new worker,
 * with fresh namespaces, for the next job.
 *
 * @example
 * if (process.argv[2] === WORKER_FLAG) await serveJobs();
 */
export async function serveJobs(): Promise<void> {
  // Where the worker is, on stderr: its parent quotes the last line if no result comes.
  const say = (line: string): void => void process.stderr.write(`grading worker: ${line}\n`);
  say('started, reading its jobs');
  // A hard-coded port is free again as soon as a scenario's connections have closed (where the namespace allows).
  const kept = withoutTimeWait();
  if (kept !== undefined) say(`TIME_WAIT kept (${kept})`);
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() === '') continue;
    const job = JSON.parse(line) as ScenarioJob;
    say(`${job.scenario}: running`);
    const result = await runJob(job, say);
    const ends = await clearAfter(job, say);
    const answer: Answer = ends === undefined ? result : { ...result, workerEnds: ends };
    process.stdout.write(`${JSON.stringify(answer)}\n`);
    if (ends !== undefined) {
      say(`ends: ${ends}`);
      process.stdin.destroy(); // the parent sends nothing more, and an open stdin would keep the worker running
      return;
    }
  }
}

/** Runs jobs in one worker, one after another. */
export interface WorkerSession {
  /**
   * Runs `job` in the session's worker. A worker that dies or hangs costs
   * this job (a harness problem on its items, no points taken); the next job
   * gets a new worker.
   */
  run(job: ScenarioJob): Promise<JobResult>;
  /** Ends the worker (its namespace goes with it) and waits for its exit. */
  close(): Promise<void>;
}

/**
 * The parent's side: a worker inside `sandbox` (grader/sandbox.ts: its
 * namespaces, walls and the confinement of the target's programs) that runs
 * the jobs given to it one after another, in one network namespace while the
 * worker can clear it between them (else a new worker takes the next job).
 * `onNote` hears when that happens.
 *
 * @example
 * const session = openWorkerSession(openSandbox(isolation, target));
 * try { await session.run(job); } finally { await session.close(); }
 */
export function openWorkerSession(sandbox: Pick<Sandbox, 'prefix' | 'env'>, onNote: (line: string) => void = () => {}): WorkerSession {
  const scene = new Scene();
  running.add(scene);
  let worker: Child | undefined;
  let answered = 0;
  const start = (label: string): Child => {
    answered = 0;
    return launch(scene, {
      label,
      argv: [...sandbox.prefix, process.execPath, workerEntry(), WORKER_FLAG],
      cwd: REPO_ROOT,
      // The worker's own coverage is the grader's, of no interest; the programs it starts get the suite's (childEnv).
      // Whether `script` is here is asked once in this process, not again in every worker (grader/launch.ts).
      env: { ...sandbox.env, [NAMESPACE_PIDS_ENV]: '1', NODE_V8_COVERAGE: '', [SCRIPT_ENV]: scriptAvailable() ? '1' : '0' },
      group: true,
    });
  };
  return {
    async run(job) {
      worker ??= start(`grading worker (from ${job.scenario})`);
      const current = worker;
      current.write(`${JSON.stringify(job)}\n`);
      const wanted = answered + 1;
      const limit = job.bounds.scenario + WORKER_GRACE_MS;
      const whole = (stdout: string): number => stdout.split('\n').length - 1;
      if (await current.waitForOutput((stdout) => whole(stdout) >= wanted, limit)) {
        answered = wanted;
        const { workerEnds, ...result } = JSON.parse(current.lines()[wanted - 1]!) as Answer;
        if (workerEnds !== undefined) {
          // It exits by itself; the next job gets a new worker, in fresh namespaces.
          worker = undefined;
          onNote(`grading worker: ${workerEnds}; the next scenario gets a new one`);
          await current.waitForExit(WORKER_GRACE_MS).catch(() => current.dispose());
        }
        return result;
      }
      // Dead or hung: this job is the grader's problem, and the worker is ended so the next job gets a new one.
      worker = undefined;
      const exit = current.exit;
      const why = exit === undefined ? `it did not finish within ${limit / 1000} s` : `it exited (${exit.signal ?? `code ${exit.code}`})`;
      const said = current.output('stderr').trim().split('\n').at(-1) ?? '';
      const problem = `the grading worker for ${job.scenario} failed: ${why}${said ? `: ${said}` : ''}`;
      const transcript = current.transcript();
      await current.dispose();
      return { verdicts: verdictsForAll(scenarioById(job.scenario).items, `harness problem: ${problem}`, transcript), dialect: job.dialect, harnessProblems: [problem], notes: [] };
    },
    async close() {
      try {
        worker?.endInput();
        await worker?.waitForExit(WORKER_GRACE_MS).catch(() => undefined);
      } finally {
        running.delete(scene);
        await scene.dispose();
      }
    },
  };
}
