/**
 * Small pieces the scenarios share: the expected strings, reading an
 * acknowledgment out of what a connection received, evidence records, and
 * bounded waits that report instead of throwing.
 */
import type { Peer } from '../harness/peer.js';
import type { Child, LineMatcher, StreamName } from '../harness/process.js';
import type { ClientId, Names } from './target.js';
import { ackText, consoleLines, containsWhole, findLine, indexOfWhole } from './matching.js';
import type { Evidence } from './verdict.js';

/** `Client X: Alice`. */
export function greeting(id: ClientId, names: Names): string {
  return `Client ${id}: ${names[id]}`;
}

/** The acknowledgment for `first` arriving first. */
export function ackFor(first: ClientId, names: Names): string {
  const second: ClientId = first === 'X' ? 'Y' : 'X';
  return ackText({ id: first, name: names[first] }, { id: second, name: names[second] });
}

/** Which valid acknowledgment `text` holds: the id it puts first, or undefined for none. */
export function ackIn(text: string, names: Names): ClientId | undefined {
  const lines = consoleLines(text);
  if (findLine(lines, ackFor('X', names)) !== -1) return 'X';
  if (findLine(lines, ackFor('Y', names)) !== -1) return 'Y';
  return undefined;
}

/** Whether `text` holds either valid acknowledgment. */
export function hasAck(text: string, names: Names): boolean {
  return ackIn(text, names) !== undefined;
}

/** Where `id` is named in `line`: `X: Alice` whole, else (distinct names only) `Alice` whole; -1 if neither. */
function mentionAt(line: string, id: ClientId, names: Names): number {
  const both = indexOfWhole(line, `${id}: ${names[id]}`);
  if (both !== -1 || names.X === names.Y) return both;
  return indexOfWhole(line, names[id]);
}

/**
 * Which client a reply puts first, whatever its wording: the first line that
 * names both (`X: Alice` or, with distinct names, just `Alice`) decides.
 * Undefined when no line names both with their whole names.
 *
 * @example
 * orderIn('Bob came before Alice', { X: 'Alice', Y: 'Bob' }); // 'Y'
 */
export function orderIn(text: string, names: Names): ClientId | undefined {
  for (const line of consoleLines(text)) {
    const x = mentionAt(line, 'X', names);
    const y = mentionAt(line, 'Y', names);
    if (x !== -1 && y !== -1 && x !== y) return x < y ? 'X' : 'Y';
  }
  return undefined;
}

/** What a grader connection received, as evidence. */
export function received(peer: Peer): Evidence {
  return { source: `received by the grader's ${peer.label}`, text: peer.text() };
}

/** What a program printed, as evidence. */
export function printed(child: Child, stream: StreamName = 'stdout'): Evidence {
  return { source: `${child.label} ${stream}`, text: child.output(stream) };
}

/** Resolves true if `promise` resolves, false if it rejects (a bounded wait that ran out, say). */
export async function settled(promise: Promise<unknown>): Promise<boolean> {
  try {
    await promise;
    return true;
  } catch {
    return false;
  }
}

/** Waits up to `timeoutMs` for a line holding `wanted` (whole); true if it came. */
export function printedWithin(child: Child, wanted: string, timeoutMs: number): Promise<boolean> {
  const matcher: LineMatcher = { contains: wanted };
  return settled(child.waitForLine(matcher, 'stdout', timeoutMs)).then(() => findLine(consoleLines(child.output()), wanted) !== -1);
}

/** Waits up to `timeoutMs` for the program to exit; true if it did. */
export function exitedWithin(child: Child, timeoutMs: number): Promise<boolean> {
  return settled(child.waitForExit(timeoutMs));
}

/** Waits up to `timeoutMs` for `peer` to receive a line holding `wanted` (whole); true if it came. */
export function receivedWithin(peer: Peer, wanted: string, timeoutMs: number): Promise<boolean> {
  return peer.waitForText((text) => consoleLines(text).some((line) => containsWhole(line, wanted)), timeoutMs);
}

/**
 * The line that says why a program crashed, when its stderr holds a Python
 * traceback (the exception line after it) or a Node stack trace (the message
 * above the first frame); undefined when it holds neither.
 *
 * @example
 * crashLine(server); // "TypeError: 'str' object cannot be interpreted as an integer"
 */
export function crashLine(child: Child): string | undefined {
  const lines = child.lines('stderr').map((line) => line.trimEnd());
  const traceback = lines.findIndex((line) => line.startsWith('Traceback (most recent call last):'));
  if (traceback !== -1) {
    return lines.slice(traceback + 1).reverse().find((line) => line !== '' && !line.startsWith(' '));
  }
  const frame = lines.findIndex((line) => /^\s+at .*(:\d+:\d+\)?|\(native\))$/.test(line));
  return frame > 0 ? lines[frame - 1] : undefined;
}

/** A hint quoting the crash of the first of `children` that crashed, if one did. */
export function crashHint(children: readonly Child[]): string | undefined {
  for (const child of children) {
    const line = crashLine(child);
    if (line !== undefined) return `${child.label} crashed: ${line} (the last line of its stderr); fix that first`;
  }
  return undefined;
}

/**
 * A hint for output that exists only at exit: the program acted on the
 * network but printed nothing, which is what block-buffered stdout looks like.
 * A program that crashed gets its crash quoted instead: that is the cause.
 */
export function bufferingHint(child: Child): string | undefined {
  const crash = crashHint([child]);
  if (crash !== undefined) return crash;
  if (child.output('stdout').trim() !== '') return undefined;
  return 'nothing was printed on stdout at all: output is probably buffered until exit; flush after each print (Python: print(..., flush=True) or python -u)';
}
