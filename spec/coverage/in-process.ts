/**
 * Setup file: records V8 coverage of dist/impl/*.js loaded inside a test
 * worker (the unit tests of the pure modules), in the same format and folder
 * as NODE_V8_COVERAGE output of spawned programs, so spec/coverage/pipeline.ts
 * merges both before converting. takePreciseCoverage resets the counters, so
 * consecutive test files in one worker never count a call twice.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { SUITE_DIR_ENV } from '../../harness/process.js';
import { REPO_ROOT } from '../../harness/repo-root.js';
import { compiledImplDir, onlyScriptsUnder } from './pipeline.js';

const suiteDir = process.env[SUITE_DIR_ENV];

if (suiteDir) {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  afterAll(async () => {
    const { result } = await session.post('Profiler.takePreciseCoverage');
    const ours = onlyScriptsUnder({ result }, compiledImplDir(REPO_ROOT));
    if (ours.result.length > 0) {
      writeFileSync(join(suiteDir, 'v8', `in-process-${process.pid}-${randomUUID()}.json`), JSON.stringify(ours));
    }
  });
}
