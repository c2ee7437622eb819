/**
 * The client's side of the chat (extra credit): lines typed at the keyboard
 * go to the server, lines from the other client are shown, each labelled with
 * who said it (`X: hello`). `Bye` from either side, or the end of input
 * (Ctrl-D), ends the chat.
 *
 * On a terminal it shows a prompt, and an incoming line is printed above the
 * line being typed, which is then redrawn, so typing is never garbled. With
 * piped input there is no prompt and no echo.
 *
 * It neither prints through the process nor exits it: lines go to the
 * injected {@link Output}, and the end of the chat is reported once, with its
 * exit code, to the owner (impl/ack-client.ts).
 */
import type { Socket } from 'node:net';
import readline from 'node:readline';
import { EXIT, systemErrorCode } from './errors.js';
import type { Output } from './output.js';
import { LINGER_MS } from './sockets.js';
import { BYE, ERROR_PREFIX, isBye, MAX_LINE_BYTES, neutralize, type ClientId } from './protocol.js';

/** Where the chat reads what the user types: stdin for the program, a stream in a test. */
export type ChatInput = NodeJS.ReadableStream & { isTTY?: boolean };

/**
 * One client's chat over an acknowledged connection. The owner passes each
 * line and event from the server; the chat calls `onEnd` once, with 0 after a
 * Bye and 1 otherwise, and the owner then closes the connection.
 *
 * @example
 * const chat = new ClientChat(socket, 'X', input, output, (code) => finish(code));
 * chat.received('hi'); // prints "Y: hi"
 */
export class ClientChat {
  readonly #socket: Socket;
  readonly #id: ClientId;
  readonly #other: ClientId;
  readonly #output: Output;
  /** Stdout as a terminal stream when both ends are a terminal: prompt and cursor moves go there. */
  readonly #terminal: NonNullable<Output['terminal']> | undefined;
  readonly #input: readline.Interface;
  readonly #onEnd: (exitCode: number) => void;
  #bye = false;
  #noticed = false;
  #ended = false;
  #lingering: NodeJS.Timeout | undefined;

  /**
   * Starts the chat at once: reads lines from `input` and sends them on
   * `socket` as client `id`, prints through `output`, and shows the `X> `
   * prompt when `input` and `output` are a terminal. `onEnd` gets the exit
   * code, once.
   */
  constructor(socket: Socket, id: ClientId, input: ChatInput, output: Output, onEnd: (exitCode: number) => void) {
    this.#socket = socket;
    this.#id = id;
    this.#other = id === 'X' ? 'Y' : 'X';
    this.#output = output;
    this.#onEnd = onEnd;
    this.#terminal = input.isTTY === true ? output.terminal : undefined;
    this.#input = readline.createInterface({
      input,
      ...(this.#terminal ? { output: this.#terminal, terminal: true, prompt: `${id}> ` } : { terminal: false }),
    });
    this.#input.on('line', (line) => this.#typed(line));
    this.#input.on('close', () => this.#say(BYE)); // Ctrl-D or the end of piped input counts as Bye
    if (this.#terminal) this.#input.prompt();
  }

  /** A line from the server: the other client's words, or a server notice. */
  received(line: string): void {
    if (line.startsWith(ERROR_PREFIX)) {
      this.#noticed = true;
      this.#show(() => this.#output.printError(neutralize(line)));
      return;
    }
    const bye = isBye(line);
    // What the person had typed without pressing Enter yet would vanish with the prompt: say it was not sent.
    const unsent = bye && this.#terminal ? this.#input.line : '';
    if (bye) this.#bye = true; // before showing it: no prompt after the last line
    this.#show(() => this.#output.print(`${this.#other}: ${neutralize(line)}`));
    if (unsent.trim() !== '') this.#output.printError(`Not sent: "${neutralize(unsent)}" (${this.#other} said Bye before you pressed Enter)`);
    if (bye) this.#input.close();
  }

