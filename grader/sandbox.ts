/**
 * The sandbox one target is graded in, built once per target around the
 * isolation the machine allows (harness/isolation.ts). With bubblewrap, its
 * programs (and the grader's worker, whose peers and proxies share their
 * network) see:
 *
 * - the filesystem read-only;
 * - at the submission's own path, a private writable copy of its folder,
 *   made here in a temporary folder, owned by the programs' uid and removed
 *   after the grade (a folder's node_modules and .git are not copied but
 *   shown read-only);
 * - an empty /tmp, /root, /home and home folder of the grader's user, and
 *   an empty reports/ folder, except for what the worker and the
 *   interpreters need from them, shown read-only;
 * - loopback only, and a PID namespace of their own.
 *
 * Its programs run with limits, as an unprivileged uid of the target's own
 * where the grader is root (grader/confine.ts). With unshare, the fallback,
 * there are namespaces and limits but no filesystem walls, and no uid of its
 * own (the folder is not copied, so the programs must be able to write it).
 */
import { cpSync, existsSync, lchownSync, lstatSync, mkdtempSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findCommand } from '../harness/commands.js';
import { HarnessError } from '../harness/errors.js';
import type { Isolation } from '../harness/isolation.js';
import { NAMESPACED_DIR, SUITE_DIR_ENV } from '../harness/process.js';
import { REPO_ROOT } from '../harness/repo-root.js';
import { CONFINE_ENV, LIMITS, limitsPrefix, type Confinement } from './confine.js';
import type { Target } from './target.js';
import { workerEntry } from './worker.js';

/** Where a grade's worker runs: the command prefix, what the worker's environment adds, and how to clean up. */
export interface Sandbox {
  readonly prefix: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** One line for the grader's user: which sandbox, and what it walls. */
  readonly note: string;
  /** Removes the private copy, if there is one; safe to call twice. */
  close(): void;
}

/**
 * Extra paths (separated by `:`) the sandbox shows read-only even where it
 * hides their folder: data every submission may read, or a spec's lock file.
 */
export const SHOW_ENV = 'ACK_GRADER_SHOW';

/** Folders the sandbox empties: the grader's scratch space and the instructor's homes. */
export function hiddenRoots(): string[] {
  return [...new Set(['/tmp', '/root', '/home', homedir()])].filter((dir) => dir !== '/' && isDirectory(dir));
}

/** A submission folder holding more than this is not copied (it is not a submission). */
export const MAX_COPY_BYTES = 256 * 1024 ** 2;

/** The first uid the programs of a target may get; each grade takes one of its own above it. */
export const SANDBOX_UID_BASE = 1_600_000;

/** Folders of a submission not copied but shown read-only: big, and not the student's to write (a symlink is copied as one). */
const NOT_COPIED = ['node_modules', '.git'];

let uids = 0;

/** A uid no other grade running now has (this process's pid and a counter), so one target's processes never count against another's. */
function freshUid(): number {
  uids += 1;
  return SANDBOX_UID_BASE + (process.pid % 100_000) * 16 + (uids % 16);
}

/** The private copies not yet removed, so an interrupted grader removes them on its way out. */
const open = new Set<string>();
process.once('exit', () => {
  for (const dir of open) rmSync(dir, { recursive: true, force: true });
});

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

const inside = (path: string, dir: string): boolean => path === dir || path.startsWith(`${dir}/`);

/** What bwrap mounts for one target, as data. */
export interface MountPlan {
  /** Emptied (a fresh tmpfs). */
  readonly hide: readonly string[];
  /** Shown read-only again, though under a hidden folder. */
  readonly show: readonly string[];
  /** The private copy and where the programs see it. */
  readonly copy: { readonly from: string; readonly at: string };
  /** Shown read-only inside the copy, from the original: `[original, where]`. */
  readonly showInCopy: ReadonlyArray<readonly [string, string]>;
  /** Emptied after the copy is in place (the grader's reports). */
  readonly hideAfter: readonly string[];
  /** Writable, for the test suite's bookkeeping (coverage). */
  readonly writable: readonly string[];
  /** Whether the worker is root: then it keeps only the capabilities it needs to confine and stop the programs. */
  readonly root: boolean;
}

