/**
 * The one way the harness waits: for an event, under a bounded timeout whose
 * error quotes everything the scene's processes printed.
 */
import type { EventEmitter } from 'node:events';
import { pEvent, TimeoutError } from 'p-event';

/** Default bound for any single wait, in milliseconds. */
export const WAIT_MS = 10_000;

/** What {@link waitUntil} needs. */
export interface WaitSpec {
  /** Emits `update` whenever the condition may have changed. */
  readonly emitter: EventEmitter;
  /** True when the wait is over (the awaited thing happened, or can no longer happen). */
  readonly done: () => boolean;
  /** What is being waited for, e.g. `server to print "Listening on"`. */
  readonly what: string;
  /** The full context for the error message: usually the scene's transcript. */
  readonly context: () => string;
  /** Bound in milliseconds (default {@link WAIT_MS}). */
  readonly timeoutMs?: number;
  /**
   * Created by the caller before it starts waiting, so the stack points at the
   * line in the test that waited, not at a timer callback.
   */
  readonly error?: Error;
}

/**
 * Resolves once `done()` is true, re-checking on each `update` event; rejects
 * after the bound with an error that names what was awaited and quotes the
 * context.
 *
 * @example
 * await waitUntil({ emitter, done: () => out.includes('ready'), what: 'ready', context: () => out });
 */
export async function waitUntil(spec: WaitSpec): Promise<void> {
  const error = spec.error ?? new Error('timeout');
  if (spec.done()) return;
  const timeoutMs = spec.timeoutMs ?? WAIT_MS;
  try {
    await pEvent(spec.emitter, 'update', { filter: () => spec.done(), timeout: timeoutMs, rejectionEvents: [] });
  } catch (cause) {
    if (!(cause instanceof TimeoutError)) throw cause;
    error.message = `Timed out after ${timeoutMs} ms waiting for ${spec.what}.\n\n${spec.context()}`;
    throw error;
  }
}
