/**
 * Scenarios in a worker process inside a fresh network namespace
 * (harness/isolation.ts). The parent writes each {@link ScenarioJob} as a
 * JSON line on the worker's stdin; the worker (`node dist/grader/worker-main.js --worker`,
 * or the Gradescope bundle with `--worker`) runs it with grader/scenario-job.ts
 * and prints the {@link JobResult} as one JSON line. A worker runs one job
 * (a scenario that needs a namespace of its own) or a target's jobs one
 * after another (a session: a target on free ports, whose scenarios cannot
 * meet on a port). The worker leads its own process group, so the target's
 * programs go with it whatever happens; its namespace goes when its last
 * process does.
 */
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { NAMESPACE_PIDS_ENV } from '../harness/isolation.js';
import { launch, type Child } from '../harness/process.js';
import { REPO_ROOT } from '../harness/repo-root.js';
import { Scene } from '../harness/scene.js';
import type { Sandbox } from './sandbox.js';
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

/**
 * The worker's side: reads jobs from stdin, one JSON line each, runs each
 * to its end and prints its result as one JSON line, until stdin ends.
 *
 * @example
 * if (process.argv[2] === WORKER_FLAG) await serveJobs();
 */
export async function serveJobs(): Promise<void> {
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() === '') continue;
    const result = await runJob(JSON.parse(line) as ScenarioJob);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  }
}

/** Runs jobs in one worker, one after another. */
export interface WorkerSession {
  /** Runs `job` in the session's worker; a worker that dies or hangs costs this job (a harness problem), and later jobs get workers of their own. */
  run(job: ScenarioJob): Promise<JobResult>;
  /** Ends the worker (its namespace goes with it, and whatever its programs left behind) and waits for its exit. */
  close(): Promise<void>;
}

/**
 * The parent's side: a worker inside `sandbox` (grader/sandbox.ts: its
 * namespaces, walls and the confinement of the target's programs) that runs
 * the jobs given to it one after another, in one network namespace. A worker
 * that dies or hangs is the grader's problem, reported as a harness problem
 * on the scenario's items (no points taken).
 *
 * @example
 * const session = openWorkerSession(openSandbox(isolation, target));
 * try { await session.run(job); } finally { await session.close(); }
 */
export function openWorkerSession(sandbox: Pick<Sandbox, 'prefix' | 'env'>): WorkerSession {
  const scene = new Scene();
  running.add(scene);
  let worker: Child | undefined;
  let answered = 0;
  let broken = false;
  const close = async (): Promise<void> => {
    worker?.endInput();
    await worker?.waitForExit(WORKER_GRACE_MS).catch(() => undefined);
    running.delete(scene);
    await scene.dispose();
  };
  return {
    close,
    async run(job) {
      if (broken) return runInWorker(sandbox, job);
      const entry = process.env[ENTRY_ENV] ?? DIST_WORKER_ENTRY;
      worker ??= launch(scene, {
        label: 'grading worker',
        argv: [...sandbox.prefix, process.execPath, entry, WORKER_FLAG],
        cwd: REPO_ROOT,
        // The worker's own coverage is the grader's, of no interest; the programs it starts get the suite's (childEnv).
        env: { ...sandbox.env, [NAMESPACE_PIDS_ENV]: '1', NODE_V8_COVERAGE: '' },
        group: true,
      });
      const current = worker;
      current.write(`${JSON.stringify(job)}\n`);
      const wanted = answered + 1;
      const limit = job.bounds.scenario + WORKER_GRACE_MS;
      const whole = (stdout: string): number => stdout.split('\n').length - 1;
      if (await current.waitForOutput((stdout) => whole(stdout) >= wanted, limit)) {
        answered = wanted;
        return JSON.parse(current.output().split('\n')[wanted - 1]!) as JobResult;
      }
      broken = true;
      const exit = current.exit;
      const why = exit === undefined ? `it did not finish within ${limit / 1000} s` : `it exited (${exit.signal ?? `code ${exit.code}`})`;
      const said = current.output('stderr').trim().split('\n').at(-1) ?? '';
      const problem = `the grading worker for ${job.scenario} failed: ${why}${said ? `: ${said}` : ''}`;
      const transcript = current.transcript();
      await scene.dispose();
      return { verdicts: verdictsForAll(scenarioById(job.scenario).items, `harness problem: ${problem}`, transcript), dialect: job.dialect, harnessProblems: [problem], notes: [] };
    },
  };
}

/**
 * Runs one job in a worker of its own: a fresh network namespace for this
 * scenario alone, as a target with a fixed port needs (a TIME_WAIT one
 * scenario leaves must not meet the next).
 *
 * @example
 * const result = await runInWorker(openSandbox(isolation, target), { scenario: 'x-first', target, dialect, bounds, privateNetwork: true });
 */
export async function runInWorker(sandbox: Pick<Sandbox, 'prefix' | 'env'>, job: ScenarioJob): Promise<JobResult> {
  const session = openWorkerSession(sandbox);
  try {
    return await session.run(job);
  } finally {
    await session.close();
  }
}
