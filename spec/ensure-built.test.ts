// scripts/ensure-built.mjs: `npm run grade` compiles only when a source changed,
// so grading a submission costs grading time, not a tsc run on every call.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { REPO_ROOT } from '../harness/repo-root.js';
import { countFinished } from '../harness/process.js';

test('with dist/ current (npm test has just built it), it compiles nothing, prints nothing and exits 0', () => {
  const stamp = join(REPO_ROOT, 'dist', '.tsbuildinfo');
  const before = statSync(stamp).mtimeMs;
  const result = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'ensure-built.mjs')], { cwd: REPO_ROOT, encoding: 'utf8' });
  countFinished(result.pid);
  expect({ status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({ status: 0, stdout: '', stderr: '' });
  expect(statSync(stamp).mtimeMs).toBe(before);
});
