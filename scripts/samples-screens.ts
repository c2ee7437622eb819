/**
 * Real terminal sessions for `npm run samples`: a private tmux server with
 * three panes side by side (server | client X | client Y), each a bash shell
 * into which the commands are typed as a person would type them, then every
 * pane captured with its colours (`capture-pane -e`). Every wait is an event
 * from tmux's control mode (harness/tmux.ts and panes.ts), under a bound.
 */
import { dirname, relative, resolve } from 'node:path';
import type { Scene } from '../harness/scene.js';
import { startPanes, type PaneView, type Panes } from '../harness/panes.js';
import { cursorLine } from '../harness/terminal.js';
import { REPO_ROOT } from '../harness/repo-root.js';
import type { CapturedPane, Picture } from './samples-page.js';
import { chatTarget, expandArgv, namesProgramFile, referenceTarget, type Target } from '../grader/target.js';

/**
 * The commands typed in each pane: the reference's own command lines, as
 * `npm run samples` writes them above each console in the .txt samples, so a
 * screenshot and its text show the same command.
 *
 * @example
 * typedCommands('x-first', '0').server; // 'node dist/impl/server.js --host 127.0.0.1 --port 0'
 */
export function typedCommands(kind: SessionKind, port: string): { server: string; X: string; Y: string } {
  const target = kind === 'chat' ? chatTarget(referenceTarget()) : referenceTarget();
  const typed = (argv: readonly string[]): string => fromRepoRoot(target, argv).join(' ');
  const client = (id: 'X' | 'Y'): string => typed(expandArgv(target.clients[id].argv, { host: target.host, port, id, name: NAMES[id] }));
  return { server: typed(expandArgv(target.server.argv, { host: target.host, port })), X: client('X'), Y: client('Y') };
}

/**
 * `argv` as typed at the repository's root. The reference runs in its
 * compiled folder (fixtures/targets/reference.json: dist/impl, so a grade's
 * sandbox copies only that), but a student types, and reads in the samples,
 * `node dist/impl/server.js` from the root: the program file is shown from there.
 *
 * @example
 * fromRepoRoot(referenceTarget(), ['node', 'server.js', '--port', '0']); // ['node', 'dist/impl/server.js', '--port', '0']
 */
export function fromRepoRoot(target: Target, argv: readonly string[]): string[] {
  return argv.map((arg, index) => (index > 0 && namesProgramFile(arg) ? relative(REPO_ROOT, resolve(target.cwd, arg)) : arg));
}

/** The three sessions pictured. */
export type SessionKind = 'x-first' | 'y-first' | 'chat';

const NAMES = { X: 'Alice', Y: 'Bob' } as const;
/** Each pane's size: wide enough for the longest command (`$ node dist/impl/client.js … --chat`) on one row. */
const COLUMNS = 84;
const ROWS = 16;
const SERVER = 0;
const PANE = { X: 1, Y: 2 } as const;

/**
 * The shell's prompt: a green `$ ` after which what is typed shows in bold
 * white (PS0, printed once the command is read, resets it before the
 * program's output), and (invisible) the pane title `ack-prompt <command
 * number> <last status>`, so a finished command and its exit status are
 * events the panes report.
 */
const PS1 = '\\[\\e]2;ack-prompt \\# $?\\a\\]\\[\\e[1;32m\\]$\\[\\e[0m\\] \\[\\e[1;97m\\]';
const PS0 = '\\e[0m';
const PROMPT_TITLE = /^ack-prompt (\d+) (\d+)$/;

/** The prompt's command number and the last exit status, read from the pane title; undefined while a command runs. */
function prompt(pane: PaneView): { count: number; status: number } | undefined {
  const match = PROMPT_TITLE.exec(pane.title);
  return match ? { count: Number(match[1]), status: Number(match[2]) } : undefined;
}

/** Every row the pane shows, history first. */
function rows(pane: PaneView): string[] {
  return [...pane.screen.history, ...pane.screen.rows];
}

/** A pane that types commands at its shell and waits for them to finish. */
class Shell {
  #count = 0;
  command = '';

  constructor(
    readonly panes: Panes,
    readonly index: number,
  ) {}

  /** Waits for the shell's first prompt. */
  async ready(): Promise<void> {
    const pane = await this.panes.waitFor(this.index, (view) => prompt(view) !== undefined && cursorLine(view.screen) === '$ ', 'the shell prompt "$ "');
    this.#count = prompt(pane)?.count ?? 0;
  }

  /** Types `command` and Enter, as a person would. */
  async run(command: string): Promise<void> {
    this.command = command;
    await this.panes.type(this.index, command);
    await this.panes.press(this.index, 'Enter');
  }

  /** Types a line (and Enter) at the program running in the pane. */
  async say(line: string): Promise<void> {
    await this.panes.type(this.index, line);
    await this.panes.press(this.index, 'Enter');
  }

