/**
 * Several programs in one terminal window, side by side, on a private tmux
 * server: what a person sees with a server and two clients in three panes.
 * `npm run samples` types commands into them and captures each pane with its
 * colours for the screenshots.
 *
 * The panes are a {@link TmuxWindow} (tmux.ts, which explains the
 * machinery): each pane's screen is re-read on tmux's `%output` events and
 * each program's exit arrives through the `pane-died` hook, so every wait is
 * an event, never a timer; disposing sends each live program SIGHUP, waits
 * for every pane to die, then stops the tmux server.
 */
import { formatExit, type ExitStatus } from './process.js';
import type { Resource, Scene } from './scene.js';
import { CURSOR, tmuxTranscript, type Screen } from './terminal.js';
import { TmuxWindow, type TmuxPlacement } from './tmux.js';

/** One pane of {@link Panes}: a label for transcripts and the program it runs. */
export interface PaneOptions {
  /** e.g. `server` or `client X`. */
  readonly label: string;
  /** The program and its arguments; `node` means this Node. No shell is involved (unless the program is one). */
  readonly argv: readonly string[];
}

/** Where and how to start the panes; each is 80 × 24 unless `width` and `height` say otherwise. */
export interface PanesOptions extends TmuxPlacement {
  /** The panes, left to right. */
  readonly panes: readonly PaneOptions[];
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

/** Several programs side by side in one tmux window. Create with {@link startPanes}. */
export class Panes implements Resource {
  readonly label: string;
  readonly #tmux: TmuxWindow;

  /**
   * Only prepares the window: nothing runs until {@link Panes.start}. Prefer
   * {@link startPanes}, which also hands the panes to `scene` and starts them.
   * Timeouts quote the whole scene's transcript, not just these panes.
   */
  constructor(scene: Scene, options: PanesOptions) {
    const { width = 80, height = 24 } = options;
    this.label = options.label;
    this.#tmux = new TmuxWindow({ ...options, width, height, context: () => scene.transcript() });
  }

  /** How many panes there are. */
  get count(): number {
    return this.#tmux.panes.length;
  }

  /** What pane `index` (0 is the leftmost) showed at the last read. */
  pane(index: number): PaneView {
    const { label, screen, title, exit } = this.#tmux.pane(index);
    return { label, screen, title, exit };
  }

  /** Types `text` literally (no Enter) into pane `index`: `send-keys -l`. */
  async type(index: number, text: string): Promise<void> {
    await this.#tmux.sendKeys(index, '-l', '--', text);
  }

  /** Presses keys by tmux name in pane `index`, e.g. `Enter`, `C-d`. */
  async press(index: number, ...keys: string[]): Promise<void> {
    await this.#tmux.sendKeys(index, ...keys);
  }

  /**
   * Waits until `check` holds for pane `index` and returns that view. Fails
   * at once if the pane's program exits first (unless `check` accepts the
   * exited pane), and after the bound otherwise; both errors quote the
   * scene's transcript, which includes every pane's screen.
   */
  async waitFor(index: number, check: (pane: PaneView) => boolean, what: string, timeoutMs?: number): Promise<PaneView> {
    const error = new Error('waitFor');
    const { label } = this.#tmux.pane(index);
    const failed = (why: string): string => `${this.label}: ${label}'s program ${why} without its pane showing ${what}.`;
    const find = (): PaneView | undefined => (check(this.pane(index)) ? this.pane(index) : undefined);
    return this.#tmux.waitFor(index, find, { what: `${this.label}: ${label}'s pane to show ${what}`, failed, error, timeoutMs });
  }

  /**
   * Pane `index`'s rows as tmux captures them, history first, with the
   * colours and attributes as SGR escape sequences when `escapes` is set
   * (`capture-pane -p -e`); tmux trims trailing spaces.
   */
  async capture(index: number, options: { readonly escapes?: boolean } = {}): Promise<string[]> {
    return this.#tmux.capture(index, options.escapes ?? false);
  }

  /** Each pane's screen (cursor marked), the raw output written to it, and anything tmux itself printed. */
  transcript(): string {
    const panes = this.#tmux.panes.map((pane) => {
      const state = pane.exit === undefined ? 'running' : `exited: ${formatExit(pane.exit)}`;
      const screen = `  ${pane.label} (pane ${pane.id || '?'}, ${state}, title ${JSON.stringify(pane.title)}); screen, ${CURSOR} is the cursor:`;
      return { pane, screen, written: '  written to it' };
    });
    return tmuxTranscript(`── ${this.label} (tmux -L ${this.#tmux.socketName}, ${this.count} panes of ${this.#tmux.size})`, panes, this.#tmux.said);
  }

  /** Starts the tmux server with one pane per program, and the clients that report events. */
  async start(): Promise<void> {
    await this.#tmux.start();
  }

  /**
   * Sends each live program SIGHUP (SIGKILL if it lingers), waits for every
   * pane to die, then stops the tmux server; fails, quoting the panes, if a
   * program outlives both signals.
   */
  dispose(): Promise<void> {
    return this.#tmux.stop(() => this.transcript());
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
