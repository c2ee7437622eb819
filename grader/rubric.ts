/**
 * The rubric: the 60 points of "executes correctly" and the 25 % extra credit
 * for the chat, split into named items. Inline documentation (20) and the
 * design document (20) are marked by a person and only listed.
 */

/** Which part of the assignment an item belongs to. */
export type Part = 'ack' | 'chat';

/** The items' stable ids, used in reports, JUnit, `--only` and the meta-spec; a typo is a compile error. */
export const ITEM_IDS = [
  'order-x-first',
  'order-y-first',
  'arrival-order',
  'ack-to-both',
  'server-prints',
  'closing-line',
  'server-exits',
  'client-sends',
  'client-prints',
  'fragmented',
  'end-to-end',
  'early-leaver',
  'chat-x-to-y',
  'chat-y-to-x',
  'chat-no-echo',
  'chat-bye-relayed',
  'chat-bye-closes',
  'chat-keyboard',
] as const;

/** One item's id, e.g. `arrival-order`. */
export type ItemId = (typeof ITEM_IDS)[number];

/** Whether `text` is an item's id (for ids read from a command line or a file). */
export function isItemId(text: string): text is ItemId {
  return (ITEM_IDS as readonly string[]).includes(text);
}

/** One rubric item. */
export interface Item {
  /** Stable id, used in reports, JUnit and the meta-spec. */
  readonly id: ItemId;
  readonly part: Part;
  readonly points: number;
  /** A sentence saying what must hold. */
  readonly title: string;
  /** Who sees it on Gradescope (default `visible`). */
  readonly visibility?: Visibility;
}

/** Gradescope's visibility settings for a test or the whole output. */
export const VISIBILITIES = ['visible', 'hidden', 'after_due_date', 'after_published'] as const;

/** One of {@link VISIBILITIES}. */
export type Visibility = (typeof VISIBILITIES)[number];

/** Every item, in the order reports list them. */
export const ITEMS: readonly Item[] = [
  { id: 'order-x-first', part: 'ack', points: 8, title: "X's greeting arrives first: the acknowledgment says X: Alice received before Y: Bob" },
  { id: 'order-y-first', part: 'ack', points: 8, title: "Y's greeting arrives first: the acknowledgment says Y: Bob received before X: Alice" },
  { id: 'arrival-order', part: 'ack', points: 8, title: 'The order is by arrival, not connection: X connects first but greets second' },
  { id: 'ack-to-both', part: 'ack', points: 6, title: 'Both clients receive the acknowledgment' },
  { id: 'server-prints', part: 'ack', points: 4, title: 'The server prints both greetings, then the acknowledgment it sent' },
  { id: 'closing-line', part: 'ack', points: 4, title: 'The server prints "Sent acknowledgment to both X and Y" after the greetings' },
  { id: 'server-exits', part: 'ack', points: 4, title: 'The server closes both connections and exits with code 0 after acknowledging' },
  { id: 'client-sends', part: 'ack', points: 3, title: 'Each client sends "Client <id>: <name>" exactly and exits with code 0 after the reply' },
  { id: 'client-prints', part: 'ack', points: 5, title: 'Each client prints the message it sent, then the reply' },
  { id: 'fragmented', part: 'ack', points: 4, title: 'A greeting split across TCP segments is read whole' },
  { id: 'end-to-end', part: 'ack', points: 3, title: "The target's own server and clients complete the exchange together" },
  { id: 'early-leaver', part: 'ack', points: 3, title: 'A connection that closes before greeting does not stop the exchange' },
  { id: 'chat-x-to-y', part: 'chat', points: 6, title: 'A chat line from X is relayed to Y' },
  { id: 'chat-y-to-x', part: 'chat', points: 6, title: 'A chat line from Y is relayed to X' },
  { id: 'chat-no-echo', part: 'chat', points: 3, title: 'The sender does not get its own chat line back' },
  { id: 'chat-bye-relayed', part: 'chat', points: 4, title: 'Bye is relayed to the other client' },
  { id: 'chat-bye-closes', part: 'chat', points: 3, title: 'After Bye the server closes both connections' },
  { id: 'chat-keyboard', part: 'chat', points: 3, title: "Lines typed at the target's own chat clients reach the other client" },
];

/** The points available in each part. */
export const PART_POINTS: Readonly<Record<Part, number>> = { ack: 60, chat: 25 };

/** How each part is named in reports. */
export const PART_TITLES: Readonly<Record<Part, string>> = {
  ack: 'Executes correctly',
  chat: 'Extra credit: the chat',
};

