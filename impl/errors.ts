/**
 * One error type for the whole reference implementation, with stable codes.
 *
 * Every failure a user can cause or meet (a bad flag, a refused connection, a
 * malformed greeting) becomes an {@link AppError}: a code that tests and tools
 * can match, a one-line message that names the problem and the fix, and the
 * exit code the program ends with. Nothing else is ever shown to a user, so no
 * stack trace reaches the console.
 */

/** Exit codes documented in docs/CONTRACT.md. */
export const EXIT = {
  /** The program did its job. */
  OK: 0,
  /** Something failed at run time: network, peer, protocol, interruption. */
  FAILURE: 1,
  /** The command line was wrong; nothing was attempted. */
  USAGE: 2,
} as const;

/** The stable codes; each maps to one exit code. */
export const ERROR_CODES = {
  E_USAGE: EXIT.USAGE,
  E_LINE_TOO_LONG: EXIT.FAILURE,
  E_INVALID_UTF8: EXIT.FAILURE,
  E_BAD_GREETING: EXIT.FAILURE,
  E_EMPTY_NAME: EXIT.FAILURE,
  E_NAME_TOO_LONG: EXIT.FAILURE,
  E_DUPLICATE_ID: EXIT.FAILURE,
  E_SERVER_BUSY: EXIT.FAILURE,
  E_REFUSED: EXIT.FAILURE,
  E_BAD_REPLY: EXIT.FAILURE,
  E_NETWORK: EXIT.FAILURE,
  E_INTERRUPTED: EXIT.FAILURE,
} as const;

/** A stable error code, e.g. `E_BAD_GREETING`. */
export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * An expected failure: a stable code, a one-line message, an exit code.
 *
 * @example
 * throw appError('E_USAGE', '--port must be a whole number from 0 to 65535, not "abc"');
 */
export class AppError extends Error {
  override readonly name = 'AppError';

  /** Use {@link appError} rather than calling this directly. */
  constructor(
    /** Stable code for programs to match on. */
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }

  /** The exit code a program ends with when this error stops it. */
  get exitCode(): number {
    return ERROR_CODES[this.code];
  }
}

/**
 * Creates an {@link AppError}; the single place errors are made.
 *
 * @example
 * appError('E_NAME_TOO_LONG', 'the name is longer than 256 bytes');
 */
export function appError(code: ErrorCode, message: string): AppError {
  return new AppError(code, message);
}

/** Node's system errors carry a string code such as `ECONNREFUSED`. */
export function systemErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
