/**
 * Terminal rows with ANSI colour (what `tmux capture-pane -e` prints) as
 * HTML: SGR escape sequences become `<span style=…>`, everything else is
 * escaped text. Other escape sequences (cursor movement, titles) are dropped;
 * a captured row has none that matter.
 */

/** The attributes a run of text is drawn with. */
interface Style {
  fg?: string | undefined;
  bg?: string | undefined;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
  inverse?: boolean;
  strike?: boolean;
}

/** The default colours of the page, which inverse video swaps. */
export const DEFAULT_FG = '#d4d4d4';
export const DEFAULT_BG = '#1e1e1e';

/** The 16 basic colours (normal 0–7, bright 8–15), tuned to read well on a dark background. */
const BASIC = [
  '#2e3436', '#e05d5d', '#6cc644', '#e5c07b', '#5c9ded', '#c678dd', '#56b6c2', '#d3d7cf',
  '#767a78', '#ff7b7b', '#8ae234', '#fce94f', '#82b8ff', '#e39cf0', '#7fdbe6', '#ffffff',
];

/** Colour `n` of the 256-colour palette: 16 basic, a 6×6×6 cube, 24 greys. */
export function palette(n: number): string {
  if (n < 16) return BASIC[n] ?? DEFAULT_FG;
  if (n < 232) {
    const level = (v: number): number => (v === 0 ? 0 : 55 + v * 40);
    const i = n - 16;
    return hex(level(Math.floor(i / 36)), level(Math.floor(i / 6) % 6), level(i % 6));
  }
  const grey = 8 + (n - 232) * 10;
  return hex(grey, grey, grey);
}

function hex(r: number, g: number, b: number): string {
  return `#${[r, g, b].map((v) => Math.max(0, Math.min(255, v)).toString(16).padStart(2, '0')).join('')}`;
}

/** Applies one SGR sequence's parameters (`1;32`, `38;5;208`, `0`, …) to `style`. */
export function applySgr(style: Style, parameters: string): Style {
  const next: Style = { ...style };
  const codes = parameters === '' ? [0] : parameters.split(/[;:]/).map((code) => (code === '' ? 0 : Number(code)));
  for (let i = 0; i < codes.length; i += 1) {
    const code = codes[i] ?? 0;
    if (code === 0) for (const key of Object.keys(next)) delete next[key as keyof Style];
    else if (code === 1) next.bold = true;
    else if (code === 2) next.dim = true;
    else if (code === 3) next.italic = true;
    else if (code === 4) next.underline = true;
    else if (code === 7) next.inverse = true;
    else if (code === 9) next.strike = true;
    else if (code === 22) next.bold = next.dim = false;
    else if (code === 23) next.italic = false;
    else if (code === 24) next.underline = false;
    else if (code === 27) next.inverse = false;
    else if (code === 29) next.strike = false;
    else if (code >= 30 && code <= 37) next.fg = palette(code - 30);
    else if (code === 39) next.fg = undefined;
    else if (code >= 40 && code <= 47) next.bg = palette(code - 40);
    else if (code === 49) next.bg = undefined;
    else if (code >= 90 && code <= 97) next.fg = palette(code - 90 + 8);
    else if (code >= 100 && code <= 107) next.bg = palette(code - 100 + 8);
    else if (code === 38 || code === 48) {
      // 38;5;n (256 colours) or 38;2;r;g;b (true colour); the same for 48 (background).
      const mode = codes[i + 1];
      let colour: string | undefined;
      if (mode === 5) {
        colour = palette(codes[i + 2] ?? 0);
        i += 2;
      } else if (mode === 2) {
        colour = hex(codes[i + 2] ?? 0, codes[i + 3] ?? 0, codes[i + 4] ?? 0);
        i += 4;
      } else {
        i = codes.length; // malformed: ignore the rest
      }
      if (code === 38) next.fg = colour;
      else next.bg = colour;
    }
  }
  return next;
}

/** The inline CSS for a style; empty for the default style. */
function css(style: Style): string {
  let fg = style.fg;
  let bg = style.bg;
  if (style.inverse) [fg, bg] = [bg ?? DEFAULT_BG, fg ?? DEFAULT_FG];
  const rules: string[] = [];
  if (fg) rules.push(`color:${fg}`);
  if (bg) rules.push(`background:${bg}`);
  if (style.bold) rules.push('font-weight:bold');
  if (style.dim) rules.push('opacity:0.7');
  if (style.italic) rules.push('font-style:italic');
  const lines = [style.underline ? 'underline' : '', style.strike ? 'line-through' : ''].filter(Boolean);
  if (lines.length > 0) rules.push(`text-decoration:${lines.join(' ')}`);
  return rules.join(';');
}

/** Escapes text for HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** One cell: a character and the style it is drawn with. */
interface Cell {
  readonly char: string;
  readonly style: Style;
}

/**
 * Splits one row into cells. A style carries over from the previous row, as
 * on a terminal; the returned style is the one in force at the row's end.
 */
function cells(row: string, start: Style): { cells: Cell[]; style: Style } {
  const out: Cell[] = [];
  let style = start;
  // CSI … final byte, OSC … BEL or ST, or a lone two-byte escape.
  // eslint-disable-next-line no-control-regex
  const escape = /\u001b(?:\[([0-9;:?<>=]*)([@-~])|\][^\u0007\u001b]*(?:\u0007|\u001b\\)|[@-Z\\-_])/y;
  let i = 0;
  while (i < row.length) {
    if (row[i] === '\u001b') {
      escape.lastIndex = i;
      const match = escape.exec(row);
      if (match) {
        if (match[2] === 'm') style = applySgr(style, match[1] ?? '');
        i = escape.lastIndex;
        continue;
      }
      i += 1; // a stray ESC
      continue;
    }
    const char = String.fromCodePoint(row.codePointAt(i) ?? 0);
    i += char.length;
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(char)) continue;
    out.push({ char, style });
  }
  return { cells: out, style };
}

/**
 * Converts captured rows to HTML, one string per row (no newline), each a
 * sequence of escaped text and `<span style=…>` runs. With `cursor`, the
 * cell at that row and column is drawn as a block cursor (`<span
 * class="cursor">`), padded with spaces if the row is shorter.
 *
 * @example
 * ansiRowsToHtml(['\x1b[1m\x1b[32m$\x1b[0m ls']); // ['<span style="color:#6cc644;font-weight:bold">$</span> ls']
 */
export function ansiRowsToHtml(rows: readonly string[], cursor?: { readonly row: number; readonly column: number }): string[] {
  let style: Style = {};
  return rows.map((row, index) => {
    const parsed = cells(row, style);
    style = parsed.style;
    const line = parsed.cells;
    const cursorAt = cursor?.row === index ? cursor.column : -1;
    while (cursorAt >= line.length) line.push({ char: ' ', style: {} });
    let html = '';
    let run = '';
    let runStyle = '';
    const flush = (): void => {
      if (run !== '') html += runStyle === '' ? escapeHtml(run) : `<span style="${runStyle}">${escapeHtml(run)}</span>`;
      run = '';
    };
    line.forEach((cell, column) => {
      if (column === cursorAt) {
        flush();
        html += `<span class="cursor">${escapeHtml(cell.char)}</span>`;
        return;
      }
      const next = css(cell.style);
      if (next !== runStyle) {
        flush();
        runStyle = next;
      }
      run += cell.char;
    });
    flush();
    return html;
  });
}
