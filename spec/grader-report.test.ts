// The grader's reports from a known grade: console rubric, Gradescope results.json, JUnit XML, gradebook CSV.
import { describe, expect, test } from 'vitest';
import { explain, gradebookCsv, gradescopeResults, junitXml, rubricText } from '../grader/report.js';
import { ITEMS, PART_POINTS } from '../grader/rubric.js';
import type { ItemResult, TargetGrade } from '../grader/run.js';
import { fail, pass } from '../grader/verdict.js';

const CLOSING = 'Sent acknowledgment to both X and Y';

/** A grade where every item passed except the closing line, whose evidence has invisible characters. */
function sampleGrade(): TargetGrade {
  const items: ItemResult[] = ITEMS.map((item) => {
    if (item.id !== 'closing-line') return { ...item, score: item.points, seconds: 0.5, verdict: pass('fine'), claimed: true };
    const verdict = fail('the closing line is missing', {
      expected: ['Client X: Alice', 'Client Y: Bob', CLOSING],
      actual: [{ source: 'server stdout', text: 'Client X: Alice\nClient Y: Bob\r\nSent acknowledgement to both X and Y \n<done> & "quoted"' }],
      hint: 'the assignment spells it "acknowledgment"',
    });
    return { ...item, score: 0, seconds: 0.5, verdict, claimed: true };
  });
  return { student: 'sam', name: 'sample, "quoted"', file: '/tmp/sample/target.json', items, scores: { ack: 56, chat: 25 }, seconds: 9.6, harnessProblems: [], dialect: 'line end \\n (the assignment\'s default)', calibration: 'python3 -c pass took 140 ms here (quiet is up to 300 ms): waits ×1', max: PART_POINTS, stdoutVisibility: 'visible' };
}

const closingResult = (grade: TargetGrade): ItemResult => grade.items.find((item) => item.id === 'closing-line')!;

describe('a failed item shows expected and actual lines', () => {
  const text = explain(closingResult(sampleGrade()), '');

  test('with a carriage return, a trailing space and a missing final newline made visible', () => {
    expect(text).toContain('| Client Y: Bob\\r⏎');
    expect(text).toContain('| Sent acknowledgement to both X and Y·⏎');
    expect(text).toContain('| <done> & "quoted"[no newline at end]');
  });

  test('with every expected line, in order, and the hint', () => {
    expect(text.split('\n')).toEqual(
      expect.arrayContaining(['  | Client X: Alice', '  | Client Y: Bob', `  | ${CLOSING}`, 'hint: the assignment spells it "acknowledgment"']),
    );
  });

  test('without truncating a long output', () => {
    const long = Array.from({ length: 500 }, (_, index) => `line ${index}`).join('\n');
    const result = { ...closingResult(sampleGrade()), verdict: fail('long', { actual: [{ source: 'server stdout', text: long }] }) };
    expect(explain(result, '')).toContain('| line 499[no newline at end]');
  });
});

test('the console rubric gives each part its total and marks the failed item with its points', () => {
  const text = rubricText(sampleGrade());
  expect(text).toContain('Executes correctly: 56/60');
  expect(text).toContain('Extra credit: the chat: 25/25');
  expect(text).toContain('  ✗   0/4  The server prints "Sent acknowledgment to both X and Y" after the greetings');
  expect(text).toContain('Inline documentation: marked by a person (20 points)');
});

/** The grade of a target claiming only the acknowledgment exchange: its chat items not run. */
function ackOnlyGrade(): TargetGrade {
  const grade = sampleGrade();
  const items = grade.items.map((item) => (item.part === 'chat' ? { ...item, claimed: false, score: 0, verdict: fail('not attempted: the target does not claim the chat') } : item));
  return { ...grade, items, scores: { ack: grade.scores.ack, chat: 0 } };
}

