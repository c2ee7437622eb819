/**
 * Whether grades may run side by side in one spec file: only where every
 * grade gets network namespaces of its own (harness/isolation.ts), so two
 * targets hard-coding port 12000, or a TIME_WAIT one leaves, never meet.
 * Without one, grading specs run their tests one after another, as the
 * grader itself does with fixed-port targets (grader/run.ts portKey).
 */
import { detectIsolation } from '../../harness/isolation.js';

/** True where grades of fixed-port targets cannot meet: pass it as a test's `concurrent` option. */
export const GRADES_SIDE_BY_SIDE = detectIsolation().kind === 'namespace';
