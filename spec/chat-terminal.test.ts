// The chat at a real keyboard: client X runs in a pseudo-terminal (a private
// tmux server, see harness/terminal.ts) and is typed at key by key; the
// server and client Y are ordinary children. What is checked is the screen a
// person would see, cursor included (█ in the expectations).
import { describe, expect, test } from 'vitest';
import type { Child } from '../harness/process.js';
import { cursorLine, shown, startTerminal, tmuxUnavailable, type Screen, type Terminal } from '../harness/terminal.js';
import { startClient, startServer, type RunningServer } from '../grader/launch.js';
import { chatTarget, expandArgv, referenceTarget } from '../grader/target.js';
import { useScene } from './support/vitest.js';

const NO_TMUX = tmuxUnavailable();
const ACK = 'X: Alice received before Y: Bob';
/** X's screen once the chat is open, above the prompt. */
const OPENING = ['Sent: Client X: Alice', `Received: ${ACK}`];

interface TerminalChat {
  readonly server: RunningServer;
  /** Client X, in a terminal. */
  readonly x: Terminal;
  /** Client Y, a child with piped stdin and stdout. */
  readonly y: Child;
}

/** Starts the server, X in a terminal, then Y; returns once X shows its prompt and Y has the acknowledgment. */
async function openTerminalChat(): Promise<TerminalChat> {
  const scene = useScene();
  const target = chatTarget(referenceTarget());
  const server = await startServer(scene, target);
  const x = await startTerminal(scene, {
    label: 'client X (terminal)',
    argv: expandArgv(target.clients.X.argv, { host: server.host, port: String(server.port), id: 'X', name: 'Alice' }),
    cwd: target.cwd,
    env: target.env,
    width: 120,
    height: 30,
  });
  await server.child.waitForLine('Received: Client X: Alice');
  const y = startClient(scene, target, server, { id: 'Y', name: 'Bob' });
  await Promise.all([y.waitForLine(`Received: ${ACK}`), x.waitForScreen(prompt(''), 'the prompt "X> "')]);
  return { server, x, y };
}

/** The screen check: the cursor's row reads `X> ` then `typed`, with the cursor after it. */
function prompt(typed: string): (screen: Screen) => boolean {
  return (screen) => cursorLine(screen) === `X> ${typed}` && screen.cursor.x === 3 + typed.length;
}

/** The screen check: `line` is shown on a row of its own, and the prompt holds `typed`. */
function lineAbovePrompt(line: string, typed = ''): (screen: Screen) => boolean {
  return (screen) => shown(screen).includes(line) && prompt(typed)(screen);
}

