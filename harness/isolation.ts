/**
 * A fresh network namespace for each grading scenario, where the machine
 * allows one: only loopback, brought up, so a hard-coded port is always free,
 * nothing another program or the previous scenario left behind (a listener,
 * TIME_WAIT) carries over, and no traffic can leave the machine. A PID
 * namespace comes with it: when the scenario's worker (its pid 1) exits, the
 * kernel ends everything started inside, a double-forked daemon included. It uses
 * util-linux `unshare` (with `--map-root-user` when not root) and iproute2's
 * `ip`; where either is missing or the kernel refuses (a locked-down
 * container, macOS), the grader runs scenarios directly and says so.
 */
import { spawnSync } from 'node:child_process';

/** How scenarios are isolated: the command prefix that enters a fresh namespace, or why there is none. */
export type Isolation =
  | { readonly kind: 'namespace'; readonly prefix: readonly string[] }
  | { readonly kind: 'direct'; readonly why: string };

/**
 * Set for a process whose pids are those of a PID namespace: they mean
 * nothing outside it, so the suite's bookkeeping must not record them (the
 * namespace itself ends every process in it).
 */
export const NAMESPACE_PIDS_ENV = 'ACK_NAMESPACE_PIDS';

/** The environment variable that forces direct mode (`ACK_GRADER_ISOLATION=direct`), as `--no-sandbox` does. */
export const ISOLATION_ENV = 'ACK_GRADER_ISOLATION';

let found: Isolation | undefined;

/**
 * Finds out, once per process, whether scenarios can run in a fresh network
 * namespace here; `direct: true` (or ACK_GRADER_ISOLATION=direct) skips the
 * check and says why.
 *
 * @example
 * const isolation = detectIsolation();
 * if (isolation.kind === 'direct') console.error(`grade: ${isolation.why}`);
 */
export function detectIsolation(direct = process.env[ISOLATION_ENV] === 'direct'): Isolation {
  if (direct) return { kind: 'direct', why: 'scenarios run directly, as asked (--no-sandbox); a fixed port may be affected by other programs' };
  if (found) return found;
  const enter = ['unshare', '--net', '--pid', '--fork', '--mount-proc', '--kill-child', ...(process.getuid?.() === 0 ? [] : ['--map-root-user'])];
  // `ip` brings loopback up inside; then exec replaces the shell with the command given after it.
  const prefix = [...enter, 'sh', '-c', 'ip link set lo up && exec "$0" "$@"'];
  const probe = spawnSync(prefix[0]!, [...prefix.slice(1), 'true'], { encoding: 'utf8', timeout: 10_000 });
  found =
    probe.status === 0
      ? { kind: 'namespace', prefix }
      : {
          kind: 'direct',
          why: `no private network namespace here (${(probe.error?.message ?? probe.stderr.trim().split('\n')[0]) || `unshare exited ${probe.status}`}); scenarios run directly, and a fixed port may be affected by other programs`,
        };
  return found;
}
