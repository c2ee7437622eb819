// `npm run samples`: the compiled script run once into a temporary folder.
// Each sample console holds every program's exact lines under its own
// command; the screenshots are PNG files of a sane size (skipped with a
// reason where tmux or Chromium is missing).
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, onTestFinished, test, vi } from 'vitest';
import { findChromium } from '../scripts/samples-page.js';
import { typedCommands } from '../scripts/samples-screens.js';
import { loadGolden } from './support/golden.js';
import { launch } from '../harness/process.js';
import { Scene } from '../harness/scene.js';
import { REPO_ROOT } from '../harness/repo-root.js';
import { tmuxUnavailable } from '../harness/terminal.js';
import { useScene } from './support/vitest.js';

const browser = findChromium();
const NO_PICTURES = tmuxUnavailable() ?? ('why' in browser ? browser.why : undefined);
const ACK = 'X: Alice received before Y: Bob';
const SERVER = 'node dist/impl/server.js';
const CLIENT = 'node dist/impl/client.js';

const scene = new Scene();
let out = '';
let run: { code: number | null; stdout: string; stderr: string } | undefined;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'ack-samples-test-'));
  const samples = launch(scene, { label: 'samples', argv: ['node', 'dist/scripts/samples.js', '--out', out], cwd: REPO_ROOT });
  const exit = await samples.waitForExit(50_000); // about 10 s here; the bound leaves room for a loaded machine
  run = { code: exit.code, stdout: samples.output(), stderr: samples.output('stderr') };
}, 60_000);

afterAll(async () => {
  await scene.dispose();
  if (out) rmSync(out, { recursive: true, force: true });
});

/** A sample file's sections: the command after `$ `, and the lines under it. */
function sections(file: string): { command: string; lines: string[] }[] {
  const text = readFileSync(join(out, file), 'utf8');
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('$ '))
    .map((block) => {
      const [header = '', ...lines] = block.trimEnd().split('\n');
      return { command: header.slice(2), lines };
    });
}

/** The port the server of a sample said it listens on. */
function portOf(file: string): number {
  const listening = sections(file)[0]?.lines[0] ?? '';
  return Number(/^Listening on 127\.0\.0\.1:(\d+)$/.exec(listening)?.[1]);
}

