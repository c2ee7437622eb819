// A lock file that a fixture's processes hold for as long as they live: the
// specs take it afterwards to prove nothing a grade started is still running.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { SHOW_ENV } from '../../grader/sandbox.js';
import { countFinished } from '../../harness/process.js';

/**
 * A fresh, empty lock file in a folder of its own that the sandbox shows
 * read-only (ACK_GRADER_SHOW) and the programs' own uid can reach; the folder
 * is removed and the setting restored when the test ends.
 */
export function lockFile(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755); // the programs' own uid must reach it
  const lock = join(dir, 'alive.lock');
  writeFileSync(lock, '', { mode: 0o644 });
  const before = process.env[SHOW_ENV];
  process.env[SHOW_ENV] = dir;
  onTestFinished(() => {
    if (before === undefined) delete process.env[SHOW_ENV];
    else process.env[SHOW_ENV] = before;
    rmSync(dir, { recursive: true, force: true });
  });
  return lock;
}

/** Whether some process holds the lock: flock(1) cannot take it exclusively without waiting. */
export const held = (path: string): boolean => {
  const run = spawnSync('flock', ['-n', path, 'true']);
  countFinished(run.pid);
  return run.status !== 0;
};