/** The capabilities the worker keeps where the grader is root. */
const WORKER_CAPABILITIES = ['CAP_SETUID', 'CAP_SETGID', 'CAP_KILL', 'CAP_NET_ADMIN'];

/**
 * bwrap's arguments for `plan`, in the order they must be applied: the root
 * read-only, fresh /dev and /proc, the hidden folders emptied and what is
 * needed from them shown again, the copy, what hides inside it.
 *
 * @example
 * bwrapMounts({ hide: ['/tmp'], show: [], copy: { from: '/tmp/c/sub', at: '/srv/sub' }, showInCopy: [], hideAfter: [], writable: [], root: true });
 * // ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp', '--bind', '/tmp/c/sub', '/srv/sub', ...]
 */
export function bwrapMounts(plan: MountPlan): string[] {
  // Shorter paths first: a folder is shown before anything inside it is.
  const byDepth = (list: readonly string[]): string[] => [...new Set(list)].sort((a, b) => a.length - b.length);
  // Only root may keep capabilities; it keeps those to start the programs as their uid, signal them,
  // and set its own network namespace's TCP settings (grader/sweep.ts). The programs keep none (grader/confine.ts).
  const caps = plan.root ? ['--cap-drop', 'ALL', ...WORKER_CAPABILITIES.flatMap((cap) => ['--cap-add', cap])] : [];
  // A folder bwrap makes on the way to a mount point in an emptied folder is 0700; --dir makes it 0755, so the programs' uid gets through.
  const made = new Set<string>();
  const way = (path: string): string[] => {
    const hidden = plan.hide.filter((dir) => inside(path, dir) && dir !== path).sort((a, b) => b.length - a.length)[0];
    if (hidden === undefined) return [];
    const folders: string[] = [];
    for (let dir = dirname(path); dir !== hidden && inside(dir, hidden); dir = dirname(dir)) folders.unshift(dir);
    return folders.filter((dir) => !made.has(dir) && made.add(dir)).flatMap((dir) => ['--dir', dir]);
  };
  return [
    ...['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc'],
    ...byDepth(plan.hide).flatMap((dir) => ['--tmpfs', dir]),
    ...byDepth(plan.show).flatMap((path) => [...way(path), '--ro-bind', path, path]),
    ...way(plan.copy.at),
    ...['--bind', plan.copy.from, plan.copy.at],
    ...plan.showInCopy.flatMap(([original, at]) => ['--ro-bind', original, at]),
    ...byDepth(plan.hideAfter).flatMap((dir) => ['--tmpfs', dir]),
    ...byDepth(plan.writable).flatMap((dir) => ['--bind', dir, dir]),
    ...caps,
    '--chdir',
    REPO_ROOT,
  ];
}

/** Copies `from` to `to` (symlinks as they are, no special files, nothing in `skip`), refusing more than {@link MAX_COPY_BYTES}. */
function copyFolder(from: string, to: string, skip: readonly string[]): void {
  let bytes = 0;
  cpSync(from, to, {
    recursive: true,
    verbatimSymlinks: true,
    preserveTimestamps: true,
    filter: (source) => {
      if (skip.includes(source)) return false;
      const stat = lstatSync(source);
      if (!stat.isFile() && !stat.isDirectory() && !stat.isSymbolicLink()) return false; // a socket or a fifo
      bytes += stat.size;
      if (bytes > MAX_COPY_BYTES) {
        throw new HarnessError(`${from} holds over ${MAX_COPY_BYTES / 1024 ** 2} MiB, too much to copy into the sandbox; point the target's "cwd" at the submission's own folder`);
      }
      return true;
    },
  });
}

/** Gives `dir` and everything in it to `uid` (symlinks themselves, not what they point to). */
function chownAll(dir: string, uid: number): void {
  lchownSync(dir, uid, uid);
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) lchownSync(join(dir, entry), uid, uid);
}

