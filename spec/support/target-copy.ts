/**
 * Copies of a fixture's target description written elsewhere (a class
 * folder, a folder of targets in a temporary directory): the folder its
 * programs run in is made absolute, so the copy still finds them.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '../../harness/repo-root.js';

/**
 * Writes the description `file` (relative to the repository) to `to`, with
 * its `cwd` made absolute and `changes` applied over it.
 *
 * @example
 * copyTarget('fixtures/python/target.json', '/tmp/class/d-python.json', { name: 'd-python' });
 */
export function copyTarget(file: string, to: string, changes: Readonly<Record<string, unknown>> = {}): void {
  const from = join(REPO_ROOT, file);
  const description = JSON.parse(readFileSync(from, 'utf8')) as Record<string, unknown>;
  mkdirSync(dirname(to), { recursive: true });
  writeFileSync(to, JSON.stringify({ ...description, cwd: join(dirname(from), String(description.cwd ?? '.')), ...changes }));
}
