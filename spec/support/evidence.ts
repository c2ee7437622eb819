// What a failed grading assertion quotes: the evidence of every lost item, so a
// verdict that flips once in CI says why without a rerun.
import { explain } from '../../grader/report.js';
import type { TargetGrade } from '../../grader/run.js';

/**
 * The evidence (what every process printed, what was expected) of each item
 * `grade` lost, with its dialect and harness problems; `(no item lost)` when none.
 *
 * @example
 * expect(lost(grade), lostEvidence(grade)).toEqual(['closing-line']);
 */
export function lostEvidence(grade: TargetGrade): string {
  const lost = grade.items.filter((item) => !item.verdict.passed);
  const items = lost.length === 0 ? ['(no item lost)'] : lost.map((item) => `${item.id}:\n${explain(item, '  ')}`);
  return [`dialect: ${grade.dialect}`, ...grade.harnessProblems.map((problem) => `harness problem: ${problem}`), ...items].join('\n');
}
