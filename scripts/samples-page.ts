/**
 * A screenshot of panes captured from tmux: an HTML page that looks like a
 * terminal window (dark, monospace, a title bar over each pane with its
 * label and command), rendered to PNG by a headless Chromium on a fresh
 * profile, which is removed afterwards with every process it started. One
 * browser renders every picture of a run, driven over the DevTools protocol
 * (scripts/samples-cdp.ts).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { commandWorks } from '../harness/commands.js';
import { recordPid } from '../harness/process.js';
import { ansiRowsToHtml, DEFAULT_BG, DEFAULT_FG, escapeHtml } from './samples-ansi.js';
import { CdpPipe } from './samples-cdp.js';

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

/**
 * The browsers looked for on PATH, best first. Chromium's headless shell (Debian's
 * chromium-headless-shell) is the headless-only build, made for automation: it renders the same
 * pages with the same fonts, and a launch costs 1.3 CPU-s here against the full browser's 3.1
 * (the three samples: 6.1 against 10.7 CPU-s).
 */
const BROWSERS = ['chromium-headless-shell', 'chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** Where Chrome and Chromium usually live when they are not on PATH. */
const USUAL_PLACES = [
  '/usr/bin/chromium-headless-shell',
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
 * first of chromium-headless-shell, chromium, chromium-browser, google-chrome
 * and google-chrome-stable on PATH, else the usual install places.
 *
 * @example
 * const found = findChromium();
 * if ('browser' in found) await takeScreenshots(found.browser, [[picture, 'x-first.png']]);
 */
export function findChromium(): { readonly browser: string } | { readonly why: string } {
  const override = process.env[CHROME_PATH_ENV];
  if (override !== undefined && override !== '') {
    return commandWorks([override, '--version']) ? { browser: override } : { why: `${CHROME_PATH_ENV}=${override} does not run (\`${override} --version\` failed); point it at a Chrome or Chromium binary` };
  }
  const browser = [...BROWSERS, ...USUAL_PLACES].find((command) => commandWorks([command, '--version']));
  return browser !== undefined
    ? { browser }
    : { why: `no Chrome or Chromium found (apt-get install chromium-headless-shell or chromium, or set ${CHROME_PATH_ENV} to the browser's binary)` };
}

/** The bound on the whole run of the browser: every picture, and its exit. */
const CHROMIUM_MS = 60_000;

/**
 * Renders each picture to its PNG file with ONE headless Chromium (a launch
 * costs 1.3 CPU-s here, 3.1 for the full browser; a page a fraction of that), driven over
 * `--remote-debugging-pipe`: a page per picture at the picture's size, one
 * after another, then Browser.close. Each result says whether that file was
 * written, as Promise.allSettled would: a picture that fails does not stop
 * the others, unless the browser is gone. The pages and a fresh profile live
 * in a temporary folder that is removed afterwards. Chromium runs in its own
 * process group (ours), which is killed if it outlives the bound or leaves
 * a helper behind.
 *
 * @example
 * const [x] = await takeScreenshots('/usr/bin/chromium', [[picture, 'x-first.png']]);
 * if (x?.status === 'rejected') console.error(String(x.reason));
 */
export async function takeScreenshots(chromium: string, jobs: readonly (readonly [Picture, string])[]): Promise<PromiseSettledResult<void>[]> {
  if (jobs.length === 0) return [];
  const dir = mkdtempSync(join(tmpdir(), 'ack-samples-'));
  try {
    const args = [
      ...['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
      ...['--disable-sync', '--no-first-run', '--hide-scrollbars', '--force-device-scale-factor=1'],
      `--user-data-dir=${join(dir, 'profile')}`,
      '--remote-debugging-pipe', // commands on its fd 3, replies on its fd 4: no port for anything else to reach
    ];
    const child = spawn(chromium, args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'], detached: true });
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
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true; // guard: a hung browser; its pipe closes with it, which ends every wait
      killGroup();
    }, CHROMIUM_MS);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
      child.on('error', (error) => resolve({ code: null, signal: null, error }));
      child.on('close', (code, signal) => resolve({ code, signal }));
    });
    const cdp = new CdpPipe(child.stdio[3] as Writable, child.stdio[4] as Readable);
    void exited.then(() => cdp.close(new Error('the browser exited'))); // also when it never started

    /** One line: the browser, and why `png` was not written (with the tail of what it printed, if it is gone). */
    const failure = async (error: unknown, png: string): Promise<Error> => {
      // A browser still running refused a command: that reply says why (its output is start-up noise).
      if (cdp.open) return new Error(`${chromium} did not write ${png}: ${error instanceof Error ? error.message : String(error)}`);
      // The browser is gone (or going): how it ended, and what it said last, say more than the closed pipe.
      const exit = await exited;
      if (exit.error) return new Error(`could not start ${chromium}: ${exit.error.message}`);
      const why = timedOut ? `was killed after ${CHROMIUM_MS / 1000} s` : exit.code !== null ? `exited with code ${exit.code}` : `was ended by ${exit.signal}`;
      const tail = said.trim().split('\n').slice(-3).join(' | ');
      return new Error(`${chromium} ${why} without writing ${png}${tail ? `: ${tail}` : ''}`);
    };

    const results: PromiseSettledResult<void>[] = [];
    for (const [index, [picture, png]] of jobs.entries()) {
      try {
        await render(cdp, picture, png, join(dir, `page-${index}.html`));
        results.push({ status: 'fulfilled', value: undefined });
      } catch (error) {
        results.push({ status: 'rejected', reason: await failure(error, png) });
      }
    }
    // Its reply may not come before the pipe closes; the exit is what counts, under the same bound.
    await cdp.send('Browser.close').catch(() => {});
    await exited;
    clearTimeout(timer);
    killGroup(); // a helper left behind (crashpad, a zygote) goes with the group
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Renders `picture` to the PNG file `png` in a new page of the browser
 * behind `cdp`, through the HTML file `page`; the page is closed afterwards.
 */
async function render(cdp: CdpPipe, picture: Picture, png: string, page: string): Promise<void> {
  rmSync(png, { force: true }); // an old file is never taken for a new one
  writeFileSync(page, pageHtml(picture));
  const url = pathToFileURL(page).href;
  const { width, height } = pageSize(picture);
  // A window of the picture's size (Chromium takes a size only for a new window), the viewport set to match.
  const { targetId } = await cdp.send('Target.createTarget', { url: 'about:blank', width, height, newWindow: true });
  const { sessionId } = await cdp.send('Target.attachToTarget', { targetId, flatten: true });
  if (typeof sessionId !== 'string') throw new Error('Target.attachToTarget gave no sessionId');
  await cdp.send('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: false }, sessionId);
  await cdp.send('Page.enable', {}, sessionId);
  // The load that counts comes after the main frame committed our page: about:blank's own load may
  // still arrive once the page is attached.
  let committed = false;
  const loaded = cdp.event(sessionId, (method, params) => {
    const frame = params.frame as { parentId?: string; url?: string } | undefined;
    if (method === 'Page.frameNavigated' && frame !== undefined && frame.parentId === undefined && frame.url !== 'about:blank') committed = true;
    return committed && method === 'Page.loadEventFired';
  });
  const navigated = cdp.send('Page.navigate', { url }, sessionId).then(({ errorText }) => {
    if (typeof errorText === 'string') throw new Error(`Page.navigate to ${url} failed: ${errorText}`);
  });
  await Promise.all([loaded, navigated]); // a failed navigation fails at once, not at the bound
  const { data } = await cdp.send('Page.captureScreenshot', { format: 'png' }, sessionId);
  if (typeof data !== 'string') throw new Error('Page.captureScreenshot gave no data');
  writeFileSync(png, Buffer.from(data, 'base64'));
  await cdp.send('Target.closeTarget', { targetId });
}
