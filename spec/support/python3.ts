/**
 * Which `python3` the suite's Python 3 fixtures run with. Where PATH's
 * python3 is not the system's (pyenv's, here) and the system's /usr/bin/python3
 * is the same release line or newer, the suite puts a `python3` that is the
 * system's first on its PATH: on this machine pyenv's python3 spends some 35 ms
 * of its 57 ms start importing certifi for a `.pth` file the container writes
 * into its site-packages, the system's starts in 23 ms, and the Python 3
 * fixtures start some 600 times a run. The fixtures and what the
 * grader does with them are the same either way; `npm run grade` is not
 * touched (it runs what PATH says). ACK_SUITE_PYTHON3 chooses: a path to an
 * interpreter, or `path` to keep PATH's.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, realpathSync, symlinkSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { CHECK_TIMEOUT_MS, findCommand, resolveShim } from '../../harness/commands.js';
import { countFinished } from '../../harness/process.js';

/** Chooses the suite's python3: a path to an interpreter, or `path` for PATH's own. */
export const SUITE_PYTHON3_ENV = 'ACK_SUITE_PYTHON3';

/** The system's Python 3, as Debian and most Linux distributions install it. */
export const SYSTEM_PYTHON3 = '/usr/bin/python3';

/** One interpreter the choice weighs: where it is (symlinks resolved) and its release, as [major, minor]. */
export interface Python3 {
  readonly path: string;
  readonly version: readonly [number, number];
}

/** What the suite runs python3 as, and the one line that says why. */
export interface Python3Choice {
  /** The interpreter to put first on PATH as `python3`; undefined keeps PATH's. */
  readonly use?: string;
  readonly says: string;
}

const release = (python: Python3): string => python.version.join('.');
const atLeast = (a: Python3, b: Python3): boolean => a.version[0] > b.version[0] || (a.version[0] === b.version[0] && a.version[1] >= b.version[1]);

/**
 * The choice, from what was found (undefined: none that runs) and
 * ACK_SUITE_PYTHON3 (`override`).
 *
 * @example
 * choosePython3({ path: '/root/.pyenv/versions/3.11.7/bin/python3.11', version: [3, 11] }, { path: '/usr/bin/python3.11', version: [3, 11] }, undefined);
 * // { use: '/usr/bin/python3.11', says: 'Python 3 fixtures ran with /usr/bin/python3.11 (3.11), the system\'s, not PATH\'s ...' }
 */
export function choosePython3(onPath: Python3 | undefined, system: Python3 | undefined, override: string | undefined): Python3Choice {
  if (override === 'path') return { says: `Python 3 fixtures ran with PATH's python3 (${SUITE_PYTHON3_ENV}=path)` };
  if (override !== undefined && override !== '') return { use: override, says: `Python 3 fixtures ran with ${override} (${SUITE_PYTHON3_ENV})` };
  if (system === undefined || onPath === undefined || system.path === onPath.path) return { says: "Python 3 fixtures ran with PATH's python3" };
  if (!atLeast(system, onPath)) {
    return { says: `Python 3 fixtures ran with PATH's python3 (${onPath.path}, ${release(onPath)}): the system's (${release(system)}) is older` };
  }
  return {
    use: system.path,
    says: `Python 3 fixtures ran with ${system.path} (${release(system)}), the system's, not PATH's ${onPath.path} (${release(onPath)}), ${SUITE_PYTHON3_ENV}=path keeps PATH's`,
  };
}

/** `command`'s real path and release, or undefined where it does not run as a Python 3. */
function probe(command: string): Python3 | undefined {
  const run = spawnSync(command, ['-c', 'import sys; print("%d %d" % sys.version_info[:2])'], { encoding: 'utf8', timeout: CHECK_TIMEOUT_MS });
  countFinished(run.pid);
  const [major, minor] = (run.stdout ?? '').trim().split(' ').map(Number);
  if (run.status !== 0 || major !== 3 || minor === undefined || !Number.isInteger(minor)) return undefined;
  const found = isAbsolute(command) ? command : findCommand(command);
  return found === undefined ? undefined : { path: realpathSync(found), version: [major, minor] };
}

/**
 * Chooses the suite's python3 and, where it is not PATH's, links it as
 * `dir/python3` (made here, readable by the sandbox's uids) and puts `dir`
 * first on `env`'s PATH. Returns the line saying what was chosen.
 *
 * @example
 * const says = usePython3(join(suiteDir, 'bin'), process.env); // 'Python 3 fixtures ran with /usr/bin/python3.11 (3.11), ...'
 */
export function usePython3(dir: string, env: NodeJS.ProcessEnv = process.env): string {
  const asked = env[SUITE_PYTHON3_ENV];
  const weighed = asked === undefined || asked === '';
  const override = weighed || asked === 'path' ? asked : findCommand(asked, process.cwd(), env.PATH);
  if (!weighed && override === undefined) throw new Error(`${SUITE_PYTHON3_ENV}=${asked}: no such program; name a Python 3 interpreter, or say path to keep PATH's python3`);
  const choice = choosePython3(weighed ? probe(resolveShim('python3', process.cwd())) : undefined, weighed ? probe(SYSTEM_PYTHON3) : undefined, override);
  if (choice.use === undefined) return choice.says;
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  chmodSync(dir, 0o755);
  symlinkSync(choice.use, join(dir, 'python3'));
  env.PATH = [dir, env.PATH ?? ''].filter(Boolean).join(delimiter);
  return choice.says;
}
