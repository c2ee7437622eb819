/**
 * Command-line plumbing shared by the server and the client: option parsing
 * with one-line usage errors, console output, and the single exit path.
 *
 * Kept apart from the network code so both programs fail the same way: one
 * line on stderr that names the problem and the fix, then the documented exit
 * code (docs/CONTRACT.md), never a stack trace.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AppError, appError, EXIT } from './errors.js';

/** The default port, as in the assignment's usual setup. */
export const DEFAULT_PORT = 12000;

/** The default address: loopback. Use 0.0.0.0 to serve other hosts. */
export const DEFAULT_HOST = '127.0.0.1';

type Options = NonNullable<ParseArgsConfig['options']>;

/** What {@link parseCommandLine} returns: option values by name, or a help request. */
export type ParsedCommandLine = { help: true } | { help: false; values: Record<string, string | boolean | undefined> };

/**
 * Parses `argv` strictly against `options` (plus `--help`); unknown flags,
 * missing values and stray arguments become an `E_USAGE` {@link AppError}.
 *
 * @example
 * parseCommandLine(['--port', '0'], { port: { type: 'string' } });
 * // { help: false, values: { port: '0' } }
 */
export function parseCommandLine(argv: readonly string[], options: Options): ParsedCommandLine {
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw appError('E_USAGE', `${describeParseError(error)}; run with --help to see the options`);
  }
  if (values.help === true) return { help: true };
  return { help: false, values: values as Record<string, string | boolean | undefined> };
}

/** Turns node:util's parse errors into short sentences. */
function describeParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  const option = /'(-[^' ]+)/.exec(message)?.[1];
  const positional = /argument '([^']*)'/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) return `unknown option ${option}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option && message.includes('ambiguous')) {
    return `the value after ${option} starts with "-"; write it as ${option}=<value>`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) return `option ${option} needs a value`;
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' && positional !== undefined) {
    return `unexpected argument "${positional}"`;
  }
  return message.split('\n')[0] ?? message;
}

/**
 * Reads a port number from a flag value: a whole number in `min`..65535.
 *
 * @example
 * parsePort('12000', 1); // 12000
 */
export function parsePort(text: string | boolean | undefined, min: 0 | 1): number {
  if (text === undefined) return DEFAULT_PORT;
  const port = typeof text === 'string' && /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(port >= min && port <= 65535)) {
    throw appError('E_USAGE', `--port must be a whole number from ${min} to 65535, not "${String(text)}"`);
  }
  return port;
}

/** Reads a host flag: any non-empty name or address. */
export function parseHost(text: string | boolean | undefined): string {
  if (text === undefined) return DEFAULT_HOST;
  if (typeof text !== 'string' || text.trim() === '') throw appError('E_USAGE', '--host must not be empty');
  return text;
}

let stdoutGone = false;
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  // Whoever read our output has gone (EPIPE): keep working, stop printing.
  if (error.code === 'EPIPE') stdoutGone = true;
  else exitWithError(appError('E_NETWORK', `cannot write to stdout (${error.code ?? error.message})`));
});

/**
 * Prints one line on stdout. `print.raw` writes text as it is and returns
 * false when stdout is behind (wait for its 'drain' before printing more).
 */
export const print = Object.assign(
  (line: string): void => {
    print.raw(`${line}\n`);
  },
  {
    raw(text: string): boolean {
      return stdoutGone || process.stdout.write(text);
    },
  },
);

/** Prints one line on stderr. */
export function printError(line: string): void {
  process.stderr.write(`${line}\n`);
}

/**
 * Where a program's console output goes: the process's own streams for the
 * programs, a recording for in-process tests.
 */
export interface Output {
  /** One line on the console (stdout). */
  print(line: string): void;
  /** Text as it is, on stdout; false when stdout is behind (see `stdout`'s 'drain'). */
  write(text: string): boolean;
  /** One line on stderr. */
  printError(line: string): void;
  /** Emits 'drain' when `write` may go on after returning false. */
  readonly stdout: NodeJS.EventEmitter;
}

/** The process's own console. */
export const processOutput: Output = {
  print,
  write: (text) => print.raw(text),
  printError,
  stdout: process.stdout,
};

/**
 * Ends the program because of `error`: one line on stderr, then the exit
 * code. An {@link AppError} keeps its own message and code; anything else is a
 * bug, reported on one line with exit code 1.
 */
export function exitWithError(error: unknown): never {
  if (error instanceof AppError) {
    printError(`Error: ${error.message}`);
    process.exit(error.exitCode);
  }
  const message = error instanceof Error ? error.message : String(error);
  printError(`Error: unexpected failure: ${message.split('\n')[0] ?? ''}; please report it with the command you ran`);
  process.exit(EXIT.FAILURE);
}

/**
 * Calls `handler` once on the first SIGINT or SIGTERM, so a program stops
 * through its own code path: sockets closed, peers told, coverage written.
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
