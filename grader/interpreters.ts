/**
 * The target as its programs are started: each program's interpreter named
 * by the path it resolves to where it is a pyenv shim (harness/commands.ts
 * resolveShim), so every start in every scenario skips pyenv's own scripts.
 * The interpreter is the one the shim would have run: asked in the target's
 * folder, with its environment. Reports and checks keep the target as
 * written; only what is launched changes.
 */
import { resolveShim } from '../harness/commands.js';
import type { ProgramDescription, Programs, Target } from './target.js';

/**
 * `target` with every program's interpreter resolved through pyenv where it
 * is a shim; a target without shims comes back equal.
 *
 * @example
 * launchable(loadTarget('fixtures/python/target.json')).server.argv[0]; // '/root/.pyenv/versions/3.11.7/bin/python3' under pyenv
 */
export function launchable(target: Target): Target {
  const program = <P extends ProgramDescription>(description: P): P => {
    const [command, ...args] = description.argv;
    return command === undefined ? description : { ...description, argv: [resolveShim(command, target.cwd, target.env), ...args] };
  };
  const programs = <P extends Programs>(part: P): P => ({ ...part, server: program(part.server), clients: { X: program(part.clients.X), Y: program(part.clients.Y) } });
  const resolved = programs(target);
  return target.chat ? { ...resolved, chat: programs(target.chat) } : resolved;
}
