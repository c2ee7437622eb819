// The meta-spec, strict half: each known-broken implementation (fixtures/broken/) loses exactly the
// rubric items its one bug should cost, and keeps every other item.
import { describe, expect, test } from 'vitest';
import { gradeTarget, type TargetGrade } from '../grader/run.js';
import { loadTarget } from '../grader/target.js';
import { commandWorks } from '../harness/commands.js';
import { lostEvidence } from './support/evidence.js';

const python3Works = commandWorks(['python3', '--version']);

/** The ids of the items a grade lost. */
const lost = (grade: TargetGrade): string[] => grade.items.filter((item) => !item.verdict.passed).map((item) => item.id);

/** The hint attached to a lost item, if any. */
const hintOf = (grade: TargetGrade, id: string): string | undefined => grade.items.find((item) => item.id === id)?.verdict.hint;

// Every target here lets the grader pick the port, so they can be graded side by side.
describe.skipIf(!python3Works)('a broken implementation loses exactly what its bug costs (needs python3)', { concurrent: true }, () => {
  test.for<[string, string[], string | undefined]>([
    ['ack-wrong-order', ['order-x-first', 'order-y-first', 'arrival-order'], undefined],
    ['closing-line-misspelled', ['closing-line'], 'the assignment spells it "acknowledgment"'],
    ['server-never-exits', ['server-exits'], 'close both sockets and let the program end'],
    ['client-silent-send', ['client-prints'], undefined],
    ['ack-to-one-client', ['ack-to-both', 'end-to-end', 'chat-keyboard'], undefined],
    ['single-recv', ['fragmented'], 'keep reading into a buffer until the newline'],
    ['connection-order', ['arrival-order'], 'the server reported the order the clients connected in'],
    ['chat-echo', ['chat-no-echo'], 'relay each line to the other client only'],
    ['bye-not-relayed', ['chat-bye-relayed'], undefined],
    ['crash-on-disconnect', ['early-leaver'], 'recv() returning an empty message means the client left'],
    ['ack-other-words', ['order-x-first', 'order-y-first'], undefined],
    ['relay-drops-lines', ['chat-x-to-y', 'chat-y-to-x'], undefined],
    ['greetings-not-printed', ['server-prints'], undefined],
  // Without the confirming run (a verdict that flips fails the spec either way); the timeout is generous: on a busy
  // machine the calibration stretches each wait.
  ])('%s loses %j', { timeout: 240_000 }, async ([name, expected, hint]) => {
    const grade = await gradeTarget(loadTarget(`fixtures/broken/${name}/target.json`), { confirm: false });
    expect(grade.harnessProblems, lostEvidence(grade)).toEqual([]);
    expect(lost(grade), lostEvidence(grade)).toEqual(expected);
    if (hint !== undefined) expect(hintOf(grade, expected[0]!)).toContain(hint);
  });
});
