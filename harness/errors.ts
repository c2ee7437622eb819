/**
 * The harness's own failures: the grader's or the machine's problem, never
 * the program under test's. A grade that met one is not trustworthy and says
 * so (exit 3); see docs/GRADING.md, "What an error means".
 */

/**
 * The harness, or the machine it runs on, could not do its part: a port held
 * by another program, its own fake server unable to bind, tmux missing.
 *
 * @example
 * throw new HarnessError('port 12000 is in use by another program; free it and run again');
 */
export class HarnessError extends Error {
  override readonly name = 'HarnessError';
}
