/**
 * Programs in the panes of one window on a private tmux server, driven as a
 * person would: keys typed with `send-keys`, each pane's screen, cursor,
 * title and exit status read back. The machinery under `terminal.ts` (one
 * program, typed at key by key) and `panes.ts` (several side by side).
 *
 * Every wait is an event. tmux's control mode (`tmux -C`) sends an attached
 * client `%output` each time a program writes to its terminal, after tmux has
 * applied the bytes to the screen. Each `%output` re-reads the panes
 * (`display-message` and `capture-pane`, over the same client, so no process
 * per read; output during a read costs one more read, not one each), and
 * each read is an `update` for {@link TmuxWindow.waitFor}. No timer re-checks.
 *
 * A program's exit is an event too: `remain-on-exit` keeps the dead pane and
 * its status, and the `pane-died` hook signals a `wait-for` channel on which
 * a `tmux wait-for` child is blocked; that child exiting is the event (another
 * is started for the next death). tmux linked with libutempter (Debian's, for
 * one) can miss the program's SIGCHLD, because libutempter swaps in its own
 * SIGCHLD handler while it updates utmp for the closing terminal
 * (tmux/tmux#311): the program stays a zombie, the pane shows dead without a
 * status, and `pane-died` never fires; here about one exit in three. So the
 * control client also subscribes (`refresh-client -B`) to every pane's
 * dead/status/signal, which tmux re-evaluates each second, reporting changes
 * with `%subscription-changed`; "dead, no status" makes us send the tmux
 * server (our child) the SIGCHLD it missed, and tmux then reaps the program
 * and `pane-died` fires as usual.
 *
 * Every tmux process is our child: one server per window, in the foreground
 * (`-D`), on its own socket (`-L ack-<random>`, `-f /dev/null`), never the
 * user's server. Stopping sends each live program SIGHUP (what closing a
 * terminal does) and waits for its pane to die, runs `kill-server`, waits for
 * the server and both clients to exit, and removes the socket file tmux
 * leaves. Every pid goes to the suite's pid log, so the end of the run checks
 * that they are gone too.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, rmSync, watch } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import stripAnsi from 'strip-ansi';
import { childEnv, countFinished, type ExitStatus, formatExit, recordPid } from './process.js';
import { tryCommand } from './commands.js';
import { HarnessError } from './errors.js';
import type { Screen } from './terminal.js';
import { waitUntil } from './wait.js';

/** The tmux version found, if it is new enough; otherwise why it cannot be used (a skip reason). */
export function tmuxUnavailable(): string | undefined {
  const result = tryCommand(['tmux', '-V']);
  if (!result.ok) return 'tmux not installed (apt-get install tmux)';
  const version = /(\d+)\.(\d+)/.exec(result.said);
  const [major, minor] = [Number(version?.[1] ?? 0), Number(version?.[2] ?? 0)];
  // 3.3 for #{pane_dead_signal}; control-mode subscriptions and -D came in 3.2.
  if (major < 3 || (major === 3 && minor < 3)) return `tmux 3.3 or later needed, found ${result.said || 'an unknown version'}`;
  return undefined;
}

/** Where programs run in tmux, at what size, and what transcripts call them. */
export interface TmuxPlacement {
  /** Shown in transcripts and errors, e.g. `client X (terminal)` or `x-first panes`. */
  readonly label: string;
  readonly cwd: string;
  /** Added to the inherited environment of tmux, and so of every program. */
  readonly env?: Readonly<Record<string, string>>;
  /** Each pane's size in characters; one column of border separates neighbours. */
  readonly width?: number;
  readonly height?: number;
}

/** What a {@link TmuxWindow} runs, where, and at what size. */
export interface WindowOptions extends TmuxPlacement {
  /** The programs (`node` means this Node), one pane each, left to right; at least one. */
  readonly panes: readonly { readonly label: string; readonly argv: readonly string[] }[];
  readonly width: number;
  readonly height: number;
  /** What a wait that times out quotes: usually the scene's transcript. */
  readonly context: () => string;
}

