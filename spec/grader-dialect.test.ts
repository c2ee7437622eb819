// The grader's dialect (grader/dialect.ts), its wording-free order reader (orderIn) and
// instructors' rubric files (rubricFromJson): pure functions, no processes.
import { expect, test } from 'vitest';
import { declaredDialect, describeDialect, firstGreeting, frame, learnFromClients, leftToLearn, withoutBanner, type Dialect } from '../grader/dialect.js';
import { orderIn } from '../grader/evidence.js';
import { DEFAULT_RUBRIC, rubricFromJson, RubricError } from '../grader/rubric.js';
import { referenceTarget } from '../grader/target.js';

const DEFAULT: Dialect = declaredDialect(referenceTarget());

test.each([
  ['Client X: Alice\n', { id: 'X', name: 'Alice', lineEnd: '\n', text: 'Client X: Alice' }],
  ['Client Y: Bob\r\n', { id: 'Y', name: 'Bob', lineEnd: '\r\n', text: 'Client Y: Bob' }],
  ['Client X: Sam', { id: 'X', name: 'Sam', lineEnd: '', text: 'Client X: Sam' }],
  ['Client X: Ann Lee\nhello\n', { id: 'X', name: 'Ann Lee', lineEnd: '\n', text: 'Client X: Ann Lee' }],
  ['\0\0\0\x0fClient X: Alice', { id: 'X', name: 'Alice', lineEnd: 'length', text: 'Client X: Alice' }],
])('the first message %j is read as a greeting', (sent, greeting) => {
  expect(firstGreeting(sent)).toEqual(greeting);
});

test.each(['Hello X: Alice\n', 'Client Z: Alice\n', 'Client X: \n', 'client X: Alice\n', '', '\0\0\0\x0fClient X: Ali'])('%j is not a greeting (yet)', (sent) => {
  expect(firstGreeting(sent)).toBeUndefined();
});

test.each([
  ['\n', 'Bye', 'Bye\n'],
  ['\r\n', 'Bye', 'Bye\r\n'],
  ['', 'Bye', 'Bye'],
  ['length', 'Bye', '\0\0\0\x03Bye'],
  ['length', 'é', '\0\0\0\x02é'],
] as const)('framed with %j, %j goes on the wire as %j', (lineEnd, text, wire) => {
  expect(frame(lineEnd, text)).toEqual(Buffer.from(wire, 'utf8'));
});

test('the line end and the names are learned when both clients agree on them', () => {
  const learned = learnFromClients(DEFAULT, { X: firstGreeting('Client X: Sam'), Y: firstGreeting('Client Y: Pat') });
  expect(learned).toMatchObject({ lineEnd: '', lineEndFrom: 'learned', names: { X: 'Sam', Y: 'Pat' }, namesFrom: 'learned' });
});

test('clients that end their greetings differently teach nothing about the line end', () => {
  const learned = learnFromClients(DEFAULT, { X: firstGreeting('Client X: Alice\n'), Y: firstGreeting('Client Y: Bob') });
  expect(learned).toMatchObject({ lineEnd: '\n', lineEndFrom: 'default' });
});

test('a client that sent no greeting leaves the dialect as it was', () => {
  expect(learnFromClients(DEFAULT, { X: firstGreeting('Client X: Sam'), Y: undefined })).toBe(DEFAULT);
});

test('what a description declares is never overridden by what the clients sent', () => {
  const declared: Dialect = { ...DEFAULT, lineEnd: '\r\n', lineEndFrom: 'declared', names: { X: 'Ann', Y: 'Ben' }, namesFrom: 'declared' };
  expect(learnFromClients(declared, { X: firstGreeting('Client X: Sam'), Y: firstGreeting('Client Y: Pat') })).toEqual(declared);
});

test.each([
  ['neither declared', {}, true],
  ['only the line end declared', { lineEndFrom: 'declared' }, true],
  ['only the names declared', { namesFrom: 'declared' }, true],
  ['both declared', { lineEndFrom: 'declared', namesFrom: 'declared' }, false],
  ['both learned already', { lineEndFrom: 'learned', namesFrom: 'learned' }, true],
] as const)('with %s, the clients have something left to teach: %s', (_, from, expected) => {
  expect(leftToLearn({ ...DEFAULT, ...from })).toBe(expected);
});