describe('on a terminal', () => {
  test('the client shows the prompt "X> " once the chat opens', async ({ skip }) => {
    skip(NO_TMUX !== undefined, NO_TMUX);
    const { x } = await openTerminalChat();
    expect(shown(x.screen)).toEqual([...OPENING, 'X> █']);
  });

  test('a typed line replaces its echo with the labelled line, and reaches Y', async ({ skip }) => {
    skip(NO_TMUX !== undefined, NO_TMUX);
    const { x, y } = await openTerminalChat();
    await x.type('hello');
    await x.waitForScreen(prompt('hello'), 'the echoed "X> hello"');
    await x.press('Enter');
    const [, screen] = await Promise.all([
      y.waitForLine('X: hello'),
      x.waitForScreen(lineAbovePrompt('X: hello'), '"X: hello" above a fresh prompt'),
    ]);
    expect(shown(screen)).toEqual([...OPENING, 'X: hello', 'X> █']);
  });

  test('a line arriving while X is half-way through typing is shown above, and the half-typed line survives intact', async ({
    skip,
  }) => {
    skip(NO_TMUX !== undefined, NO_TMUX);
    const { x, y } = await openTerminalChat();
    await x.type('half typ');
    await x.waitForScreen(prompt('half typ'), 'the half-typed "X> half typ"');
    y.write('hi from Y\n');
    const interrupted = await x.waitForScreen(
      lineAbovePrompt('Y: hi from Y', 'half typ'),
      '"Y: hi from Y" on its own row above "X> half typ"',
    );
    expect(shown(interrupted)).toEqual([...OPENING, 'Y: hi from Y', 'X> half typ█']);

    await x.press('Enter');
    const [, sent] = await Promise.all([
      y.waitForLine('X: half typ'),
      x.waitForScreen(lineAbovePrompt('X: half typ'), '"X: half typ" above a fresh prompt'),
    ]);
    expect(shown(sent)).toEqual([...OPENING, 'Y: hi from Y', 'X: half typ', 'X> █']);
  });

  test('Ctrl-D at the prompt says Bye, and the server, Y and X all exit 0', async ({ skip }) => {
    skip(NO_TMUX !== undefined, NO_TMUX);
    const { server, x, y } = await openTerminalChat();
    await x.press('C-d');
    await y.waitForLine('X: Bye');
    const [serverExit, yExit, xExit] = await Promise.all([server.child.waitForExit(), y.waitForExit(), x.waitForExit()]);
    expect({ server: serverExit, Y: yExit, X: xExit }).toEqual({
      server: { code: 0, signal: null },
      Y: { code: 0, signal: null },
      X: { code: 0, signal: null },
    });
    expect(shown(x.screen).slice(0, OPENING.length + 1)).toEqual([...OPENING, 'X: Bye']);
  });
});

describe('on a terminal, at the edges', () => {
  test('a typed line that wraps over two rows is cleared whole, before and after an incoming line', async ({ skip }) => {
    skip(NO_TMUX !== undefined, NO_TMUX);
    const { x, y } = await openTerminalChat();
    const long = 'abcdefghij'.repeat(15); // 3 + 150 columns: two rows of 120
    await x.type(long);
    await x.waitForScreen((screen) => shown(screen).join('').includes(long), 'the long line typed');
    y.write('incoming while long\n');
    await x.waitForScreen((screen) => shown(screen).includes('Y: incoming while long'), 'the incoming line');
    await x.press('Enter');
    await Promise.all([
      y.waitForLine(`X: ${long}`),
      x.waitForScreen(lineAbovePrompt(`X: ${long}`.slice(120)), 'the labelled long line above a fresh prompt'),
    ]);
    const labelled = `X: ${long}`;
    expect(shown(x.screen)).toEqual([
      ...OPENING,
      'Y: incoming while long',
      labelled.slice(0, 120),
      labelled.slice(120),
      'X> █',
    ]);
  });

  test('a Bye from Y leaves no prompt behind, and a half-typed line is said not to have been sent', async ({ skip }) => {
    skip(NO_TMUX !== undefined, NO_TMUX);
    const { x, y } = await openTerminalChat();
    await x.type('half');
    await x.waitForScreen(prompt('half'), 'the half-typed "X> half"');
    y.write('Bye\n');
    expect(await x.waitForExit()).toEqual({ code: 0, signal: null });
    expect(shown(x.screen).slice(0, OPENING.length + 3)).toEqual([...OPENING, 'Y: Bye', 'Not sent: "half" (Y said Bye before you pressed Enter)', expect.not.stringMatching(/^X>/)]);
  });
});

describe('without a terminal', () => {
  test('with piped stdin the client prints no prompt and no echo, only its labelled lines', async ({ skip }) => {
    skip(NO_TMUX !== undefined, NO_TMUX);
    const { x, y } = await openTerminalChat();
    y.write('hello from Y\n');
    await x.waitForScreen(lineAbovePrompt('Y: hello from Y'), '"Y: hello from Y" above the prompt');
    y.endInput();
    await y.waitForExit();
    expect(y.output()).toBe(['Sent: Client Y: Bob', `Received: ${ACK}`, 'Y: hello from Y', 'Y: Bye', ''].join('\n'));
    expect(y.output()).not.toContain('Y> ');
  });
});