/** One pane, as last read. */
export interface Pane {
  readonly label: string;
  /** tmux's pane id, e.g. `%0`; empty until the window has started. */
  readonly id: string;
  /** The program's pid (the tmux server's child). */
  readonly pid: number | undefined;
  readonly screen: Screen;
  /** The title the program last set (`ESC ] 2 ; title BEL`), e.g. from a shell's prompt; tmux's default is the host name. */
  readonly title: string;
  /** How the program ended, once it has. */
  readonly exit: ExitStatus | undefined;
  /** What the program wrote to its terminal, raw, as `%output` reported it: the last 8,000 characters at least. */
  readonly written: string;
}

type PaneState = { -readonly [K in keyof Pane]: Pane[K] };
type Waiting = { readonly what: string; readonly failed: (why: string) => string; readonly error: Error; readonly timeoutMs?: number | undefined };
/** A tmux process of ours, followed until it closes. */
type Tracked = ReturnType<typeof track>;

const STOP_GRACE_MS = 3000;
const WRITTEN_KEPT = 8000;
const SESSION = 'term';
const DIED_CHANNEL = 'pane-died';
/** A control-mode subscription: tmux re-evaluates it each second and reports changes. */
const EXIT_SUBSCRIPTION = 'exit';
const EXIT_FORMAT = '#{pane_dead} #{pane_dead_status} #{pane_dead_signal}';
/** What each pane read asks: dead?, status, signal number, cursor column and row, title. */
const STATE_FORMAT = `${EXIT_FORMAT} #{cursor_x} #{cursor_y} #{pane_title}`;
/** What creating a pane prints (`-P -F`). */
const CREATED_FORMAT = '#{pane_id} #{pane_pid}';

/**
 * Programs in the panes of one window on a private tmux server, with the
 * clients that turn their output and exits into events (see the module
 * comment). Its owner, a scene resource, calls `stop` to dispose of it.
 *
 * @example
 * const tmux = new TmuxWindow({ label: 'demo', panes: [{ label: 'shell', argv: ['bash'] }], cwd: REPO_ROOT, width: 80, height: 24, context: () => scene.transcript() });
 * await tmux.start();
 * await tmux.sendKeys(0, '-l', '--', 'echo hi');
 * await tmux.sendKeys(0, 'Enter');
 * const failed = (why: string): string => `the shell ${why} before printing "hi"`;
 * await tmux.waitFor(0, (pane) => pane.screen.rows.find((row) => row === 'hi'), { what: 'the shell to print "hi"', failed, error: new Error('waitFor') });
 * await tmux.stop(() => scene.transcript());
 */
export class TmuxWindow {
  /** The private server's socket name (`tmux -L <name>`). */
  readonly socketName = `ack-${randomBytes(6).toString('hex')}`;
  readonly #options: WindowOptions;
  readonly #updates = new EventEmitter();
  readonly #panes: PaneState[];
  #said = '';
  #socketPath: string | undefined;
  #server: Tracked | undefined;
  #control: Tracked | undefined;
  #waiters: Tracked[] = [];
  #attached = false;
  #stopped: Promise<void> | undefined;
  #pending: { resolve: (lines: string[]) => void; reject: (error: Error) => void }[] = [];
  #block: { number: string; lines: string[]; ours: boolean } | undefined;
  #partial = '';
  #reading = false;
  #readAgain = false;

  /**
   * Checks there is at least one pane and sets up its bookkeeping; starts
   * nothing, so that the owner can adopt the window before {@link TmuxWindow.start}
   * (which may fail half-way) and still have it stopped.
   */
  constructor(options: WindowOptions) {
    if (options.panes.length === 0) throw new HarnessError(`${options.label}: no panes`);
    this.#options = options;
    const screen = { rows: [], history: [], cursor: { x: 0, y: 0 } };
    this.#panes = options.panes.map(({ label }) => ({ label, id: '', pid: undefined, screen, title: '', exit: undefined, written: '' }));
    this.#updates.setMaxListeners(0);
  }