/** The folders an interpreter needs, for each program `target` starts: its install prefix (the folder above its bin/), resolved and not. */
function interpreterFolders(target: Target): string[] {
  const programs = [target.server, target.clients.X, target.clients.Y, ...(target.chat ? [target.chat.server, target.chat.clients.X, target.chat.clients.Y] : [])];
  const folders: string[] = [];
  for (const command of new Set(programs.map((program) => program.argv[0] ?? ''))) {
    const found = command === 'node' ? process.execPath : findCommand(command, target.cwd);
    if (found === undefined || inside(found, target.cwd)) continue; // a program of the submission's own comes with the copy
    for (const path of new Set([found, realpathSync(found)])) {
      const prefix = dirname(dirname(path));
      // A prefix that is a hidden folder itself (~/bin/python) shows only the program's own folder, not the whole home.
      folders.push(hiddenRoots().includes(prefix) ? dirname(path) : prefix);
    }
  }
  return folders;
}

/**
 * Builds the sandbox for grading `target` under `isolation`: with bwrap, the
 * private copy of its folder and the mounts around it; with unshare, the
 * namespaces and limits alone. Close it when the grade is done.
 *
 * @example
 * const sandbox = openSandbox(isolation, target);
 * try { await runInWorker(sandbox, job); } finally { sandbox.close(); }
 */
export function openSandbox(isolation: Extract<Isolation, { kind: 'namespace' }>, target: Target): Sandbox {
  if (isolation.tool === 'unshare') {
    const confinement: Confinement = { limits: LIMITS };
    return { prefix: [...isolation.prefix, ...limitsPrefix(confinement.limits)], env: { [CONFINE_ENV]: JSON.stringify(confinement) }, note: isolation.note, close: () => undefined };
  }
  const root = process.getuid?.() === 0;
  const uid = root ? freshUid() : undefined;
  const scratch = mkdtempSync(join(tmpdir(), 'ack-sandbox-'));
  open.add(scratch);
  try {
    const copy = join(scratch, 'submission');
    const reports = join(REPO_ROOT, 'reports');
    const notCopied = NOT_COPIED.map((name) => join(target.cwd, name)).filter((path) => existsSync(path) && lstatSync(path).isDirectory());
    const skip = [...notCopied, reports];
    copyFolder(target.cwd, copy, skip);
    if (uid !== undefined) chownAll(copy, uid);
    const hide = hiddenRoots();
    const entry = workerEntry();
    const modules = join(REPO_ROOT, 'node_modules');
    // The worker runs on the grader's own Node, wherever it is installed (npx's node@24 lives under ~/.npm).
    const graderNode = [process.execPath, realpathSync(process.execPath)].map((path) => dirname(dirname(path)));
    const needed = [REPO_ROOT, dirname(entry), ...(existsSync(modules) ? [realpathSync(modules)] : []), ...graderNode, ...interpreterFolders(target)];
    const shown = (process.env[SHOW_ENV] ?? '').split(':').filter((path) => path !== '' && existsSync(path));
    const suite = process.env[SUITE_DIR_ENV];
    const plan: MountPlan = {
      hide,
      show: [...needed.filter((path) => hide.some((dir) => inside(path, dir))), ...shown],
      copy: { from: copy, at: target.cwd },
      showInCopy: notCopied.map((path) => [path, path] as const),
      hideAfter: isDirectory(reports) ? [reports] : [],
      // The suite's bookkeeping: the count of what the worker starts (a grade's programs write no coverage: scenario-job.ts).
      writable: suite ? [join(suite, NAMESPACED_DIR)].filter(isDirectory) : [],
      root,
    };
    const confinement: Confinement = { limits: LIMITS, ...(uid === undefined ? {} : { uid }) };
    const who = uid === undefined ? '' : `, its programs as uid ${uid}`;
    return {
      // The worker starts under the limits it is told, and every program it starts inherits them (grader/confine.ts).
      prefix: [...isolation.prefix, ...bwrapMounts(plan), ...limitsPrefix(confinement.limits)],
      env: { [CONFINE_ENV]: JSON.stringify(confinement) },
      note: `${isolation.note}: ${target.cwd} is a private copy in ${copy}${who}`,
      close: () => {
        rmSync(scratch, { recursive: true, force: true });
        open.delete(scratch);
      },
    };
  } catch (error) {
    rmSync(scratch, { recursive: true, force: true });
    open.delete(scratch);
    throw error;
  }
}
