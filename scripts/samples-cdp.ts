/**
 * The Chrome DevTools protocol over `--remote-debugging-pipe`, just enough to
 * take screenshots: the browser reads commands on its file descriptor 3 and
 * writes replies and events on its descriptor 4, each message a JSON text
 * ended by a NUL byte. No WebSocket and no port, so nothing else on the
 * machine can reach the browser, and nothing needs to be installed.
 */
import type { Readable, Writable } from 'node:stream';

/**
 * Splits NUL-ended messages out of what the pipe has delivered so far: pipes
 * cut wherever they like, so a message may span chunks and a chunk may hold
 * several. `rest` is the unfinished part before `chunk`; the returned `rest`
 * is what to pass with the next chunk. Empty parts (a chunk that ends with the
 * NUL leaves one) are not messages.
 *
 * @example
 * let rest = '';
 * for (const chunk of ['{"id":1}\0{"id"', ':2}\0']) {
 *   const split = splitMessages(rest, chunk); // ['{"id":1}'], then ['{"id":2}']
 *   rest = split.rest;
 * }
 */
export function splitMessages(rest: string, chunk: string): { messages: string[]; rest: string } {
  const parts = (rest + chunk).split('\0');
  const unfinished = parts.pop() ?? ''; // after the last NUL: '' when the chunk ended a message
  return { messages: parts.filter((part) => part !== ''), rest: unfinished };
}

/** A message from the browser: a reply (with the command's `id`) or an event (with a `method`). */
interface Incoming {
  readonly id?: number;
  readonly method?: string;
  readonly params?: Record<string, unknown>;
  readonly result?: Record<string, unknown>;
  readonly error?: { readonly code?: number; readonly message?: string; readonly data?: string };
  readonly sessionId?: string;
}

/** Something waiting on the pipe: a command's reply, or the first event a test accepts. */
interface Waiter {
  readonly accepts: (message: Incoming) => boolean;
  readonly resolve: (message: Incoming) => void;
  readonly reject: (error: Error) => void;
}

/**
 * A DevTools protocol connection over a browser's pipes: commands answered
 * by id, events awaited by session and method. Once the pipe closes (the
 * browser exited or was killed) or {@link CdpPipe.close} is called, every
 * wait fails with the reason, so nothing waits on a browser that is gone.
 *
 * @example
 * const child = spawn(chromium, ['--headless', '--remote-debugging-pipe'], { stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'] });
 * const cdp = new CdpPipe(child.stdio[3] as Writable, child.stdio[4] as Readable);
 * const { targetId } = await cdp.send('Target.createTarget', { url: 'about:blank' });
 */
export class CdpPipe {
  #next = 1;
  #waiters = new Set<Waiter>();
  #closed: Error | undefined;
  readonly #commands: Writable;

  /** Talks to the browser by writing `commands` (its fd 3) and reading `replies` (its fd 4). */
  constructor(commands: Writable, replies: Readable) {
    this.#commands = commands;
    // A write after the browser is gone fails with EPIPE; the reader's end says so already.
    commands.on('error', () => {});
    let rest = '';
    replies.setEncoding('utf8'); // decodes a character cut between chunks whole
    replies.on('data', (chunk: string) => {
      const split = splitMessages(rest, chunk);
      rest = split.rest;
      for (const text of split.messages) {
        let message: Incoming;
        try {
          message = JSON.parse(text) as Incoming;
        } catch {
          this.close(new Error(`the browser sent a message that is not JSON: ${text.slice(0, 80)}`));
          return;
        }
        this.#dispatch(message);
      }
    });
    replies.on('error', (error) => this.close(new Error(`the browser's pipe failed: ${error.message}`)));
    replies.on('close', () => this.close(new Error('the browser closed its pipe')));
  }

  /** Whether the pipe is still open. */
  get open(): boolean {
    return this.#closed === undefined;
  }

  /**
   * Sends `method` (to `sessionId`'s page, or to the browser) and resolves
   * with its result; an `error` reply rejects with one line naming the method.
   *
   * @example
   * await cdp.send('Page.enable', {}, sessionId);
   */
  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    const id = this.#next++;
    const reply = this.#wait((message) => message.id === id && message.method === undefined).then((message) => {
      if (message.error === undefined) return message.result ?? {};
      const { code, message: text, data } = message.error;
      const why = [code, text, data].filter((part) => part !== undefined).join(' ');
      throw new Error(`${method} failed: ${why.replace(/\s+/g, ' ')}`);
    });
    if (this.open) this.#commands.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    return reply;
  }

  /**
   * Resolves with the params of the first event of `sessionId` that
   * `accepts` takes (it sees every event of that session, in order, until
   * then, so it may keep state: "this event, once that one came").
   *
   * @example
   * const loaded = cdp.event(sessionId, (method) => method === 'Page.loadEventFired');
   */
  event(sessionId: string, accepts: (method: string, params: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    return this.#wait((message) => message.sessionId === sessionId && message.method !== undefined && accepts(message.method, message.params ?? {})).then(
      (message) => message.params ?? {},
    );
  }

  /**
   * Fails every wait, now and later, with `why`: for when the browser is gone
   * or the caller gives up on it.
   *
   * @example
   * child.on('close', () => cdp.close(new Error('the browser exited')));
   */
  close(why: Error): void {
    if (this.#closed) return;
    this.#closed = why;
    for (const waiter of this.#waiters) waiter.reject(why);
    this.#waiters.clear();
  }

  #wait(accepts: (message: Incoming) => boolean): Promise<Incoming> {
    return new Promise((resolve, reject) => {
      if (this.#closed) reject(this.#closed);
      else this.#waiters.add({ accepts, resolve, reject });
    });
  }

  #dispatch(message: Incoming): void {
    for (const waiter of this.#waiters) {
      if (!waiter.accepts(message)) continue;
      this.#waiters.delete(waiter);
      waiter.resolve(message);
      if (message.id !== undefined) return; // a reply has one waiter; an event may have several
    }
  }
}
