/**
 * Chat (extra credit) scenarios. The grader's own connections play X and Y
 * against the target's chat server, in the target's dialect, so every relayed
 * byte is seen exactly; a last scenario types at the target's own chat
 * clients.
 *
 * Relayed text is read as the submission's own clients would read it: a
 * message ends at a line end or where one read from the socket ended, so a
 * relay that forwards each message without a line end (one recv() per line,
 * as the textbook does) is not charged for gluing.
 */
import { connectionsTo, pollKernel, waitForServerToRead } from '../harness/kernel.js';
import { connectPeer, type Peer } from '../harness/peer.js';
import { frame } from './dialect.js';
import { greeting, orderIn, printed, printedWithin, received } from './evidence.js';
import { startClient, startServer, type RunningServer } from './launch.js';
import { consoleLines, containsWhole } from './matching.js';
import type { ItemId } from './rubric.js';
import type { Scenario, ScenarioContext, Verdicts } from './scenario.js';
import { expandArgv, type ClientId, type Names } from './target.js';
import { fail, pass } from './verdict.js';


/** How many numbered lines go each way: enough that a relay dropping the odd line is caught. */
export const CHAT_LINES = 250;

/** Line `n` of `CHAT_LINES` from `id`; distinctive, so a match cannot be a coincidence. */
function numbered(id: ClientId, n: number): string {
  return `${id} says line ${n} of ${CHAT_LINES}`;
}

/** What X and Y type at their own chat clients. */
const TYPED_AT_X = 'hello Y, this is X (typed)';
const TYPED_AT_Y = 'hi X, Y here (typed)';

/** Whether the chat's clients greet first; if so, the chat opens with the acknowledgment. */
function greets(context: ScenarioContext): boolean {
  return context.target.chat?.greets !== false;
}

/** What {@link messages} has read of each peer so far: reads are only ever added, so each is parsed once. */
const parsed = new WeakMap<Peer, { reads: number; lines: string[] }>();

/** The messages `peer` received, each line of each read on its own. */
function messages(peer: Peer): readonly string[] {
  const seen = parsed.get(peer) ?? { reads: 0, lines: [] };
  const fresh = peer.chunksFrom(seen.reads);
  for (const chunk of fresh) seen.lines.push(...consoleLines(chunk));
  seen.reads += fresh.length;
  parsed.set(peer, seen);
  return seen.lines;
}

/** Whether `peer` received `wanted` as a whole message part (decoration around it allowed). */
function got(peer: Peer, wanted: string): boolean {
  return messages(peer).some((line) => containsWhole(line, wanted));
}

/** Waits (bounded) until `peer` received `wanted`; true if it did. */
function gets(peer: Peer, wanted: string, timeoutMs: number): Promise<boolean> {
  return peer.waitForText(() => got(peer, wanted), timeoutMs).then(() => got(peer, wanted));
}

/**
 * Connects a grader client to the chat and, if the chat starts with
 * greetings, greets; then sends the description's `join` lines (a name
 * handshake), each once the server has read the one before.
 */
async function join(context: ScenarioContext, server: RunningServer, id: ClientId): Promise<Peer> {
  const peer = await connectPeer(context.scene, server, `client ${id}`, { allowHalfOpen: true });
  const { names, lineEnd } = context.dialect;
  const handshake = [...(greets(context) ? [greeting(id, names)] : []), ...expandArgv(context.target.chat?.join ?? [], { id, name: names[id] })];
  for (const line of handshake) {
    await peer.send(frame(lineEnd, line));
    await waitForServerToRead(server.port, peer.localPort, context.bounds.read);
  }
  return peer;
}

/**
 * Sends the numbered lines from `from` to `to` one at a time, each once the
 * previous one arrived (a person types no faster), and returns the numbers
 * that did not arrive. After a line that does not come, the next is still
 * sent: if that one arrives, the relay dropped the line before it (a relay
 * keeps order), the item is lost, and the rest are sent at once and counted
 * once the last has had its time to arrive, so a relay that drops many lines
 * costs one wait, not one each. If the next does not come either, the relay
 * is taken to be dead and the rest are counted as lost without waiting.
 */
