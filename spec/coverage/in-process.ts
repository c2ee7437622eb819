/**
 * Setup file: records V8 coverage of dist/impl/*.js loaded inside a test
 * worker (the unit tests of the pure modules), in the same format and folder
 * as NODE_V8_COVERAGE output of spawned programs, so spec/coverage/pipeline.ts
 * merges both before converting. takePreciseCoverage resets the counters, so
 * consecutive test files in one worker never count a call twice.
 *
 * One inspector session per worker, started by its first file: a worker runs
 * file after file (isolate: false) and this again for each, and every start
 * of precise coverage makes V8 throw away all the worker's optimised code and
 * walk its whole heap (Coverage::SelectMode). Started once, 16 quick spec
 * files in one worker took 11.6 CPU-s instead of 12.6 (10.6 without coverage).
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { SUITE_DIR_ENV } from '../../harness/process.js';
import { REPO_ROOT } from '../../harness/repo-root.js';
import { compiledImplDir, onlyScriptsUnder } from './scripts.js';

const suiteDir = process.env[SUITE_DIR_ENV];

/** Where this worker's session is kept between its files. */
const SESSION: unique symbol = Symbol.for('ack-exchange.in-process-coverage');
const worker = globalThis as { [SESSION]?: Promise<Session> };

/** A session connected and recording precise coverage from now on. */
async function startRecording(): Promise<Session> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  return session;
}

if (suiteDir) {
  const session = await (worker[SESSION] ??= startRecording());
  afterAll(async () => {
    const { result } = await session.post('Profiler.takePreciseCoverage');
    const ours = onlyScriptsUnder({ result }, compiledImplDir(REPO_ROOT));
    if (ours.result.length > 0) {
      writeFileSync(join(suiteDir, 'v8', `in-process-${process.pid}-${randomUUID()}.json`), JSON.stringify(ours));
    }
  });
}