test('the dialect is described in one line saying where each part came from', () => {
  const learned = learnFromClients(DEFAULT, { X: firstGreeting('Client X: Sam'), Y: firstGreeting('Client Y: Pat') });
  expect(describeDialect({ ...learned, banner: 'ready', bye: 'quit', byeFrom: 'declared' })).toBe(
    "line end none (one send per message) (learned from the target's own clients); names Sam and Pat (learned from the target's own clients); banner \"ready\" (declared); chat ends on quit (declared)",
  );
});

test('a declared banner is taken off the front of what a connection received, and only there', () => {
  const dialect = { ...DEFAULT, banner: 'The server is ready to receive' };
  expect(withoutBanner('The server is ready to receiveX: Alice received before Y: Bob', dialect)).toBe('X: Alice received before Y: Bob');
  expect(withoutBanner('X: Alice received before Y: Bob', dialect)).toBe('X: Alice received before Y: Bob');
});

const NAMES = { X: 'Alice', Y: 'Bob' };
test.each([
  ['X: Alice received before Y: Bob', 'X'],
  ['Y: Bob received before X: Alice', 'Y'],
  ['ACK -> Bob (Y) came before Alice (X)', 'Y'],
  ['first Alice, then Bob\n', 'X'],
  ['The server is ready to receiveX: Alice received before Y: Bob', 'X'],
  ['Client X: Alice\nY: Bob received before X: Alice\n', 'Y'],
  ['X: Al received before Y: Bob', undefined],
  ['Alicea before Bob', undefined],
  ['ERROR', undefined],
])('the reply %j puts %s first', (reply, first) => {
  expect(orderIn(reply, NAMES)).toBe(first);
});

test('with the same name in both clients, the ids decide the order', () => {
  expect(orderIn('Y: Alex received before X: Alex', { X: 'Alex', Y: 'Alex' })).toBe('Y');
  expect(orderIn('Alex before Alex', { X: 'Alex', Y: 'Alex' })).toBeUndefined();
});

test('a rubric file sets points and visibility; 0 points leaves an item out and the part maximum follows', () => {
  const rubric = rubricFromJson({ items: { fragmented: { points: 0 }, 'early-leaver': { visibility: 'hidden' } }, stdout_visibility: 'after_due_date' }, 'r.json');
  expect(rubric.items.map((item) => item.id)).not.toContain('fragmented');
  expect(rubric.items.find((item) => item.id === 'early-leaver')).toMatchObject({ points: 3, visibility: 'hidden' });
  expect(rubric.max).toEqual({ ack: DEFAULT_RUBRIC.max.ack - 4, chat: 25 });
  expect(rubric.stdoutVisibility).toBe('after_due_date');
});

test.each([
  [[], 'the file must hold a JSON object'],
  [{ item: {} }, 'item is not a field of a rubric (the fields are items, stdout_visibility)'],
  [{ items: { fragmentd: { points: 1 } } }, 'items.fragmentd is not an item'],
  [{ items: { fragmented: { point: 1 } } }, 'items.fragmented.point is not a field of an item (the fields are points, visibility)'],
  [{ items: { fragmented: { points: -1 } } }, 'items.fragmented.points must be a whole number from 0 (the item is not graded) to 100'],
  [{ items: { fragmented: { visibility: 'secret' } } }, 'items.fragmented.visibility must be one of visible, hidden, after_due_date, after_published'],
  [{ stdout_visibility: 'never' }, 'stdout_visibility must be one of visible, hidden, after_due_date, after_published'],
])('the rubric %j is refused in one line: %s', (raw, message) => {
  expect(() => rubricFromJson(raw, 'r.json')).toThrow(RubricError);
  expect(() => rubricFromJson(raw, 'r.json')).toThrow(`r.json: ${message}`);
});
