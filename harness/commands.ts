/**
 * Is this command here? One answer for the grader's checks, the scripts and
 * the specs that skip without a tool: found the way spawn finds it, and, where
 * a file is not enough (a pyenv shim exists even where its version is not
 * installed), asked to run.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/**
 * Finds `command` the way spawn will: a path (relative to `cwd`), or a name
 * on PATH. Returns the executable's path, or undefined.
 *
 * @example
 * findCommand('tmux'); // '/usr/bin/tmux' or undefined
 */
export function findCommand(command: string, cwd: string = process.cwd()): string | undefined {
  if (command === '') return undefined;
  const candidates = command.includes('/')
    ? [isAbsolute(command) ? command : resolve(cwd, command)]
    : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, command));
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
 * Runs `argv` (typically `[tool, '--version']`) to see whether it works here.
 *
 * @example
 * tryCommand(['python2', '--version'], { PYENV_VERSION: '2.7.18' }).ok;
 */
export function tryCommand(argv: readonly string[], env: Readonly<Record<string, string>> = {}): CommandCheck {
  const [command, ...args] = argv;
  if (command === undefined) return { ok: false, said: 'no command' };
  const run = spawnSync(command, args, { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 10_000 });
  if (run.error) return { ok: false, said: run.error.message };
  const said = `${run.stderr ?? ''}${run.stdout ?? ''}`.trim().split('\n')[0] || `exit ${run.status}`;
  return { ok: run.status === 0, said };
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