  /** The server closed the connection: the chat is over. */
  serverClosed(): void {
    if (this.#ended) return;
    if (this.#bye) {
      this.#end(EXIT.OK);
      return;
    }
    if (!this.#noticed) this.#output.printError('Error: the server closed the connection during the chat');
    this.#end(EXIT.FAILURE);
  }

  /** The connection failed (reset, for instance). */
  serverFailed(error: unknown): void {
    if (this.#ended) return;
    this.#output.printError(`Error: the connection to the server was lost during the chat (${systemErrorCode(error) ?? 'error'})`);
    this.#end(EXIT.FAILURE);
  }

  /** The server sent bytes that are not a line of UTF-8 text. */
  unreadable(message: string): void {
    if (this.#ended) return;
    this.#output.printError(`Error: the server sent an unreadable line: ${message}`);
    this.#end(EXIT.FAILURE);
  }

  /** Ctrl-C or SIGTERM: leave politely, as with Bye, without waiting long for the server. */
  interrupt(): void {
    this.#say(BYE);
    // The server normally closes at once after a Bye; this bounds the wait if it does not.
    this.#lingering ??= setTimeout(() => this.#end(this.#bye ? EXIT.OK : EXIT.FAILURE), LINGER_MS).unref();
  }

  #typed(line: string): void {
    if (this.#terminal) {
      // Replace the echoed "X> text", however many rows it wrapped over, with the labelled line.
      readline.moveCursor(this.#terminal, 0, -rowsOf(`${this.#input.getPrompt()}${line}`, this.#terminal));
      readline.cursorTo(this.#terminal, 0);
      readline.clearScreenDown(this.#terminal);
    }
    if (line.trim() === '') {
      if (this.#terminal) this.#input.prompt();
      return;
    }
    const bytes = Buffer.byteLength(line, 'utf8');
    if (bytes > MAX_LINE_BYTES) {
      this.#show(() => this.#output.printError(`Error: the line is ${bytes} bytes long; the limit is ${MAX_LINE_BYTES}; it was not sent`));
      return;
    }
    this.#say(line);
  }

  /** Sends one line and shows it; after Bye, stops reading input. */
  #say(line: string): void {
    if (this.#bye || this.#ended) return;
    const flushed = this.#socket.write(`${line}\n`);
    const bye = isBye(line);
    if (bye) this.#bye = true; // before showing it: no prompt after the last line
    this.#show(() => this.#output.print(`${this.#id}: ${neutralize(line)}`));
    if (bye) this.#input.close();
    else if (!flushed) {
      this.#input.pause(); // the server is not keeping up: stop reading the keyboard until it drains
      this.#socket.once('drain', () => this.#input.resume());
    }
  }

  /**
   * Prints without garbling a half-typed line on a terminal: clears the
   * prompt and what was typed (all the rows it spans), prints, then redraws
   * them below, cursor in place. After Bye there is no prompt to redraw.
   */
  #show(printLine: () => void): void {
    if (!this.#terminal) {
      printLine();
      return;
    }
    readline.moveCursor(this.#terminal, 0, -this.#input.getCursorPos().rows);
    readline.cursorTo(this.#terminal, 0);
    readline.clearScreenDown(this.#terminal);
    printLine();
    if (!this.#bye) this.#input.prompt(true);
  }

  /** Stops reading input and reports the exit code; the first end wins. */
  #end(code: number): void {
    if (this.#ended) return;
    this.#ended = true; // before closing the input: its 'close' must not send a Bye now
    clearTimeout(this.#lingering);
    this.#input.close();
    this.#onEnd(code);
  }
}

/**
 * How many terminal rows `text` takes, counting one column per character
 * (wide characters such as CJK count as one: an approximation).
 */
function rowsOf(text: string, output: { columns?: number }): number {
  const columns = output.columns ?? 80;
  return Math.max(1, Math.ceil([...text].length / columns));
}
