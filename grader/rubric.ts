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
}

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
