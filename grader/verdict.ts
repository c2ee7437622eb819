/**
 * What the grader concludes about one item, with the evidence a student
 * needs to fix it: the lines expected, the lines seen (invisible characters
 * made visible by the reports), and a hint for the classic causes.
 */

/** Output seen from one source: a program's stdout or stderr, or what a grader connection received. */
export interface Evidence {
  /** E.g. `server stdout`, `client X stdout`, `received by the grader's client Y`. */
  readonly source: string;
  readonly text: string;
  /** The text is already shown visibly (a scene's transcript): quote it as it is, do not mark it up again. */
  readonly shown?: boolean;
}

/** The outcome of one rubric item. */
export interface Verdict {
  readonly passed: boolean;
  /** One sentence: what happened. */
  readonly detail: string;
  /** The strings that had to appear (verbatim), when there are some. */
  readonly expected?: readonly string[];
  readonly actual?: readonly Evidence[];
  readonly hint?: string;
}

/** A passing verdict. */
export function pass(detail: string): Verdict {
  return { passed: true, detail };
}

/** A failing verdict with its evidence. */
export function fail(
  detail: string,
  evidence: { expected?: readonly string[]; actual?: readonly Evidence[]; hint?: string | undefined } = {},
): Verdict {
  return {
    passed: false,
    detail,
    ...(evidence.expected ? { expected: evidence.expected } : {}),
    ...(evidence.actual ? { actual: evidence.actual } : {}),
    ...(evidence.hint ? { hint: evidence.hint } : {}),
  };
}
