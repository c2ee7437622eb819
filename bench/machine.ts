/**
 * What a benchmark result depends on besides the code: the machine, the
 * tools' versions, the load, and which state of impl/ was measured.
 */
import os from 'node:os';
import { launch } from '../harness/process.js';
import { Scene } from '../harness/scene.js';
import { REPO_ROOT } from '../harness/repo-root.js';

/** Runs a short command to completion (bounded) and returns its stdout, or '' if it fails. */
async function output(argv: readonly string[]): Promise<string> {
  const scene = new Scene();
  try {
    const child = launch(scene, { label: argv.join(' '), argv, cwd: REPO_ROOT });
    const exit = await child.waitForExit(5000);
    return exit.code === 0 ? child.output() : '';
  } catch {
    return '';
  } finally {
    await scene.dispose();
  }
}

/**
 * The machine as a list of facts for the report: CPU, memory, OS, Node and
 * socat versions, load average (`loadAtStart` is the 1-minute load when the
 * run began), and the commit and state of impl/ that dist/ was built from.
 */
export async function describeMachine(loadAtStart: number): Promise<string[]> {
  const cpus = os.cpus();
  const socat = /socat version (\S+)/.exec(await output(['socat', '-V']))?.[1] ?? 'unknown';
  const commit = (await output(['git', 'rev-parse', '--short', 'HEAD'])).trim() || 'unknown';
  const changed = (await output(['git', 'status', '--porcelain', '--', 'impl'])).split('\n').filter((line) => line.trim() !== '');
  return [
    `CPU: ${cpus[0]?.model ?? 'unknown'}, ${cpus.length} cores`,
    `memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `OS: ${os.type()} ${os.release()} (${os.arch()})`,
    `Node ${process.version}, socat ${socat}`,
    `load average (1 min): ${loadAtStart.toFixed(2)} at start, ${(os.loadavg()[0] ?? 0).toFixed(2)} at end; other work on the machine shows up as noise`,
    `measured: dist/ built from commit ${commit}` +
      (changed.length === 0 ? ', impl/ unchanged' : ` with uncommitted changes in impl/ (${changed.map((line) => line.slice(3)).join(', ')})`),
  ];
}