async function sendNumbered(context: ScenarioContext, from: Peer, to: Peer, id: ClientId): Promise<number[]> {
  const send = (n: number): Promise<boolean> =>
    from.send(frame(context.dialect.lineEnd, numbered(id, n))).then(
      () => true,
      () => false,
    );
  let missedLast = false;
  for (let n = 1; n <= CHAT_LINES; n += 1) {
    const sent = await send(n);
    const arrived = sent && (await gets(to, numbered(id, n), context.bounds.relay));
    if (!arrived && (missedLast || !sent)) break;
    if (arrived && missedLast) {
      // Line n-1 is lost for sure: only the count is left to learn.
      let last = n;
      for (let rest = n + 1; rest <= CHAT_LINES && (await send(rest)); rest += 1) last = rest;
      await gets(to, numbered(id, last), context.bounds.relay);
      break;
    }
    missedLast = !arrived;
  }
  return Array.from({ length: CHAT_LINES }, (_, index) => index + 1).filter((n) => !got(to, numbered(id, n)));
}

/** Relay both ways, echo, Bye, and closing, with the grader as both clients. */
const relay: Scenario = {
  id: 'chat-relay',
  items: ['chat-x-to-y', 'chat-y-to-x', 'chat-no-echo', 'chat-bye-relayed', 'chat-bye-closes'],
  async run(context) {
    const { dialect } = context;
    const server = await startServer(context.scene, context.target, context.serverOptions);
    const x = await join(context, server, 'X');
    const y = await join(context, server, 'Y');
    const opens = context.target.chat?.opens;
    if (opens !== undefined) {
      // The server says when the chat is open; lines sent before that may be lost, as they would be for a person.
      await Promise.all([x, y].map((peer) => peer.waitForText((text) => text.includes(opens), context.bounds.relay)));
    } else if (greets(context)) {
      // The chat opens with the acknowledgment; lines sent before it may be read as part of the greeting.
      await Promise.all([x, y].map((peer) => peer.waitForText((text) => orderIn(text, dialect.names) !== undefined, context.bounds.relay)));
    }
    const verdicts: Verdicts = {};
    const relayed = async (from: Peer, to: Peer, id: ClientId, item: ItemId): Promise<void> => {
      const lost = await sendNumbered(context, from, to, id);
      verdicts[item] =
        lost.length === 0
          ? pass(`${to.label} received all ${CHAT_LINES} numbered lines ${from.label} sent, one at a time`)
          : fail(
              `${from.label} sent ${CHAT_LINES} numbered lines, one at a time until one was lost; ${to.label} did not receive ${lost.length === 1 ? 'line' : 'lines'} ${lost.slice(0, 5).join(', ')}${lost.length > 5 ? ` and ${lost.length - 5} more` : ''}`,
              {
                expected: [numbered(id, lost[0] ?? 1)],
                actual: [received(to), printed(server.child), printed(server.child, 'stderr')],
              },
            );

    };
    await relayed(x, y, 'X', 'chat-x-to-y');
    await relayed(y, x, 'Y', 'chat-y-to-x');

    await x.send(frame(dialect.lineEnd, 'Bye')).catch(() => undefined);
    verdicts['chat-bye-relayed'] = (await gets(y, 'Bye', context.bounds.relay))
      ? pass('Y received the Bye that X sent')
      : fail(`X sent "Bye" and Y did not receive it within ${context.bounds.relay / 1000} s`, { expected: ['Bye'], actual: [received(y)] });
    await Promise.all([x, y].map((peer) => peer.waitUntilClosed(context.bounds.relay)));
    const open = [x, y].filter((peer) => !peer.finished);
    const ownWord = dialect.bye !== 'Bye';
    verdicts['chat-bye-closes'] =
      open.length === 0
        ? pass('the server closed both connections after the Bye')
        : fail(`${open.map((peer) => peer.label).join(' and ')} still had an open connection ${context.bounds.relay / 1000} s after the Bye`, {
            actual: [printed(server.child), printed(server.child, 'stderr')],
            hint: ownWord ? `this chat ends on "${dialect.bye}"; the assignment ends it on Bye` : undefined,
          });
    if (open.length > 0 && ownWord) await x.send(frame(dialect.lineEnd, dialect.bye)).catch(() => undefined); // end it the submission's way

    const echoed = [
      messages(x).some((line) => line.includes(' says line ') && line.includes('X says')) ? 'X got its own lines back' : '',
      messages(y).some((line) => line.includes(' says line ') && line.includes('Y says')) ? 'Y got its own lines back' : '',
    ].filter(Boolean);
    // A server that relays nothing echoes nothing either: that is no pass.
    const relayedAny = messages(y).some((line) => line.includes('X says line')) || messages(x).some((line) => line.includes('Y says line'));
    verdicts['chat-no-echo'] = !relayedAny
      ? fail('not judged: the relay failed both ways, so there was nothing to echo', { actual: [received(x), received(y)] })
      : echoed.length === 0
        ? pass('neither sender got its own lines back')
        : fail(echoed.join('; '), {
            actual: [received(x), received(y)],
            hint: 'relay each line to the other client only, not to every connection',
          });
    return verdicts;
  },
};

