/**
 * The matching rule for any implementation (docs/CONTRACT.md, section 7):
 * the assignment's strings must appear verbatim, in the right program's
 * output and in the right order, but decoration around them on the same line
 * (a label, a prompt that ran on, a timestamp) is allowed, and ANSI colour and
 * blank lines are ignored. Pure functions, no processes.
 */
import stripAnsi from 'strip-ansi';

/** A program's printed text as the rule sees it: ANSI stripped, `\r` line ends tolerated, blank lines dropped. */
export function consoleLines(text: string): string[] {
  return stripAnsi(text)
    .split('\n')
    .map((line) => line.replace(/\r$/, ''))
    .filter((line) => line.trim() !== '');
}

const WORD = /[\p{L}\p{N}_]/u;

/**
 * Where `line` holds `wanted` as a whole: present verbatim, and not glued to
 * a longer word on either side (`Y: Bob` is not found in `Y: Bobby`); -1 if
 * it does not.
 *
 * @example
 * indexOfWhole('Bob came before Alice', 'Alice'); // 16
 */
export function indexOfWhole(line: string, wanted: string): number {
  for (let at = line.indexOf(wanted); at !== -1; at = line.indexOf(wanted, at + 1)) {
    const before = line[at - 1];
    const after = line[at + wanted.length];
    const gluedBefore = before !== undefined && WORD.test(before) && WORD.test(wanted[0] ?? '');
    const gluedAfter = after !== undefined && WORD.test(after) && WORD.test(wanted.at(-1) ?? '');
    if (!gluedBefore && !gluedAfter) return at;
  }
  return -1;
}

/**
 * Whether `line` holds `wanted` as a whole (see {@link indexOfWhole}).
 *
 * @example
 * containsWhole('Received: X: Alice received before Y: Bob', 'X: Alice received before Y: Bob'); // true
 */
export function containsWhole(line: string, wanted: string): boolean {
  return indexOfWhole(line, wanted) !== -1;
}

/** The index of the first line at or after `from` that holds `wanted`, or -1. */
export function findLine(lines: readonly string[], wanted: string, from = 0): number {
  for (let index = from; index < lines.length; index += 1) {
    if (containsWhole(lines[index] as string, wanted)) return index;
  }
  return -1;
}

/** Where an in-order search stopped. */
export interface OrderResult {
  readonly ok: boolean;
  /** The first wanted string not found after the previous one (undefined when ok). */
  readonly missing?: string;
  /** Whether the missing string does appear, but too early. */
  readonly outOfOrder?: boolean;
}

/**
 * Checks that each of `wanted` appears, each on a later line than the one
 * before it (groups in an inner array may come in any order among themselves).
 *
 * @example
 * inOrder(lines, [['Client X: Alice', 'Client Y: Bob'], 'X: Alice received before Y: Bob']);
 */
export function inOrder(lines: readonly string[], wanted: ReadonlyArray<string | readonly string[]>): OrderResult {
  let from = 0;
  for (const step of wanted) {
    const group = typeof step === 'string' ? [step] : step;
    let last = from - 1;
    for (const item of group) {
      const at = findLine(lines, item, from);
      if (at === -1) return { ok: false, missing: item, outOfOrder: findLine(lines, item) !== -1 };
      last = Math.max(last, at);
    }
    from = last + 1;
  }
  return { ok: true };
}

/** The acknowledgment the assignment requires when `first` arrived before `second`. */
export function ackText(first: { id: string; name: string }, second: { id: string; name: string }): string {
  return `${first.id}: ${first.name} received before ${second.id}: ${second.name}`;
}

/** What went wrong, in the words of the classic mistakes; undefined when none of them fits. */
export function hintFor(expected: string, actualLines: readonly string[]): string | undefined {
  const all = actualLines.join('\n');
  if (expected.includes('acknowledgment') && /acknowledgement/i.test(all)) {
    return 'the assignment spells it "acknowledgment" (no e after the g); "acknowledgement" does not match';
  }
  if (/ {2,}|\t/.test(all) && containsWhole(all.replace(/[ \t]+/g, ' '), expected)) {
    return 'the text is there but with extra spaces or tabs; print it with single spaces';
  }
  const lower = expected.toLowerCase();
  if (actualLines.some((line) => line.toLowerCase().includes(lower)) && !actualLines.some((line) => line.includes(expected))) {
    return 'the text is there but in different letter case; the required strings are case-sensitive';
  }
  return undefined;
}
