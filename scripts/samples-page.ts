/**
 * A screenshot of panes captured from tmux: an HTML page that looks like a
 * terminal window (dark, monospace, a title bar over each pane with its
 * label and command), rendered to PNG by a headless Chromium on a fresh
 * profile, which is removed afterwards with every process it started.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { commandWorks } from '../harness/commands.js';
import { recordPid } from '../harness/process.js';
import { ansiRowsToHtml, DEFAULT_BG, DEFAULT_FG, escapeHtml } from './samples-ansi.js';

/** One pane as captured. */
export interface CapturedPane {
  /** e.g. `server`, `client X`. */
  readonly label: string;
  /** The command typed in it, shown in its title bar. */
  readonly command: string;
  /** `capture-pane -p -e` rows: text with SGR escape sequences. */
  readonly rows: readonly string[];
  /** The cursor, when this is the pane being typed in (a real terminal draws it only there). */
  readonly cursor?: { readonly row: number; readonly column: number };
}

/** What the picture shows. */
export interface Picture {
  /** The caption above the panes: a title and a line on what happens. */
  readonly caption: { readonly title: string; readonly detail: string };
  readonly panes: readonly CapturedPane[];
  /** Each pane's width in columns (as in tmux). */
  readonly columns: number;
}

/** Pixel sizes of the page, so the window can be sized to it. */
const FONT_PX = 15;
const LINE_PX = 20;
const TITLE_FONT_PX = 12;
/** DejaVu Sans Mono's advance is 0.602 em; a little more for other monospace fonts. */
const CHAR_EM = 0.61;
const PAD_PX = 14;
const GAP_PX = 10;
const CAPTION_PX = 34;
const TITLE_PX = 44;

/** The window size that fits `picture` with a margin. */
export function pageSize(picture: Picture): { width: number; height: number } {
  const rows = Math.max(...picture.panes.map((pane) => pane.rows.length));
  const paneWidth = Math.ceil(picture.columns * FONT_PX * CHAR_EM) + 2 * PAD_PX;
  const width = picture.panes.length * paneWidth + (picture.panes.length - 1) * GAP_PX + 2 * PAD_PX + 2 * picture.panes.length;
  // The body's padding, the caption, the pane's borders, title bar and padding around its rows, and 2 px to spare.
  const height = 2 * PAD_PX + CAPTION_PX + 2 + TITLE_PX + 2 * PAD_PX + rows * LINE_PX + 2;
  return { width, height };
}

/** The HTML page for `picture`: every pane padded to the same number of rows. */
export function pageHtml(picture: Picture): string {
  const rows = Math.max(...picture.panes.map((pane) => pane.rows.length));
  const panes = picture.panes.map((pane) => {
    const html = ansiRowsToHtml(pane.rows, pane.cursor);
    while (html.length < rows) html.push('');
    return `
    <section class="pane">
      <header><span class="label">${escapeHtml(pane.label)}</span><span class="command">$ ${escapeHtml(pane.command)}</span></header>
      <pre>${html.join('\n')}</pre>
    </section>`;
  });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(picture.caption.title)}</title>
