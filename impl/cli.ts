/**
 * Command-line parsing shared by the server and the client: strict flags,
 * ports and hosts, each mistake an `E_USAGE` error with a one-line message.
 *
 * Kept apart from the network code so both programs fail the same way: one
 * line on stderr that names the problem and the fix, then exit code 2
 * (docs/CONTRACT.md), never a stack trace. Pure: no console, no exit.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { appError } from './errors.js';

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
  let tokens: ReturnType<typeof parseArgs>['tokens'];
  try {
    ({ values, tokens } = parseArgs({
      args: [...argv],
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
      tokens: true,
    }));
  } catch (error) {
    throw appError('E_USAGE', `${describeParseError(error)}; run with --help to see the options`);
  }
  if (values.help === true) return { help: true };
  // parseArgs keeps the last of a repeated option; `--port 12000 --port 12001` is more likely a slip than a choice.
  const seen = new Map<string, string | undefined>();
  for (const token of tokens ?? []) {
    if (token.kind !== 'option') continue;
    if (seen.has(token.name)) {
      const [first, second] = [seen.get(token.name), token.value];
      const values = first !== undefined && second !== undefined ? ` (${first} and ${second})` : '';
      throw appError('E_USAGE', `--${token.name} is given twice${values}; give it once`);
    }
    seen.set(token.name, token.value);
  }
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
