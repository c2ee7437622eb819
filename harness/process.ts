/**
 * A launched program: its output as it arrives, waits on that output and on
 * its exit, and a stop that always reaps it. Owned by a {@link Scene}, which
 * stops it when the test ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { appendFileSync, readFileSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { NAMESPACE_PIDS_ENV } from './isolation.js';
import { TerminalLineEnds } from './line-ends.js';
import type { Resource, Scene } from './scene.js';
import { linesOf, quoteBlock } from './text.js';
import { waitUntil } from './wait.js';

/** How a process ended. */
export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Where to start a program. */
export interface LaunchOptions {
  /** Shown in transcripts, e.g. `server` or `client X`. */
  readonly label: string;
  readonly argv: readonly string[];
  readonly cwd: string;
  /** Added to the inherited environment. */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Keep only the last this-many characters of each stream, for programs
   * that print far more than a test reads (a relay of a gigabyte, say): the
   * rest is read and dropped, so the program never blocks on a full pipe and
   * this process does not pile it up. {@link Child.bytes} still counts all of
   * it, and the transcript says how much was dropped. A line awaited with
   * {@link Child.waitForLine} must be awaited before it scrolls out.
   */
  readonly outputLimit?: number;
  /**
   * Start it as the leader of its own process group, and signal the whole
   * group: everything it starts (a grading worker's programs, a program that
   * forks) goes with it, even when it is killed without a chance to clean up.
   */
  readonly group?: boolean;
  /**
   * It is util-linux `script`, running the real program as its child in a
   * pseudo-terminal and a session of its own. Signals go to that child's
   * process group first, so the program stops at once and everything it
   * started with it, and the wrapper ends with it. Its standard output is the
   * terminal's: each CR LF the terminal ends a line with is read as LF
   * (harness/line-ends.ts). The program's standard error comes on fd 3, a
   * pipe apart from the terminal, and the wrapper's own on fd 2: both are its
   * stderr here.
   */
  readonly terminal?: boolean;
  /**
   * Start it as this uid and gid, with no supplementary groups (Node's
   * `spawn` sets them between fork and exec; the launcher needs CAP_SETUID
   * and CAP_SETGID). Absent: as this process's own.
   */
  readonly user?: { readonly uid: number; readonly gid: number };
}

/** What to match in a line: the whole line exactly, a substring, or a pattern. */
export type LineMatcher = string | { readonly contains: string } | RegExp;

/** Which output stream to look at. */
export type StreamName = 'stdout' | 'stderr';

/**
 * The suite's bookkeeping directory (set by spec/global-setup.ts): every
 * spawned pid is logged there, and child coverage is written there.
 */
export const SUITE_DIR_ENV = 'ACK_SUITE_DIR';

/** The spec file (relative to the repository) whose test is running, set per file by the suite: the pid log names it. */
export const SPEC_FILE_ENV = 'ACK_SPEC_FILE';

/**
 * The folder in the suite's bookkeeping directory where processes started
 * inside a PID namespace (a grading worker's) are counted: their pids name
 * other processes outside, so they are counted but not checked (the
 * namespace ends its own). The sandbox lets its worker write there.
 */
export const NAMESPACED_DIR = 'namespaced';

const STOP_GRACE_MS = 3000;

function matches(line: string, matcher: LineMatcher): boolean {
  if (typeof matcher === 'string') return line === matcher;
  if (matcher instanceof RegExp) return matcher.test(line);
  return line.includes(matcher.contains);
}

function describeMatcher(matcher: LineMatcher): string {
  if (typeof matcher === 'string') return `the line ${JSON.stringify(matcher)}`;
  if (matcher instanceof RegExp) return `a line matching ${String(matcher)}`;
  return `a line containing ${JSON.stringify(matcher.contains)}`;
}

/** A running (or finished) child process. Create with {@link launch}. */
export class Child implements Resource {
  readonly label: string;
  readonly #child: ChildProcess;
  readonly #scene: Scene;
  readonly #updates = new EventEmitter();
  readonly #output: Record<StreamName, string> = { stdout: '', stderr: '' };
  readonly #bytes: Record<StreamName, number> = { stdout: 0, stderr: 0 };
  readonly #limit: number | undefined;
  readonly #group: boolean;
  readonly #terminal: boolean;
  #exit: ExitStatus | undefined;
  readonly #closed: Promise<ExitStatus>;

