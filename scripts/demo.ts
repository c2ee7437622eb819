/**
 * `npm run demo`: runs the reference server and clients X and Y twice, once
 * with X's greeting arriving first and once with Y's, and prints what each of
 * the three programs printed, so the exchange can be seen without the suite.
 */
import { runInOrder } from '../grader/exchange.js';
import { formatExit, type Child } from '../harness/process.js';
import { Scene } from '../harness/scene.js';
import { referenceTarget } from '../grader/target.js';

const NAMES = { X: 'Alice', Y: 'Bob' } as const;

/** The program's stdout and stderr lines, each prefixed with its label. */
function labelled(child: Child): string[] {
  const tag = `[${child.label}]`.padEnd('[client X]'.length + 1);
  return [
    ...child.lines('stdout').map((line) => `${tag}${line}`),
    ...child.lines('stderr').map((line) => `${tag}(stderr) ${line}`),
  ];
}

/** The exit code as a number, or how else it ended (e.g. `signal SIGTERM`). */
function exitOf(child: Child): string {
  return child.exit?.code != null ? String(child.exit.code) : formatExit(child.exit);
}

/**
 * Runs one exchange where `first`'s greeting arrives first, prints every
 * program's output, and throws if any of them did not exit with code 0.
 */
export async function demo(first: 'X' | 'Y'): Promise<void> {
  const scene = new Scene();
  try {
    const { server, x, y } = await runInOrder(scene, referenceTarget(), first, NAMES);
    console.log(`=== ${first}'s greeting arrives first (server on ${server.host}:${server.port}) ===`);
    const programs = [server.child, x, y];
    console.log(programs.flatMap(labelled).join('\n'));
    console.log(`exit codes: ${programs.map((child) => `${child.label} ${exitOf(child)}`).join(', ')}\n`);
    const failed = programs.filter((child) => child.exit?.code !== 0);
    if (failed.length > 0) throw new Error(`${failed.map((child) => child.label).join(' and ')} did not exit with code 0`);
  } finally {
    await scene.dispose();
  }
}

try {
  await demo('X');
  await demo('Y');
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`demo: ${message.split('\n')[0]}\n`);
  process.exitCode = 1;
}
