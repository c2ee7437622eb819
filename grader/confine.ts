/**
 * Limits on a target's programs inside the sandbox: data (heap) size, processes,
 * file size and CPU time (util-linux `prlimit`, which starts the grading worker:
 * every program the worker starts inherits them), and, where the grader runs
 * as root, an unprivileged uid and gid of their own ({@link confinedUser}),
 * without which the kernel would not count their processes. The worker learns
 * its confinement from {@link CONFINE_ENV}, set by grader/worker.ts; without
 * it (direct mode) programs run as they are. A program that hits a limit is
 * reported as having hit it ({@link limitHint}).
 */
import type { Child } from '../harness/process.js';
import { crashLine } from './evidence.js';

/** The limits each program of a target gets (each of its processes, for all but `processes`). */
export interface Limits {
  /**
   * RLIMIT_DATA, bytes: the heap and other private writable memory; an allocation beyond it fails (Python:
   * MemoryError). Not RLIMIT_AS: Node 24's V8 (and a JVM) reserves gigabytes of address space it never
   * uses, and would die at start under an address-space limit of any sane size.
   */
  readonly data: number;
  /** RLIMIT_NPROC: processes and threads of the program's uid together; a fork beyond it fails (EAGAIN). */
  readonly processes: number;
  /** RLIMIT_FSIZE, bytes: a write past it gets SIGXFSZ (or EFBIG where the signal is ignored). */
  readonly fileSize: number;
  /** RLIMIT_CPU, seconds: SIGXCPU then, SIGKILL {@link CPU_GRACE_S} s later. */
  readonly cpuSeconds: number;
}

/**
 * The sandbox's limits: far above what any exchange or chat needs (a Python
 * server uses some 30 MB and 1 to 3 processes, and a scenario lasts seconds),
 * far below what would hurt the machine. Change them here; docs/GRADING.md lists them.
 */
export const LIMITS: Limits = { data: 1024 ** 3, processes: 256, fileSize: 64 * 1024 ** 2, cpuSeconds: 60 };

/** How long after SIGXCPU the hard CPU limit kills with SIGKILL. */
export const CPU_GRACE_S = 5;

/** How one worker confines its target's programs. */
export interface Confinement {
  readonly limits: Limits;
  /** The uid and gid the programs run as (absent: the grader's own, as when it is not root). */
  readonly uid?: number;
}

/** The environment variable carrying a worker's {@link Confinement} as JSON. */
export const CONFINE_ENV = 'ACK_GRADER_CONFINE';

/** The worker's confinement, or undefined in direct mode. */
export function confinementFromEnv(env: NodeJS.ProcessEnv = process.env): Confinement | undefined {
  const text = env[CONFINE_ENV];
  return text ? (JSON.parse(text) as Confinement) : undefined;
}

/**
 * The command prefix that starts the grading worker under `limits`: prlimit
 * sets them on itself and execs the worker, and every process the worker
 * starts inherits them (each its own CPU time and file size, its uid's
 * processes counted together). Once per worker, not once per program: a
 * prlimit costs 6 ms of CPU here, and a full grade starts some twenty programs (the suite, six hundred).
 * The worker needs far less than each limit: some 60 MB of data, no file
 * written, under a second of CPU.
 *
 * @example
 * limitsPrefix(LIMITS);
 * // ['prlimit', '--data=1073741824', '--nproc=256', '--fsize=67108864', '--cpu=60:65', '--']
 */
export function limitsPrefix(limits: Limits): string[] {
  return [
    'prlimit',
    `--data=${limits.data}`,
    `--nproc=${limits.processes}`,
    `--fsize=${limits.fileSize}`,
    `--cpu=${limits.cpuSeconds}:${limits.cpuSeconds + CPU_GRACE_S}`,
    '--',
  ];
}

/**
 * The uid and gid (the same number) a program under `confinement` starts as,
 * for the launcher to set between fork and exec: Node's spawn drops the
 * supplementary groups, then sets the gid and the uid, and the kernel clears
 * every capability the process had as root (permitted, effective, ambient)
 * as the uid leaves 0. No exec can bring any back: bwrap has set no-new-privs
 * on the worker and everything it starts, so setuid files and file
 * capabilities grant nothing. One exec fewer per program than util-linux
 * `setpriv`, which the grader used before. Undefined where the programs keep
 * the grader's uid (it is not root, or there is no confinement).
 *
 * @example
 * confinedUser({ limits: LIMITS, uid: 1600001 }); // { uid: 1600001, gid: 1600001 }
 */
export function confinedUser(confinement: Confinement | undefined = confinementFromEnv()): { uid: number; gid: number } | undefined {
  return confinement?.uid === undefined ? undefined : { uid: confinement.uid, gid: confinement.uid };
}

/** The signals a limit sends, with what they mean; `script` and shells report them as exit code 128 + the number. */
const LIMIT_SIGNALS: Readonly<Record<string, { readonly number: number; readonly says: (limits: Limits) => string }>> = {
  SIGXFSZ: { number: 25, says: (limits) => `it wrote a file past the sandbox's limit of ${mebibytes(limits.fileSize)} per file` },
  SIGXCPU: { number: 24, says: (limits) => `it used the sandbox's ${limits.cpuSeconds} s of CPU time` },
};

/** What a crash line shows of a limit. */
const LIMIT_CRASHES: ReadonlyArray<{ readonly pattern: RegExp; readonly says: (limits: Limits) => string }> = [
  { pattern: /MemoryError|Cannot allocate memory|out of memory/i, says: (limits) => `the sandbox allows each program ${mebibytes(limits.data)} of memory (heap and other data)` },
  { pattern: /Resource temporarily unavailable|EAGAIN|can't start new thread/i, says: (limits) => `the sandbox allows ${limits.processes} processes and threads in all` },
  { pattern: /File too large|EFBIG/i, says: (limits) => `the sandbox allows files of up to ${mebibytes(limits.fileSize)}` },
];

const mebibytes = (bytes: number): string => `${Math.round(bytes / 1024 ** 2)} MiB`;

/**
 * A hint naming the limit the first of `children` to hit one hit: killed by
 * SIGXFSZ or SIGXCPU (directly, or as `script`'s exit code 128 + the signal),
 * or crashed with a MemoryError, EAGAIN on fork or EFBIG; undefined when none
 * did or there are no limits.
 *
 * @example
 * limitHint([server], { limits: LIMITS }); // 'server was killed by SIGXFSZ: it wrote a file past ...'
 */
export function limitHint(children: readonly Child[], confinement: Confinement | undefined = confinementFromEnv()): string | undefined {
  if (!confinement) return undefined;
  for (const child of children) {
    const exit = child.exit;
    if (exit === undefined) continue;
    const signal = Object.entries(LIMIT_SIGNALS).find(([name, { number }]) => exit.signal === name || exit.code === 128 + number);
    if (signal) return `${child.label} was killed by ${signal[0]}: ${signal[1].says(confinement.limits)}`;
    const line = crashLine(child);
    const crash = line === undefined ? undefined : LIMIT_CRASHES.find(({ pattern }) => pattern.test(line));
    if (crash && line !== undefined) return `${child.label} crashed: ${line}; ${crash.says(confinement.limits)}`;
  }
  return undefined;
}

