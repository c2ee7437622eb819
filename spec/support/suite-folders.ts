/**
 * The suite's folders in the temporary folder (`ack-suite-*`, made by
 * spec/global-setup.ts): each names the vitest that made it, by pid and start
 * time, in a file `owner`. Vitest removes its folder in its teardown, which a
 * vitest ended by a signal never runs (`npm run test:watch` killed, or
 * interrupted when not on a terminal); the next run removes such a folder,
 * and never one whose vitest still runs (another terminal's suite).
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSameProcessAlive, startTime } from '../../harness/process.js';

/** How the suite's folders are named in the temporary folder. */
export const SUITE_FOLDER_PREFIX = 'ack-suite-';

/** The file in a suite folder naming its owner: `pid starttime`. */
const OWNER = 'owner';

/**
 * Names this process as the owner of the suite folder `dir`.
 *
 * @example
 * claimSuiteFolder(mkdtempSync(join(tmpdir(), SUITE_FOLDER_PREFIX)));
 */
export function claimSuiteFolder(dir: string): void {
  writeFileSync(join(dir, OWNER), `${process.pid} ${startTime(process.pid) ?? '-'}\n`);
}

/**
 * Removes the suite folders in `parent` whose owner no longer runs, and
 * returns their paths. A folder without an owner file (made before owners
 * were named) is left alone, as is one that cannot be removed.
 *
 * @example
 * sweepSuiteFolders(); // ['/tmp/ack-suite-Ab12Cd'] after a killed npm run test:watch
 */
export function sweepSuiteFolders(parent: string = tmpdir()): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(parent).filter((entry) => entry.startsWith(SUITE_FOLDER_PREFIX))) {
    const dir = join(parent, name);
    let owner: string;
    try {
      owner = readFileSync(join(dir, OWNER), 'utf8');
    } catch {
      continue;
    }
    const [pid, started] = owner.trim().split(' ');
    if (!/^\d+$/.test(pid ?? '') || isSameProcessAlive(Number(pid), started === '-' ? undefined : started)) continue;
    try {
      rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    } catch {
      // someone else's, or in use in a way we cannot undo: left as it is
    }
  }
  return removed;
}
