/**
 * The wire protocol, as pure functions and one state machine: no sockets here.
 *
 * Framing ({@link LineDecoder}), the greeting (`Client X: Alice`), the
 * acknowledgment (`X: Alice received before Y: Bob`) and the console-safety
 * rule ({@link neutralize}) live here so they can be tested with any split or
 * merge of chunks, and so the server and client stay thin. docs/CONTRACT.md is
 * the prose version of this file.
 */
import { appError, type AppError } from './errors.js';

/** The two roles a client can take. */
export type ClientId = 'X' | 'Y';

/** A parsed greeting: who the client is and the person's name it sent. */
export interface Greeting {
  readonly id: ClientId;
  readonly name: string;
}

/** The longest line accepted, in UTF-8 bytes, not counting `\n` or `\r\n`. */
export const MAX_LINE_BYTES = 1024;

/** The longest name accepted in a greeting, in UTF-8 bytes. */
export const MAX_NAME_BYTES = 256;

/** What the server prints once both acknowledgments are written. */
export const FINAL_LINE = 'Sent acknowledgment to both X and Y';

/** Prefix of the line a peer sends instead of a normal reply when it refuses something. */
export const ERROR_PREFIX = 'Error: ';

/** The chat line that ends the chat (extra credit). */
export const BYE = 'Bye';

/** Label printed before every line a program sends. */
export const SENT_LABEL = 'Sent: ';

/** Label printed before every line a program receives. */
export const RECEIVED_LABEL = 'Received: ';

/** What one call to {@link LineDecoder.push} or {@link LineDecoder.end} yields. */
export interface DecodeResult {
  /** Complete lines, terminators removed, in arrival order. */
  readonly lines: string[];
  /** Set once, when the stream broke the framing rules; no lines follow it. */
  readonly error?: AppError;
}

const LF = 0x0a;
const CR = 0x0d;

/**
 * Splits a byte stream into UTF-8 lines, whatever the chunking.
 *
 * Lines end in `\n`; a `\r` just before it is dropped. A line longer than
 * `maxLineBytes` is an error as soon as the excess arrives, so a peer that
 * never sends a newline cannot make the buffer grow without bound. After an
 * error the decoder yields nothing more.
 *
 * @example
 * const decoder = new LineDecoder();
 * decoder.push(Buffer.from('Client X: Al')); // { lines: [] }
 * decoder.push(Buffer.from('ice\r\nCli'));    // { lines: ['Client X: Alice'] }
 */
export class LineDecoder {
  readonly #maxLineBytes: number;
  // ignoreBOM: a U+FEFF is kept as a character, the same whether lines are decoded together or apart.
  readonly #utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #failed = false;

  /** A decoder that refuses lines longer than `maxLineBytes` bytes (without the terminator). */
  constructor(maxLineBytes: number = MAX_LINE_BYTES) {
    this.#maxLineBytes = maxLineBytes;
  }

