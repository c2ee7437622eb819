/**
 * A program run in a real terminal: a pseudo-terminal owned by a private
 * tmux server, so a spec can type at it (keys, Ctrl-D) and read its screen
 * as a person would see it, prompt redraws and cursor included.
 *
 * Waiting is event-driven, like the rest of the harness. A screen has no
 * change event of its own, but tmux's control mode (`tmux -C`) has one: a
 * control client attached to the session is sent `%output` each time the
 * program writes to the terminal, after tmux has applied those bytes to the
 * screen. Each `%output` makes the terminal re-read the screen (one
 * `capture-pane`, sent over the same control client, so no process per read;
 * several `%output`s during one read cost one more read, not one each), and
 * each fresh screen is an `update` for {@link waitUntil}. Nothing re-checks on
 * a timer.
 *
 * The program's exit is an event too: `remain-on-exit` keeps the dead pane
 * (and its exit status) around, and the `pane-died` hook signals a tmux
 * `wait-for` channel on which a `tmux wait-for` child is blocked; that child
 * exiting is the event, and the screen read it triggers carries the status.
 * One tmux quirk needs a second path: tmux linked with libutempter (Debian's,
 * for one) can miss the program's SIGCHLD, because libutempter swaps in its
 * own SIGCHLD handler while it updates utmp for the closing terminal
 * (tmux/tmux#311). The program then stays a zombie, the pane shows dead
 * without a status, and `pane-died` never fires; here about one exit in
 * three. So the control client also subscribes (`refresh-client -B`) to
 * the pane's dead/status/signal: tmux re-evaluates a subscription each second
 * and sends `%subscription-changed` when it changes, and "dead, no status"
 * makes the terminal send the tmux server (its own child) the SIGCHLD it
 * missed; tmux then reaps the program and `pane-died` fires as usual.
 *
 * Keys are sent with `tmux send-keys` as an argv (no tmux quoting to get
 * wrong). Every tmux process is ours and a child of this process: one server
 * per terminal, in the foreground (`tmux -D`), on its own socket
 * (`tmux -L ack-<random>`), never the user's server. Disposing sends the
 * program SIGHUP (what closing a terminal does) and waits for the pane to
 * die, then runs `kill-server` and waits for the server, the control client
 * and the wait-for client to exit, and removes the socket file tmux leaves.
 * Their pids and the program's go to the suite's pid log, so the end of the
 * run checks that they are gone too.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, rmSync, watch } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import stripAnsi from 'strip-ansi';
import { childEnv, formatExit, recordPid, type ExitStatus } from './process.js';
import type { Resource, Scene } from './scene.js';
import { HarnessError } from './target.js';
import { visible } from './text.js';
import { waitUntil } from './wait.js';

/** What tmux shows: the visible rows, what scrolled off above, and the cursor. */
export interface Screen {
  /** The visible rows, top to bottom; tmux trims each row's trailing spaces. */
  readonly rows: readonly string[];
  /** The rows that scrolled off the top, oldest first. */
  readonly history: readonly string[];
  /** Cursor position, 0-based: `x` is the column, `y` the visible row. */
  readonly cursor: { readonly x: number; readonly y: number };
}

/** Marks the cursor in {@link shown} lines. */
export const CURSOR = '█';

/**
 * The screen as lines a test can compare whole: every line shown so far
 * (history, then the visible rows, down to the last text or the cursor),
 * with the cursor drawn as {@link CURSOR}, e.g. `['Y: hi', 'X> half typ█']`.
 */
export function shown(screen: Screen): string[] {
  const lines = [...screen.history, ...screen.rows];
  const at = screen.history.length + screen.cursor.y;
  const row = (lines[at] ?? '').padEnd(screen.cursor.x);
  lines[at] = `${row.slice(0, screen.cursor.x)}${CURSOR}${row.slice(screen.cursor.x)}`;
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  return lines;
}

/**
 * The row the cursor is on, as far as the cursor: padded with the spaces
 * tmux trims, so a prompt `X> ` with the cursor after it reads `X> `.
 */
export function cursorLine(screen: Screen): string {
  return (screen.rows[screen.cursor.y] ?? '').padEnd(screen.cursor.x);
}

/** Where and how to start the program. */
export interface TerminalOptions {
  /** Shown in transcripts, e.g. `client X (terminal)`. */
  readonly label: string;
  /** The program and its arguments; `node` means this Node. No shell is involved. */
  readonly argv: readonly string[];
  readonly cwd: string;
  /** Added to the inherited environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Terminal size in characters (default 120 × 30). */
  readonly width?: number;
  readonly height?: number;
}

