/**
 * The submission's dialect: how its programs frame what they send, which
 * names its server expects, what its server says first, and which word ends
 * its chat. The grader's own clients and fake server speak this dialect, so a
 * correct submission in its own style never loses a point to the grader's
 * habits. Each part is declared in the target description, learned from the
 * target's own clients (what they put on the wire), or the assignment's
 * default, and every report says which (docs/GRADING.md, "The dialect").
 */
import type { ClientId, Names, Target } from './target.js';

/**
 * How a greeting or a chat line is framed on the wire: ended by a newline or
 * CR LF, not ended at all (one send() per message), or preceded by its length
 * in 4 bytes, big-endian (Python's `struct.pack('!I', len(data))`).
 */
export type LineEnd = '\n' | '\r\n' | '' | 'length';

/**
 * `text` framed as the dialect says, ready to send.
 *
 * @example
 * frame('length', 'Client X: Alice'); // <00 00 00 0f> + 'Client X: Alice'
 */
export function frame(lineEnd: LineEnd, text: string): Buffer {
  const body = Buffer.from(text, 'utf8');
  if (lineEnd !== 'length') return Buffer.concat([body, Buffer.from(lineEnd)]);
  const size = Buffer.alloc(4);
  size.writeUInt32BE(body.length);
  return Buffer.concat([size, body]);
}

/** Where a part of the dialect came from. */
export type DialectSource = 'declared' | 'learned' | 'default';

/** How the grader speaks to this submission. */
export interface Dialect {
  readonly lineEnd: LineEnd;
  readonly lineEndFrom: DialectSource;
  /** The names the grader's clients send, and the acknowledgment must carry. */
  readonly names: Names;
  readonly namesFrom: DialectSource;
  /** Text the server sends on every connection before anything else, if it does. */
  readonly banner: string;
  /** The word that ends the chat: `Bye` by the assignment, or the submission's own (which costs the Bye items). */
  readonly bye: string;
  readonly byeFrom: 'declared' | 'default';
}

/** The names the grader's clients send when nothing says otherwise. */
export const DEFAULT_NAMES: Names = { X: 'Alice', Y: 'Bob' };

/**
 * The dialect a description declares, with the assignment's defaults for the
 * rest (newline framing, Alice and Bob, no banner, Bye).
 *
 * @example
 * declaredDialect(loadTarget('fixtures/submissions/py2-hardcoded/target.json')).lineEnd; // '\n'
 */
export function declaredDialect(target: Target): Dialect {
  return {
    lineEnd: target.lineEnd ?? '\n',
    lineEndFrom: target.lineEnd === undefined ? 'default' : 'declared',
    names: target.names ?? DEFAULT_NAMES,
    namesFrom: target.names === undefined ? 'default' : 'declared',
    banner: target.banner ?? '',
    bye: target.chat?.bye ?? 'Bye',
    byeFrom: target.chat?.bye === undefined ? 'default' : 'declared',
  };
}

/** One client's first message on the wire, read as a greeting. */
export interface SentGreeting {
  readonly id: ClientId;
  readonly name: string;
  readonly lineEnd: LineEnd;
  /** The message as sent, without its line end. */
  readonly text: string;
}

const GREETING = /^Client ([XY]): (.*?)(\r\n|\n|$)/s;
/** A first message preceded by its length in 4 bytes (small enough that the first two are zero). */
const LENGTH_PREFIXED = /^\0\0([\0-\x7f])([\0-\x7f])(Client [XY]: )/s;

/**
 * Reads the first message a client sent: `Client X: Sam` and what ended it.
 * Undefined when what it sent does not start like a greeting.
 *
 * @example
 * firstGreeting('Client X: Sam'); // { id: 'X', name: 'Sam', lineEnd: '', text: 'Client X: Sam' }
 */