<style>
  html, body { margin: 0; background: #141414; overflow: hidden; }
  body { padding: ${PAD_PX}px; font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; color: ${DEFAULT_FG}; }
  .caption { height: ${CAPTION_PX}px; font-size: 14px; color: #9da5b4; font-family: "DejaVu Sans", sans-serif; }
  .caption b { color: #e5c07b; font-weight: 600; }
  .panes { display: flex; gap: ${GAP_PX}px; align-items: stretch; }
  .pane { background: ${DEFAULT_BG}; border: 1px solid #3c3c3c; border-radius: 6px; overflow: hidden; }
  header { height: ${TITLE_PX}px; box-sizing: border-box; padding: 5px ${PAD_PX}px; background: #2d2d30; border-bottom: 1px solid #3c3c3c; }
  header .label { display: block; font-size: 13px; font-weight: bold; color: #56b6c2; line-height: 17px; }
  header .command { display: block; font-size: ${TITLE_FONT_PX}px; color: #c8c8c8; line-height: 17px; white-space: pre; overflow: hidden; text-overflow: ellipsis; width: ${picture.columns * CHAR_EM * FONT_PX}px; }
  pre { margin: 0; padding: ${PAD_PX}px; width: ${picture.columns}ch; font-size: ${FONT_PX}px; line-height: ${LINE_PX}px; font-family: inherit; white-space: pre; }
  .cursor { background: ${DEFAULT_FG}; color: ${DEFAULT_BG}; }
</style>
</head>
<body>
  <div class="caption"><b>${escapeHtml(picture.caption.title)}</b> — ${escapeHtml(picture.caption.detail)}</div>
  <div class="panes">${panes.join('')}
  </div>
</body>
</html>
`;
}

/** The environment variable naming the browser to render with, as Puppeteer and Karma read it. */
export const CHROME_PATH_ENV = 'CHROME_PATH';

/** Where Chrome and Chromium usually live when they are not on PATH. */
const USUAL_PLACES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/opt/google/chrome/chrome',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];

/**
 * The browser to render with: $CHROME_PATH when set (it must run, or that is
 * the answer: a wrong override is reported, not silently replaced), else the
 * first of chromium, chromium-browser, google-chrome and google-chrome-stable
 * on PATH, else the usual install places.
 *
 * @example
 * const found = findChromium();
 * if ('browser' in found) await screenshot(found.browser, picture, 'x-first.png');
 */
export function findChromium(): { readonly browser: string } | { readonly why: string } {
  const override = process.env[CHROME_PATH_ENV];
  if (override !== undefined && override !== '') {
    return commandWorks([override, '--version']) ? { browser: override } : { why: `${CHROME_PATH_ENV}=${override} does not run (\`${override} --version\` failed); point it at a Chrome or Chromium binary` };
  }
  const browser = [...['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'], ...USUAL_PLACES].find((command) => commandWorks([command, '--version']));
  return browser !== undefined
    ? { browser }
    : { why: `no Chrome or Chromium found (apt-get install chromium, or set ${CHROME_PATH_ENV} to the browser's binary)` };
}

const CHROMIUM_MS = 60_000;

/**
 * Renders `html` to the PNG file `png` with headless Chromium at the page's
 * size. The page and a fresh profile live in a temporary folder that is
 * removed afterwards. Chromium runs in its own process group (ours), which
 * is killed if it outlives the bound or leaves a helper behind.
 */
export async function screenshot(chromium: string, picture: Picture, png: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ack-samples-'));
  try {
    const page = join(dir, 'page.html');
    writeFileSync(page, pageHtml(picture));
    const { width, height } = pageSize(picture);
    rmSync(png, { force: true });
    const args = [
      ...['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
      ...['--disable-sync', '--no-first-run', '--hide-scrollbars', '--force-device-scale-factor=1'],
      `--user-data-dir=${join(dir, 'profile')}`,
      `--window-size=${width},${height}`,
      `--screenshot=${png}`,
      pathToFileURL(page).href,
    ];
    const child = spawn(chromium, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let said = '';
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (text: string) => (said = (said + text).slice(-4000)));
    }
    const group = child.pid;
    recordPid(group); // under the suite, its end checks that Chromium is gone too
    const killGroup = (): void => {
      if (group === undefined) return;
      try {
        process.kill(-group, 'SIGKILL'); // the group Chromium leads: only processes it started
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(killGroup, CHROMIUM_MS); // guard: a hung browser
    const exit = await new Promise<{ code: number | null; error?: Error }>((resolve) => {
      child.on('error', (error) => resolve({ code: null, error }));
      child.on('close', (code) => resolve({ code }));
    }).finally(() => clearTimeout(timer));
    killGroup(); // a helper left behind (crashpad, a zygote) goes with the group
    if (exit.error) throw new Error(`could not start ${chromium}: ${exit.error.message}`);
    if (exit.code !== 0 || !existsSync(png) || statSync(png).size === 0) {
      const why = exit.code === null ? `was killed after ${CHROMIUM_MS / 1000} s` : `exited with code ${exit.code}`;
      const tail = said.trim().split('\n').slice(-3).join(' | ');
      throw new Error(`${chromium} ${why} without writing ${png}${tail ? `: ${tail}` : ''}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
