// The dialect of fixtures/python's clients, for specs that build a target on
// them to test something of the server's: declared, it leaves the grader
// nothing to learn from the clients (grader/dialect.ts leftToLearn), so a grade
// on a server item runs only that item's scenario, not the clients' one first.
import { DEFAULT_NAMES } from '../../grader/dialect.js';
import type { Target } from '../../grader/target.js';

/**
 * What fixtures/python's client sends: `Client X: Alice`, ended by a newline
 * (the names are the ones the grader gives it on stdin: the assignment's default).
 *
 * @example
 * gradeTarget({ ...loadTarget('fixtures/python/target.json'), ...PYTHON_CLIENTS_DIALECT }, { only: ['order-x-first'] });
 */
export const PYTHON_CLIENTS_DIALECT: Pick<Target, 'lineEnd' | 'names'> = { lineEnd: '\n', names: DEFAULT_NAMES };