/** The PNG's width and height from its IHDR chunk, after checking the signature. */
function pngSize(file: string): { width: number; height: number } {
  const png = readFileSync(join(out, file));
  expect(png.subarray(0, 8), `${file} starts with the PNG signature`).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(png.toString('ascii', 12, 16), `${file}'s first chunk`).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

test('it exits 0 and names every file it wrote, or the pictures it skipped and how to install what is missing', () => {
  expect(run?.code, run?.stderr).toBe(0);
  for (const file of ['x-first.txt', 'y-first.txt', 'chat.txt']) expect(run?.stdout).toContain(`samples: wrote ${join(out, file)}\n`);
  if (NO_PICTURES === undefined) {
    for (const file of ['x-first.png', 'y-first.png', 'chat.png']) expect(run?.stdout).toContain(`samples: wrote ${join(out, file)}\n`);
  } else {
    expect(run?.stdout).toMatch(/^samples: skipped the screenshots \(x-first\.png, y-first\.png, chat\.png\): .*apt-get install \w+.*$/m);
  }
});

test.for([
  ['x-first', 'X', 'Y'],
  ['y-first', 'Y', 'X'],
] as const)('%s.txt has each program\'s exact console under its command, in the order they started', ([name, first, second]) => {
  const port = portOf(`${name}.txt`);
  const golden = loadGolden(name, port);
  const names = { X: 'Alice', Y: 'Bob' };
  const client = (id: 'X' | 'Y') => ({
    command: `${CLIENT} --host 127.0.0.1 --port ${port} --id ${id} --name ${names[id]}`,
    lines: golden[`client ${id}`],
  });
  expect(sections(`${name}.txt`)).toEqual([
    { command: `${SERVER} --host 127.0.0.1 --port 0`, lines: golden.server },
    client(first),
    client(second),
  ]);
});

test('x-first.txt has the acknowledgment under client Y and the closing line under the server', () => {
  const [server, x, y] = sections('x-first.txt');
  expect(y?.command).toContain('--id Y');
  expect(y?.lines).toContain(`Received: ${ACK}`);
  expect(x?.lines).toContain(`Received: ${ACK}`);
  expect(server?.lines.at(-1)).toBe('Sent acknowledgment to both X and Y');
});

test('chat.txt has the chat lines and the Bye on all three consoles, after the acknowledgment', () => {
  const port = portOf('chat.txt');
  const chat = ['X: Hi Bob, are you there?', 'Y: Yes, hello Alice!', 'X: Great. Bye', 'X: Bye'];
  expect(sections('chat.txt')).toEqual([
    {
      command: `${SERVER} --chat --host 127.0.0.1 --port 0`,
      lines: [
        `Listening on 127.0.0.1:${port}`,
        'Received: Client X: Alice',
        'Received: Client Y: Bob',
        `Sent: ${ACK}`,
        'Sent acknowledgment to both X and Y',
        ...chat,
      ],
    },
    { command: `${CLIENT} --chat --host 127.0.0.1 --port ${port} --id X --name Alice`, lines: ['Sent: Client X: Alice', `Received: ${ACK}`, ...chat] },
    { command: `${CLIENT} --chat --host 127.0.0.1 --port ${port} --id Y --name Bob`, lines: ['Sent: Client Y: Bob', `Received: ${ACK}`, ...chat] },
  ]);
});

test.skipIf(NO_PICTURES !== undefined)(`the screenshots are PNG files of a sane size${NO_PICTURES ? ` (skipped: ${NO_PICTURES})` : ''}`, () => {
  for (const file of ['x-first.png', 'y-first.png', 'chat.png']) {
    const { width, height } = pngSize(file);
    expect(width, `${file}'s width`).toBeGreaterThanOrEqual(1200);
    expect(width, `${file}'s width`).toBeLessThanOrEqual(3000);
    expect(height, `${file}'s height`).toBeGreaterThanOrEqual(200);
    expect(height, `${file}'s height`).toBeLessThanOrEqual(1200);
  }
  // The chat has more rows than a plain exchange.
  expect(pngSize('chat.png').height).toBeGreaterThan(pngSize('x-first.png').height);
});

test('a wrong option is refused with exit 2, one line and the usage', async () => {
  const samples = launch(useScene(), { label: 'samples', argv: ['node', 'dist/scripts/samples.js', '--bogus'], cwd: REPO_ROOT });
  const exit = await samples.waitForExit();
  expect({ code: exit.code, stdout: samples.output(), stderr: samples.output('stderr') }).toEqual({
    code: 2,
    stdout: '',
    stderr: 'samples: unknown option --bogus\nusage: npm run samples [-- --out DIR] [--no-screenshots]   (default reports/samples; CHROME_PATH names the browser)\n',
  });
});

test.each(['x-first', 'y-first', 'chat'] as const)('the %s screenshot types the very commands its .txt sample shows', (name) => {
  const shown = sections(`${name}.txt`).map((section) => section.command);
  const port = /--port (\d+) --id/.exec(shown[1] ?? '')?.[1] ?? '';
  const typed = typedCommands(name, port);
  expect([...shown].sort()).toEqual([typedCommands(name, '0').server, typed.X, typed.Y].sort());
});

test.each([
  { on: 'chromium and chromium-headless-shell', found: 'chromium-headless-shell' },
  { on: 'google-chrome and chromium', found: 'chromium' },
])('with $on on PATH, the samples render with $found', ({ on, found }) => {
  // Stand-ins that answer --version, alone on PATH: the lookup's order is what is tested, not the browsers here.
  const dir = mkdtempSync(join(tmpdir(), 'ack-browsers-'));
  onTestFinished(() => {
    vi.unstubAllEnvs();
    rmSync(dir, { recursive: true, force: true });
  });
  for (const name of on.split(' and ')) {
    writeFileSync(join(dir, name), '#!/bin/sh\nexit 0\n');
    chmodSync(join(dir, name), 0o755);
  }
  vi.stubEnv('PATH', dir);
  vi.stubEnv('CHROME_PATH', undefined);
  expect(findChromium()).toEqual({ browser: found });
});
