/**
 * Text helpers for what processes print: strip ANSI, make invisible
 * characters visible, and quote a whole transcript in an error message.
 */
import stripAnsi from 'strip-ansi';

/**
 * Shows characters a reader could otherwise miss: `\r`, tabs, other control
 * characters, a trailing space, and the absence of a final newline.
 *
 * @example
 * visible('ok \r\n'); // 'ok·\\r⏎\n'
 */
export function visible(text: string): string {
  const shown = text
    .replace(/ +(?=\r?\n|$)/g, (spaces) => '·'.repeat(spaces.length))
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`)
    // Characters that show as nothing (zero-width space, joiners, direction marks, BOM) would make equal-looking lines differ.
    .replace(/[\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\ufeff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/\n/g, '⏎\n');
  return text === '' || text.endsWith('\n') ? shown : `${shown}[no newline at end]`;
}

/** The lines of `text`, exactly as received; no empty last line. */
export function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** The lines of a program's console output, ANSI escapes removed; no empty last line. */
export function linesOf(text: string): string[] {
  return splitLines(stripAnsi(text));
}

/** Indents a block of output under a heading, or says it is empty. */
export function quoteBlock(heading: string, text: string): string {
  const body = text === '' ? '  (nothing)' : visible(stripAnsi(text)).replace(/^/gm, '  | ');
  return `${heading}\n${body}`;
}
