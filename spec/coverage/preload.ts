/**
 * Loaded into every Node program the suite starts with coverage (through
 * NODE_OPTIONS --import, harness/process.ts childEnv): records V8 block
 * coverage from before the program's first module, and at its exit writes
 * what it has of dist/impl, in NODE_V8_COVERAGE's format, to the suite's v8/
 * folder, where spec/coverage/pipeline.ts reads both kinds. NODE_V8_COVERAGE
 * itself would do the same for the whole program, Node's own modules
 * included: it costs each start 20 to 60 ms of CPU here (Node compiles its
 * built-in modules again, instrumented) and writes some 200 kB, where this
 * writes the few kB of dist/impl. Like NODE_V8_COVERAGE, it writes on any
 * exit a program makes (its end, process.exit(), an uncaught error), not on
 * a signal that kills it.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

/** The folder the suite gave (harness/process.ts SUITE_DIR_ENV), read here so that this file imports nothing of the repository's. */
const suiteDir = process.env.ACK_SUITE_DIR;
/** The compiled programs: this file is dist/spec/coverage/preload.js. */
const implUrl = new URL('../../impl/', import.meta.url).href;

if (suiteDir) {
  const session = new Session();
  session.connect();
  // The inspector answers a session in this thread synchronously: the callbacks run before post() returns.
  session.post('Profiler.enable');
  session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  process.on('exit', () => {
    session.post('Profiler.takePreciseCoverage', (error, taken) => {
      if (error) return; // nothing to write: the program's exit is not ours to disturb
      const result = taken.result.filter((script) => script.url.startsWith(implUrl));
      if (result.length === 0) return;
      // Named by pid and the time of the exit, not a random UUID: no two processes share both, and node:crypto
      // (OpenSSL's start) would cost every program of the suite 5 ms of CPU here.
      writeFileSync(join(suiteDir, 'v8', `preload-${process.pid}-${process.hrtime.bigint()}.json`), JSON.stringify({ result }));
    });
  });
}