  /** Every pane as last read, left to right. */
  get panes(): readonly Pane[] {
    return this.#panes;
  }

  /** Each pane's size, e.g. `80×24`, for transcripts. */
  get size(): string {
    return `${this.#options.width}×${this.#options.height}`;
  }

  /** What the tmux processes printed (their errors), for transcripts. */
  get said(): string {
    return this.#said;
  }

  /** Pane `index` (0 is the leftmost) as last read. */
  pane(index: number): Pane {
    const pane = this.#panes[index];
    if (pane === undefined) throw new HarnessError(`${this.#options.label}: there is no pane ${index} (there are ${this.#panes.length})`);
    return pane;
  }

  /** `tmux send-keys` into pane `index`, as an argv (no tmux quoting to get wrong): key names, or `-l -- text`. */
  async sendKeys(index: number, ...args: string[]): Promise<void> {
    await this.#tmux(['send-keys', '-t', this.pane(index).id, ...args]);
  }

  /**
   * Pane `index`'s rows as tmux captures them, history first, with the
   * colours and attributes as SGR escape sequences when `escapes` is set
   * (`capture-pane -p -e`); tmux trims trailing spaces.
   */
  capture(index: number, escapes: boolean): Promise<string[]> {
    return this.#command(`capture-pane -p ${escapes ? '-e ' : ''}-S - -t ${this.pane(index).id}`);
  }

  /**
   * Waits until `find(pane)` finds something in pane `index`, re-checking at
   * each event (a read, a tmux process exiting), and returns it. If the
   * pane's program exits first or the server is lost, fails at once with
   * `failed(why)` (`why` is e.g. `exited (code 1)`); after the bound
   * (`timeoutMs`, default wait.ts's) with a timeout naming `what`; both
   * quote the context. The caller makes `error` before waiting, so that its
   * stack names the line that waited.
   */
  async waitFor<T>(index: number, find: (pane: Pane) => T | undefined, wait: Waiting): Promise<T> {
    const pane = this.pane(index);
    await this.#until(() => find(pane) !== undefined || pane.exit !== undefined, wait.what, wait.error, wait.timeoutMs);
    const found = find(pane);
    if (found !== undefined) return found;
    wait.error.message = `${wait.failed(pane.exit ? `exited (${formatExit(pane.exit)})` : 'lost its tmux server')}\n\n${this.#options.context()}`;
    throw wait.error;
  }

