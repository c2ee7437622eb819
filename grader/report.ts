/**
 * Turns grades into what people and platforms read: the console rubric,
 * reports/grade.md and grade.json, Gradescope's results.json, JUnit XML and,
 * for a folder of targets, a gradebook CSV. Pure functions of the grades and,
 * for a class template, of the students it could not be applied to (each
 * report names them and why, never as a grade of zero).
 */
import { isAbsolute, relative } from 'node:path';
import stripAnsi from 'strip-ansi';
import { visible } from '../harness/text.js';
import { ITEMS, MARKED_BY_A_PERSON, PART_POINTS, PART_TITLES, type Part } from './rubric.js';
import type { StudentProblem } from './class.js';
import type { ItemResult, TargetGrade } from './run.js';

const PARTS: readonly Part[] = ['ack', 'chat'];

/** Past this many lines, a block keeps its head and tail and says how many lines it left out. */
export const QUOTED_LINES_MAX = 2000;
const HEAD_LINES = 1500;
const TAIL_LINES = 200;

/**
 * A block of program output, every invisible character shown; a runaway
 * block (a loop printing forever) keeps its first and last lines and counts
 * what it left out, so a report stays readable.
 */
function quoted(text: string, indent: string, shown = false): string {
  if (text === '') return `${indent}(nothing)`;
  const lines = (shown ? text : visible(stripAnsi(text))).split('\n').filter((line, index, all) => !(index === all.length - 1 && line === ''));
  const kept =
    lines.length <= QUOTED_LINES_MAX
      ? lines
      : [...lines.slice(0, HEAD_LINES), `… ${(lines.length - HEAD_LINES - TAIL_LINES).toLocaleString('en-US')} more lines left out …`, ...lines.slice(-TAIL_LINES)];
  return kept.map((line) => `${indent}| ${line}`).join('\n');
}

/** The evidence of a failed item, as plain text lines under `indent`. */
export function explain(result: ItemResult, indent = '      '): string {
  const { verdict } = result;
  const parts = [`${indent}${verdict.detail}`];
  if (verdict.expected?.length) {
    parts.push(`${indent}expected (verbatim, each on a line of its own, in this order):`);
    parts.push(verdict.expected.map((line) => `${indent}  | ${line}`).join('\n'));
  }
  for (const evidence of verdict.actual ?? []) {
    parts.push(`${indent}actual, ${evidence.source}:`, quoted(evidence.text, `${indent}  `, evidence.shown === true));
  }
  if (verdict.hint) parts.push(`${indent}hint: ${verdict.hint}`);
  return parts.join('\n');
}

/** A path as the user should see it: relative to where the grader runs when it lies below, so no temporary folder shows. */
export function shownPath(file: string): string {
  const below = relative(process.cwd(), file);
  return below !== '' && !below.startsWith('..') && !isAbsolute(below) ? below : file;
}

const mark = (result: ItemResult): string => (!result.claimed ? '–' : result.verdict.passed ? '✓' : '✗');

/**
 * A part's score as a line: out of the part's maximum when every item of it
 * was graded; otherwise out of what was graded (`--only`), saying so, or
 * "not claimed" when the target does not claim the part.
 */
function partScore(grade: TargetGrade, part: Part): string {
  const results = grade.items.filter((item) => item.part === part);
  if (results.length > 0 && results.every((result) => !result.claimed)) return 'not claimed by the target, not graded';
  const graded = results.reduce((sum, result) => sum + result.points, 0);
  if (graded >= grade.max[part]) return `${grade.scores[part]}/${grade.max[part]}`;
  if (results.length === 0) return `not graded (0 of ${grade.max[part]} points asked for)`;
  return `${grade.scores[part]}/${graded} of the items graded (${grade.max[part] - graded} of ${grade.max[part]} points not graded)`;
}
const pointsOf = (result: ItemResult): string => `${result.score}/${result.points}`.padStart(5);

