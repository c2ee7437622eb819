// Part 1 end to end: the acknowledgment follows the order in which greetings
// arrived, forced both ways: once each in `npm test`, RUNS times each in
// `npm run test:stress` (spec/support/repeat.ts).
import { describe, expect, test } from 'vitest';
import { runConnectFirstGreetSecond, runInOrder, type Exchange } from '../grader/exchange.js';
import { loadGolden } from './support/golden.js';
import { referenceTarget } from '../grader/target.js';
import { stressRuns } from './support/repeat.js';
import { useScene } from './support/vitest.js';

const RUNS = stressRuns();
const NAMES = { X: 'Alice', Y: 'Bob' } as const;
const runs = Array.from({ length: RUNS }, (_, i) => i + 1);

/** What the three programs printed and how they ended, shaped like a golden file. */
function observed({ server, x, y }: Exchange): object {
  return Object.fromEntries(
    [server.child, x, y].map((child) => [
      child.label,
      { stdout: child.lines(), stderr: child.lines('stderr'), exit: child.exit },
    ]),
  );
}

/** The golden transcript, with empty stderr and exit code 0 for every program. */
function expected(name: string, { server }: Exchange): object {
  const golden = loadGolden(name, server.port);
  return Object.fromEntries(
    Object.entries(golden).map(([label, stdout]) => [label, { stdout, stderr: [], exit: { code: 0, signal: null } }]),
  );
}

describe.each([
  ['X', 'x-first'],
  ['Y', 'y-first'],
] as const)("when %s's greeting arrives first", (first, golden) => {
  test.each(runs)(`all three programs print the ${golden} golden transcript and exit 0 (run %i)`, async () => {
    const exchange = await runInOrder(useScene(), referenceTarget(), first, NAMES);
    expect(observed(exchange)).toEqual(expected(golden, exchange));
  });
});

describe('when X connects first but Y greets first', () => {
  test.each(runs)('the server acknowledges Y first (run %i)', async () => {
    const exchange = await runConnectFirstGreetSecond(useScene(), referenceTarget(), NAMES);
    expect(observed(exchange)).toEqual(expected('y-first', exchange));
  });
});
