/**
 * A program run in a real terminal: a pseudo-terminal owned by a private
 * tmux server, so a spec can type at it (keys, Ctrl-D) and read its screen
 * as a person would see it, prompt redraws and cursor included.
 *
 * The terminal is a one-pane {@link TmuxWindow} (tmux.ts, which explains the
 * machinery): every wait is an event from tmux's control mode (`%output`,
 * the `pane-died` hook), never a timer, and disposing sends the program
 * SIGHUP, as closing a terminal does, before stopping the tmux server.
 */
import { formatExit, type ExitStatus } from './process.js';
import type { Resource, Scene } from './scene.js';
import { visible } from './text.js';
import { TmuxWindow, type Pane, type TmuxPlacement } from './tmux.js';

export { tmuxUnavailable } from './tmux.js';

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

/** How much of a pane's raw output a transcript quotes. */
const WRITTEN_SHOWN = 4000;

/**
 * A transcript of tmux panes (a {@link Terminal}'s one, or `Panes`'s, panes.ts):
 * the heading, then each pane's screen and the raw output written to it
 * under the headings given, then anything tmux itself printed.
 */
export function tmuxTranscript(heading: string, panes: readonly { pane: Pane; screen: string; written: string }[], said: string): string {
  const quote = (text: string): string => text.replace(/^/gm, '  | ');
  const quoted = panes.flatMap(({ pane, screen, written }) => {
    const lines = shown(pane.screen);
    const tail = pane.written.length > WRITTEN_SHOWN ? `, the last ${WRITTEN_SHOWN} characters` : '';
    return [
      screen,
      lines.length === 0 ? '  (blank)' : quote(lines.join('\n')),
      `${written} (raw${tail}):`,
      pane.written === '' ? '  (nothing)' : quote(visible(pane.written.slice(-WRITTEN_SHOWN))),
    ];
  });
  return [heading, ...quoted, ...(said.trim() === '' ? [] : ['tmux said:', quote(said.trim())])].join('\n');
}

/** Where and how to start the program; the terminal is 120 × 30 unless `width` and `height` say otherwise. */
export interface TerminalOptions extends TmuxPlacement {
  /** The program and its arguments; `node` means this Node. No shell is involved. */
  readonly argv: readonly string[];
}

/** A program in a tmux pane. Create with {@link startTerminal}. */
export class Terminal implements Resource {
  readonly label: string;
  readonly #tmux: TmuxWindow;

  /**
   * Only prepares the pane: nothing runs until {@link Terminal.start}. Prefer
   * {@link startTerminal}, which also hands the terminal to `scene` and
   * starts it. Timeouts quote the whole scene's transcript.
   */
  constructor(scene: Scene, options: TerminalOptions) {
    const { width = 120, height = 30 } = options;
    this.label = options.label;
    const panes = [{ label: 'its program', argv: options.argv }];
    this.#tmux = new TmuxWindow({ ...options, panes, width, height, context: () => scene.transcript() });
  }

  /** The screen as last read (after the program's latest output). */
  get screen(): Screen {
    return this.#pane.screen;
  }

  /** How the program ended, once it has. */
  get exit(): ExitStatus | undefined {
    return this.#pane.exit;
  }

  /** Types `text` literally (no Enter): `send-keys -l`. */
  async type(text: string): Promise<void> {
    await this.#tmux.sendKeys(0, '-l', '--', text);
  }

  /** Presses keys by tmux name, e.g. `Enter`, `C-d`, `C-c`. */
  async press(...keys: string[]): Promise<void> {
    await this.#tmux.sendKeys(0, ...keys);
  }

  /**
   * Waits until `check(screen)` holds and returns that screen. Fails at once
   * if the program exits first, and after the bound otherwise; both errors
   * quote the scene's transcript, which includes this screen.
   */
  async waitForScreen(check: (screen: Screen) => boolean, what: string, timeoutMs?: number): Promise<Screen> {
    const error = new Error('waitForScreen');
    const failed = (why: string): string => `${this.label} ${why} without its screen showing ${what}.`;
    const find = (pane: Pane): Screen | undefined => (check(pane.screen) ? pane.screen : undefined);
    return this.#tmux.waitFor(0, find, { what: `${this.label}'s screen to show ${what}`, failed, error, timeoutMs });
  }

  /** Waits for the program in the pane to exit and returns how it ended. */
  async waitForExit(timeoutMs?: number): Promise<ExitStatus> {
    const error = new Error('waitForExit');
    const failed = (): string => `${this.label} lost its tmux server before its program exited.`;
    return this.#tmux.waitFor(0, (pane) => pane.exit, { what: `${this.label} to exit`, failed, error, timeoutMs });
  }

  /** The screen with its scrollback (cursor marked), the raw output written to the terminal, and anything tmux printed. */
  transcript(): string {
    const pane = this.#pane;
    const { history, rows, cursor } = pane.screen;
    const state = pane.exit === undefined ? 'running' : `exited: ${formatExit(pane.exit)}`;
    const screen = `screen (${history.length} row(s) of history above the visible ${rows.length}; ${CURSOR} is the cursor, at row ${cursor.y + 1}, column ${cursor.x + 1}):`;
    const heading = `── ${this.label} (tmux -L ${this.#tmux.socketName}, ${this.#tmux.size}, ${state})`;
    return tmuxTranscript(heading, [{ pane, screen, written: 'written to the terminal' }], this.#tmux.said);
  }

  /** Starts the tmux server with the program in its one pane, and the clients that report events. */
  async start(): Promise<void> {
    await this.#tmux.start();
  }

  /**
   * Sends the program SIGHUP, as closing a terminal window does (SIGKILL if
   * it lingers), waits for it to exit, then stops the tmux server.
   */
  dispose(): Promise<void> {
    return this.#tmux.stop(() => this.transcript());
  }

  get #pane(): Pane {
    return this.#tmux.pane(0);
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