  /** Feeds the next chunk; returns the lines it completed. */
  push(chunk: Uint8Array): DecodeResult {
    const lines: string[] = [];
    if (this.#failed) return { lines };
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    const first = bytes.indexOf(LF);
    if (first !== -1 && this.#pendingBytes > 0) {
      const error = this.#take(bytes.subarray(0, first), lines); // completes the line held from before
      if (error) return { lines, error };
      start = first + 1;
    }
    const last = bytes.lastIndexOf(LF);
    if (last >= start) {
      const error = this.#takeAll(bytes.subarray(start, last), lines);
      if (error) return { lines, error };
      start = last + 1;
    }
    const rest = bytes.subarray(start);
    // One byte of slack: the line may still end in "\r\n".
    if (this.#pendingBytes + rest.length > this.#maxLineBytes + 1) {
      return { lines, error: this.#fail(tooLong(this.#maxLineBytes)) };
    }
    if (rest.length > 0) {
      this.#pending.push(Buffer.from(rest)); // copy: the caller may reuse its buffer
      this.#pendingBytes += rest.length;
    }
    return { lines };
  }

  /** Ends the stream: a last line without a newline still counts. */
  end(): DecodeResult {
    const lines: string[] = [];
    if (this.#failed || this.#pendingBytes === 0) return { lines };
    const error = this.#take(Buffer.alloc(0), lines);
    this.#failed = true;
    return error ? { lines, error } : { lines };
  }

  /**
   * Takes the complete lines in `region` (newline-separated, none pending).
   * Usually one decode for the lot, since UTF-8 never hides a newline inside
   * a character; line by line only when something is wrong, so that the
   * lines before a bad one still count.
   */
  #takeAll(region: Buffer, lines: string[]): AppError | undefined {
    if (this.#allFit(region)) {
      try {
        for (const line of this.#utf8.decode(region).split('\n')) lines.push(line.endsWith('\r') ? line.slice(0, -1) : line);
        return undefined;
      } catch {
        // invalid UTF-8 somewhere: find the line below
      }
    }
    for (let from = 0; ; ) {
      const newline = region.indexOf(LF, from);
      const error = this.#take(region.subarray(from, newline === -1 ? region.length : newline), lines);
      if (error || newline === -1) return error;
      from = newline + 1;
    }
  }

  /** Whether every line of `region` is within the limit (a final \r not counted). */
  #allFit(region: Buffer): boolean {
    for (let from = 0; ; ) {
      const newline = region.indexOf(LF, from);
      const end = newline === -1 ? region.length : newline;
      const length = end > from && region[end - 1] === CR ? end - from - 1 : end - from;
      if (length > this.#maxLineBytes) return false;
      if (newline === -1) return true;
      from = newline + 1;
    }
  }

  /** Completes the pending line with `tail`, checks it, and appends it to `lines`. */
  #take(tail: Buffer, lines: string[]): AppError | undefined {
    let line = this.#pending.length === 0 ? tail : Buffer.concat([...this.#pending, tail]);
    this.#pending = [];
    this.#pendingBytes = 0;
    if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, -1);
    if (line.length > this.#maxLineBytes) return this.#fail(tooLong(this.#maxLineBytes));
    try {
      lines.push(this.#utf8.decode(line));
    } catch {
      return this.#fail(appError('E_INVALID_UTF8', 'the line is not valid UTF-8; send UTF-8 text'));
    }
    return undefined;
  }

  #fail(error: AppError): AppError {
    this.#failed = true;
    this.#pending = [];
    this.#pendingBytes = 0;
    return error;
  }
}

function tooLong(max: number): AppError {
  return appError('E_LINE_TOO_LONG', `the line is longer than ${max} bytes; send shorter lines ending in a newline`);
}

const GREETING = /^Client ([XY]):[ \t]*(.*?)[ \t]*$/s;

/**
 * Formats the greeting a client sends.
 *
 * @example
 * formatGreeting({ id: 'X', name: 'Alice' }); // 'Client X: Alice'
 */
export function formatGreeting(greeting: Greeting): string {
  return `Client ${greeting.id}: ${greeting.name}`;
}

/**
 * Parses a greeting line, or throws an {@link AppError} saying what is wrong.
 * The name is what follows the colon, surrounding spaces and tabs removed.
 *
 * @example
 * parseGreeting('Client Y: Bob'); // { id: 'Y', name: 'Bob' }
 */
export function parseGreeting(line: string): Greeting {
  const match = GREETING.exec(line);
  if (!match) {
    throw appError('E_BAD_GREETING', 'expected a greeting "Client X: <name>" or "Client Y: <name>"');
  }
  const id = match[1] as ClientId;
  const name = match[2] as string;
  if (name === '') throw appError('E_EMPTY_NAME', `the name is empty; send "Client ${id}: <name>"`);
  checkName(name);
  return { id, name };
}

/**
 * Throws an {@link AppError} unless `name` can be sent in a greeting: not
 * empty, not longer than {@link MAX_NAME_BYTES}, no line break.
 */
export function checkName(name: string): void {
  if (name.trim() === '') throw appError('E_EMPTY_NAME', 'the name is empty; give a name');
  if (/[\r\n]/.test(name)) throw appError('E_BAD_GREETING', 'the name contains a line break; give a one-line name');
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_NAME_BYTES) {
    throw appError('E_NAME_TOO_LONG', `the name is ${bytes} bytes long; the limit is ${MAX_NAME_BYTES} bytes of UTF-8`);
  }
}

/**
 * Formats the acknowledgment: the greeting that arrived first, then the other.
 *
 * @example
 * formatAck({ id: 'Y', name: 'Bob' }, { id: 'X', name: 'Alice' });
 * // 'Y: Bob received before X: Alice'
 */
export function formatAck(first: Greeting, second: Greeting): string {
  return `${first.id}: ${first.name} received before ${second.id}: ${second.name}`;
}

/**
 * Whether `line` is an acknowledgment naming `own` (in either place) and the
 * other client id. Checked from the client's side, where its own name is
 * known, so names that contain " received before " cannot confuse it.
 */
export function isAckFor(line: string, own: Greeting): boolean {
  const other: ClientId = own.id === 'X' ? 'Y' : 'X';
  const ownPart = `${own.id}: ${own.name}`;
  const asFirst = `${ownPart} received before ${other}: `;
  const asSecond = ` received before ${ownPart}`;
  return (
    (line.startsWith(asFirst) && line.length > asFirst.length) ||
    (line.startsWith(`${other}: `) && line.endsWith(asSecond) && line.length > `${other}: `.length + asSecond.length)
  );
}

/**
 * Whether a chat line ends the chat: the whole line is "Bye", in any case,
 * surrounding spaces ignored. A line that merely contains "bye" does not.
 *
 * @example
 * isBye(' bye '); // true
 * isBye('bye for now'); // false
 */
export function isBye(line: string): boolean {
  const word = line.trim();
  // The length first: lower-casing every chat line only to compare it with three letters copied each line
  // (1.6 s of the relay's CPU per GiB of 1 KiB lines).
  return word.length === BYE.length && word.toLowerCase() === BYE.toLowerCase();
}

// C0 controls, DEL and C1 controls: the bytes a terminal may act on.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
// eslint-disable-next-line no-control-regex
const HAS_CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

// Anything but printable ASCII (space to tilde).
const NOT_PRINTABLE_ASCII = /[^\u0020-\u007e]/;

/**
 * Whether `text` is printable ASCII only: nothing for {@link neutralize} to
 * replace, and the same bytes in Latin-1 as in UTF-8.
 *
 * @example
 * isPrintableAscii('hello there'); // true
 * isPrintableAscii('Zoë'); // false
 */
export function isPrintableAscii(text: string): boolean {
  return !NOT_PRINTABLE_ASCII.test(text);
}

/**
 * Makes peer-supplied text safe to print: every control character becomes a
 * visible `\xHH`, so a name cannot move the cursor, change colours or clear
 * the screen.
 *
 * @example
 * neutralize('Eve\u001b[2J'); // 'Eve\\x1b[2J'
 */
export function neutralize(text: string): string {
  // Most lines have nothing to replace; testing first skips the costly replace.
  if (!HAS_CONTROL.test(text)) return text;
  return text.replace(CONTROL, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
