/**
 * Golden transcripts (spec/golden/*.txt): the exact stdout of each program of
 * the reference, section by section, with `{port}` standing for the port.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../harness/repo-root.js';

/** Expected stdout lines by program label (`server`, `client X`, `client Y`). */
export type Golden = Record<string, string[]>;

/**
 * Reads spec/golden/`name`.txt, filling in the port.
 *
 * @example
 * loadGolden('x-first', 40123)['client X']; // ['Sent: Client X: Alice', ...]
 */
export function loadGolden(name: string, port: number): Golden {
  const text = readFileSync(join(REPO_ROOT, 'spec', 'golden', `${name}.txt`), 'utf8');
  const golden: Golden = {};
  let section: string[] | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('# ') || line === '') continue;
    if (line.startsWith('## ')) {
      section = golden[line.slice(3)] = [];
      continue;
    }
    if (!section) throw new Error(`${name}.txt: a line before the first "## program" heading`);
    section.push(line.replaceAll('{port}', String(port)));
  }
  return golden;
}