  /** Waits until a row contains `text` (or matches it) and returns the row. */
  async shows(text: string | RegExp): Promise<string> {
    const find = (view: PaneView): string | undefined =>
      rows(view).find((row) => (typeof text === 'string' ? row.includes(text) : text.test(row)));
    const pane = await this.panes.waitFor(this.index, (view) => find(view) !== undefined, typeof text === 'string' ? JSON.stringify(text) : String(text));
    return find(pane) ?? '';
  }

  /** Waits until the cursor's row reads exactly `line` (a program's prompt such as `X> `). */
  async atPrompt(line: string): Promise<void> {
    await this.panes.waitFor(this.index, (view) => cursorLine(view.screen) === line, JSON.stringify(line));
  }

  /** Waits for the command to finish (the shell's next prompt) and throws unless it exited 0. */
  async finished(): Promise<void> {
    const done = (view: PaneView): boolean => (prompt(view)?.count ?? 0) > this.#count;
    const pane = await this.panes.waitFor(this.index, done, `the shell prompt again after "${this.command}"`);
    const status = prompt(pane)?.status;
    this.#count = prompt(pane)?.count ?? this.#count;
    if (status !== 0) throw new Error(`${pane.label}: "${this.command}" exited with status ${status}\n\n${this.panes.transcript()}`);
  }
}

/** The caption of each picture. */
const CAPTIONS: Record<SessionKind, { title: string; detail: string }> = {
  'x-first': { title: "X's greeting arrives first", detail: 'server started, then client X, then client Y once the server has printed X’s greeting' },
  'y-first': { title: "Y's greeting arrives first", detail: 'server started, then client Y, then client X once the server has printed Y’s greeting' },
  chat: { title: 'The chat (--chat), ending in Bye', detail: 'lines typed at X and at Y; X types Bye and all three programs exit' },
};

/**
 * Runs one session in three fresh tmux panes owned by `scene` and returns
 * the captured picture. Throws (with every pane's screen) if a program does
 * not print what it must or exits with a status other than 0.
 */
export async function captureSession(scene: Scene, kind: SessionKind): Promise<Picture> {
  const panes = await startPanes(scene, {
    label: `${kind} panes`,
    panes: ['server', 'client X', 'client Y'].map((label) => ({ label, argv: ['bash', '--norc', '--noprofile'] })),
    cwd: REPO_ROOT,
    env: {
      PS1,
      PS0,
      PROMPT_COMMAND: '',
      HISTFILE: '/dev/null',
      // `node` typed at the prompt is the Node running this script.
      PATH: `${dirname(process.execPath)}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    },
    width: COLUMNS,
    height: ROWS,
  });
  const server = new Shell(panes, SERVER);
  const clients = { X: new Shell(panes, PANE.X), Y: new Shell(panes, PANE.Y) };
  await Promise.all([server.ready(), clients.X.ready(), clients.Y.ready()]);

  await server.run(typedCommands(kind, '0').server);
  const port = /Listening on .*:(\d+)$/.exec(await server.shows(/^Listening on .*:\d+$/))?.[1] ?? '';
  const start = (id: 'X' | 'Y'): Promise<void> => clients[id].run(typedCommands(kind, port)[id]);

  const first = kind === 'y-first' ? 'Y' : 'X';
  const second = first === 'X' ? 'Y' : 'X';
  await start(first);
  await server.shows(`Received: Client ${first}: ${NAMES[first]}`);
  await start(second);
  let active = clients[second];

  if (kind === 'chat') {
    const { X, Y } = clients;
    await Promise.all([X.atPrompt('X> '), Y.atPrompt('Y> ')]);
    await X.say('Hi Bob, are you there?');
    await Y.shows('X: Hi Bob, are you there?');
    await Y.say('Yes, hello Alice!');
    await X.shows('Y: Yes, hello Alice!');
    await X.say('Great. Bye');
    await Y.shows('X: Great. Bye');
    await X.say('Bye');
    active = X;
  }
  await Promise.all([server.finished(), clients.X.finished(), clients.Y.finished()]);

  const shells = [server, clients.X, clients.Y];
  const captured: CapturedPane[] = await Promise.all(
    shells.map(async (shell) => {
      const view = panes.pane(shell.index);
      const captured = await panes.capture(shell.index, { escapes: true });
      const cursorRow = view.screen.history.length + view.screen.cursor.y;
      // Trailing blank rows carry nothing; keep the cursor's row.
      let end = captured.length;
      while (end > cursorRow + 1 && (captured[end - 1] ?? '').replace(/\u001b\[[0-9;:]*m/g, '').trim() === '') end -= 1; // eslint-disable-line no-control-regex
      return {
        label: view.label,
        command: shell.command,
        rows: captured.slice(0, end),
        ...(shell === active ? { cursor: { row: cursorRow, column: view.screen.cursor.x } } : {}),
      };
    }),
  );
  await panes.dispose();
  return { caption: CAPTIONS[kind], panes: captured, columns: COLUMNS };
}
