/**
 * The grading worker's own entry (`node dist/grader/worker-main.js --worker`):
 * runs the scenario jobs it reads on stdin (grader/worker.ts) and loads
 * nothing else.
 * Every target starts a worker of its own, so its start-up is paid hundreds
 * of times in a class: the command line's entry (grader/cli.ts) would load
 * the reports, the class and description code for nothing. The Gradescope bundle
 * has no separate file and runs its one entry with `--worker` instead.
 */
import { serveJobs } from './worker.js';

serveJobs().then(
  () => {
    process.exitCode = 0;
  },
  (error: unknown) => {
    // The parent reports the worker's last stderr line as a harness problem.
    process.stderr.write(`grading worker: ${(error as Error).message.split('\n')[0]}\n`);
    process.exitCode = 3;
  },
);
