/**
 * `npm run samples`: real runs of the reference for a write-up.
 *
 * - `x-first.txt`, `y-first.txt`, `chat.txt`: the console of the server and
 *   both clients, each under the command line that was run. The runs go
 *   through the suite's harness (runInOrder, openChat), so the arrival order
 *   is forced exactly as in the specs.
 * - `x-first.png`, `y-first.png`, `chat.png`: screenshots of real terminal
 *   sessions: three tmux panes side by side (server | client X | client Y),
 *   each a shell into which the commands (and, for the chat, the lines and
 *   the Bye) are typed, captured with colour (`capture-pane -e`), turned
 *   into an HTML page that looks like a terminal, and rendered by headless
 *   Chromium. Without tmux or Chromium the pictures are skipped, one line per
 *   missing tool saying how to install it.
 *
 * Usage: npm run samples [-- --out DIR] [--no-screenshots]   (default reports/samples; CHROME_PATH names the browser)
 * Exit codes: 0 every sample written (or pictures skipped for a missing
 * tool), 1 a run failed (what was written stays), 2 a wrong command line.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { openChat, runInOrder, type Exchange } from '../grader/exchange.js';
import { type Child, countFinished, formatExit } from '../harness/process.js';
import { Scene } from '../harness/scene.js';
import { tmuxUnavailable } from '../harness/terminal.js';
import { expandArgv, referenceTarget, type Target, chatTarget } from '../grader/target.js';
import { REPO_ROOT } from '../harness/repo-root.js';
import { findChromium, takeScreenshots, type Picture } from './samples-page.js';
import { captureSession, fromRepoRoot, type SessionKind } from './samples-screens.js';

const NAMES = { X: 'Alice', Y: 'Bob' } as const;
const USAGE = 'usage: npm run samples [-- --out DIR] [--no-screenshots]   (default reports/samples; CHROME_PATH names the browser)';

/** What the chat run types, in order: at which client, which line, and what the other one then shows. */
const CHAT_SCRIPT = [
  { at: 'X', line: 'Hi Bob, are you there?' },
  { at: 'Y', line: 'Yes, hello Alice!' },
  { at: 'X', line: 'Great. Bye' },
  { at: 'X', line: 'Bye' },
] as const;

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): { out: string; screenshots: boolean } {
  let out = join(REPO_ROOT, 'reports', 'samples');
  let screenshots = true;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (arg === '--out') {
      const value = argv[i + 1];
      if (value === undefined || value === '') throw new UsageError('option --out needs a value');
      out = resolve(value);
      i += 1;
    } else if (arg === '--no-screenshots') {
      screenshots = false;
    } else if (arg?.startsWith('--out=')) {
      out = resolve(arg.slice('--out='.length));
    } else {
      throw new UsageError(`unknown option ${arg ?? ''}`);
    }
  }
  return { out, screenshots };
}

/** An argument as a shell would need it typed. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** One program's section: `$ command`, then what it printed (stdout, then any stderr). */
function section(argv: readonly string[], child: Child): string {
  const printed = [...child.lines('stdout'), ...child.lines('stderr')];
  return [`$ ${argv.map(shellWord).join(' ')}`, ...printed].join('\n');
}

/** The command lines the harness ran for an exchange's three programs. */
function commands(target: Target, { server }: Exchange): { server: string[]; X: string[]; Y: string[] } {
  const client = (id: 'X' | 'Y'): string[] =>
    fromRepoRoot(target, expandArgv(target.clients[id].argv, { host: server.host, port: String(server.port), id, name: NAMES[id] }));
  // Port mode "zero": the server was started with --port 0 and said which port it took.
  return { server: fromRepoRoot(target, expandArgv(target.server.argv, { host: server.host, port: '0' })), X: client('X'), Y: client('Y') };
}