/** Rubric rows a person marks; the grader lists them so the total is honest. */
export const MARKED_BY_A_PERSON = [
  { title: 'Inline documentation', points: 20 },
  { title: 'Design document', points: 20 },
] as const;

/** Looks an item up by id. */
export function item(id: ItemId): Item {
  const found = ITEMS.find((candidate) => candidate.id === id);
  if (!found) throw new Error(`no rubric item ${id}`);
  return found;
}

/** The items a grade uses and what each part is out of: the default rubric, or an instructor's (`--rubric`). */
export interface Rubric {
  /** The items that count, in report order; an item set to 0 points is left out. */
  readonly items: readonly Item[];
  /** What each part is out of: the sum of its items' points. */
  readonly max: Readonly<Record<Part, number>>;
  /** Gradescope's `stdout_visibility` (default `visible`). */
  readonly stdoutVisibility: Visibility;
  /** Where it was read from, for reports; undefined for the default. */
  readonly file?: string;
}

/** A rubric of `items`, with each part's maximum summed. */
function rubricOf(items: readonly Item[], stdoutVisibility: Visibility, file?: string): Rubric {
  const max = (part: Part): number => items.filter((one) => one.part === part).reduce((sum, one) => sum + one.points, 0);
  return { items, max: { ack: max('ack'), chat: max('chat') }, stdoutVisibility, ...(file === undefined ? {} : { file }) };
}

/** The assignment's rubric: 60 points for executing correctly, 25 extra for the chat. */
export const DEFAULT_RUBRIC: Rubric = rubricOf(ITEMS, 'visible');

/** A wrong rubric file: exit 2, one line naming the field (docs/GRADING.md, "Your own weights"). */
export class RubricError extends Error {
  override readonly name = 'RubricError';
}

/**
 * Reads an instructor's rubric: points and Gradescope visibility per item,
 * every other item as the default rubric has it.
 *
 * @example
 * // rubric.json: {"items": {"fragmented": {"points": 0}, "early-leaver": {"visibility": "hidden"}}}
 * rubricFromJson(JSON.parse(readFileSync('rubric.json', 'utf8')), 'rubric.json').max.ack; // 56
 */
export function rubricFromJson(raw: unknown, file: string): Rubric {
  const fail = (field: string, problem: string): never => {
    throw new RubricError(`${file}: ${field} ${problem}; see docs/GRADING.md`);
  };
  const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!isObject(raw)) return fail('the file', 'must hold a JSON object');
  const unknownKey = Object.keys(raw).find((key) => key !== 'items' && key !== 'stdout_visibility');
  if (unknownKey !== undefined) fail(unknownKey, 'is not a field of a rubric (the fields are items, stdout_visibility)');
  const isVisibility = (value: unknown): value is Visibility => (VISIBILITIES as readonly unknown[]).includes(value);
  if (raw.stdout_visibility !== undefined && !isVisibility(raw.stdout_visibility)) fail('stdout_visibility', `must be one of ${VISIBILITIES.join(', ')}`);
  const changes = raw.items ?? {};
  if (!isObject(changes)) return fail('items', 'must map item ids to {"points": ..., "visibility": ...}');
  for (const [id, change] of Object.entries(changes)) {
    if (!isItemId(id)) fail(`items.${id}`, `is not an item (the items are ${ITEM_IDS.join(', ')})`);
    if (!isObject(change)) fail(`items.${id}`, 'must be {"points": ..., "visibility": ...}');
    const key = Object.keys(change as object).find((name) => name !== 'points' && name !== 'visibility');
    if (key !== undefined) fail(`items.${id}.${key}`, 'is not a field of an item (the fields are points, visibility)');
    const { points, visibility } = change as { points?: unknown; visibility?: unknown };
    if (points !== undefined && !(Number.isInteger(points) && (points as number) >= 0 && (points as number) <= 100)) {
      fail(`items.${id}.points`, 'must be a whole number from 0 (the item is not graded) to 100');
    }
    if (visibility !== undefined && !isVisibility(visibility)) fail(`items.${id}.visibility`, `must be one of ${VISIBILITIES.join(', ')}`);
  }
  const items = ITEMS.map((one) => ({ ...one, ...(changes[one.id] as Partial<Item> | undefined) })).filter((one) => one.points > 0);
  return rubricOf(items, (raw.stdout_visibility as Visibility | undefined) ?? 'visible', file);
}