/** The keys Gradescope's autograder specification defines for results.json and for each test. */
const GRADESCOPE_KEYS = ['score', 'execution_time', 'output', 'output_format', 'test_output_format', 'test_name_format', 'visibility', 'stdout_visibility', 'extra_data', 'tests', 'leaderboard'];
const GRADESCOPE_TEST_KEYS = ['score', 'max_score', 'status', 'name', 'name_format', 'number', 'output', 'output_format', 'tags', 'visibility', 'extra_data'];

test("Gradescope's results.json uses only the keys the specification defines", () => {
  const results = JSON.parse(gradescopeResults(sampleGrade())) as Record<string, unknown> & { tests: Array<Record<string, unknown>> };
  expect(Object.keys(results).filter((key) => !GRADESCOPE_KEYS.includes(key))).toEqual([]);
  expect(results.tests.flatMap((entry) => Object.keys(entry)).filter((key) => !GRADESCOPE_TEST_KEYS.includes(key))).toEqual([]);
});

test("Gradescope's tests add up to the 60 points, with the chat on top as extra credit", () => {
  const results = JSON.parse(gradescopeResults(sampleGrade())) as { score: number; tests: Array<{ score: number; max_score: number; name: string; tags: string[] }> };
  expect(results.tests.reduce((sum, entry) => sum + entry.max_score, 0)).toBe(60);
  expect(results.tests.reduce((sum, entry) => sum + entry.score, 0)).toBe(results.score);
  expect(results.tests.filter((entry) => entry.tags[0] === 'chat').map((entry) => [entry.max_score, entry.name.endsWith(' (extra credit, ' + String(ITEMS.find((item) => item.id === entry.tags[1])!.points) + ' points)')])).toEqual(
    ITEMS.filter((item) => item.part === 'chat').map(() => [0, true]),
  );
});

test("a part the target does not claim is left out of Gradescope's tests, and skipped, not failed, in JUnit", () => {
  const results = JSON.parse(gradescopeResults(ackOnlyGrade())) as { tests: Array<{ tags: string[] }> };
  expect(results.tests.map((entry) => entry.tags[0])).toEqual(ITEMS.filter((item) => item.part === 'ack').map(() => 'ack'));
  const xml = junitXml([ackOnlyGrade()]);
  expect(xml).toContain('tests="6" failures="0" skipped="6"');
  expect(xml.match(/<skipped message="not claimed: the target does not claim the chat"\/>/g)).toHaveLength(6);
  expect(rubricText(ackOnlyGrade())).toContain('Extra credit: the chat: not claimed by the target, not graded');
});

test('with only some items graded, the rubric says out of what, and how many points were not graded', () => {
  const grade = sampleGrade();
  const only = { ...grade, items: grade.items.filter((item) => item.id === 'arrival-order'), scores: { ack: 8, chat: 0 } };
  const text = rubricText(only);
  expect(text).toContain('Executes correctly: 8/8 of the items graded (52 of 60 points not graded)');
  expect(text).toContain('Extra credit: the chat: not graded (0 of 25 points asked for)');
});

test("Gradescope's results.json has the total and one test per item", () => {
  const results = JSON.parse(gradescopeResults(sampleGrade())) as Record<string, unknown> & { tests: Array<Record<string, unknown>> };
  expect(results).toMatchObject({ score: 81, execution_time: 10, visibility: 'visible' });
  expect(results.tests).toHaveLength(ITEMS.length);
  expect(results.tests[0]).toEqual({
    name: ITEMS[0]!.title,
    number: '1.1',
    score: 8,
    max_score: 8,
    status: 'passed',
    output: 'fine',
    visibility: 'visible',
    tags: ['ack', 'order-x-first'],
  });
  expect(results.tests.find((entry) => entry.status === 'failed')).toMatchObject({ number: '1.6', score: 0, max_score: 4 });
  expect(results.tests.at(-1)).toMatchObject({ number: '2.6' });
});

