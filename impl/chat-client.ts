/**
 * The client's side of the chat (extra credit): lines typed at the keyboard
 * go to the server, lines from the other client are shown, each labelled with
 * who said it (`X: hello`). `Bye` from either side, or the end of input
 * (Ctrl-D), ends the chat.
 *
 * On a terminal it shows a prompt, and an incoming line is printed above the
 * line being typed, which is then redrawn, so typing is never garbled. With
 * piped input there is no prompt and no echo.
 */
import type { Socket } from 'node:net';
import readline from 'node:readline';
import { print, printError } from './cli.js';
import { EXIT, systemErrorCode } from './errors.js';
import { LINGER_MS } from './sockets.js';
import { BYE, ERROR_PREFIX, isBye, MAX_LINE_BYTES, neutralize, type ClientId } from './protocol.js';

/** Where the chat reads and writes; the process's own streams by default. */
export interface ChatStreams {
  readonly input: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly output: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

/**
 * One client's chat over an acknowledged connection. The owner passes each
 * line and event from the server; the chat ends the process with 0 after a
 * Bye, 1 otherwise.
 *
 * @example
 * const chat = new ClientChat(socket, 'X');
 * chat.received('hi'); // prints "Y: hi"
 */
export class ClientChat {
  readonly #socket: Socket;
  readonly #id: ClientId;
  readonly #other: ClientId;
  readonly #terminal: boolean;
  readonly #output: ChatStreams['output'];
  readonly #input: readline.Interface;
  #bye = false;
  #noticed = false;
  #exiting = false;

  /**
   * Starts the chat at once: reads lines from `streams.input` and sends them
   * on `socket` as client `id`, and shows the `X> ` prompt when both streams
   * are a terminal.
   */
  constructor(socket: Socket, id: ClientId, streams: ChatStreams = { input: process.stdin, output: process.stdout }) {
    this.#socket = socket;
    this.#id = id;
    this.#other = id === 'X' ? 'Y' : 'X';
    this.#output = streams.output;
    this.#terminal = streams.input.isTTY === true && streams.output.isTTY === true;
    this.#input = readline.createInterface({
      input: streams.input,
      ...(this.#terminal ? { output: streams.output, terminal: true, prompt: `${id}> ` } : { terminal: false }),
    });
    this.#input.on('line', (line) => this.#typed(line));
    this.#input.on('close', () => this.#say(BYE)); // Ctrl-D or the end of piped input counts as Bye
    if (this.#terminal) this.#input.prompt();
  }

  /** A line from the server: the other client's words, or a server notice. */
  received(line: string): void {
    if (line.startsWith(ERROR_PREFIX)) {
      this.#noticed = true;
      this.#show(() => printError(neutralize(line)));
      return;
    }
    const bye = isBye(line);
    if (bye) this.#bye = true; // before showing it: no prompt after the last line
    this.#show(() => print(`${this.#other}: ${neutralize(line)}`));
    if (bye) this.#input.close();
  }

  /** The server closed the connection: the chat is over. */
  serverClosed(): never {
    if (this.#bye) this.#exit(EXIT.OK);
    if (!this.#noticed) printError('Error: the server closed the connection during the chat');
    this.#exit(EXIT.FAILURE);
  }

  /** The connection failed (reset, for instance). */
  serverFailed(error: unknown): never {
    printError(`Error: the connection to the server was lost during the chat (${systemErrorCode(error) ?? 'error'})`);
    this.#exit(EXIT.FAILURE);
  }

  /** The server sent bytes that are not a line of UTF-8 text. */
  unreadable(message: string): never {
    printError(`Error: the server sent an unreadable line: ${message}`);
    this.#exit(EXIT.FAILURE);
  }

  /** Ctrl-C or SIGTERM: leave politely, as with Bye, without waiting long for the server. */
  interrupt(): void {
    this.#say(BYE);
    setTimeout(() => this.#exit(this.#bye ? EXIT.OK : EXIT.FAILURE), LINGER_MS).unref();
  }

  #typed(line: string): void {
    if (this.#terminal) {
      // Replace the echoed "X> text", however many rows it wrapped over, with the labelled line.
      readline.moveCursor(this.#output, 0, -rowsOf(`${this.#input.getPrompt()}${line}`, this.#output));
      readline.cursorTo(this.#output, 0);
      readline.clearScreenDown(this.#output);
    }
    if (line.trim() === '') {
      if (this.#terminal) this.#input.prompt();
      return;
    }
    const bytes = Buffer.byteLength(line, 'utf8');
    if (bytes > MAX_LINE_BYTES) {
      this.#show(() => printError(`Error: the line is ${bytes} bytes long; the limit is ${MAX_LINE_BYTES}; it was not sent`));
      return;
    }
    this.#say(line);
  }

  /** Sends one line and shows it; after Bye, stops reading input. */
  #say(line: string): void {
    if (this.#bye || this.#exiting) return;
    const flushed = this.#socket.write(`${line}\n`);
    const bye = isBye(line);
    if (bye) this.#bye = true; // before showing it: no prompt after the last line
    this.#show(() => print(`${this.#id}: ${neutralize(line)}`));
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
    readline.moveCursor(this.#output, 0, -this.#input.getCursorPos().rows);
    readline.cursorTo(this.#output, 0);
    readline.clearScreenDown(this.#output);
    printLine();
    if (!this.#bye) this.#input.prompt(true);
  }

  #exit(code: number): never {
    this.#exiting = true;
    this.#input.close();
    this.#socket.destroy();
    process.exit(code);
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
