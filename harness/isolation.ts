/**
 * A fresh sandbox for each grading scenario, where the machine allows one.
 * Two tools can make it:
 *
 * - bubblewrap (`bwrap`), preferred: network and PID namespaces (loopback
 *   only, brought up by bwrap; when the worker exits, the kernel ends
 *   everything started inside, a double-forked daemon included) and a mount
 *   namespace in which the rest of the filesystem is read-only and the
 *   instructor's home, /tmp and the grader's reports are hidden
 *   (grader/sandbox.ts builds the per-target part).
 * - util-linux `unshare` with iproute2's `ip`, the fallback where bwrap is
 *   missing or refused: the same network and PID namespaces, no filesystem walls.
 *
 * Where neither works (a locked-down container, macOS), the grader runs
 * scenarios directly and says so.
 */
import { spawnSync } from 'node:child_process';

/** How scenarios are isolated: the tool and the command prefix that enters fresh namespaces, or why there is none. */
export type Isolation =
  | {
      readonly kind: 'namespace';
      /** bwrap: namespaces and filesystem walls; unshare: namespaces only. */
      readonly tool: 'bwrap' | 'unshare';
      /** The command prefix with the namespaces (bwrap: without the per-target mounts, which grader/sandbox.ts adds). */
      readonly prefix: readonly string[];
      /** One line saying which sandbox this is and, for the fallback, why. */
      readonly note: string;
    }
  | { readonly kind: 'direct'; readonly why: string };

/**
 * Set for a process whose pids are those of a PID namespace: they mean
 * nothing outside it, so the suite's bookkeeping must not record them (the
 * namespace itself ends every process in it).
 */
export const NAMESPACE_PIDS_ENV = 'ACK_NAMESPACE_PIDS';

/**
 * The environment variable that chooses the isolation: `direct` forces direct
 * mode, as `--no-sandbox` does; `unshare` forces the fallback without
 * filesystem walls (to compare, or where bwrap misbehaves).
 */
export const ISOLATION_ENV = 'ACK_GRADER_ISOLATION';

/**
 * bwrap's namespaces: network (bwrap brings loopback up), PID, and the end of
 * the sandbox with its parent. `--as-pid-1` makes the worker the PID
 * namespace's init, so bwrap exits only once the kernel has ended every
 * process in it: with bwrap's own init, bwrap reports the worker's exit at
 * once, and a daemon could outlive the grade while the kernel ends it (a
 * daemon holding much memory, for tens of milliseconds). The worker does not
 * reap orphans; they stay zombies until it exits, then the kernel reaps them.
 */
export const BWRAP_NAMESPACES = ['--unshare-net', '--unshare-pid', '--as-pid-1', '--die-with-parent'] as const;

const found = new Map<string, Isolation>();

/** The first line a failed probe said, or how it failed. */
function probeFailure(probe: ReturnType<typeof spawnSync>, tool: string): string {
  const said = String(probe.stderr ?? '').trim().split('\n')[0];
  return (probe.error?.message ?? said) || `${tool} exited ${probe.status}`;
}

/** The unshare prefix, or why it cannot work here. */
function unsharePrefix(): { prefix: readonly string[] } | { why: string } {
  const enter = ['unshare', '--net', '--pid', '--fork', '--mount-proc', '--kill-child', ...(process.getuid?.() === 0 ? [] : ['--map-root-user'])];
  // `ip` brings loopback up inside; then exec replaces the shell with the command given after it.
  const prefix = [...enter, 'sh', '-c', 'ip link set lo up && exec "$0" "$@"'];
  const probe = spawnSync(prefix[0]!, [...prefix.slice(1), 'true'], { encoding: 'utf8', timeout: 10_000 });
  return probe.status === 0 ? { prefix } : { why: probeFailure(probe, 'unshare') };
}

/** Whether bwrap can make the sandbox here, or why not. */
function bwrapWorks(): true | string {
  const args = [...BWRAP_NAMESPACES, '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp', 'true'];
  const probe = spawnSync('bwrap', args, { encoding: 'utf8', timeout: 10_000 });
  return probe.status === 0 ? true : probeFailure(probe, 'bwrap');
}

/**
 * Finds out, once per process, how scenarios can be isolated here: bwrap,
 * else unshare, else directly; `direct: true` (or ACK_GRADER_ISOLATION=direct)
 * skips the check and says why, ACK_GRADER_ISOLATION=unshare skips bwrap.
 *
 * @example
 * const isolation = detectIsolation();
 * if (isolation.kind === 'direct') console.error(`grade: ${isolation.why}`);
 */
export function detectIsolation(direct = process.env[ISOLATION_ENV] === 'direct'): Isolation {
  if (direct) return { kind: 'direct', why: 'scenarios run directly, as asked (--no-sandbox); a fixed port may be affected by other programs' };
  const wanted = process.env[ISOLATION_ENV] === 'unshare' ? 'unshare' : 'any';
  const known = found.get(wanted);
  if (known) return known;
  const works = wanted === 'unshare' ? `as ${ISOLATION_ENV}=unshare asks` : bwrapWorks();
  const bwrap = works === true || works.startsWith('as ') ? works : `bwrap cannot run here: ${works}`;
  let isolation: Isolation;
  if (bwrap === true) {
    isolation = { kind: 'namespace', tool: 'bwrap', prefix: ['bwrap', ...BWRAP_NAMESPACES], note: 'sandbox: bubblewrap (fresh network and PID namespaces, a read-only filesystem with a private copy of the submission, limits)' };
  } else {
    const unshare = unsharePrefix();
    isolation =
      'prefix' in unshare
        ? { kind: 'namespace', tool: 'unshare', prefix: unshare.prefix, note: `sandbox: unshare (fresh network and PID namespaces and limits, but no filesystem walls, ${bwrap})` }
        : {
            kind: 'direct',
            why: `no private network namespace here (${unshare.why}); scenarios run directly, and a fixed port may be affected by other programs`,
          };
  }
  found.set(wanted, isolation);
  return isolation;
}