/** The rubric for one target, as printed on the console. */
export function rubricText(grade: TargetGrade): string {
  const lines = [`Grade for ${grade.student}: ${grade.name}`, `  ${shownPath(grade.file)}`, `  dialect: ${grade.dialect}`, `  waits: ${grade.calibration}`, ''];
  for (const part of PARTS) {
    lines.push(`${PART_TITLES[part]}: ${partScore(grade, part)}`);
    const results = grade.items.filter((item) => item.part === part);
    if (results.length === 0 || results.every((result) => !result.claimed)) {
      lines.push('');
      continue;
    }
    const details = new Set(results.map((result) => result.verdict.detail));
    if (results.length > 1 && details.size === 1 && results.every((result) => !result.verdict.passed && !result.verdict.actual)) {
      lines.push(`  ✗ none of its ${results.length} items: ${[...details][0]}`, '');
      continue;
    }
    for (const result of results) {
      lines.push(`  ${mark(result)} ${pointsOf(result)}  ${result.title}`);
      if (!result.verdict.passed) lines.push(explain(result, '           '));
    }
    lines.push('');
  }
  for (const row of MARKED_BY_A_PERSON) lines.push(`${row.title}: marked by a person (${row.points} points)`);
  for (const problem of grade.harnessProblems) lines.push(`Harness problem (not the submission's fault): ${problem}`);
  lines.push(
    '',
    `Total: ${partScore(grade, 'ack')} executes correctly, ${partScore(grade, 'chat')} extra credit; graded in ${grade.seconds.toFixed(1)} s`,
  );
  return lines.join('\n');
}

/** reports/grade.md: every target's rubric, failures with their evidence in code blocks; then the students not graded, and why. */
export function gradeMarkdown(grades: readonly TargetGrade[], notGraded: readonly StudentProblem[] = []): string {
  const out = ['# Grade', ''];
  for (const grade of grades) {
    out.push(`## ${grade.student}: ${grade.name}`, '', `Target: \`${grade.file}\``, '', `Dialect: ${grade.dialect}.`, '', `Waits: ${grade.calibration}.`, '');
    out.push(`| part | score |`, '| --- | ---: |');
    for (const part of PARTS) out.push(`| ${PART_TITLES[part]} | ${partScore(grade, part)} |`);
    for (const row of MARKED_BY_A_PERSON) out.push(`| ${row.title} | marked by a person (${row.points}) |`);
    out.push('', '| | item | points |', '| --- | --- | ---: |');
    for (const result of grade.items) out.push(`| ${mark(result)} | ${result.title.replace(/\|/g, '\\|')} | ${result.score}/${result.points} |`);
    const failed = grade.items.filter((result) => result.claimed && !result.verdict.passed);
    if (failed.length > 0) out.push('', '### What went wrong', '');
    for (const result of failed) out.push(`#### ${result.title}`, '', '```text', explain(result, ''), '```', '');
    for (const problem of grade.harnessProblems) out.push(`> Harness problem (not the submission's fault): ${problem}`, '');
    out.push(`Graded in ${grade.seconds.toFixed(1)} s.`, '');
  }
  for (const { student, name, file, problem } of notGraded) {
    out.push(`## ${student}: ${name}`, '', `Target: \`${file}\``, '', `**Not graded**: ${problem}`, '');
  }
  return out.join('\n');
}

/** reports/grade.json: the grades as data, and the students not graded with why. */
export function gradeJson(grades: readonly TargetGrade[], notGraded: readonly StudentProblem[] = []): string {
  return `${JSON.stringify({ rubric: { points: PART_POINTS, items: ITEMS, markedByAPerson: MARKED_BY_A_PERSON }, targets: grades, notGraded }, null, 2)}\n`;
}

/**
 * Gradescope's results.json for one submission: the executes-correctly points
 * count toward max_score, the chat's are extra credit on top.
 */
export function gradescopeResults(grade: TargetGrade): string {
  const numbers: Record<Part, number> = { ack: 1, chat: 2 };
  const counters: Record<Part, number> = { ack: 0, chat: 0 };
  // A part the target does not claim was not run: it is no failed test, so it is left out.
  const tests = grade.items.filter((result) => result.claimed).map((result) => {
    counters[result.part] += 1;
    // Extra credit the way the specification allows it: a test worth 0 whose score may exceed it, so the
    // tests' max_score add up to the assignment's maximum and the chat's points come on top.
    const extra = result.part === 'chat';
    return {
      name: extra ? `${result.title} (extra credit, ${result.points} points)` : result.title,
      number: `${numbers[result.part]}.${counters[result.part]}`,
      score: result.score,
      max_score: extra ? 0 : result.points,
      status: result.verdict.passed ? 'passed' : 'failed',
      output: result.verdict.passed ? result.verdict.detail : explain(result, ''),
      visibility: result.visibility ?? 'visible',
      tags: [result.part, result.id],
    };
  });
  const problems = grade.harnessProblems.map((problem) => `Harness problem (not the submission's fault): ${problem}`);
  return `${JSON.stringify(
    {
      score: grade.scores.ack + grade.scores.chat,
      execution_time: Math.round(grade.seconds),
      output: [`Executes correctly: ${partScore(grade, 'ack')}; extra credit (the chat): ${partScore(grade, 'chat')}.`, `Dialect: ${grade.dialect}.`, ...problems].join('\n'),
      visibility: 'visible',
      stdout_visibility: grade.stdoutVisibility,
      tests,
    },
    null,
    2,
  )}\n`;
}

