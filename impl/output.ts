/**
 * Where the programs' console output goes, and the process-wide hooks.
 *
 * The engines (impl/ack-server.ts, impl/ack-client.ts) print only through an
 * {@link Output}, so a test can run them in-process with a recording one. This
 * is the one module besides the two bin files that touches `process`: the
 * process's own console ({@link processOutput}) and the hooks the bin files
 * install explicitly ({@link watchStdout}, {@link onInterrupt}). Importing it
 * registers nothing.
 */
import { AppError, appError, EXIT } from './errors.js';

/**
 * Where a program's console output goes: the process's own streams for the
 * programs, a recording for in-process tests.
 */
export interface Output {
  /** One line on the console (stdout). */
  print(line: string): void;
  /**
   * Text as it is, on stdout; false when stdout is behind (see `stdout`'s
   * 'drain'). `encoding` 'latin1' is for text known to be ASCII: the same
   * bytes as UTF-8, copied rather than encoded.
   */
  write(text: string, encoding?: 'utf8' | 'latin1'): boolean;
  /** One line on stderr. */
  printError(line: string): void;
  /** Emits 'drain' when `write` may go on after returning false. */
  readonly stdout: NodeJS.EventEmitter;
  /** Stdout when it is a terminal, where the chat client draws its prompt; absent otherwise. */
  readonly terminal?: NodeJS.WritableStream & { columns?: number };
}

/** Set once whoever reads our stdout has gone (EPIPE): printing then stops quietly. */
let stdoutGone = false;

/** The process's own console. */
export const processOutput: Output = {
  print: (line) => {
    processOutput.write(`${line}\n`);
  },
  write: (text, encoding = 'utf8') => stdoutGone || process.stdout.write(text, encoding),
  printError: (line) => {
    process.stderr.write(`${line}\n`);
  },
  stdout: process.stdout,
  terminal: process.stdout.isTTY ? process.stdout : undefined,
};

/**
 * Handles errors on stdout (a bin file calls it once at start): EPIPE means
 * the reader has gone, so the program keeps working and stops printing; any
 * other error is passed to `fatal`.
 */
export function watchStdout(fatal: (error: AppError) => void): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') stdoutGone = true;
    else fatal(appError('E_NETWORK', `cannot write to stdout (${error.code ?? error.message})`));
  });
}

/**
 * Prints the one line that ends a program because of `error` and returns its
 * exit code. An {@link AppError} keeps its own message and code; anything else
 * is a bug, reported on one line with exit code 1, never a stack trace.
 */
export function reportFailure(error: unknown, output: Output): number {
  if (error instanceof AppError) {
    output.printError(`Error: ${error.message}`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  output.printError(`Error: unexpected failure: ${message.split('\n')[0] ?? ''}; please report it with the command you ran`);
  return EXIT.FAILURE;
}

/**
 * Calls `handler` once on the first SIGINT or SIGTERM (a bin file installs
 * it), so a program stops through its own code path: sockets closed, peers
 * told, coverage written. Later signals are ignored.
 */
export function onInterrupt(handler: (signal: NodeJS.Signals) => void): void {
  let called = false;
  const listener = (signal: NodeJS.Signals): void => {
    if (called) return;
    called = true;
    handler(signal);
  };
  process.on('SIGINT', listener);
  process.on('SIGTERM', listener);
}
