/**
 * Chat (extra credit) scenarios. The grader's own connections play X and Y
 * against the target's chat server, so every relayed byte is seen exactly;
 * a last scenario types at the target's own chat clients.
 */
import { connectionsTo, pollKernel, waitForServerToRead } from '../harness/kernel.js';
import { connectPeer, type Peer } from '../harness/peer.js';
import { startClient, startServer, type RunningServer } from './launch.js';
import { type ClientId } from './target.js';
import { GRADER_NAMES, greeting, printed, printedWithin, received, receivedWithin } from './evidence.js';
import { consoleLines, containsWhole } from './matching.js';
import type { Scenario, ScenarioContext, Verdicts } from './scenario.js';
import type { ItemId } from './rubric.js';
import { fail, pass } from './verdict.js';

const READ_MS = 2000;
const RELAY_MS = 5000;

/** What X and Y say; distinctive, so a match cannot be a coincidence. */
const LINE_FROM_X = 'hello Y, this is X (line 1)';
const LINE_FROM_Y = 'hi X, Y here (line 2)';

/** Whether the chat's clients greet first; if so, waits for the acknowledgment that opens the chat. */
function greets(context: ScenarioContext): boolean {
  return context.target.chat?.greets !== false;
}

/** Connects a grader client to the chat and, if the chat starts with greetings, greets. */
async function join(context: ScenarioContext, server: RunningServer, id: ClientId): Promise<Peer> {
  const peer = await connectPeer(context.scene, server, `client ${id}`, { allowHalfOpen: true });
  if (greets(context)) {
    await peer.send(`${greeting(id, GRADER_NAMES)}\n`);
    await waitForServerToRead(server.port, peer.localPort, READ_MS);
  }
  return peer;
}

const hasLine = (peer: Peer, wanted: string): boolean => consoleLines(peer.text()).some((line) => containsWhole(line, wanted));

/** Relay both ways, echo, Bye, and closing, with the grader as both clients. */
const relay: Scenario = {
  id: 'chat-relay',
  items: ['chat-x-to-y', 'chat-y-to-x', 'chat-no-echo', 'chat-bye-relayed', 'chat-bye-closes'],
  async run(context) {
    const server = await startServer(context.scene, context.target, context.serverOptions);
    const x = await join(context, server, 'X');
    const y = await join(context, server, 'Y');
    if (greets(context)) {
      // The chat opens with the acknowledgment; lines sent before it may be read as part of the greeting.
      await Promise.all([x, y].map((peer) => receivedWithin(peer, 'received before', RELAY_MS)));
    }
    const verdicts: Verdicts = {};
    const relayed = async (from: Peer, to: Peer, line: string, item: ItemId): Promise<boolean> => {
      await from.send(`${line}\n`);
      const ok = await receivedWithin(to, line, RELAY_MS);
      verdicts[item] = ok
        ? pass(`${to.label} received "${line}"`)
        : fail(`${from.label} sent "${line}" and ${to.label} did not receive it within ${RELAY_MS / 1000} s`, {
            expected: [line],
            actual: [received(to), printed(server.child), printed(server.child, 'stderr')],
          });
      return ok;
    };
    const xToY = await relayed(x, y, LINE_FROM_X, 'chat-x-to-y');
    const yToX = await relayed(y, x, LINE_FROM_Y, 'chat-y-to-x');
    await x.send('Bye\n');
    const byeRelayed = await receivedWithin(y, 'Bye', RELAY_MS);
    verdicts['chat-bye-relayed'] = byeRelayed
      ? pass('Y received the Bye that X sent')
      : fail(`X sent "Bye" and Y did not receive it within ${RELAY_MS / 1000} s`, { expected: ['Bye'], actual: [received(y)] });
    await Promise.all([x, y].map((peer) => peer.waitUntilClosed(RELAY_MS)));
    const open = [x, y].filter((peer) => !peer.finished);
    verdicts['chat-bye-closes'] =
      open.length === 0
        ? pass('the server closed both connections after the Bye')
        : fail(`${open.map((peer) => peer.label).join(' and ')} still had an open connection ${RELAY_MS / 1000} s after the Bye`, {
            actual: [printed(server.child), printed(server.child, 'stderr')],
          });
    const echoed = [hasLine(x, LINE_FROM_X) ? 'X got its own line back' : '', hasLine(y, LINE_FROM_Y) ? 'Y got its own line back' : ''].filter(Boolean);
    verdicts['chat-no-echo'] = !(xToY && yToX)
      ? fail('not judged: the relay itself failed, so an echo could not be told apart', { actual: [received(x), received(y)] })
      : echoed.length === 0
        ? pass('neither sender got its own line back')
        : fail(echoed.join('; '), {
            actual: [received(x), received(y)],
            hint: 'relay each line to the other client only, not to every connection',
          });
    return verdicts;
  },
};

/** Waits (bounded) until the server on `port` has `count` established connections. */
function connectionsReach(port: number, count: number): Promise<boolean> {
  return pollKernel((sockets) => connectionsTo(port, sockets) >= count, READ_MS);
}

/** Lines typed at the target's own chat clients. */
const keyboard: Scenario = {
  id: 'chat-keyboard',
  items: ['chat-keyboard'],
  async run(context) {
    const { target, scene } = context;
    const names = target.names ?? GRADER_NAMES;
    const server = await startServer(scene, target, context.serverOptions);
    const x = startClient(scene, target, server, { id: 'X', name: names.X });
    if (greets(context)) await printedWithin(x, greeting('X', names), RELAY_MS);
    else await connectionsReach(server.port, 1);
    const y = startClient(scene, target, server, { id: 'Y', name: names.Y });
    if (greets(context)) await Promise.all([x, y].map((child) => printedWithin(child, 'received before', RELAY_MS)));
    else await connectionsReach(server.port, 2);
    x.write(`${LINE_FROM_X}\n`);
    const toY = await printedWithin(y, LINE_FROM_X, RELAY_MS);
    y.write(`${LINE_FROM_Y}\n`);
    const toX = await printedWithin(x, LINE_FROM_Y, RELAY_MS);
    x.write('Bye\n');
    if (toY && toX) return { 'chat-keyboard': pass('a line typed at X appeared at Y, and one typed at Y appeared at X') };
    return {
      'chat-keyboard': fail(
        [toY ? '' : `"${LINE_FROM_X}" typed at X did not appear at Y`, toX ? '' : `"${LINE_FROM_Y}" typed at Y did not appear at X`].filter(Boolean).join('; '),
        { expected: [LINE_FROM_X, LINE_FROM_Y], actual: [printed(server.child), printed(x), printed(y), printed(x, 'stderr'), printed(y, 'stderr')] },
      ),
    };
  },
};

/** Chat scenarios whose grader connections reset at the end. */
export const CHAT_SCENARIOS: readonly Scenario[] = [relay];

/** Chat scenarios with the target's own programs, run after the others. */
export const CHAT_PROGRAM_SCENARIOS: readonly Scenario[] = [keyboard];
