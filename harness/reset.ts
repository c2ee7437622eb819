/**
 * Resetting a TCP connection (RST) from the harness, so that 'close' always
 * follows: the scene's teardown waits for it.
 */
import type { Socket } from 'node:net';

/**
 * Resets `socket`'s connection (TCP RST) and destroys it. A socket whose
 * end() is still being sent cannot be reset: libuv refuses while a shutdown
 * is pending (EINVAL), and Node then emits 'error', never 'close', and keeps
 * the descriptor, so a teardown waiting for 'close' waits forever. Such a
 * socket is destroyed instead: its FIN is on its way already.
 *
 * @example
 * socket.end();
 * resetSocket(socket); // destroyed, not reset: 'close' follows
 */
export function resetSocket(socket: Socket): void {
  if (socket.destroyed) return;
  if (socket.writableEnded && !socket.writableFinished) socket.destroy();
  else socket.resetAndDestroy();
}
