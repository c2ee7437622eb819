// The failure-case catalogue is generated from the run: vitest, run as a child
// on the fixture specs in fixtures/catalogue/ (one catalogued test passing, one
// failing, one without a record), writes exactly the two catalogued rows, with
// their results and their cells escaped.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, onTestFinished, test } from 'vitest';
import { CATALOGUE_FILE_ENV } from './catalogue/reporter.js';
import { launch } from '../harness/process.js';
import { REPO_ROOT } from '../harness/repo-root.js';
import { useScene } from './support/vitest.js';

const FIXTURES = join(REPO_ROOT, 'fixtures', 'catalogue');

test('a run writes one row per catalogued test, with its result, and cells escaped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ack-catalogue-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true })); // registered first, so it runs after the scene is gone
  const file = join(dir, 'failure-cases.md');
  const vitest = launch(useScene(), {
    label: 'vitest (catalogue fixtures)',
    argv: ['node', 'node_modules/vitest/vitest.mjs', 'run', '--root', FIXTURES, '--config', join(FIXTURES, 'vitest.config.ts')],
    cwd: REPO_ROOT,
    // The nested vitest's own coverage is of no interest (and large): an empty value turns it off.
    env: { [CATALOGUE_FILE_ENV]: file, NODE_V8_COVERAGE: '' },
  });
  expect(await vitest.waitForExit()).toEqual({ code: 1, signal: null }); // a fixture test fails on purpose

  const markdown = readFileSync(file, 'utf8');
  const rows = markdown.split('\n').filter((line) => line.startsWith('| ')).slice(2); // after the header and its rule
  expect({ counts: /\d+ rows: .*\./.exec(markdown)?.[0], rows }).toEqual({
    counts: '2 rows: 1 passed, 1 failed, 0 skipped.',
    rows: [
      '| Failing | On purpose | Fails | None | failing.test.ts › a suite > catalogued and failing | fail |',
      '| A pipe \\| inside a case | Two lines:<br>the second one | Windows<br>line ending | Plain. | passing.test.ts › catalogued \\| passing | pass |',
    ],
  });
});