export function firstGreeting(received: string): SentGreeting | undefined {
  const prefixed = LENGTH_PREFIXED.exec(received);
  if (prefixed) {
    const size = (prefixed[1]!.charCodeAt(0) << 8) | prefixed[2]!.charCodeAt(0);
    const text = received.slice(4, 4 + size);
    if (Buffer.byteLength(text) !== size) return undefined; // not all of it yet
    const inner = firstGreeting(text);
    return inner === undefined || inner.lineEnd !== '' ? undefined : { ...inner, lineEnd: 'length' };
  }
  const match = GREETING.exec(received);
  if (!match) return undefined;
  const [, id, name = '', end = ''] = match;
  if (name.includes('\n') || name.trim() === '') return undefined;
  return { id: id as ClientId, name, lineEnd: end as LineEnd, text: `Client ${id}: ${name}` };
}

/**
 * Refines `dialect` with what the target's own clients sent, for the parts
 * the description does not declare: the line end, when both clients ended
 * their greeting the same way, and the names, when both sent a greeting with
 * a name of their own (a client that hard-codes `Sam` has a server that may
 * expect `Sam`). Anything less certain keeps the default.
 *
 * @example
 * learnFromClients(dialect, { X: firstGreeting('Client X: Sam'), Y: firstGreeting('Client Y: Pat') });
 */
export function learnFromClients(dialect: Dialect, sent: Readonly<Record<ClientId, SentGreeting | undefined>>): Dialect {
  const { X: x, Y: y } = sent;
  if (!x || !y || x.id !== 'X' || y.id !== 'Y') return dialect;
  const lineEnd = dialect.lineEndFrom === 'declared' || x.lineEnd !== y.lineEnd ? {} : { lineEnd: x.lineEnd, lineEndFrom: 'learned' as const };
  const differ = x.name !== dialect.names.X || y.name !== dialect.names.Y;
  const names = dialect.namesFrom === 'declared' || !differ ? {} : { names: { X: x.name, Y: y.name }, namesFrom: 'learned' as const };
  return { ...dialect, ...lineEnd, ...names };
}

/**
 * Whether the target's own clients could still teach the grader something:
 * only the line end and the names are learned, and what is declared always
 * wins ({@link learnFromClients}). With both declared, the learning scenario
 * is run only for its own items.
 *
 * @example
 * leftToLearn(declaredDialect(loadTarget('fixtures/python/target.json'))); // true: it declares neither
 */
export function leftToLearn(dialect: Dialect): boolean {
  return dialect.lineEndFrom !== 'declared' || dialect.namesFrom !== 'declared';
}

/** How a line end is shown in reports. */
function showLineEnd(lineEnd: LineEnd): string {
  if (lineEnd === 'length') return 'none, a 4-byte length before each message';
  return lineEnd === '' ? 'none (one send per message)' : lineEnd === '\n' ? '\\n' : '\\r\\n';
}

const FROM: Readonly<Record<DialectSource, string>> = {
  declared: 'declared in the description',
  learned: "learned from the target's own clients",
  default: "the assignment's default",
};

/**
 * The dialect in one line for reports.
 *
 * @example
 * describeDialect(dialect); // 'line end \n (the assignment's default); names Alice and Bob (...); no banner; chat ends on Bye'
 */
export function describeDialect(dialect: Dialect): string {
  return [
    `line end ${showLineEnd(dialect.lineEnd)} (${FROM[dialect.lineEndFrom]})`,
    `names ${dialect.names.X} and ${dialect.names.Y} (${FROM[dialect.namesFrom]})`,
    dialect.banner === '' ? 'no banner' : `banner ${JSON.stringify(dialect.banner)} (declared)`,
    `chat ends on ${dialect.bye}${dialect.byeFrom === 'declared' ? ' (declared)' : ''}`,
  ].join('; ');
}

/**
 * What a grader connection received, as the submission meant it: the banner
 * taken off the front, when the server sent it.
 *
 * @example
 * withoutBanner('The server is ready to receiveX: Alice received before Y: Bob', dialect);
 */
export function withoutBanner(received: string, dialect: Dialect): string {
  return dialect.banner !== '' && received.startsWith(dialect.banner) ? received.slice(dialect.banner.length) : received;
}
