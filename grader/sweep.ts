/**
 * Between two scenarios that share a grading worker (grader/worker.ts), what
 * the first left running must not meet the second: a daemon a server forked
 * off, a client still stuck in its loop. The worker is the init of its PID
 * namespace (bwrap's --as-pid-1, harness/isolation.ts), so it can end every
 * other process in there at once, and it hears (SIGCHLD) of each one that
 * ends, its own children and the orphans it adopted alike.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** What a sweep did. */
export interface Sweep {
  /** How many processes were running besides the worker when it began. */
  readonly ended: number;
  /** The pids still running when the sweep gave up (empty: all ended). */
  readonly left: readonly number[];
}

/**
 * The pids of this namespace's processes other than this one that are still
 * running. A zombie has ended: its memory, files, locks and sockets are gone,
 * only its pid waits to be collected (Node does not collect adopted ones).
 */
function runningOthers(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // ended between the listing and the read
    }
    // The state follows the command name, which is in parentheses and may itself hold ") ".
    const state = stat.charAt(stat.lastIndexOf(')') + 2);
    if (state !== 'Z' && state !== 'X') pids.push(Number(name));
  }
  return pids;
}

/**
 * Ends every process of this PID namespace but this one (SIGKILL to all) and
 * resolves once none is running, or after `limitMs` with those that are. Does
 * nothing unless this process is the namespace's init (pid 1): anywhere else
 * "every process" would be the machine's.
 *
 * @example
 * const { left } = await sweepNamespace(10_000);
 * if (left.length > 0) process.stderr.write(`still running: ${left.join(', ')}\n`);
 */
export async function sweepNamespace(limitMs: number): Promise<Sweep> {
  if (process.pid !== 1) return { ended: 0, left: [] };
  const before = runningOthers();
  if (before.length === 0) return { ended: 0, left: [] };
  // Listening before the kill, and counting, so an ending between a check and the next wait is not missed.
  let heard = 0;
  let wake: (() => void) | undefined;
  const onChild = (): void => {
    heard += 1;
    wake?.();
  };
  process.on('SIGCHLD', onChild);
  const deadline = performance.now() + limitMs;
  try {
    process.kill(-1, 'SIGKILL');
    for (;;) {
      const seen = heard;
      const left = runningOthers();
      const remaining = deadline - performance.now();
      if (left.length === 0 || remaining <= 0) return { ended: before.length, left };
      if (heard !== seen) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    process.off('SIGCHLD', onChild);
  }
}