/** A sample file: a header comment, then the sections; and whether every program exited 0. */
function sampleText(header: readonly string[], sections: readonly string[], programs: readonly Child[]): { text: string; ok: boolean } {
  const ok = programs.every((child) => child.exit?.code === 0);
  const exits = ok
    ? 'All three exited with code 0.'
    : `Exit: ${programs.map((child) => `${child.label} ${formatExit(child.exit)}`).join(', ')}.`;
  return { text: `${[...header, `# Each section is one program's console under the command that started it. ${exits}`].join('\n')}\n\n${sections.join('\n\n')}\n`, ok };
}

/** Runs one exchange in the forced order and returns its sample file. */
async function orderSample(first: 'X' | 'Y'): Promise<{ text: string; ok: boolean }> {
  const second = first === 'X' ? 'Y' : 'X';
  const scene = new Scene();
  try {
    const target = referenceTarget();
    const exchange = await runInOrder(scene, target, first, NAMES);
    const argv = commands(target, exchange);
    const child = { X: exchange.x, Y: exchange.y };
    return sampleText(
      [
        `# ${first}'s greeting arrives first: the server is started, then client ${first}, then client ${second} once the server has printed ${first}'s greeting.`,
      ],
      [section(argv.server, exchange.server.child), section(argv[first], child[first]), section(argv[second], child[second])],
      [exchange.server.child, child[first], child[second]],
    );
  } finally {
    await scene.dispose();
  }
}

/** Runs the chat, typing the script's lines on the clients' standard input, and returns its sample file. */
async function chatSample(): Promise<{ text: string; ok: boolean }> {
  const scene = new Scene();
  try {
    const target = referenceTarget();
    const chat = await openChat(scene, target, NAMES);
    const child = { X: chat.x, Y: chat.y };
    for (const { at, line } of CHAT_SCRIPT) {
      child[at].write(`${line}\n`);
      await child[at === 'X' ? 'Y' : 'X'].waitForLine(`${at}: ${line}`);
    }
    await Promise.all([chat.server.child.waitForExit(), chat.x.waitForExit(), chat.y.waitForExit()]);
    const argv = commands(chatTarget(target), chat);
    return sampleText(
      [
        "# The chat (--chat): the server is started, then client X, then client Y once the server has printed X's greeting.",
        "# Once the chat opened, these lines were typed on the clients' standard input, in this order:",
        ...CHAT_SCRIPT.map(({ at, line }) => `#   at ${at}: ${line}`),
        '# With piped input a client shows no prompt and no echo; each line appears labelled on all three consoles.',
      ],
      [section(argv.server, chat.server.child), section(argv.X, chat.x), section(argv.Y, chat.y)],
      [chat.server.child, chat.x, chat.y],
    );
  } finally {
    await scene.dispose();
  }
}

/** The pictures' tools that are missing, each with what was skipped and how to install it. */
function missingTools(): { chromium: string | undefined; missing: string[] } {
  const missing: string[] = [];
  const skipped = 'skipped the screenshots (x-first.png, y-first.png, chat.png)';
  if (tmuxUnavailable() !== undefined) missing.push(`samples: ${skipped}: ${tmuxUnavailable()}`);
  const bash = spawnSync('bash', ['--version']);
  countFinished(bash.pid);
  if (bash.status !== 0) missing.push(`samples: ${skipped}: bash not installed (apt-get install bash)`);
  const found = findChromium();
  if ('why' in found) missing.push(`samples: ${skipped}: ${found.why}`);
  return { chromium: 'browser' in found ? found.browser : undefined, missing };
}

/** The first line of an error, or the whole message when `full`. */
function describe(error: unknown, full = false): string {
  const message = error instanceof Error ? error.message : String(error);
  return full ? message : (message.split('\n')[0] ?? message);
}

async function main(): Promise<number> {
  let out: string;
  let screenshots: boolean;
  try {
    ({ out, screenshots } = parseArgs(process.argv.slice(2)));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`samples: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  mkdirSync(out, { recursive: true });
  const shown = (file: string): string => {
    const path = relative(process.cwd(), join(out, file));
    return path.startsWith('..') ? join(out, file) : path;
  };
  const failures: string[] = [];

  const texts: [string, () => Promise<{ text: string; ok: boolean }>][] = [
    ['x-first.txt', () => orderSample('X')],
    ['y-first.txt', () => orderSample('Y')],
    ['chat.txt', chatSample],
  ];
  for (const [file, run] of texts) {
    try {
      const { text, ok } = await run();
      writeFileSync(join(out, file), text);
      console.log(`samples: wrote ${shown(file)}${ok ? '' : ' (a program did not exit with code 0)'}`);
      if (!ok) failures.push(`${file}: a program did not exit with code 0`);
    } catch (error) {
      failures.push(`${file}: ${describe(error)}`);
      process.stderr.write(`samples: ${file} failed: ${describe(error, true)}\n`);
    }
  }

  const { chromium, missing } = screenshots ? missingTools() : { chromium: undefined, missing: [] };
  if (!screenshots) {
    console.log('samples: no screenshots, as asked (--no-screenshots); the rubric asks for screenshots of sample outputs, so take them by hand or run again with Chromium (CHROME_PATH names one)');
  }
  for (const line of missing) console.log(line);
  if (missing.length > 0) console.log('samples: or run npm run samples -- --no-screenshots, and npm run handin -- --no-screenshots, to hand in without them (the rubric asks for screenshots)');
  if (screenshots && missing.length === 0 && chromium !== undefined) {
    // The sessions one after another (each its own tmux server); then the three renderings in one browser.
    const pictures: [string, Picture][] = [];
    for (const kind of ['x-first', 'y-first', 'chat'] as SessionKind[]) {
      const scene = new Scene();
      try {
        pictures.push([`${kind}.png`, await captureSession(scene, kind)]);
      } catch (error) {
        failures.push(`${kind}.png: ${describe(error)}`);
        process.stderr.write(`samples: ${kind}.png failed: ${describe(error, true)}\n`);
      } finally {
        await scene.dispose().catch((error: unknown) => failures.push(`${kind}.png: cleaning up: ${describe(error)}`));
      }
    }
    const rendered = await takeScreenshots(chromium, pictures.map(([file, picture]) => [picture, join(out, file)] as const));
    rendered.forEach((result, index) => {
      const file = pictures[index]?.[0] ?? '';
      if (result.status === 'fulfilled') {
        console.log(`samples: wrote ${shown(file)}`);
      } else {
        failures.push(`${file}: ${describe(result.reason)}`);
        process.stderr.write(`samples: ${file} failed: ${describe(result.reason, true)}\n`);
      }
    });
  }

  if (failures.length > 0) {
    process.stderr.write(`samples: ${failures.length} failed: ${failures.join('; ')}\n`);
    return 1;
  }
  return 0;
}

process.exitCode = await main();