/** A line naming both clients, in either order: the acknowledgment that opens the chat, in any words. */
function bothNames(names: Names): RegExp {
  const [x, y] = [names.X, names.Y].map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`${x}.*${y}|${y}.*${x}`);
}

/** Waits (bounded) until the server on `port` has `count` established connections. */
function connectionsReach(port: number, count: number, timeoutMs: number): Promise<boolean> {
  return pollKernel((sockets) => connectionsTo(port, sockets) >= count, timeoutMs);
}

/** Lines typed at the target's own chat clients. */
const keyboard: Scenario = {
  id: 'chat-keyboard',
  items: ['chat-keyboard'],
  async run(context) {
    const { target, scene, dialect } = context;
    const names = dialect.names;
    const server = await startServer(scene, target, context.serverOptions);
    const x = startClient(scene, target, server, { id: 'X', name: names.X }, { promptMs: context.bounds.prompt });
    if (greets(context)) await printedWithin(x, greeting('X', names), context.bounds.relay);
    else await connectionsReach(server.port, 1, context.bounds.read);
    const y = startClient(scene, target, server, { id: 'Y', name: names.Y }, { promptMs: context.bounds.prompt });
    if (greets(context)) await Promise.all([x, y].map((child) => child.waitForLine(bothNames(names), 'stdout', context.bounds.relay).catch(() => undefined)));
    else await connectionsReach(server.port, 2, context.bounds.read);
    x.write(`${TYPED_AT_X}\n`);
    const toY = await printedWithin(y, TYPED_AT_X, context.bounds.relay);
    y.write(`${TYPED_AT_Y}\n`);
    const toX = await printedWithin(x, TYPED_AT_Y, context.bounds.relay);
    x.write(`${dialect.bye}\n`);
    if (toY && toX) return { 'chat-keyboard': pass('a line typed at X appeared at Y, and one typed at Y appeared at X') };
    return {
      'chat-keyboard': fail(
        [toY ? '' : `"${TYPED_AT_X}" typed at X did not appear at Y`, toX ? '' : `"${TYPED_AT_Y}" typed at Y did not appear at X`].filter(Boolean).join('; '),
        { expected: [TYPED_AT_X, TYPED_AT_Y], actual: [printed(server.child), printed(x), printed(y), printed(x, 'stderr'), printed(y, 'stderr')] },
      ),
    };
  },
};

/** Chat scenarios whose grader connections reset at the end. */
export const CHAT_SCENARIOS: readonly Scenario[] = [relay];

/** Chat scenarios with the target's own programs, run after the others. */
export const CHAT_PROGRAM_SCENARIOS: readonly Scenario[] = [keyboard];
