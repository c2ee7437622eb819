// The grader's matching rule (docs/CONTRACT.md section 7) and its hints, as pure functions.
import { describe, expect, test } from 'vitest';
import { ackText, consoleLines, containsWhole, hintFor, inOrder } from '../grader/matching.js';

describe('containsWhole', () => {
  test.each<[string, string, boolean]>([
    ['X: Alice received before Y: Bob', 'X: Alice received before Y: Bob', true],
    ['Received: X: Alice received before Y: Bob', 'X: Alice received before Y: Bob', true],
    ['<<< reply: X: Alice received before Y: Bob (done)', 'X: Alice received before Y: Bob', true],
    ['Enter your name: Sent to server: Client X: Alice', 'Client X: Alice', true],
    ['X: Alice received before Y: Bobby', 'X: Alice received before Y: Bob', false],
    ['MX: Alice received before Y: Bob', 'X: Alice received before Y: Bob', false],
    ['Client X: Alice2', 'Client X: Alice', false],
    ['Client X: Alice2 and Client X: Alice', 'Client X: Alice', true],
    ['client x: alice', 'Client X: Alice', false],
    ['Sent acknowledgement to both X and Y', 'Sent acknowledgment to both X and Y', false],
  ])('%j holds %j: %s', (line, wanted, expected) => {
    expect(containsWhole(line, wanted)).toBe(expected);
  });
});

test('console lines drop ANSI colour, carriage returns at line ends and blank lines', () => {
  expect(consoleLines('\u001b[32mReady\u001b[0m\r\n\n  \nClient X: Alice\n')).toEqual(['Ready', 'Client X: Alice']);
});

describe('inOrder', () => {
  const lines = ['Client Y: Bob', 'Client X: Alice', 'X: Alice received before Y: Bob', 'Sent acknowledgment to both X and Y'];

  test('a group may come in any order, and the steps must follow one another', () => {
    expect(inOrder(lines, [['Client X: Alice', 'Client Y: Bob'], 'X: Alice received before Y: Bob', 'Sent acknowledgment to both X and Y'])).toEqual({ ok: true });
  });

  test('a string that is there but too early is reported as out of order', () => {
    expect(inOrder(lines, ['Sent acknowledgment to both X and Y', 'Client X: Alice'])).toEqual({
      ok: false,
      missing: 'Client X: Alice',
      outOfOrder: true,
    });
  });

  test('a string that is absent is reported as missing', () => {
    expect(inOrder(lines, ['Client Z: Eve'])).toEqual({ ok: false, missing: 'Client Z: Eve', outOfOrder: false });
  });

  test('two steps cannot be satisfied by the same line', () => {
    expect(inOrder(['Client X: Alice'], ['Client X: Alice', 'Client X: Alice']).ok).toBe(false);
  });
});

test('the acknowledgment names the first arrival first', () => {
  expect(ackText({ id: 'Y', name: 'Bob' }, { id: 'X', name: 'Alice' })).toBe('Y: Bob received before X: Alice');
});

describe('hints for the classic mistakes', () => {
  test.each<[string, string[], string | undefined]>([
    ['Sent acknowledgment to both X and Y', ['Sent acknowledgement to both X and Y'], 'the assignment spells it "acknowledgment" (no e after the g); "acknowledgement" does not match'],
    ['Client X: Alice', ['Client  X:  Alice'], 'the text is there but with extra spaces or tabs; print it with single spaces'],
    ['Client X: Alice', ['CLIENT X: ALICE'], 'the text is there but in different letter case; the required strings are case-sensitive'],
    ['Client X: Alice', ['something else entirely'], undefined],
  ])('expecting %j in %j hints %j', (expected, actual, hint) => {
    expect(hintFor(expected, actual)).toBe(hint);
  });
});
