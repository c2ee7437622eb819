/**
 * The part-1 exchange with a forced arrival order: the building block of the
 * ordering specs and of `npm run demo`.
 */
import type { Child } from '../harness/process.js';
import { startProxy } from '../harness/proxy.js';
import type { Scene } from '../harness/scene.js';
import { startClient, startServer, type RunningServer } from './launch.js';
import { chatTarget, type Target, type ClientId, type Names } from './target.js';

/** Everything an exchange started, after all three programs exited. */
export interface Exchange {
  readonly server: RunningServer;
  readonly x: Child;
  readonly y: Child;
}

/**
 * Matches the server's line for a greeting, whether it printed the name as
 * sent or with control characters shown as `\xHH` (docs/CONTRACT.md).
 */
export function greetingPrinted(id: ClientId, name: string): RegExp {
  // eslint-disable-next-line no-control-regex
  const shown = name.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`Client ${id}: (?:${escape(name)}|${escape(shown)})`);
}

/**
 * Runs server, X and Y so that `first`'s greeting arrives first: the first
 * client starts alone, and the second starts only once the server has printed
 * the first greeting. Waits for all three to exit.
 *
 * @example
 * const { server, x, y } = await runInOrder(scene, referenceTarget(), 'Y', { X: 'Alice', Y: 'Bob' });
 */
export async function runInOrder(scene: Scene, target: Target, first: ClientId, names: Names): Promise<Exchange> {
  const second = first === 'X' ? 'Y' : 'X';
  const server = await startServer(scene, target);
  const early = startClient(scene, target, server, { id: first, name: names[first] });
  await server.child.waitForLine(greetingPrinted(first, names[first]));
  const late = startClient(scene, target, server, { id: second, name: names[second] });
  await Promise.all([early.waitForExit(), late.waitForExit(), server.child.waitForExit()]);
  return first === 'X' ? { server, x: early, y: late } : { server, x: late, y: early };
}

/**
 * Connects X first but makes Y's greeting arrive first: X goes through a
 * proxy that holds its bytes; the proxy connects through to the server (so a
 * server that orders by connection sees X first), then Y connects and greets
 * directly, and X's greeting is released only after the server printed Y's.
 */
export async function runConnectFirstGreetSecond(scene: Scene, target: Target, names: Names): Promise<Exchange> {
  const server = await startServer(scene, target);
  const proxy = await startProxy(scene, server, { hold: true }, 'proxy X→server');
  const x = startClient(scene, target, proxy, { id: 'X', name: names.X });
  const held = await proxy.waitForConnection();
  await proxy.waitForReceived(Buffer.byteLength(`Client X: ${names.X}\n`));
  const y = startClient(scene, target, server, { id: 'Y', name: names.Y });
  await server.child.waitForLine(greetingPrinted('Y', names.Y));
  held.release();
  await Promise.all([x.waitForExit(), y.waitForExit(), server.child.waitForExit()]);
  return { server, x, y };
}

/** A chat whose acknowledgment exchange is done: both clients are reading input. */
export type Chat = Exchange;

/**
 * Starts the target's chat programs, X greeting first, and waits until both
 * clients have printed the acknowledgment, i.e. the chat is open.
 *
 * @example
 * const { x, y } = await openChat(scene, referenceTarget(), { X: 'Alice', Y: 'Bob' });
 * x.write('hello\n');
 */
export async function openChat(scene: Scene, target: Target, names: Names): Promise<Chat> {
  const chat = chatTarget(target);
  const server = await startServer(scene, chat);
  const x = startClient(scene, chat, server, { id: 'X', name: names.X });
  await server.child.waitForLine(greetingPrinted('X', names.X));
  const y = startClient(scene, chat, server, { id: 'Y', name: names.Y });
  const ack = { contains: `X: ${names.X} received before Y: ${names.Y}` };
  await Promise.all([x.waitForLine(ack), y.waitForLine(ack)]);
  return { server, x, y };
}