/** The tmux version found, if it is new enough; otherwise why it cannot be used (a skip reason). */
export function tmuxUnavailable(): string | undefined {
  const result = spawnSync('tmux', ['-V'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return 'tmux not installed (apt-get install tmux)';
  const version = /(\d+)\.(\d+)/.exec(result.stdout);
  const [major, minor] = [Number(version?.[1] ?? 0), Number(version?.[2] ?? 0)];
  // 3.3 for #{pane_dead_signal}; control-mode subscriptions and -D came in 3.2.
  if (major < 3 || (major === 3 && minor < 3)) return `tmux 3.3 or later needed, found ${result.stdout.trim() || 'an unknown version'}`;
  return undefined;
}

const STOP_GRACE_MS = 3000;
/** How much of the raw output a transcript quotes. */
const WRITTEN_SHOWN = 4000;
const SESSION = 'term';
const DIED_CHANNEL = 'pane-died';
/** A control-mode subscription: tmux re-evaluates it each second and reports changes. */
const EXIT_SUBSCRIPTION = 'exit';
const EXIT_FORMAT = '#{pane_dead} #{pane_dead_status} #{pane_dead_signal}';
/** What each screen read asks: dead?, status, signal number, cursor column, cursor row. */
const STATE_FORMAT = '#{pane_dead} #{pane_dead_status} #{pane_dead_signal} #{cursor_x} #{cursor_y}';

/** A program in a tmux pane. Create with {@link startTerminal}. */
export class Terminal implements Resource {
  readonly label: string;
  readonly #scene: Scene;
  readonly #options: TerminalOptions;
  readonly #socketName = `ack-${randomBytes(6).toString('hex')}`;
  readonly #updates = new EventEmitter();
  #screen: Screen = { rows: [], history: [], cursor: { x: 0, y: 0 } };
  #written = '';
  #exit: ExitStatus | undefined;
  #server: ChildProcess | undefined;
  #tmuxSaid = '';
  #serverClosed: Promise<void> = Promise.resolve();
  #serverGone = false;
  #socketPath: string | undefined;
  #panePid: number | undefined;
  #control: ChildProcess | undefined;
  #controlClosed: Promise<void> = Promise.resolve();
  #controlGone = false;
  #attached = false;
  #waiter: ChildProcess | undefined;
  #waiterClosed: Promise<void> = Promise.resolve();
  #pending: { resolve: (lines: string[]) => void; reject: (error: Error) => void }[] = [];
  #block: { number: string; lines: string[]; ours: boolean } | undefined;
  #partial = '';
  #reading = false;
  #readAgain = false;
  #disposed: Promise<void> | undefined;

  constructor(scene: Scene, options: TerminalOptions) {
    this.label = options.label;
    this.#scene = scene;
    this.#options = options;
    this.#updates.setMaxListeners(0);
  }

  /** The screen as last read (after the program's latest output). */
  get screen(): Screen {
    return this.#screen;
  }

  /** How the program ended, once it has. */
  get exit(): ExitStatus | undefined {
    return this.#exit;
  }

  /** Types `text` literally (no Enter): `send-keys -l`. */
  async type(text: string): Promise<void> {
    await this.#tmux(['send-keys', '-t', SESSION, '-l', '--', text]);
  }

  /** Presses keys by tmux name, e.g. `Enter`, `C-d`, `C-c`. */
  async press(...keys: string[]): Promise<void> {
    await this.#tmux(['send-keys', '-t', SESSION, ...keys]);
  }

  /**
   * Waits until `check(screen)` holds and returns that screen. Fails at once
   * if the program exits first, and after the bound otherwise; both errors
   * quote the scene's transcript, which includes this screen.
   */
  async waitForScreen(check: (screen: Screen) => boolean, what: string, timeoutMs?: number): Promise<Screen> {
    const error = new Error('waitForScreen');
    await waitUntil({
      emitter: this.#updates,
      done: () => check(this.#screen) || this.#exit !== undefined || this.#controlGone,
      what: `${this.label}'s screen to show ${what}`,
      context: () => this.#scene.transcript(),
      error,
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });
    if (check(this.#screen)) return this.#screen;
    const why = this.#exit ? `exited (${formatExit(this.#exit)})` : 'lost its tmux server';
    error.message = `${this.label} ${why} without its screen showing ${what}.\n\n${this.#scene.transcript()}`;
    throw error;
  }

  /** Waits for the program in the pane to exit and returns how it ended. */
  async waitForExit(timeoutMs?: number): Promise<ExitStatus> {
    const error = new Error('waitForExit');
    await waitUntil({
      emitter: this.#updates,
      done: () => this.#exit !== undefined || this.#controlGone,
      what: `${this.label} to exit`,
      context: () => this.#scene.transcript(),
      error,
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });
    if (this.#exit) return this.#exit;
    error.message = `${this.label} lost its tmux server before its program exited.\n\n${this.#scene.transcript()}`;
    throw error;
  }

  transcript(): string {
    const state = this.#exit === undefined ? 'running' : `exited: ${formatExit(this.#exit)}`;
    const { cursor } = this.#screen;
    const quote = (text: string): string => text.replace(/^/gm, '  | ');
    const lines = shown(this.#screen);
    return [
      `── ${this.label} (tmux -L ${this.#socketName}, ${this.#options.width ?? 120}×${this.#options.height ?? 30}, ${state})`,
      `screen (${this.#screen.history.length} row(s) of history above the visible ${this.#screen.rows.length}; ${CURSOR} is the cursor, at row ${cursor.y + 1}, column ${cursor.x + 1}):`,
      lines.length === 0 ? '  (blank)' : quote(lines.join('\n')),
      `written to the terminal (raw${this.#written.length > WRITTEN_SHOWN ? `, the last ${WRITTEN_SHOWN} characters` : ''}):`,
      this.#written === '' ? '  (nothing)' : quote(visible(this.#written.slice(-WRITTEN_SHOWN))),
      ...(this.#tmuxSaid.trim() === '' ? [] : ['tmux said:', quote(this.#tmuxSaid.trim())]),
    ].join('\n');
  }

  /** Starts the tmux server with the program in its one pane, and the two clients that report events. */
  async start(): Promise<void> {
    const { argv, width = 120, height = 30 } = this.#options;
    const [command, ...args] = argv;
    if (command === undefined) throw new HarnessError(`${this.label}: empty argv`);
    const env = this.#env();

    // The server runs in the foreground (-D) as our own child, so its exit is
    // an event we wait for, and nothing is left to a slow-reaping init. It is
    // ready once its socket exists and its start-up lock file `<socket>.lock`
    // is gone: tmux removes the lock only after bind, listen and chmod, while
    // the socket alone can exist a moment before the server listens. Both
    // are files in the directory -L uses, made here the way tmux makes it, so
    // it can be watched from before the server starts.
    const directory = join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid?.() ?? 0}`);
    this.#socketPath = join(directory, this.#socketName);
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    const watcher = watch(directory, (_, file) => {
      if (file === this.#socketName || file === `${this.#socketName}.lock`) this.#updates.emit('update');
    });
    try {
      const server = spawn('tmux', ['-L', this.#socketName, '-f', '/dev/null', '-D'], {
        cwd: this.#options.cwd,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      this.#server = server;
      for (const stream of [server.stdout, server.stderr]) {
        stream?.setEncoding('utf8');
        stream?.on('data', (text: string) => (this.#tmuxSaid += text));
      }
      this.#serverClosed = closed(server, () => {
        this.#serverGone = true;
        this.#updates.emit('update');
      });
      recordPid(server.pid);
      const socketPath = this.#socketPath;
      await waitUntil({
        emitter: this.#updates,
        done: () => (existsSync(socketPath) && !existsSync(`${socketPath}.lock`)) || this.#serverGone,
        what: `${this.label}'s tmux server to listen on ${socketPath}`,
        context: () => this.#scene.transcript(),
        error: new Error('startTerminal'),
      });
    } finally {
      watcher.close();
    }
    if (this.#serverGone) {
      throw new HarnessError(`${this.label}: the tmux server exited at once: ${this.#tmuxSaid.trim() || '(it printed nothing)'}`);
    }

    // Options and hook first, so they hold before the program can exit; these
    // commands cannot start a server of their own, so a slow start fails loudly.
    await this.#tmux([
      ...['set-option', '-g', 'remain-on-exit', 'on', ';'],
      ...['set-option', '-g', 'status', 'off', ';'],
      ...['set-hook', '-g', 'pane-died', `wait-for -S ${DIED_CHANNEL}`],
    ]);
    await this.#tmux([
      ...['new-session', '-d', '-s', SESSION, '-x', String(width), '-y', String(height), '-c', this.#options.cwd, '--'],
      command === 'node' ? process.execPath : command,
      ...args,
      // The size stays -x by -y whoever attaches (set after new-session: before any session, tmux 3.3a crashes).
      ...[';', 'set-option', '-g', 'window-size', 'manual'],
    ]);

    const control = spawn('tmux', ['-L', this.#socketName, '-C', 'attach-session', '-t', SESSION], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.#control = control;
    this.#controlClosed = closed(control, () => {
      this.#controlGone = true;
      for (const waiter of this.#pending.splice(0)) waiter.reject(new HarnessError(`${this.label}: the tmux control client exited`));
      this.#updates.emit('update');
    });
    control.stdin?.on('error', () => {}); // writing after the server is gone is not a failure
    control.stderr?.setEncoding('utf8');
    control.stderr?.on('data', (text: string) => (this.#tmuxSaid += text));
    control.stdout?.setEncoding('utf8');
    control.stdout?.on('data', (text: string) => this.#controlOutput(text));
    recordPid(control.pid);

    // Blocks until the pane-died hook signals the channel (or the server goes away).
    const waiter = spawn('tmux', ['-L', this.#socketName, 'wait-for', DIED_CHANNEL], { env, stdio: 'ignore' });
    this.#waiter = waiter;
    this.#waiterClosed = closed(waiter, (code) => {
      if (code === 0) this.#read();
    });
    recordPid(waiter.pid);

    // Commands sent before the attach completes run before it, and output in
    // between would be missed: wait for the attach (an event, too).
    await waitUntil({
      emitter: this.#updates,
      done: () => this.#attached || this.#controlGone,
      what: `${this.label}'s tmux control client to attach`,
      context: () => this.#scene.transcript(),
      error: new Error('startTerminal'),
    });
    const [ids] = await Promise.all([
      this.#command(`display-message -p -t ${SESSION} '#{pane_pid}'`),
      this.#command(`refresh-client -B '${EXIT_SUBSCRIPTION}::${EXIT_FORMAT}'`),
      this.#readNow(),
    ]);
    this.#panePid = Number(ids[0]) || undefined;
    recordPid(this.#panePid); // reaped by the server, which is ours
  }

  dispose(): Promise<void> {
    this.#disposed ??= this.#stop();
    return this.#disposed;
  }

  async #stop(): Promise<void> {
    if (this.#server === undefined) return;
    let failure: unknown;
    if (this.#exit === undefined && !this.#controlGone && this.#panePid !== undefined) {
      const pid = this.#panePid;
      signal(pid, 'SIGHUP'); // what closing a terminal window sends
      const timer = setTimeout(() => signal(pid, 'SIGKILL'), STOP_GRACE_MS); // guard: SIGHUP ignored
      try {
        await waitUntil({
          emitter: this.#updates,
          done: () => this.#exit !== undefined || this.#controlGone,
          what: `${this.label}'s program to exit after SIGHUP and SIGKILL`,
          context: () => this.transcript(),
          timeoutMs: 2 * STOP_GRACE_MS,
        });
      } catch (error) {
        failure = error;
      } finally {
        clearTimeout(timer);
      }
    }
    if (!this.#serverGone) await this.#tmux(['kill-server']).catch(() => this.#server?.kill('SIGTERM'));
    const stragglers = setTimeout(() => { // guard: a tmux process outliving kill-server
      for (const child of [this.#server, this.#control, this.#waiter]) child?.kill('SIGKILL'); // only if they outlive kill-server
    }, STOP_GRACE_MS);
    await Promise.all([this.#serverClosed, this.#controlClosed, this.#waiterClosed]).finally(() => clearTimeout(stragglers));
    if (this.#socketPath) rmSync(this.#socketPath, { force: true }); // tmux leaves its socket file behind
    if (failure !== undefined) throw failure;
  }

  /** The environment for every tmux process; the server passes it on to the program. */
  #env(): NodeJS.ProcessEnv {
    const env = childEnv(this.#options.env);
    delete env.TMUX; // run from inside tmux, these would point at the user's own server
    delete env.TMUX_PANE;
    return env;
  }

  /** Runs one tmux command against this terminal's server; rejects with its stderr. */
  #tmux(args: readonly string[]): Promise<void> {
    const env = this.#env();
    return new Promise((resolve, reject) => {
      execFile('tmux', ['-L', this.#socketName, '-f', '/dev/null', ...args], { env }, (error, _stdout, stderr) => {
        if (error) reject(new HarnessError(`${this.label}: tmux ${args[0] ?? ''} failed: ${stderr.trim() || error.message}`));
        else resolve();
      });
    });
  }

  /**
   * Sends a command over the control client; resolves with the lines of its
   * output block. Replies come back in the order the commands were sent.
   */
  #command(line: string): Promise<string[]> {
    if (this.#controlGone) return Promise.reject(new HarnessError(`${this.label}: the tmux control client exited`));
    return new Promise((resolve, reject) => {
      this.#pending.push({ resolve, reject });
      this.#control?.stdin?.write(`${line}\n`);
    });
  }

  /** Control-mode output: output blocks answer commands; `%output` says the screen changed. */
  #controlOutput(text: string): void {
    const lines = (this.#partial + text).split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) {
      if (this.#block) {
        const end = /^%(end|error) \d+ (\d+) (\d+)$/.exec(line);
        if (end && end[2] === this.#block.number) {
          const block = this.#block;
          this.#block = undefined;
          if (!block.ours) continue; // the attach command's own block
          const waiter = this.#pending.shift();
          if (end[1] === 'end') waiter?.resolve(block.lines);
          else waiter?.reject(new HarnessError(`${this.label}: tmux: ${block.lines.join(' ')}`));
        } else {
          this.#block.lines.push(line);
        }
        continue;
      }
      const begin = /^%begin \d+ (\d+) (\d+)$/.exec(line);
      if (begin) {
        this.#block = { number: begin[1] ?? '', lines: [], ours: begin[2] === '1' };
      } else if (line.startsWith('%session-changed ')) {
        this.#attached = true;
        this.#updates.emit('update');
      } else if (line.startsWith(`%subscription-changed ${EXIT_SUBSCRIPTION} `)) {
        const [dead, status = '', signalNumber = ''] = line.slice(line.indexOf(' : ') + 3).split(' ');
        // Dead without a status: tmux missed the SIGCHLD (see the module comment); make it look again.
        if (dead === '1' && status === '' && signalNumber === '' && this.#server?.pid !== undefined) signal(this.#server.pid, 'SIGCHLD');
        this.#read();
      } else if (line.startsWith('%output ')) {
        const value = line.slice(line.indexOf(' ', '%output '.length) + 1);
        this.#written += value.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
        this.#read();
      }
    }
  }

  /** Re-reads the screen; output arriving during a read causes one more read. */
  #read(): void {
    if (this.#reading) {
      this.#readAgain = true;
      return;
    }
    this.#reading = true;
    void this.#readNow()
      .catch(() => {}) // the control client is gone: its close already woke the waiters
      .finally(() => {
        this.#reading = false;
        if (this.#readAgain) {
          this.#readAgain = false;
          this.#read();
        }
      });
  }

  async #readNow(): Promise<void> {
    const [state, rows] = await Promise.all([
      this.#command(`display-message -p -t ${SESSION} '${STATE_FORMAT}'`),
      this.#command(`capture-pane -p -S - -t ${SESSION}`),
    ]);
    const [dead, status, signalNumber, x, y] = (state[0] ?? '').split(' ');
    const height = this.#options.height ?? 30;
    const captured = rows.map((row) => stripAnsi(row)); // plain already (no -e); stripped in case that changes
    this.#screen = {
      rows: captured.slice(-height),
      history: captured.slice(0, Math.max(0, captured.length - height)),
      cursor: { x: Number(x), y: Number(y) },
    };
    // Dead without a status or signal: the terminal closed but tmux has not reaped the program yet.
    if (dead === '1' && (status !== '' || signalNumber !== '') && this.#exit === undefined) {
      this.#exit = { code: status === '' ? null : Number(status), signal: signalName(signalNumber) };
    }
    this.#updates.emit('update');
  }
}

/**
 * Starts `options.argv` in a fresh terminal owned by `scene` and returns once
 * its first screen has been read.
 *
 * @example
 * const x = await startTerminal(scene, { label: 'client X', argv: ['node', 'dist/impl/client.js', ...], cwd: REPO_ROOT });
 * await x.waitForScreen((screen) => cursorLine(screen) === 'X> ', 'the prompt');
 * await x.type('hello');
 * await x.press('Enter');
 */
export async function startTerminal(scene: Scene, options: TerminalOptions): Promise<Terminal> {
  const terminal = scene.adopt(new Terminal(scene, options));
  await terminal.start();
  return terminal;
}

/** Resolves when `child` has closed; runs `then` first with its exit code. */
function closed(child: ChildProcess, then: (code: number | null) => void): Promise<void> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (code: number | null): void => {
      if (done) return;
      done = true;
      then(code);
      resolve();
    };
    child.on('error', () => finish(null)); // tmux vanished between the check and the spawn
    child.on('close', (code) => finish(code));
  });
}

function signalName(number: string | undefined): NodeJS.Signals | null {
  const wanted = Number(number);
  if (!number || !Number.isInteger(wanted)) return null;
  const found = Object.entries(constants.signals).find(([, value]) => value === wanted);
  return (found?.[0] as NodeJS.Signals | undefined) ?? null;
}

/** Signals a process this terminal started, if it still runs. */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}


// ─── Several programs side by side ──────────────────────────────────────────

/** One pane of {@link Panes}: a label for transcripts and the program it runs. */
export interface PaneOptions {
  /** e.g. `server` or `client X`. */
  readonly label: string;
  /** The program and its arguments; `node` means this Node. No shell is involved (unless the program is one). */
  readonly argv: readonly string[];
}

/** Where and how to start the panes. */
export interface PanesOptions {
  /** Shown in transcripts, e.g. `x-first panes`. */
  readonly label: string;
  /** The panes, left to right. */
  readonly panes: readonly PaneOptions[];
  readonly cwd: string;
  /** Added to the inherited environment of every pane. */
  readonly env?: Readonly<Record<string, string>>;
  /** Each pane's size in characters (default 80 × 24); one column of border separates neighbours. */
  readonly width?: number;
  readonly height?: number;
}

/** What one pane shows, as last read. */
export interface PaneView {
  readonly label: string;
  readonly screen: Screen;
  /**
   * The pane's title as its program last set it (`ESC ] 2 ; title BEL`),
   * e.g. from a shell's prompt; tmux's default is the host name.
   */
  readonly title: string;
  /** How the pane's program ended, once it has. */
  readonly exit: ExitStatus | undefined;
}

/** A pane's mutable state inside {@link Panes}. */
interface PaneState {
  readonly label: string;
  id: string;
  pid: number | undefined;
  screen: Screen;
  title: string;
  exit: ExitStatus | undefined;
  written: string;
}

const PANES_SUBSCRIPTION = 'panes-exit';

/**
 * Several programs in one tmux window, side by side, on a private tmux
 * server: what a person sees with a server and two clients in three panes.
 * Create with {@link startPanes}.
 *
 * It works like {@link Terminal} (see the module comment): one server per
 * instance on its own socket, in the foreground as our child; a control
 * client whose `%output %<pane>` notifications make it re-read the panes
 * (one `display-message` and one `capture-pane` per pane, over the control
 * client); `remain-on-exit` and the `pane-died` hook (a `tmux wait-for`
 * child, started again after each signal) make a program's exit an event;
 * and a subscription on every pane's dead/status/signal catches the exits
 * tmux linked with libutempter misses, sending its server the SIGCHLD it
 * lost. Disposing sends each live pane's program SIGHUP, waits for every
 * pane to die, then runs `kill-server` and waits for the tmux processes.
 * Nothing waits on a timer.
 */
export class Panes implements Resource {
  readonly label: string;
  readonly #scene: Scene;
  readonly #options: PanesOptions;
  readonly #socketName = `ack-${randomBytes(6).toString('hex')}`;
  readonly #updates = new EventEmitter();
  readonly #panes: PaneState[];
  #server: ChildProcess | undefined;
  #tmuxSaid = '';
  #serverClosed: Promise<void> = Promise.resolve();
  #serverGone = false;
  #socketPath: string | undefined;
  #control: ChildProcess | undefined;
  #controlClosed: Promise<void> = Promise.resolve();
  #controlGone = false;
  #attached = false;
  #waiters: Promise<void>[] = [];
  #waiter: ChildProcess | undefined;
  #stopping = false;
  #pending: { resolve: (lines: string[]) => void; reject: (error: Error) => void }[] = [];
  #block: { number: string; lines: string[]; ours: boolean } | undefined;
  #partial = '';
  #reading = false;
  #readAgain = false;
  #disposed: Promise<void> | undefined;

  constructor(scene: Scene, options: PanesOptions) {
    if (options.panes.length === 0) throw new HarnessError(`${options.label}: no panes`);
    this.label = options.label;
    this.#scene = scene;
    this.#options = options;
    this.#panes = options.panes.map((pane) => ({
      label: pane.label,
      id: '',
      pid: undefined,
      screen: { rows: [], history: [], cursor: { x: 0, y: 0 } },
      title: '',
      exit: undefined,
      written: '',
    }));
    this.#updates.setMaxListeners(0);
  }

  /** How many panes there are. */
  get count(): number {
    return this.#panes.length;
  }

  /** What pane `index` (0 is the leftmost) showed at the last read. */
  pane(index: number): PaneView {
    const { label, screen, title, exit } = this.#at(index);
    return { label, screen, title, exit };
  }

  /** Types `text` literally (no Enter) into pane `index`: `send-keys -l`. */
  async type(index: number, text: string): Promise<void> {
    await this.#tmux(['send-keys', '-t', this.#at(index).id, '-l', '--', text]);
  }

  /** Presses keys by tmux name in pane `index`, e.g. `Enter`, `C-d`. */
  async press(index: number, ...keys: string[]): Promise<void> {
    await this.#tmux(['send-keys', '-t', this.#at(index).id, ...keys]);
  }

  /**
   * Waits until `check` holds for pane `index` and returns that view. Fails
   * at once if the pane's program exits first (unless `check` accepts the
   * exited pane), and after the bound otherwise; both errors quote the
   * scene's transcript, which includes every pane's screen.
   */
  async waitFor(index: number, check: (pane: PaneView) => boolean, what: string, timeoutMs?: number): Promise<PaneView> {
    const error = new Error('waitFor');
    const pane = this.#at(index);
    await waitUntil({
      emitter: this.#updates,
      done: () => check(this.pane(index)) || pane.exit !== undefined || this.#controlGone,
      what: `${this.label}: ${pane.label}'s pane to show ${what}`,
      context: () => this.#scene.transcript(),
      error,
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });
    if (check(this.pane(index))) return this.pane(index);
    const why = pane.exit ? `exited (${formatExit(pane.exit)})` : 'lost its tmux server';
    error.message = `${this.label}: ${pane.label}'s program ${why} without its pane showing ${what}.\n\n${this.#scene.transcript()}`;
    throw error;
  }

  /**
   * Pane `index`'s rows as tmux captures them, history first, with the
   * colours and attributes as SGR escape sequences when `escapes` is set
   * (`capture-pane -p -e`); tmux trims trailing spaces.
   */
  async capture(index: number, options: { readonly escapes?: boolean } = {}): Promise<string[]> {
    return this.#command(`capture-pane -p ${options.escapes ? '-e ' : ''}-S - -t ${this.#at(index).id}`);
  }

  transcript(): string {
    const { width = 80, height = 24 } = this.#options;
    const quote = (text: string): string => text.replace(/^/gm, '  | ');
    const panes = this.#panes.map((pane) => {
      const state = pane.exit === undefined ? 'running' : `exited: ${formatExit(pane.exit)}`;
      const lines = shown(pane.screen);
      return [
        `  ${pane.label} (pane ${pane.id || '?'}, ${state}, title ${JSON.stringify(pane.title)}); screen, ${CURSOR} is the cursor:`,
        lines.length === 0 ? '  (blank)' : quote(lines.join('\n')),
        `  written to it (raw${pane.written.length > WRITTEN_SHOWN ? `, the last ${WRITTEN_SHOWN} characters` : ''}):`,
        pane.written === '' ? '  (nothing)' : quote(visible(pane.written.slice(-WRITTEN_SHOWN))),
      ].join('\n');
    });
    return [
      `── ${this.label} (tmux -L ${this.#socketName}, ${this.#panes.length} panes of ${width}×${height})`,
      ...panes,
      ...(this.#tmuxSaid.trim() === '' ? [] : ['tmux said:', quote(this.#tmuxSaid.trim())]),
    ].join('\n');
  }

  /** Starts the tmux server with one pane per program, and the clients that report events. */
  async start(): Promise<void> {
    const { width = 80, height = 24 } = this.#options;
    const argvs = this.#options.panes.map((pane) => {
      const [command, ...args] = pane.argv;
      if (command === undefined) throw new HarnessError(`${this.label}: ${pane.label} has an empty argv`);
      return [command === 'node' ? process.execPath : command, ...args];
    });
    const env = this.#env();

    // As in Terminal.start: ready once the socket exists and its lock file is gone.
    const directory = join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid?.() ?? 0}`);
    this.#socketPath = join(directory, this.#socketName);
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    const watcher = watch(directory, (_, file) => {
      if (file === this.#socketName || file === `${this.#socketName}.lock`) this.#updates.emit('update');
    });
    try {
      const server = spawn('tmux', ['-L', this.#socketName, '-f', '/dev/null', '-D'], {
        cwd: this.#options.cwd,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      this.#server = server;
      for (const stream of [server.stdout, server.stderr]) {
        stream?.setEncoding('utf8');
        stream?.on('data', (text: string) => (this.#tmuxSaid += text));
      }
      this.#serverClosed = closed(server, () => {
        this.#serverGone = true;
        this.#updates.emit('update');
      });
      recordPid(server.pid);
      const socketPath = this.#socketPath;
      await waitUntil({
        emitter: this.#updates,
        done: () => (existsSync(socketPath) && !existsSync(`${socketPath}.lock`)) || this.#serverGone,
        what: `${this.label}'s tmux server to listen on ${socketPath}`,
        context: () => this.#scene.transcript(),
        error: new Error('startPanes'),
      });
    } finally {
      watcher.close();
    }
    if (this.#serverGone) {
      throw new HarnessError(`${this.label}: the tmux server exited at once: ${this.#tmuxSaid.trim() || '(it printed nothing)'}`);
    }

    await this.#tmux([
      ...['set-option', '-g', 'remain-on-exit', 'on', ';'],
      ...['set-option', '-g', 'status', 'off', ';'],
      ...['set-hook', '-g', 'pane-died', `wait-for -S ${DIED_CHANNEL}`],
    ]);
    const [first, ...others] = argvs;
    const total = argvs.length * width + (argvs.length - 1);
    await this.#tmux([
      ...['new-session', '-d', '-s', SESSION, '-x', String(total), '-y', String(height), '-c', this.#options.cwd, '--'],
      ...(first ?? []),
      ...[';', 'set-option', '-g', 'window-size', 'manual'],
      // Each new pane splits the last one; the layout then makes them all `width` wide.
      ...others.flatMap((argv) => [';', 'split-window', '-h', '-d', '-t', `${SESSION}:0.{bottom-right}`, '-c', this.#options.cwd, '--', ...argv]),
      ...[';', 'select-layout', '-t', `${SESSION}:0`, 'even-horizontal'],
      ...[';', 'select-pane', '-t', `${SESSION}:0.0`],
    ]);

    const control = spawn('tmux', ['-L', this.#socketName, '-C', 'attach-session', '-t', SESSION], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.#control = control;
    this.#controlClosed = closed(control, () => {
      this.#controlGone = true;
      for (const waiter of this.#pending.splice(0)) waiter.reject(new HarnessError(`${this.label}: the tmux control client exited`));
      this.#updates.emit('update');
    });
    control.stdin?.on('error', () => {}); // writing after the server is gone is not a failure
    control.stderr?.setEncoding('utf8');
    control.stderr?.on('data', (text: string) => (this.#tmuxSaid += text));
    control.stdout?.setEncoding('utf8');
    control.stdout?.on('data', (text: string) => this.#controlOutput(text));
    recordPid(control.pid);
    this.#waitForDeaths();

    await waitUntil({
      emitter: this.#updates,
      done: () => this.#attached || this.#controlGone,
      what: `${this.label}'s tmux control client to attach`,
      context: () => this.#scene.transcript(),
      error: new Error('startPanes'),
    });
    const [listed] = await Promise.all([
      this.#command(`list-panes -t ${SESSION}:0 -F '#{pane_index} #{pane_id} #{pane_pid}'`),
      this.#command(`refresh-client -B '${PANES_SUBSCRIPTION}:%*:${EXIT_FORMAT}'`),
    ]);
    for (const line of listed) {
      const [index, id, pid] = line.split(' ');
      const pane = this.#panes[Number(index)];
      if (pane === undefined || id === undefined) continue;
      pane.id = id;
      pane.pid = Number(pid) || undefined;
      recordPid(pane.pid); // reaped by the server, which is ours
    }
    const missing = this.#panes.filter((pane) => pane.id === '');
    if (missing.length > 0) throw new HarnessError(`${this.label}: tmux listed no pane for ${missing.map((pane) => pane.label).join(', ')}`);
    await this.#readNow();
  }

  dispose(): Promise<void> {
    this.#disposed ??= this.#stop();
    return this.#disposed;
  }

  async #stop(): Promise<void> {
    if (this.#server === undefined) return;
    this.#stopping = true;
    let failure: unknown;
    const live = this.#panes.filter((pane) => pane.exit === undefined && pane.pid !== undefined);
    if (live.length > 0 && !this.#controlGone) {
      for (const pane of live) signal(pane.pid ?? 0, 'SIGHUP'); // what closing a terminal window sends
      const timer = setTimeout(() => { // guard: SIGHUP ignored
        for (const pane of live) if (pane.exit === undefined) signal(pane.pid ?? 0, 'SIGKILL');
      }, STOP_GRACE_MS);
      try {
        await waitUntil({
          emitter: this.#updates,
          done: () => live.every((pane) => pane.exit !== undefined) || this.#controlGone,
          what: `${this.label}'s programs to exit after SIGHUP and SIGKILL`,
          context: () => this.transcript(),
          timeoutMs: 2 * STOP_GRACE_MS,
        });
      } catch (error) {
        failure = error;
      } finally {
        clearTimeout(timer);
      }
    }
    if (!this.#serverGone) await this.#tmux(['kill-server']).catch(() => this.#server?.kill('SIGTERM'));
    const stragglers = setTimeout(() => { // guard: a tmux process outliving kill-server
      for (const child of [this.#server, this.#control, this.#waiter]) child?.kill('SIGKILL');
    }, STOP_GRACE_MS);
    await Promise.all([this.#serverClosed, this.#controlClosed, ...this.#waiters]).finally(() => clearTimeout(stragglers));
    if (this.#socketPath) rmSync(this.#socketPath, { force: true }); // tmux leaves its socket file behind
    if (failure !== undefined) throw failure;
  }

  #at(index: number): PaneState {
    const pane = this.#panes[index];
    if (pane === undefined) throw new HarnessError(`${this.label}: there is no pane ${index} (there are ${this.#panes.length})`);
    return pane;
  }

  /**
   * Blocks a `tmux wait-for` child on the pane-died channel; when the hook
   * signals it, re-reads the panes and blocks another, until disposal or
   * until the server is gone.
   */
  #waitForDeaths(): void {
    const waiter = spawn('tmux', ['-L', this.#socketName, 'wait-for', DIED_CHANNEL], { env: this.#env(), stdio: 'ignore' });
    this.#waiter = waiter;
    recordPid(waiter.pid);
    this.#waiters.push(
      closed(waiter, (code) => {
        if (code !== 0) return; // the server went away
        this.#read();
        if (!this.#stopping && !this.#serverGone && !this.#controlGone) this.#waitForDeaths();
      }),
    );
  }

  #env(): NodeJS.ProcessEnv {
    const env = childEnv(this.#options.env);
    delete env.TMUX; // run from inside tmux, these would point at the user's own server
    delete env.TMUX_PANE;
    return env;
  }

  #tmux(args: readonly string[]): Promise<void> {
    const env = this.#env();
    return new Promise((resolve, reject) => {
      execFile('tmux', ['-L', this.#socketName, '-f', '/dev/null', ...args], { env }, (error, _stdout, stderr) => {
        if (error) reject(new HarnessError(`${this.label}: tmux ${args[0] ?? ''} failed: ${stderr.trim() || error.message}`));
        else resolve();
      });
    });
  }

  #command(line: string): Promise<string[]> {
    if (this.#controlGone) return Promise.reject(new HarnessError(`${this.label}: the tmux control client exited`));
    return new Promise((resolve, reject) => {
      this.#pending.push({ resolve, reject });
      this.#control?.stdin?.write(`${line}\n`);
    });
  }

  #controlOutput(text: string): void {
    const lines = (this.#partial + text).split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) {
      if (this.#block) {
        const end = /^%(end|error) \d+ (\d+) (\d+)$/.exec(line);
        if (end && end[2] === this.#block.number) {
          const block = this.#block;
          this.#block = undefined;
          if (!block.ours) continue; // the attach command's own block
          const waiter = this.#pending.shift();
          if (end[1] === 'end') waiter?.resolve(block.lines);
          else waiter?.reject(new HarnessError(`${this.label}: tmux: ${block.lines.join(' ')}`));
        } else {
          this.#block.lines.push(line);
        }
        continue;
      }
      const begin = /^%begin \d+ (\d+) (\d+)$/.exec(line);
      if (begin) {
        this.#block = { number: begin[1] ?? '', lines: [], ours: begin[2] === '1' };
      } else if (line.startsWith('%session-changed ')) {
        this.#attached = true;
        this.#updates.emit('update');
      } else if (line.startsWith(`%subscription-changed ${PANES_SUBSCRIPTION} `)) {
        const [dead, status = '', signalNumber = ''] = line.slice(line.indexOf(' : ') + 3).split(' ');
        // Dead without a status: tmux missed the SIGCHLD (see the module comment); make it look again.
        if (dead === '1' && status === '' && signalNumber === '' && this.#server?.pid !== undefined) signal(this.#server.pid, 'SIGCHLD');
        this.#read();
      } else if (line.startsWith('%output ')) {
        const [, id = ''] = line.split(' ', 2);
        const value = line.slice('%output '.length + id.length + 1);
        const pane = this.#panes.find((candidate) => candidate.id === id);
        if (pane) {
          pane.written += value.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
          if (pane.written.length > 4 * WRITTEN_SHOWN) pane.written = pane.written.slice(-WRITTEN_SHOWN);
        }
        this.#read();
      }
    }
  }

  /** Re-reads every pane; output arriving during a read causes one more read. */
  #read(): void {
    if (this.#reading) {
      this.#readAgain = true;
      return;
    }
    this.#reading = true;
    void this.#readNow()
      .catch(() => {}) // the control client is gone: its close already woke the waiters
      .finally(() => {
        this.#reading = false;
        if (this.#readAgain) {
          this.#readAgain = false;
          this.#read();
        }
      });
  }

  async #readNow(): Promise<void> {
    const height = this.#options.height ?? 24;
    const panes = this.#panes.filter((pane) => pane.id !== '');
    const reads = await Promise.all(
      panes.map((pane) =>
        Promise.all([
          this.#command(`display-message -p -t ${pane.id} '${STATE_FORMAT} #{pane_title}'`),
          this.#command(`capture-pane -p -S - -t ${pane.id}`),
        ]),
      ),
    );
    panes.forEach((pane, index) => {
      const [state = [], rows = []] = reads[index] ?? [];
      const [dead, status, signalNumber, x, y, ...title] = (state[0] ?? '').split(' ');
      const captured = rows.map((row) => stripAnsi(row));
      pane.screen = {
        rows: captured.slice(-height),
        history: captured.slice(0, Math.max(0, captured.length - height)),
        cursor: { x: Number(x), y: Number(y) },
      };
      pane.title = title.join(' ');
      // Dead without a status or signal: the terminal closed but tmux has not reaped the program yet.
      if (dead === '1' && (status !== '' || signalNumber !== '') && pane.exit === undefined) {
        pane.exit = { code: status === '' ? null : Number(status), signal: signalName(signalNumber) };
      }
    });
    this.#updates.emit('update');
  }
}

/**
 * Starts `options.panes` side by side in a fresh tmux window owned by
 * `scene`, and returns once every pane has been read once.
 *
 * @example
 * const panes = await startPanes(scene, { label: 'demo', panes: [{ label: 'server', argv: ['bash'] }, ...], cwd: REPO_ROOT });
 * await panes.type(0, 'node dist/impl/server.js --port 0');
 * await panes.press(0, 'Enter');
 * await panes.waitFor(0, (pane) => shown(pane.screen).some((line) => line.startsWith('Listening on')), '"Listening on"');
 */
export async function startPanes(scene: Scene, options: PanesOptions): Promise<Panes> {
  const panes = scene.adopt(new Panes(scene, options));
  await panes.start();
  return panes;
}
