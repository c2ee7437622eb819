/**
 * The reference server's engine (impl/ack-server.ts) run inside the spec's
 * own process, on a free loopback port, with a console that records its
 * lines: for specs of what the server does with bytes (framing, hostile
 * input, names), where the process boundary is not what is tested. The real
 * program is run where it is (its exit code, its console, its memory).
 */
import { EventEmitter } from 'node:events';
import { onTestFinished } from 'vitest';
import { startAckServer } from '../../impl/ack-server.js';
import type { Output } from '../../impl/output.js';
import { waitUntil } from '../../harness/wait.js';

/** An Output that records every console line, stdout's and stderr's in the order printed, and emits 'update' on each. */
export class RecordingOutput extends EventEmitter implements Output {
  readonly lines: string[] = [];
  /** The stdout lines alone. */
  readonly printed: string[] = [];
  /** The stderr lines alone. */
  readonly errors: string[] = [];
  readonly stdout = new EventEmitter();
  print(line: string): void {
    this.printed.push(line);
    this.#record(line);
  }
  write(text: string): boolean {
    for (const line of text.split('\n').slice(0, -1)) this.print(line);
    return true;
  }
  printError(line: string): void {
    this.errors.push(line);
    this.#record(line);
  }
  #record(line: string): void {
    this.lines.push(line);
    this.emit('update');
  }
}

/** Which of the console's lines a wait looks at: stdout's, stderr's, or both. */
export type ConsoleStream = 'stdout' | 'stderr' | 'both';

/** A server engine running in this process. */
export interface InProcessServer {
  readonly host: string;
  readonly port: number;
  /** Its console so far. */
  readonly output: RecordingOutput;
  /**
   * Resolves once it has printed `line` (a RegExp: a line it matches) on `stream` (both by default); rejects,
   * quoting its console, after `timeoutMs` (the harness's usual bound if not given).
   */
  waitForLine(line: string | RegExp, timeoutMs?: number, stream?: ConsoleStream): Promise<void>;
  /** Resolves with the exit code the program would have, once the exchange is over and every socket closed. */
  readonly closed: Promise<number>;
}

/**
 * Starts the server engine on 127.0.0.1 and a free port, with the chat when
 * `chat` is set; it is stopped (as by SIGTERM, a no-op once it has closed)
 * when the test ends.
 *
 * @example
 * const server = await startInProcessServer();
 * const x = await connectAndSend(useScene(), server, 'X', 'Client X: Alice\n');
 * await server.waitForLine('Received: Client X: Alice');
 */
export async function startInProcessServer({ chat = false }: { chat?: boolean } = {}): Promise<InProcessServer> {
  const output = new RecordingOutput();
  const server = startAckServer({ host: '127.0.0.1', port: 0, chat }, output);
  onTestFinished(async () => {
    server.interrupt('SIGTERM');
    await server.closed;
  });
  const { port } = await server.listening;
  return {
    host: '127.0.0.1',
    port,
    output,
    closed: server.closed,
    waitForLine: (line, timeoutMs, stream = 'both') => {
      const printed = (): readonly string[] =>
        ({ both: output.lines, stdout: output.printed, stderr: output.errors })[stream];
      return waitUntil({
        emitter: output,
        done: () => printed().some((printedLine) => (typeof line === 'string' ? printedLine === line : line.test(printedLine))),
        what: `the server to print ${typeof line === 'string' ? JSON.stringify(line) : String(line)}${stream === 'both' ? '' : ` on ${stream}`}`,
        context: () => output.lines.join('\n'),
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
      });
    },
  };
}