  /** Starts the server with one pane per program and the clients that report events; returns once every pane has been read. */
  async start(): Promise<void> {
    const { label, width, height, cwd } = this.#options;
    const argvs = this.#options.panes.map((pane) => {
      const [command, ...args] = pane.argv;
      if (command === undefined) throw new HarnessError(`${label}: ${pane.label} has an empty argv`);
      return [command === 'node' ? process.execPath : command, ...args];
    });
    await this.#startServer();
    // Options and hook first, so they hold before a program can exit; these
    // commands cannot start a server of their own, so a slow start fails loudly.
    await this.#tmux([
      ...['set-option', '-g', 'remain-on-exit', 'on', ';'],
      ...['set-option', '-g', 'status', 'off', ';'],
      ...['set-hook', '-g', 'pane-died', `wait-for -S ${DIED_CHANNEL}`],
    ]);
    const [first = [], ...others] = argvs;
    const created = await this.#tmux([
      ...['new-session', '-d', '-s', SESSION, '-x', String(argvs.length * (width + 1) - 1), '-y', String(height)],
      ...['-P', '-F', CREATED_FORMAT, '-c', cwd, '--', ...first],
      // The size stays as set whoever attaches (set after new-session: before any session, tmux 3.3a crashes).
      ...[';', 'set-option', '-g', 'window-size', 'manual'],
      // Each new pane splits the last one; the layout then makes them all `width` wide.
      ...others.flatMap((argv) => [';', 'split-window', '-h', '-d', '-t', `${SESSION}:0.{bottom-right}`, '-P', '-F', CREATED_FORMAT, '-c', cwd, '--', ...argv]),
      ...(others.length === 0 ? [] : [';', 'select-layout', '-t', `${SESSION}:0`, 'even-horizontal', ';', 'select-pane', '-t', `${SESSION}:0.0`]),
    ]);
    created.split('\n').forEach((line, index) => {
      const [id, pid] = line.split(' ');
      const pane = this.#panes[index];
      if (pane === undefined || !id) return;
      [pane.id, pane.pid] = [id, Number(pid) || undefined];
      recordPid(pane.pid); // reaped by the server, which is ours
    });
    const missing = this.#panes.filter((pane) => pane.id === '').map((pane) => pane.label);
    if (missing.length > 0) throw new HarnessError(`${label}: tmux made no pane for ${missing.join(', ')}`);

    this.#attach();
    this.#waitForDeaths();
    // Commands sent before the attach completes run before it, and output in
    // between would be missed: wait for the attach (an event, too).
    await this.#until(() => this.#attached, `${label}'s tmux control client to attach`, new Error('attach'));
    await Promise.all([this.#command(`refresh-client -B '${EXIT_SUBSCRIPTION}:%*:${EXIT_FORMAT}'`), this.#readNow()]);
  }

  /**
   * Stops every program and tmux process (see the module comment) and waits
   * until they are gone; safe to call twice. A program that outlives SIGHUP
   * and SIGKILL makes it fail, quoting `context` (its owner's transcript).
   */
  stop(context: () => string): Promise<void> {
    this.#stopped ??= this.#stop(context);
    return this.#stopped;
  }

  async #stop(context: () => string): Promise<void> {
    if (this.#server === undefined) return;
    let failure: unknown;
    const live = this.#panes.filter((pane) => pane.exit === undefined && pane.pid !== undefined);
    if (live.length > 0 && !this.#lost()) {
      const signalLive = (name: NodeJS.Signals): void => {
        for (const pane of live) if (pane.exit === undefined) signal(pane.pid ?? 0, name);
      };
      signalLive('SIGHUP'); // what closing a terminal window sends
      const timer = setTimeout(() => signalLive('SIGKILL'), STOP_GRACE_MS); // guard: SIGHUP ignored
      const what = `${this.#options.label}'s ${live.length === 1 ? 'program' : 'programs'} to exit after SIGHUP and SIGKILL`;
      const done = (): boolean => live.every((pane) => pane.exit !== undefined) || this.#lost();
      await waitUntil({ emitter: this.#updates, done, what, context, timeoutMs: 2 * STOP_GRACE_MS })
        .catch((error: unknown) => (failure = error))
        .finally(() => clearTimeout(timer));
    }
    const server = this.#server;
    if (!server.gone()) await this.#tmux(['kill-server']).catch(() => server.child.kill('SIGTERM'));
    const ours = [server, ...(this.#control ? [this.#control] : []), ...this.#waiters];
    const stragglers = setTimeout(() => { // guard: a tmux process outliving kill-server
      for (const { child, gone } of ours) if (!gone()) child.kill('SIGKILL');
    }, STOP_GRACE_MS);
    await Promise.all(ours.map(({ closed }) => closed)).finally(() => clearTimeout(stragglers));
    if (this.#socketPath) rmSync(this.#socketPath, { force: true }); // tmux leaves its socket file behind
    if (failure !== undefined) throw failure;
  }

  /**
   * Starts the server, in the foreground (-D) as our own child, so its exit
   * is an event we wait for, and nothing is left to a slow-reaping init. It
   * is ready once its socket exists and its start-up lock file
   * `<socket>.lock` is gone: tmux removes the lock only after bind, listen
   * and chmod, while the socket alone can exist a moment before the server
   * listens. Both are files in the directory -L uses, made here the way tmux
   * makes it, so it can be watched from before the server starts.
   */
  async #startServer(): Promise<void> {
    const directory = join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid?.() ?? 0}`);
    const socketPath = (this.#socketPath = join(directory, this.socketName));
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    const watcher = watch(directory, (_, file) => {
      if (file === this.socketName || file === `${this.socketName}.lock`) this.#updates.emit('update');
    });
    try {
      const server = spawn('tmux', ['-L', this.socketName, '-f', '/dev/null', '-D'], { cwd: this.#options.cwd, env: this.#env(), stdio: ['ignore', 'pipe', 'pipe'] });
      this.#collect(server.stdout, server.stderr);
      const tracked = (this.#server = track(server, () => this.#updates.emit('update')));
      const listening = (): boolean => (existsSync(socketPath) && !existsSync(`${socketPath}.lock`)) || tracked.gone();
      await this.#until(listening, `${this.#options.label}'s tmux server to listen on ${socketPath}`, new Error('start'));
    } finally {
      watcher.close();
    }
    if (this.#server.gone()) throw new HarnessError(`${this.#options.label}: the tmux server exited at once: ${this.#said.trim() || '(it printed nothing)'}`);
  }

  /** Starts the control client: its output answers commands and reports changes. */
  #attach(): void {
    const control = spawn('tmux', ['-L', this.socketName, '-C', 'attach-session', '-t', SESSION], { env: this.#env(), stdio: ['pipe', 'pipe', 'pipe'] });
    this.#control = track(control, () => {
      for (const waiter of this.#pending.splice(0)) waiter.reject(new HarnessError(`${this.#options.label}: the tmux control client exited`));
      this.#updates.emit('update');
    });
    control.stdin?.on('error', () => {}); // writing after the server is gone is not a failure
    this.#collect(control.stderr);
    control.stdout?.setEncoding('utf8');
    control.stdout?.on('data', (text: string) => this.#controlOutput(text));
  }

  /** True once the control client has exited (the server is gone): nothing changes after that. */
  #lost(): boolean {
    return this.#control?.gone() === true;
  }

  /** Waits until `done()` holds (see {@link TmuxWindow.waitFor}) or the control client is gone. */
  async #until(done: () => boolean, what: string, error: Error, timeoutMs?: number): Promise<void> {
    const spec = { emitter: this.#updates, done: () => done() || this.#lost(), what, context: this.#options.context, error };
    await waitUntil(timeoutMs === undefined ? spec : { ...spec, timeoutMs });
  }

  /** Keeps what tmux prints, for transcripts. */
  #collect(...streams: (NodeJS.ReadableStream | null)[]): void {
    for (const stream of streams) {
      stream?.setEncoding('utf8');
      stream?.on('data', (text: string) => (this.#said += text));
    }
  }

  /**
   * Blocks a `tmux wait-for` child on the pane-died channel; when the hook
   * signals it, re-reads the panes and blocks another, until stopping or
   * until the server is gone.
   */
  #waitForDeaths(): void {
    const waiter = spawn('tmux', ['-L', this.socketName, 'wait-for', DIED_CHANNEL], { env: this.#env(), stdio: 'ignore' });
    this.#waiters.push(
      track(waiter, (code) => {
        if (code !== 0) return; // the server went away
        this.#read();
        if (this.#stopped === undefined && this.#server?.gone() === false && !this.#lost()) this.#waitForDeaths();
      }),
    );
  }

  /** The environment for every tmux process; the server passes it on to the programs. */
  #env(): NodeJS.ProcessEnv {
    const env = childEnv(this.#options.env);
    delete env.TMUX; // run from inside tmux, these would point at the user's own server
    delete env.TMUX_PANE;
    return env;
  }

  /** Runs a tmux command (or a `;` sequence) against this server; resolves with its stdout, rejects with its stderr. */
  #tmux(args: readonly string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      const command = execFile('tmux', ['-L', this.socketName, '-f', '/dev/null', ...args], { env: this.#env() }, (error, stdout, stderr) => {
        countFinished(command.pid);
        if (error) reject(new HarnessError(`${this.#options.label}: tmux ${args[0] ?? ''} failed: ${stderr.trim() || error.message}`));
        else resolve(stdout);
      });
    });
  }

  /**
   * Sends a command over the control client; resolves with the lines of its
   * output block. Replies come back in the order the commands were sent.
   */
  #command(line: string): Promise<string[]> {
    if (this.#lost()) return Promise.reject(new HarnessError(`${this.#options.label}: the tmux control client exited`));
    return new Promise((resolve, reject) => {
      this.#pending.push({ resolve, reject });
      this.#control?.child.stdin?.write(`${line}\n`);
    });
  }

  /** Control-mode output: output blocks answer commands; `%output` says a screen changed. */
  #controlOutput(text: string): void {
    const lines = (this.#partial + text).split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) {
      if (this.#block) {
        const end = /^%(end|error) \d+ (\d+) (\d+)$/.exec(line);
        if (!end || end[2] !== this.#block.number) {
          this.#block.lines.push(line);
          continue;
        }
        const block = this.#block;
        this.#block = undefined;
        if (!block.ours) continue; // the attach command's own block
        const waiter = this.#pending.shift();
        if (end[1] === 'end') waiter?.resolve(block.lines);
        else waiter?.reject(new HarnessError(`${this.#options.label}: tmux: ${block.lines.join(' ')}`));
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
        if (dead === '1' && status === '' && signalNumber === '' && this.#server?.child.pid !== undefined) signal(this.#server.child.pid, 'SIGCHLD');
        this.#read();
      } else if (line.startsWith('%output ')) {
        const [, id = ''] = line.split(' ', 2);
        const pane = this.#panes.find((candidate) => candidate.id === id);
        if (pane) {
          const value = line.slice('%output '.length + id.length + 1);
          pane.written += value.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
          if (pane.written.length > 2 * WRITTEN_KEPT) pane.written = pane.written.slice(-WRITTEN_KEPT);
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
    const { height } = this.#options;
    const reads = await Promise.all(
      this.#panes.map((pane) => Promise.all([this.#command(`display-message -p -t ${pane.id} '${STATE_FORMAT}'`), this.#command(`capture-pane -p -S - -t ${pane.id}`)])),
    );
    this.#panes.forEach((pane, index) => {
      const [state = [], rows = []] = reads[index] ?? [];
      const [dead, status, signalNumber, x, y, ...title] = (state[0] ?? '').split(' ');
      const captured = rows.map((row) => stripAnsi(row)); // plain already (no -e); stripped in case that changes
      const cut = Math.max(0, captured.length - height);
      pane.screen = { rows: captured.slice(cut), history: captured.slice(0, cut), cursor: { x: Number(x), y: Number(y) } };
      pane.title = title.join(' ');
      // Dead without a status or signal: the terminal closed but tmux has not reaped the program yet.
      if (dead === '1' && (status !== '' || signalNumber !== '') && pane.exit === undefined) {
        pane.exit = { code: status === '' ? null : Number(status), signal: signalName(signalNumber) };
      }
    });
    this.#updates.emit('update');
  }
}

/** Logs `child`'s pid in the suite's pid log and follows it; once it has closed, runs `then` with its exit code. */
function track(child: ChildProcess, then: (code: number | null) => void): { child: ChildProcess; closed: Promise<void>; gone: () => boolean } {
  recordPid(child.pid);
  let done = false;
  const closed = new Promise<void>((resolve) => {
    const finish = (code: number | null): void => {
      if (done) return;
      done = true;
      then(code);
      resolve();
    };
    child.on('error', () => finish(null)); // tmux vanished between the check and the spawn
    child.on('close', (code) => finish(code));
  });
  return { child, closed, gone: () => done };
}

/** The name of a signal tmux reports by number (`#{pane_dead_signal}`), or null for none. */
function signalName(number: string | undefined): NodeJS.Signals | null {
  const wanted = Number(number);
  if (!number || !Number.isInteger(wanted)) return null;
  const found = Object.entries(constants.signals).find(([, value]) => value === wanted);
  return (found?.[0] as NodeJS.Signals | undefined) ?? null;
}

/** Signals a process this window started, if it still runs. */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}