  /**
   * Spawns the program at once, with all three standard streams piped and its
   * pid logged for the suite's leak check. Prefer {@link launch}, which also
   * hands the child to `scene` so that it is stopped when the scene ends.
   */
  constructor(scene: Scene, options: LaunchOptions) {
    this.label = options.label;
    this.#limit = options.outputLimit;
    this.#group = options.group === true;
    this.#terminal = options.terminal === true;
    this.#scene = scene;
    const [command, ...args] = options.argv;
    if (command === undefined) throw new Error(`${options.label}: empty argv`);
    this.#child = spawn(command === 'node' ? process.execPath : command, args, {
      cwd: options.cwd,
      env: childEnv(options.env, scene.coverage),
      stdio: this.#terminal ? ['pipe', 'pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe'],
      detached: this.#group,
      ...(options.user === undefined ? {} : { uid: options.user.uid, gid: options.user.gid }),
    });
    this.#updates.setMaxListeners(0);
    const streams: Array<[StreamName, Readable | null | undefined]> = [
      ['stdout', this.#child.stdout],
      ['stderr', this.#child.stderr],
      ['stderr', this.#child.stdio[3] as Readable | null | undefined],
    ];
    for (const [name, stream] of streams) {
      // Decoded here rather than with setEncoding, so that the bytes can be counted (a terminal's as the program wrote them).
      const decoder = new StringDecoder('utf8');
      const ends = name === 'stdout' && this.#terminal ? new TerminalLineEnds() : undefined;
      const take = (chunk: Buffer): string => {
        this.#bytes[name] += chunk.length;
        return decoder.write(chunk);
      };
      stream?.on('data', (chunk: Buffer) => this.#append(name, take(ends ? ends.push(chunk) : chunk)));
      stream?.on('end', () => this.#append(name, (ends ? take(ends.end()) : '') + decoder.end()));
    }
    this.#child.stdin?.on('error', () => {}); // writing to a program that already exited is not a harness failure
    this.#closed = new Promise((resolve) => {
      this.#child.on('error', (error) => {
        this.#output.stderr += `[harness] could not start ${command}: ${error.message}\n`;
        this.#exit = { code: null, signal: null };
        this.#updates.emit('update');
        resolve(this.#exit);
      });
      // 'close' waits for the output pipes too: a process that left a child holding them (a daemon that
      // kept our stderr, say) has still exited, so once it has, the pipes get a grace period to drain, then
      // are closed on our side.
      this.#child.on('exit', () => {
        const timer = setTimeout(() => {
          for (const stream of this.#child.stdio) stream?.destroy();
        }, STOP_GRACE_MS);
        timer.unref();
        this.#child.once('close', () => clearTimeout(timer));
      });
      this.#child.on('close', (code, signal) => {
        this.#exit = { code, signal };
        this.#updates.emit('update');
        resolve(this.#exit);
      });
    });
    if (this.#child.pid !== undefined) recordPid(this.#child.pid);
  }

  /** Adds decoded output to `stream`, keeping only the last {@link LaunchOptions.outputLimit} characters. */
  #append(stream: StreamName, text: string): void {
    if (text === '') return;
    const limit = this.#limit;
    if (limit === undefined) this.#output[stream] += text;
    else if (text.length >= limit) this.#output[stream] = text.slice(-limit);
    else this.#output[stream] = (this.#output[stream] + text).slice(-limit);
    this.#updates.emit('update');
  }

  /** The operating system's process id (undefined if it could not start). */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** How it ended, once it has. */
  get exit(): ExitStatus | undefined {
    return this.#exit;
  }

  /**
   * How many bytes the program has printed on `stream` so far, counting
   * those an {@link LaunchOptions.outputLimit} dropped.
   */
  bytes(stream: StreamName = 'stdout'): number {
    return this.#bytes[stream];
  }

  /** Everything printed on `stream` so far (only the kept end, with an {@link LaunchOptions.outputLimit}), raw. */
  output(stream: StreamName = 'stdout'): string {
    return this.#output[stream];
  }

  /** The lines printed on `stream` so far, ANSI stripped. */
  lines(stream: StreamName = 'stdout'): string[] {
    return linesOf(this.#output[stream]);
  }

  /**
   * Waits until a line on `stream` matches, and returns it. Fails at once if
   * the process exits without printing it, and after the bound otherwise.
   */
  async waitForLine(matcher: LineMatcher, stream: StreamName = 'stdout', timeoutMs?: number): Promise<string> {
    const error = new Error('waitForLine');
    const find = (): string | undefined => this.lines(stream).find((line) => matches(line, matcher));
    const what = `${this.label} to print ${describeMatcher(matcher)} on ${stream}`;
    await waitUntil({
      emitter: this.#updates,
      done: () => find() !== undefined || this.#exit !== undefined,
      what,
      context: () => this.#scene.transcript(),
      error,
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });
    const line = find();
    if (line !== undefined) return line;
    error.message = `${this.label} exited (${formatExit(this.#exit)}) without printing ${describeMatcher(matcher)} on ${stream}.\n\n${this.#scene.transcript()}`;
    throw error;
  }

  /**
   * Waits until `done(stdout, stderr)` holds or the process has exited;
   * true if it holds, false after the bound (no error: a caller that can go
   * on either way, such as typing at a prompt that may never show).
   */
  async waitForOutput(done: (stdout: string, stderr: string) => boolean, timeoutMs: number): Promise<boolean> {
    const holds = (): boolean => done(this.#output.stdout, this.#output.stderr);
    try {
      await waitUntil({
        emitter: this.#updates,
        done: () => holds() || this.#exit !== undefined,
        what: `${this.label}'s output`,
        context: () => '',
        timeoutMs,
      });
    } catch {
      return false;
    }
    return holds();
  }

  /** Waits for the process to exit and returns how it ended. */
  async waitForExit(timeoutMs?: number): Promise<ExitStatus> {
    const error = new Error('waitForExit');
    await waitUntil({
      emitter: this.#updates,
      done: () => this.#exit !== undefined,
      what: `${this.label} to exit`,
      context: () => this.#scene.transcript(),
      error,
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });
    return this.#closed;
  }

  /** Writes to the program's standard input. */
  write(text: string): void {
    this.#child.stdin?.write(text);
  }

  /** Closes the program's standard input (end of file). */
  endInput(): void {
    this.#child.stdin?.end();
  }

  /** Sends a signal if the process still runs (to its whole group, if it leads one). */
  signal(signal: NodeJS.Signals): void {
    if (this.#exit === undefined) this.#kill(signal);
  }

  /** Signals the process, or its group; a group already gone is not an error. */
  #kill(signal: NodeJS.Signals): void {
    const pid = this.#child.pid;
    if (this.#terminal && pid !== undefined) {
      // The wrapper ends when its program does; signalled itself, `script` would linger 2 s before it did.
      const children = childPids(pid);
      for (const child of children) signalGroup(child, signal);
      if (children.length > 0 && signal !== 'SIGKILL') return;
    }
    if (!this.#group || pid === undefined) {
      this.#child.kill(signal);
      return;
    }
    try {
      process.kill(-pid, signal);
    } catch {
      // ESRCH: every member has exited
    }
  }

  /**
   * Stops the process (SIGTERM, then SIGKILL after a grace period) and waits
   * until it is gone; a group leader's group gets SIGKILL once it is, so no
   * member outlives it.
   */
  async dispose(): Promise<void> {
    if (this.#exit === undefined) {
      this.#kill('SIGCONT'); // a stopped process would hold SIGTERM until continued
      this.#kill('SIGTERM');
      const timer = setTimeout(() => this.#kill('SIGKILL'), STOP_GRACE_MS); // guard: SIGTERM ignored
      await this.#closed;
      clearTimeout(timer);
    }
    if (this.#group) this.#kill('SIGKILL');
  }

  /**
   * The child's label, pid and state, and what it printed on each stream;
   * with an {@link LaunchOptions.outputLimit}, the heading of a stream that
   * was cut says how many bytes it printed in all.
   */
  transcript(): string {
    const state = this.#exit === undefined ? 'running' : `exited: ${formatExit(this.#exit)}`;
    const heading = (stream: StreamName): string => {
      const kept = this.#output[stream];
      const cut = this.#limit !== undefined && this.#bytes[stream] > Buffer.byteLength(kept);
      return cut ? `${stream} (the last ${kept.length} characters of ${this.#bytes[stream]} bytes):` : `${stream}:`;
    };
    return [
      `── ${this.label} (pid ${this.pid ?? '?'}, ${state})`,
      quoteBlock(heading('stdout'), this.#output.stdout),
      quoteBlock(heading('stderr'), this.#output.stderr),
    ].join('\n');
  }
}

/**
 * Lines that look like a stack trace (`    at fn (file.js:1:2)`) on the
 * stderr of any process in `scene`, labelled: a program must never show one.
 */
export function stackTraceLines(scene: Scene): string[] {
  return scene
    .resources()
    .filter((resource): resource is Child => resource instanceof Child)
    .flatMap((child) => child.lines('stderr').filter((line) => STACK_FRAME.test(line)).map((line) => `${child.label}: ${line}`));
}

const STACK_FRAME = /^\s+at .*(:\d+:\d+\)?|\(native\))$/;

/** The pids of `pid`'s children, from /proc (none where it cannot be read). */
function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Signals the process group `leader` leads (a session leader leads one); one already gone is not an error. */
function signalGroup(leader: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-leader, signal);
  } catch {
    // ESRCH: gone already
  }
}

/** Describes an exit status as a short phrase, e.g. `code 1` or `signal SIGKILL`. */
export function formatExit(exit: ExitStatus | undefined): string {
  if (exit === undefined) return 'still running';
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

/**
 * Starts a program owned by `scene`.
 *
 * @example
 * const server = launch(scene, { label: 'server', argv: ['node', 'dist/impl/server.js', '--port', '0'], cwd: root });
 * await server.waitForLine(/^Listening on/);
 */
export function launch(scene: Scene, options: LaunchOptions): Child {
  return scene.adopt(new Child(scene, options));
}

/**
 * Variables no program started here needs that make every Node start slower.
 * NODE_EXTRA_CA_CERTS names a file of certificates for TLS, which Node 20 reads
 * and parses at start-up (measured here: 130 ms of CPU per `node -e 0` with it,
 * 43 ms without; Node 24 reads it only on a first TLS connection). The
 * assignment is plain TCP on loopback, and the sandbox has no other network.
 */
const SLOW_START_ENV = ['NODE_EXTRA_CA_CERTS'] as const;

/**
 * `env` without {@link SLOW_START_ENV}.
 *
 * @example
 * spawn('node', ['-e', '0'], { env: withoutSlowStart({ ...process.env }) });
 */
export function withoutSlowStart(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  for (const name of SLOW_START_ENV) delete env[name];
  return env;
}

/**
 * Set by the suite (spec/global-setup.ts): the URL of the module that records
 * a Node program's coverage of impl/ into the suite's folder
 * (spec/coverage/preload.ts), which {@link childEnv} gives Node programs with
 * `--import`. Without it, NODE_V8_COVERAGE does that, at a higher cost.
 */
export const COVERAGE_PRELOAD_ENV = 'ACK_COVERAGE_PRELOAD';

/** `options` (a NODE_OPTIONS value) with `--import=url` added, or taken out; once at most. */
function withPreload(options: string | undefined, url: string, wanted: boolean): string {
  const flag = `--import=${url}`;
  const others = (options ?? '').split(' ').filter((option) => option !== '' && option !== flag);
  return [...others, ...(wanted ? [flag] : [])].join(' ');
}

/**
 * The environment for a program the suite or the grader starts: no colour, no
 * {@link SLOW_START_ENV}, and, while the suite runs and unless `coverage` is
 * false, V8 coverage into the suite's folder.
 */
export function childEnv(extra: Readonly<Record<string, string>> | undefined, coverage = true): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = withoutSlowStart({ ...process.env, ...extra });
  // Colour would only be stripped again; the programs under test must not depend on it.
  env.NO_COLOR = '1';
  delete env.FORCE_COLOR;
  const suiteDir = process.env[SUITE_DIR_ENV];
  // A program's own NODE_V8_COVERAGE (a target's env, or '' for a command line the suite runs without it) stands, and
  // then the preload goes too: inherited, it would follow the program into a sandbox that cannot see the repository.
  const preload = process.env[COVERAGE_PRELOAD_ENV];
  const own = extra?.NODE_V8_COVERAGE !== undefined;
  const recorded = coverage && !own && suiteDir !== undefined && suiteDir !== '';
  if (preload) env.NODE_OPTIONS = withPreload(env.NODE_OPTIONS, preload, recorded);
  if (env.NODE_OPTIONS === '') delete env.NODE_OPTIONS;
  if (!own) {
    if (recorded && !preload) env.NODE_V8_COVERAGE = join(suiteDir, 'v8');
    else if (recorded || !coverage) delete env.NODE_V8_COVERAGE;
  }
  return env;
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * When the process `pid` started, in clock ticks since boot (field 22 of
 * /proc/PID/stat), or undefined where there is no /proc or no such process.
 * A pid and its start time name one process: a pid alone may be reused by
 * another program once ours has exited.
 */
export function startTime(pid: number): string | undefined {
  try {
    return statFields(readFileSync(`/proc/${pid}/stat`, 'utf8'))[19];
  } catch {
    return undefined;
  }
}

/**
 * The fields of a /proc/PID/stat (or task/TID/stat) line after the command
 * name, from the state (field 3) on. The name is in parentheses and may
 * itself hold spaces and ") ", so the fields start after its last ')'.
 *
 * @example
 * statFields('42 (a) b) S 1 42 ...')[0]; // 'S'
 */
export function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/**
 * Whether the process logged as `pid` with start time `started` still runs:
 * the same pid with another start time is somebody else's process.
 */
export function isSameProcessAlive(pid: number, started: string | undefined): boolean {
  if (!isAlive(pid)) return false;
  return started === undefined || startTime(pid) === started;
}

/**
 * Logs a pid (with its start time, and the spec file that started it) in the
 * suite's bookkeeping, so the end of the run checks it is gone and counts the
 * processes each file started.
 */
export function recordPid(pid: number | undefined): void {
  const suiteDir = process.env[SUITE_DIR_ENV];
  if (!suiteDir || pid === undefined) return;
  const file = process.env[SPEC_FILE_ENV] ?? '-';
  if (process.env[NAMESPACE_PIDS_ENV] !== '1') {
    appendFileSync(join(suiteDir, 'pids'), `${pid} ${startTime(pid) ?? '-'} ${file}\n`);
    return;
  }
  countOnly(suiteDir, file);
}

/**
 * Counts a process this one ran and saw exit (a calibration probe, a check
 * run with spawnSync, a one-off tmux command): a start like any other in the
 * suite's process count, but already gone, so it is not in the leak check.
 * Its pid is not logged: by the end of the run it may be another program's.
 *
 * @example
 * const run = spawnSync('python3', ['--version']);
 * countFinished(run.pid);
 */
export function countFinished(pid: number | undefined): void {
  const suiteDir = process.env[SUITE_DIR_ENV];
  if (!suiteDir || pid === undefined || pid <= 0) return; // pid 0: spawnSync could not start it
  const file = process.env[SPEC_FILE_ENV] ?? '-';
  // `ended` where the start time goes: the figures show how many of the processes were run to their end.
  if (process.env[NAMESPACE_PIDS_ENV] !== '1') appendFileSync(join(suiteDir, 'pids'), `- ended ${file}\n`);
  else countOnly(suiteDir, file, 'ended');
}

/** Counts a process in the namespaced log, where pids mean nothing outside: counted, never checked. */
function countOnly(suiteDir: string, file: string, started: '-' | 'ended' = '-'): void {
  try {
    appendFileSync(join(suiteDir, NAMESPACED_DIR, 'pids'), `- ${started} ${file}\n`);
  } catch {
    // a sandbox that does not show the folder: the process is not counted, and nothing else depends on it
  }
}
