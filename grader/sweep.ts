/**
 * Between two scenarios that share a grading worker (grader/worker.ts), what
 * the first left must not meet the second: a daemon a server forked off, a
 * client still stuck in its loop, a connection on a hard-coded port. The
 * worker is the init of its PID namespace (bwrap's --as-pid-1,
 * harness/isolation.ts), so it can end every other process in there at once,
 * and it hears (SIGCHLD) of each one that ends, its own children and the
 * orphans it adopted alike; its network namespace has loopback alone, so it
 * may set that namespace's TCP settings, which touch nothing else.
 */
import { EventEmitter } from 'node:events';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { statFields } from '../harness/process.js';
import { waitUntil } from '../harness/wait.js';

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
    const state = statFields(stat)[0];
    if (state !== 'Z' && state !== 'X') pids.push(Number(name));
  }
  return pids;
}

/** Whether this process is the init of its PID namespace and its network namespace has loopback alone: a grading worker's own. */
function inOwnNamespaces(): boolean {
  if (process.pid !== 1) return false;
  try {
    // After two heading lines, one line per interface, "  lo: ...".
    const interfaces = readFileSync('/proc/net/dev', 'utf8').split('\n').slice(2).filter((line) => line.trim() !== '');
    return interfaces.length > 0 && interfaces.every((line) => line.trim().startsWith('lo:'));
  } catch {
    return false;
  }
}

/**
 * Ends every process of this PID namespace but this one (SIGKILL to all) and
 * resolves once none is running, or after `limitMs` with those that are. Does
 * nothing unless this process is the namespace's init (pid 1) in a network
 * namespace with loopback alone: anywhere else "every process" could be the
 * machine's.
 *
 * @example
 * const { left } = await sweepNamespace(10_000);
 * if (left.length > 0) process.stderr.write(`still running: ${left.join(', ')}\n`);
 */
export async function sweepNamespace(limitMs: number): Promise<Sweep> {
  if (!inOwnNamespaces()) return { ended: 0, left: [] };
  const before = runningOthers();
  if (before.length === 0) return { ended: 0, left: [] };
  // Each ending is heard (SIGCHLD) and checked; listening before the kill, so none is missed.
  const endings = new EventEmitter();
  const onChild = (): void => void endings.emit('update');
  process.on('SIGCHLD', onChild);
  let left = before;
  try {
    process.kill(-1, 'SIGKILL');
    await waitUntil({
      emitter: endings,
      done: () => (left = runningOthers()).length === 0,
      what: 'the processes of the last scenario to end',
      context: () => `still running: ${left.join(', ')}`,
      timeoutMs: limitMs,
    });
  } catch {
    // the bound passed: `left` names those still running
  } finally {
    process.off('SIGCHLD', onChild);
  }
  return { ended: before.length, left };
}

/** The TCP setting that caps how many connections may wait in TIME_WAIT in this network namespace. */
const TIME_WAIT_CAP = '/proc/sys/net/ipv4/tcp_max_tw_buckets';

/**
 * In the worker's own namespaces, lets no TCP connection wait in TIME_WAIT:
 * a connection is gone once both ends closed, so a server on a hard-coded
 * port without SO_REUSEADDR can bind it again at once, as it could in a
 * fresh namespace. On loopback alone, nothing late can arrive that TIME_WAIT
 * would have caught. Returns why it could not, or undefined.
 *
 * @example
 * const why = withoutTimeWait(); // undefined: set (needs CAP_NET_ADMIN in the namespace)
 */
export function withoutTimeWait(): string | undefined {
  if (!inOwnNamespaces()) return 'not in a namespace of its own';
  try {
    writeFileSync(TIME_WAIT_CAP, '0');
    return undefined;
  } catch (error) {
    return `${TIME_WAIT_CAP}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
  }
}
