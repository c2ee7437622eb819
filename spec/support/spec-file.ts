/**
 * Setup file: names the spec file about to run in the environment, which
 * every program it starts inherits, so the suite's pid log can say which
 * file started each process (spec/support/suite-figures.ts counts them).
 */
import { expect } from 'vitest';
import { SPEC_FILE_ENV } from '../../harness/process.js';
import { REPO_ROOT } from '../../harness/repo-root.js';
import { shownSpecPath } from './suite-figures.js';

const { testPath } = expect.getState();
if (testPath !== undefined) process.env[SPEC_FILE_ENV] = shownSpecPath(REPO_ROOT, testPath);