const xml = (text: string): string =>
  // eslint-disable-next-line no-control-regex
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

/** JUnit XML: a test suite per target and part, a test case per item; a student not graded is a suite with one error. */
export function junitXml(grades: readonly TargetGrade[], notGraded: readonly StudentProblem[] = []): string {
  const suites = grades.flatMap((grade) =>
    PARTS.map((part) => {
      const results = grade.items.filter((item) => item.part === part);
      const failures = results.filter((result) => result.claimed && !result.verdict.passed).length;
      const skipped = results.filter((result) => !result.claimed).length;
      const time = results.reduce((sum, result) => sum + result.seconds, 0);
      const cases = results.map((result) => {
        const open = `    <testcase classname="${xml(`${grade.name}.${part}`)}" name="${xml(`${result.title} (${result.points} points)`)}" time="${result.seconds.toFixed(3)}"`;
        if (!result.claimed) return `${open}>\n      <skipped message="${xml(`not claimed: the target does not claim ${part === 'chat' ? 'the chat' : 'the acknowledgment exchange'}`)}"/>\n    </testcase>`;
        if (result.verdict.passed) return `${open}/>`;
        return `${open}>\n      <failure message="${xml(result.verdict.detail)}">${xml(explain(result, ''))}</failure>\n    </testcase>`;
      });
      return [
        `  <testsuite name="${xml(`${grade.name}: ${PART_TITLES[part]}`)}" tests="${results.length}" failures="${failures}" skipped="${skipped}" time="${time.toFixed(3)}">`,
        ...cases,
        '  </testsuite>',
      ].join('\n');
    }),
  );
  const errors = notGraded.map(({ student, problem }) =>
    [
      `  <testsuite name="${xml(`${student}: not graded`)}" tests="1" failures="0" errors="1" time="0.000">`,
      `    <testcase classname="${xml(student)}" name="the template applies" time="0.000">\n      <error message="${xml(problem)}"/>\n    </testcase>`,
      '  </testsuite>',
    ].join('\n'),
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n${[...suites, ...errors].join('\n')}\n</testsuites>\n`;
}

const csvCell = (value: string | number): string => (/[",\n]/.test(String(value)) ? `"${String(value).replace(/"/g, '""')}"` : String(value));

/**
 * reports/gradebook.csv: one row per student, sorted by student, with both
 * totals, a column per item (empty when not run), the harness problems, why
 * the student was not graded, and the seconds. A student not graded has empty
 * score cells and the reason, so no one mistakes it for a grade of zero.
 */
export function gradebookCsv(grades: readonly TargetGrade[], notGraded: readonly StudentProblem[] = []): string {
  const max = grades[0]?.max ?? PART_POINTS;
  const header = ['student', 'target', 'file', `executes correctly (${max.ack})`, `extra credit (${max.chat})`, ...ITEMS.map((item) => item.id), 'harness problems', 'not graded because', 'seconds'];
  const graded = grades.map((grade) => [
    grade.student,
    grade.name,
    grade.file,
    grade.scores.ack,
    grade.scores.chat,
    ...ITEMS.map((item) => grade.items.find((result) => result.id === item.id)?.score ?? ''),
    grade.harnessProblems.join('; '),
    '',
    grade.seconds.toFixed(1),
  ]);
  const ungraded = notGraded.map(({ student, name, file, problem }) => [student, name, file, '', '', ...ITEMS.map(() => ''), '', problem, '']);
  // By student, whatever order the grades finished in.
  const rows = [...graded, ...ungraded].sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : String(a[0]) > String(b[0]) ? 1 : 0));
  return `${[header, ...rows].map((row) => row.map(csvCell).join(',')).join('\n')}\n`;
}
