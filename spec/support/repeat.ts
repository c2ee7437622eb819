/**
 * How many times a repeated spec runs each case. The inner loop (`npm test`)
 * runs each once: a repetition finds a flaky program, not a wrong one, and
 * costs the student's time on every change. `npm run test:stress` sets
 * ACK_STRESS_RUNS (20) to run them again and again, and the volume specs at
 * their full size ({@link stressing}).
 */

/** The environment variable `npm run test:stress` sets. */
export const STRESS_RUNS_ENV = 'ACK_STRESS_RUNS';

/**
 * The number of runs asked for: 1 unless {@link STRESS_RUNS_ENV} is a whole
 * number from 1 to 1000.
 *
 * @example
 * stressRuns({ ACK_STRESS_RUNS: '20' }); // 20
 */
export function stressRuns(env: NodeJS.ProcessEnv = process.env): number {
  const value = env[STRESS_RUNS_ENV];
  if (value === undefined || value === '') return 1;
  const runs = Number(value);
  if (!Number.isInteger(runs) || runs < 1 || runs > 1000) {
    throw new Error(`${STRESS_RUNS_ENV} is ${JSON.stringify(value)}; give a whole number of runs from 1 to 1000, or leave it unset for 1`);
  }
  return runs;
}

/**
 * Whether this is `npm run test:stress` ({@link STRESS_RUNS_ENV} set): a spec
 * whose point is volume (the chat's backpressure) pushes its full size there,
 * and in `npm test` a size that still tells a bounded relay from one that
 * keeps everything.
 *
 * @example
 * const chunks = stressing() ? 1024 : 256;
 */
export function stressing(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env[STRESS_RUNS_ENV] ?? '') !== '' && stressRuns(env) >= 1; // a bad value is refused, as for the runs
}