test('JUnit XML has a suite per part, a failure with its message, and escapes markup', () => {
  const xml = junitXml([sampleGrade()]);
  expect(xml.match(/<testsuite /g)).toHaveLength(2);
  expect(xml).toContain('tests="12" failures="1" skipped="0"');
  expect(xml).toContain('<failure message="the closing line is missing">');
  expect(xml).toContain('&lt;done&gt; &amp; &quot;quoted&quot;');
  expect(xml).toContain('classname="sample, &quot;quoted&quot;.ack"');
});

test('the gradebook has a row per student with both totals, a column per item and the seconds, quoting cells that need it', () => {
  const [header, row, ...rest] = gradebookCsv([sampleGrade()]).trimEnd().split('\n');
  expect(rest).toEqual([]);
  expect(header).toBe(`student,target,file,executes correctly (60),extra credit (25),${ITEMS.map((item) => item.id).join(',')},harness problems,not graded because,seconds`);
  expect(row).toBe(`sam,"sample, ""quoted""",/tmp/sample/target.json,56,25,${ITEMS.map((item) => (item.id === 'closing-line' ? 0 : item.points)).join(',')},,,9.6`);
});

test('a student the template did not fit gets a row sorted among the others, with the reason and no score at all', () => {
  const problem = { student: 'abe', name: 'class', file: '/tmp/class.json', problem: `server.argv: the glob "*[Ss]erver*.py" matches 2 files (Server.py, server2.py); remove all but one or narrow the template's glob` };
  const rows = gradebookCsv([sampleGrade()], [problem]).trimEnd().split('\n');
  expect(rows).toHaveLength(3);
  expect(rows[1]).toBe(`abe,class,/tmp/class.json,,,${ITEMS.map(() => '').join(',')},,"${problem.problem.replace(/"/g, '""')}",`);
  expect(rows[2]).toMatch(/^sam,/);
  expect(junitXml([], [problem])).toContain('<testsuite name="abe: not graded" tests="1" failures="0" errors="1" time="0.000">');
  expect(junitXml([], [problem])).toContain('<error message="server.argv: the glob &quot;*[Ss]erver*.py&quot; matches 2 files');
});

describe('evidence stays readable', () => {
  const withActual = (text: string, shown = false): string =>
    explain({ ...closingResult(sampleGrade()), verdict: fail('x', { actual: [{ source: 'server stdout', text, ...(shown ? { shown } : {}) }] }) }, '');

  test('a runaway output keeps its first 1,500 and last 200 lines and counts the lines left out', () => {
    const text = withActual(Array.from({ length: 109_262 }, (_, index) => `loop ${index}`).join('\n'));
    expect(text).toContain('| loop 1499⏎');
    expect(text).not.toContain('| loop 1500⏎');
    expect(text).toContain('| … 107,562 more lines left out …');
    expect(text).not.toContain('| loop 109061⏎');
    expect(text).toContain('| loop 109062⏎');
    expect(text).toContain('| loop 109261[no newline at end]');
  });

  test('characters that show as nothing are named: a zero-width space, a BOM, a C1 control', () => {
    expect(withActual('Alice\u200bBob\ufeff\u0085\n')).toContain('| Alice\\u200bBob\\ufeff\\x85⏎');
  });

  test('a transcript that is already shown is quoted as it is, with no second ⏎ and no second end marker', () => {
    const text = withActual('stdout:\n  (nothing)\nstderr:\n  | Traceback⏎\n', true);
    expect(text.split('\n')).toContain('  |   | Traceback⏎');
    expect(text).not.toContain('⏎⏎');
    expect(text).not.toContain('(nothing)[no newline at end]');
  });
});

test.each([
  ['', '  (nothing)'],
  ['x \n', '  | x·⏎'],
  ['no end', '  | no end[no newline at end]'],
])('evidence %j is quoted once, as %j, with nothing formatted twice', (text, quoted) => {
  const result = { ...closingResult(sampleGrade()), verdict: fail('lost', { actual: [{ source: 'server stdout', text }] }) };
  expect(explain(result, '').split('\n').slice(2)).toEqual([quoted]);
});
