/**
 * The repository root: where package.json is. Found by searching upward from
 * this file, so it is the same whether the code runs from the TypeScript
 * sources (vitest) or from dist/ (the programs), and inside the Gradescope
 * bundle, whose own package.json stops the search there.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HarnessError } from './errors.js';

/** The nearest folder at or above `start` that holds package.json. */
function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(resolve(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new HarnessError(`no package.json above ${start}`);
  }
}

/**
 * The repository root (absolute).
 *
 * @example
 * readFileSync(join(REPO_ROOT, 'docs/CONTRACT.md'), 'utf8');
 */
export const REPO_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));
