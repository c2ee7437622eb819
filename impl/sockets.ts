/**
 * Small socket helpers shared by the server and the client: closing without
 * losing bytes, and turning Node's network errors into one-line advice.
 */
import type { Socket } from 'node:net';
import { appError, systemErrorCode, type AppError } from './errors.js';

/** How long a closed-for-writing socket may wait for its peer to close too. */
export const LINGER_MS = 2000;

/**
 * Ends `socket` after everything written so far is sent (optionally writing
 * `lastLine` first), then destroys it if the peer has not closed within
 * {@link LINGER_MS}, so a silent peer cannot keep a program alive.
 */
export function closeGracefully(socket: Socket, lastLine?: string): void {
  if (socket.destroyed) return;
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  socket.once('close', () => clearTimeout(timer));
  if (lastLine === undefined) socket.end();
  else socket.end(`${lastLine}\n`);
}

/** `host:port`, with IPv6 addresses in brackets. */
export function formatAddress(host: string | undefined, port: number | undefined): string {
  const shown = host?.includes(':') ? `[${host}]` : (host ?? '?');
  return `${shown}:${port ?? '?'}`;
}

/**
 * Explains a failed connection attempt from a client to `address`.
 *
 * @example
 * connectError(Object.assign(new Error(), { code: 'ECONNREFUSED' }), '127.0.0.1:12000').message;
 * // 'nothing is listening on 127.0.0.1:12000 (connection refused); start the server first, or check --host and --port'
 */
export function connectError(error: unknown, address: string): AppError {
  const code = systemErrorCode(error);
  switch (code) {
    case 'ECONNREFUSED':
      return appError(
        'E_NETWORK',
        `nothing is listening on ${address} (connection refused); start the server first, or check --host and --port`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return appError('E_NETWORK', `cannot resolve the host of ${address}; check --host`);
    case 'ECONNRESET':
    case 'EPIPE':
      return appError('E_NETWORK', `the connection to ${address} was reset before the acknowledgment arrived`);
    default:
      return appError(
        'E_NETWORK',
        `cannot reach ${address} (${code ?? describe(error)}); check --host and --port and that the server runs`,
      );
  }
}

/**
 * Explains why the server could not listen on `address`.
 *
 * @example
 * listenError(Object.assign(new Error(), { code: 'EADDRINUSE' }), '127.0.0.1:12000', 12000).message;
 */
export function listenError(error: unknown, address: string): AppError {
  const code = systemErrorCode(error);
  switch (code) {
    case 'EADDRINUSE':
      return appError(
        'E_NETWORK',
        `${address} is already in use; stop the program using it or pick another --port (0 picks a free one)`,
      );
    case 'EACCES':
      return appError('E_NETWORK', `no permission to listen on ${address}; use a --port above 1023`);
    case 'EADDRNOTAVAIL':
      return appError(
        'E_NETWORK',
        `${address} is not an address of this machine; use --host 127.0.0.1, 0.0.0.0 or one of its own addresses`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      // A name that does not resolve is not "an address of another machine": say what went wrong.
      return appError('E_NETWORK', `cannot resolve the host of ${address}; use --host 127.0.0.1, 0.0.0.0 or one of this machine's addresses`);
    default:
      return appError('E_NETWORK', `cannot listen on ${address} (${code ?? describe(error)})`);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
