import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { CatalogueReporter } from './spec/catalogue/reporter.js';
import { STRESS_RUNS_ENV } from './spec/support/repeat.js';
import { SlowFirstSequencer } from './spec/support/sequencer.js';
import { rerunTriggers } from './spec/support/watch-triggers.js';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * Set by `npm run test:stress` (spec/support/repeat.ts): its report goes
 * beside npm test's, and it leaves npm test's catalogue and coverage alone.
 */
const stress = process.env[STRESS_RUNS_ENV] !== undefined;

export default defineConfig({
  resolve: {
    // Specs import the programs' modules (../impl/*.js, ../grader/*.js, ...) for types; at run time they
    // get the compiled files that spawned programs run too: one build is tested, coverage has a single
    // mapping, and in watch mode a rebuilt dist/ is what the next run loads.
    alias: [{ find: /^(?:\.\.\/)+(impl|grader|harness|scripts)\/(.+)\.js$/, replacement: `${root}dist/$1/$2.js` }],
  },
  test: {
    include: ['spec/**/*.test.ts'],
    globalSetup: ['spec/global-setup.ts'],
    setupFiles: ['spec/support/spec-file.ts', 'spec/coverage/in-process.ts'],
    // Most specs wait on programs (a reply, a bound running out), not on the CPU: vitest's default of one
    // worker per core but one would leave the cores idle while a file waits, so two more files run than there
    // are cores. Measured on 2 cores, full runs alternated (the wall time over the run's own cold start, since
    // this host's speed drifts by a fifth within the hour): 4 workers took 1.11 of it and 3 workers 1.15 (three
    // runs each, on the same CPU: 221 against 225 CPU-s); 5 workers took 1.18 (one run). Earlier, while ESLint ran inside a
    // worker and made every spawn from it dearer, 4 workers had cost 9 % more CPU than 3.
    maxWorkers: availableParallelism() + 2,
    // Within a file, grades side by side (spec/support/side-by-side.ts): two at a time, since a grade's programs
    // do need the CPU in bursts, and a machine kept too busy makes the grader stretch its waits. Measured on 2
    // cores, full runs alternated: two at a time took 95 to 108 s (mean 101 s, six runs, 177 to 201 CPU-s),
    // three took 106 and 110 s (199 and 208 CPU-s), one took 99 and 103 s (169 and 178 CPU-s, but cores left
    // idle); with two at a time, 3 workers took 105 and 106 s. More programs at once cost CPU in switching
    // between them, here a virtual machine's most expensive work.
    maxConcurrency: 2,
    // One worker process runs file after file (each file's setup files run again, its modules stay loaded): a
    // worker's start, about half a second of CPU here, is paid per worker, not per file. The specs restore
    // what they change in process.env, and keep no state between files.
    isolate: false,
    sequence: { sequencer: SlowFirstSequencer },
    server: { deps: { external: [/\/dist\/(?:impl|grader|harness|scripts)\//] } },
    // In `npm run test:watch`, every rebuild of the programs reruns the specs (spec/support/watch-triggers.ts).
    forceRerunTriggers: rerunTriggers(root),
    // Only a guard against a hang: on a saturated machine programs start slowly and the grader stretches its
    // waits (grader/timing.ts), so a bound that a quiet machine never nears must not fail a busy one.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: stress
      ? ['default', ['json', { outputFile: 'reports/test-results-stress.json' }]]
      : ['default', ['json', { outputFile: 'reports/test-results.json' }], new CatalogueReporter()],
  },
});
