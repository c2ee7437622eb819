/**
 * Small pieces the scenarios share: the expected strings, reading an
 * acknowledgment out of what a connection received, evidence records, and
 * bounded waits that report instead of throwing.
 */
import type { Peer } from '../spec/harness/peer.js';
import type { Child, LineMatcher, StreamName } from '../spec/harness/process.js';
import type { ClientId, Names } from '../spec/harness/target.js';
import { ackText, consoleLines, containsWhole, findLine } from './matching.js';
import type { Evidence } from './verdict.js';

/** The names the grader's own clients send. */
export const GRADER_NAMES: Names = { X: 'Alice', Y: 'Bob' };

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
 * A hint for output that exists only at exit: the program acted on the
 * network but printed nothing, which is what block-buffered stdout looks like.
 */
export function bufferingHint(child: Child): string | undefined {
  if (child.output('stdout').trim() !== '') return undefined;
  return 'nothing was printed on stdout at all: output is probably buffered until exit; flush after each print (Python: print(..., flush=True) or python -u)';
}
