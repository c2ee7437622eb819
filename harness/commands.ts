/**
 * Is this command here? One answer for the grader's checks, the scripts and
 * the specs that skip without a tool: found the way spawn finds it, and, where
 * a file is not enough (a pyenv shim exists even where its version is not
 * installed), asked to run.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { basename, delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { countFinished, SPEC_FILE_ENV } from './process.js';

/**
 * Finds `command` the way spawn will: a path (relative to `cwd`), or a name
 * on `path` (default: this process's PATH). Returns the executable's path,
 * or undefined.
 *
 * @example
 * findCommand('tmux'); // '/usr/bin/tmux' or undefined
 */
export function findCommand(command: string, cwd: string = process.cwd(), path: string | undefined = process.env.PATH): string | undefined {
  if (command === '') return undefined;
  const candidates = command.includes('/')
    ? [isAbsolute(command) ? command : resolve(cwd, command)]
    : (path ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, command));
  return candidates.find((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** What {@link tryCommand} saw. */
export interface CommandCheck {
  readonly ok: boolean;
  /** The first line it printed (stderr first), or how it failed to start. */
  readonly said: string;
}

/**
 * How long a check ({@link tryCommand}, {@link resolveShim}) may run: only a
 * guard against one that hangs. A pyenv shim runs a hundred processes of
 * bash scripts, which took over 10 s on a saturated machine here; a bound
 * that near would call an installed interpreter missing on a busy one.
 */
export const CHECK_TIMEOUT_MS = 60_000;

/** Answers of {@link tryCommand}, by command line and environment. */
const checks = new Map<string, CommandCheck>();

/**
 * Runs `argv` (typically `[tool, '--version']`) to see whether it works here;
 * asked once per process for each command line and environment (a pyenv
 * shim's `python3 --version` costs a tenth of a second of bash scripts, and
 * a class or a suite asks it dozens of times). One that does not answer
 * within `timeoutMs` fails, and is asked again next time.
 *
 * @example
 * tryCommand(['python2', '--version'], { PYENV_VERSION: '2.7.18' }).ok;
 */
export function tryCommand(argv: readonly string[], env: Readonly<Record<string, string>> = {}, timeoutMs = CHECK_TIMEOUT_MS): CommandCheck {
  const [command, ...args] = argv;
  if (command === undefined) return { ok: false, said: 'no command' };
  const merged = { ...process.env, ...env };
  // Keyed without the variable naming the spec file that asks (harness/process.ts): no command's answer depends
  // on it, and the suite's workers run file after file, each asking again.
  const keyed: NodeJS.ProcessEnv = { ...merged };
  delete keyed[SPEC_FILE_ENV];
  const key = JSON.stringify([argv, keyed]);
  const known = checks.get(key);
  if (known !== undefined) return known;
  // A pyenv shim is asked through the interpreter it resolves to (where pyenv cannot say, the shim itself, which then
  // fails as it would): the shim's scripts cost 80 ms of CPU a run, and the grader resolves the shim anyway to start it.
  const run = spawnSync(resolveShim(command, process.cwd(), env), args, { env: merged, encoding: 'utf8', timeout: timeoutMs });
  countFinished(run.pid);
  const timedOut = (run.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
  const said = timedOut
    ? `it did not answer within ${timeoutMs / 1000} s`
    : run.error
      ? run.error.message
      : `${run.stderr ?? ''}${run.stdout ?? ''}`.trim().split('\n')[0] || `exit ${run.status}`;
  const check = { ok: !run.error && run.status === 0, said };
  if (!timedOut) checks.set(key, check); // a check that did not answer says nothing for certain: the next asks again
  return check;
}

/**
 * Whether `argv` runs and exits 0 here: the one-word test a spec's skip needs.
 *
 * @example
 * test.skipIf(!commandWorks(['socat', '-V']))('socat as a client', ...);
 */
export function commandWorks(argv: readonly string[], env: Readonly<Record<string, string>> = {}): boolean {
  return tryCommand(argv, env).ok;
}

/**
 * The `.python-version` pyenv would read for `dir`: the nearest in it or a
 * folder above, with its contents, or '' for none (the global version).
 */
function versionFileOf(dir: string): string {
  for (let at = resolve(dir); ; at = dirname(at)) {
    const file = join(at, '.python-version');
    // Looked for before it is read: a failed read throws, and most folders have none.
    if (existsSync(file)) {
      try {
        return `${file}\n${readFileSync(file, 'utf8')}`;
      } catch {
        // a folder of that name, not a file (pyenv looks for a file): look further up
      }
    }
    if (dirname(at) === at) return '';
  }
}

/** Answers of {@link resolveShim}, by command and what pyenv reads (its settings and version file). */
const shims = new Map<string, string>();

/**
 * The interpreter a pyenv shim would run for `command` (`pyenv which`, asked
 * in `cwd` with `env`, so a `.python-version` there or PYENV_VERSION counts
 * as it would for the shim), or `command` unchanged where it is not a shim or
 * pyenv cannot say. A shim is a bash script that runs pyenv's own scripts on
 * every start, about 0.1 s of CPU each: a class's thousands of program starts
 * need not pay it. Asked once per command, settings and version file, so a
 * class whose folders name no version asks once.
 *
 * @example
 * resolveShim('python3', '/srv/sub'); // '/root/.pyenv/versions/3.11.7/bin/python3' under pyenv, else 'python3'
 */
export function resolveShim(command: string, cwd: string, env: Readonly<Record<string, string>> = {}): string {
  if (command === '' || command.includes('/')) return command;
  // Read one by one, not copied: a copy of process.env asks the C library for every variable, and this is
  // asked for every program of every grade, almost always with a known answer.
  const variable = (name: string): string | undefined => env[name] ?? process.env[name];
  // What pyenv reads: a folder counts only through the .python-version it finds from there upward, and
  // only where PYENV_VERSION does not decide; PATH's relative entries (rare) make the folder count too.
  const path = variable('PATH') ?? '';
  const where = path.split(delimiter).some((dir) => dir !== '' && !isAbsolute(dir)) ? cwd : versionFileOf(variable('PYENV_DIR') ?? cwd);
  const key = JSON.stringify([command, where, path, variable('PYENV_ROOT'), variable('PYENV_VERSION')]);
  const known = shims.get(key);
  if (known !== undefined) return known;
  const merged = { ...process.env, ...env };
  let resolved = command;
  const found = findCommand(command, cwd, merged.PATH);
  if (found !== undefined && basename(dirname(found)) === 'shims') {
    // The shim runs its pyenv root's own pyenv; asked the same way, it names what the shim would run.
    const pyenv = findCommand(join(dirname(dirname(found)), 'libexec', 'pyenv')) ?? 'pyenv';
    const run = spawnSync(pyenv, ['which', command], { cwd, env: merged, encoding: 'utf8', timeout: CHECK_TIMEOUT_MS });
    countFinished(run.pid);
    const path = run.status === 0 ? run.stdout.trim() : '';
    if (isAbsolute(path) && findCommand(path) !== undefined) resolved = path;
  }
  shims.set(key, resolved);
  return resolved;
}
