// How many times a repeated spec runs (spec/support/repeat.ts): once in npm test, as many as asked in test:stress.
import { expect, test } from 'vitest';
import { stressing, stressRuns } from './support/repeat.js';

test.each([
  [undefined, 1],
  ['', 1],
  ['1', 1],
  ['20', 20],
  ['1000', 1000],
])('ACK_STRESS_RUNS=%j runs each case %i times', (value, runs) => {
  expect(stressRuns(value === undefined ? {} : { ACK_STRESS_RUNS: value })).toBe(runs);
});

test.each(['0', '-3', '2.5', 'twenty', '1001'])('ACK_STRESS_RUNS=%j is refused in one line that says what to give', (value) => {
  expect(() => stressRuns({ ACK_STRESS_RUNS: value })).toThrow(
    `ACK_STRESS_RUNS is ${JSON.stringify(value)}; give a whole number of runs from 1 to 1000, or leave it unset for 1`,
  );
});

test.each([
  [undefined, false],
  ['', false],
  ['1', true],
  ['20', true],
])('with ACK_STRESS_RUNS=%j the volume specs push their full size: %s', (value, full) => {
  expect(stressing(value === undefined ? {} : { ACK_STRESS_RUNS: value })).toBe(full);
});

test('a bad ACK_STRESS_RUNS is refused when the volume is asked for too', () => {
  expect(() => stressing({ ACK_STRESS_RUNS: 'twenty' })).toThrow('ACK_STRESS_RUNS is "twenty"');
});
