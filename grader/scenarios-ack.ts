/**
 * Part 1 scenarios. Each starts the target's server (or clients) afresh in
 * its own scene and judges one or more rubric items from what it saw. The
 * grader's own raw connections play the clients when the server is judged,
 * so arrival order is forced exactly; a fake server plays the server when
 * the clients are judged.
 */
import { waitForServerToRead } from '../harness/kernel.js';
import { connectPeer, startFakeServer, type Peer } from '../harness/peer.js';
import { stackTraceLines, type Child } from '../harness/process.js';
import { startClient, startServer, type RunningServer } from './launch.js';
import { type ClientId } from './target.js';
import {
  ackFor,
  ackIn,
  bufferingHint,
  exitedWithin,
  GRADER_NAMES,
  greeting,
  hasAck,
  printed,
  printedWithin,
  received,
} from './evidence.js';
import { consoleLines, hintFor, inOrder } from './matching.js';
import type { Scenario, ScenarioContext, Verdicts } from './scenario.js';
import { fail, pass, type Verdict } from './verdict.js';

/** How long the server may take to read a greeting before the next client is let in anyway. */
const READ_MS = 2000;
/** How long a reply or an exit may take once everything it waits for has happened. */
const REPLY_MS = 5000;

/** Connects a grader client that stays open until the scene resets it (no TIME_WAIT on the server's port). */
function graderClient(context: ScenarioContext, server: RunningServer, id: ClientId): Promise<Peer> {
  return connectPeer(context.scene, server, `client ${id}`, { allowHalfOpen: true });
}

/** Sends `id`'s greeting and waits (bounded) until the server has read it. */
async function greet(server: RunningServer, peer: Peer, id: ClientId): Promise<void> {
  await peer.send(`${greeting(id, GRADER_NAMES)}\n`);
  await waitForServerToRead(server.port, peer.localPort, READ_MS);
}

/**
 * The grader's clients connect and greet in `order`, each only once the
 * server has read the previous greeting; then waits for the acknowledgments.
 * `onJoin` sees each client as it connects (so a caller keeps partial results
 * when the server is gone midway).
 */
async function greetInTurn(
  context: ScenarioContext,
  server: RunningServer,
  order: readonly ClientId[],
  onJoin: (peer: Peer) => void = () => {},
): Promise<Record<ClientId, Peer>> {
  const peers: Partial<Record<ClientId, Peer>> = {};
  for (const id of order) {
    const peer = await graderClient(context, server, id);
    onJoin(peer);
    peers[id] = peer;
    await greet(server, peer, id);
  }
  await awaitAcks(Object.values(peers));
  return peers as Record<ClientId, Peer>;
}

/** Waits until each peer has an acknowledgment or its connection is over. */
async function awaitAcks(peers: readonly Peer[]): Promise<void> {
  await Promise.all(peers.map((peer) => peer.waitForText((text) => hasAck(text, GRADER_NAMES), REPLY_MS)));
}

/** The order item: every acknowledgment received names `first` first, and there is at least one. */
function judgeOrder(first: ClientId, peers: readonly Peer[], expectedDetail: string): Verdict {
  const expected = ackFor(first, GRADER_NAMES);
  const seen = peers.map((peer) => ackIn(peer.text(), GRADER_NAMES)).filter((id) => id !== undefined);
  if (seen.length > 0 && seen.every((id) => id === first)) return pass(`${expectedDetail}; the acknowledgment was "${expected}"`);
  const wrong = seen.some((id) => id !== first);
  const actual = peers.map(received);
  return fail(wrong ? 'the acknowledgment states the wrong order' : 'no client received an acknowledgment with both names', {
    expected: [expected],
    actual,
    hint: wrong ? undefined : hintFor(expected, actual.flatMap((evidence) => consoleLines(evidence.text))),
  });
}

/** X greets first, then Y: the order item, and how the server behaves around a normal exchange. */
const xFirst: Scenario = {
  id: 'x-first',
  items: ['order-x-first', 'ack-to-both', 'server-prints', 'closing-line', 'server-exits'],
  async run(context) {
    const server = await startServer(context.scene, context.target, context.serverOptions);
    const { X: x, Y: y } = await greetInTurn(context, server, ['X', 'Y']);
    const exited = await exitedWithin(server.child, REPLY_MS);
    await Promise.all([x, y].map((peer) => peer.waitUntilClosed(exited ? REPLY_MS : 0)));
    const verdicts: Verdicts = { 'order-x-first': judgeOrder('X', [x, y], 'X greeted first') };

    const both = [x, y].every((peer) => hasAck(peer.text(), GRADER_NAMES));
    verdicts['ack-to-both'] = both
      ? pass('both clients received the acknowledgment')
      : fail(`only ${[x, y].filter((peer) => hasAck(peer.text(), GRADER_NAMES)).length} of 2 clients received an acknowledgment`, {
          expected: [ackFor('X', GRADER_NAMES)],
          actual: [x, y].map(received),
        });

    const lines = consoleLines(server.child.output());
    const sent = ackIn(x.text() + y.text(), GRADER_NAMES) ?? 'X';
    const greetings = [greeting('X', GRADER_NAMES), greeting('Y', GRADER_NAMES)];
    const wantPrinted = [greetings, ackFor(sent, GRADER_NAMES)];
    const printedOrder = inOrder(lines, wantPrinted);
    verdicts['server-prints'] = printedOrder.ok
      ? pass('the server printed both greetings, then the acknowledgment')
      : fail(
          printedOrder.outOfOrder
            ? `the server printed "${printedOrder.missing}", but not after the lines before it`
            : `the server did not print "${printedOrder.missing}"`,
          {
            expected: wantPrinted.flat(),
            actual: [printed(server.child)],
            hint: bufferingHint(server.child) ?? hintFor(printedOrder.missing ?? '', lines),
          },
        );

    const closing = 'Sent acknowledgment to both X and Y';
    const closingOrder = inOrder(lines, [greetings, closing]);
    verdicts['closing-line'] = closingOrder.ok
      ? pass('the server printed the closing line after the greetings')
      : fail(closingOrder.outOfOrder ? 'the closing line came before the greetings' : 'the closing line is missing', {
          expected: [...greetings, closing],
          actual: [printed(server.child)],
          hint: bufferingHint(server.child) ?? hintFor(closing, lines),
        });

    const open = [x, y].filter((peer) => !peer.finished).map((peer) => peer.label);
    const code = server.child.exit?.code;
    verdicts['server-exits'] =
      exited && code === 0 && open.length === 0
        ? pass('the server closed both connections and exited with code 0')
        : fail(
            !exited
              ? `the server was still running ${REPLY_MS / 1000} s after acknowledging`
              : code !== 0
                ? `the server exited with ${server.child.exit?.signal ?? `code ${code}`}, not 0`
                : `the server exited, but ${open.join(' and ')} still had an open connection`,
            {
              actual: [printed(server.child), printed(server.child, 'stderr')],
              hint: !exited ? 'after sending the acknowledgment, close both sockets and let the program end (no accept loop)' : undefined,
            },
          );
    return verdicts;
  },
};

/** Y greets first, then X. */
const yFirst: Scenario = {
  id: 'y-first',
  items: ['order-y-first'],
  async run(context) {
    const server = await startServer(context.scene, context.target, context.serverOptions);
    const { X: x, Y: y } = await greetInTurn(context, server, ['Y', 'X']);
    return { 'order-y-first': judgeOrder('Y', [x, y], 'Y greeted first') };
  },
};

/** X connects first, Y connects and greets, and only then X greets: Y arrived first. */
const connectFirstGreetSecond: Scenario = {
  id: 'arrival-order',
  items: ['arrival-order'],
  async run(context) {
    const server = await startServer(context.scene, context.target, context.serverOptions);
    const x = await graderClient(context, server, 'X');
    const y = await graderClient(context, server, 'Y');
    // A server that reads in connection order never reads Y's greeting while
    // it waits for X's: the bound in greet() lets the run go on regardless.
    await greet(server, y, 'Y');
    await greet(server, x, 'X');
    await awaitAcks([x, y]);
    const verdict = judgeOrder('Y', [x, y], 'X connected first, Y greeted first');
    if (verdict.passed || ackIn(x.text() + y.text(), GRADER_NAMES) !== 'X') return { 'arrival-order': verdict };
    return {
      'arrival-order': {
        ...verdict,
        hint: 'the server reported the order the clients connected in; report the order their greetings arrived (wait on both connections with select() or a thread each)',
      },
    };
  },
};

/** X's greeting arrives in two segments, the server reading the first before the second is sent. */
const fragmented: Scenario = {
  id: 'fragmented',
  items: ['fragmented'],
  async run(context) {
    const server = await startServer(context.scene, context.target, context.serverOptions);
    const x = await graderClient(context, server, 'X');
    const whole = `${greeting('X', GRADER_NAMES)}\n`;
    const cut = whole.length - 5;
    await x.send(whole.slice(0, cut));
    await waitForServerToRead(server.port, x.localPort, READ_MS);
    await x.send(whole.slice(cut));
    await waitForServerToRead(server.port, x.localPort, READ_MS);
    const y = await graderClient(context, server, 'Y');
    await greet(server, y, 'Y');
    await awaitAcks([x, y]);
    const got = [x, y].some((peer) => hasAck(peer.text(), GRADER_NAMES));
    return {
      fragmented: got
        ? pass(`X's greeting came as ${JSON.stringify(whole.slice(0, cut))} then ${JSON.stringify(whole.slice(cut))}, and the acknowledgment has the whole name`)
        : fail(`X's greeting came in two pieces (${JSON.stringify(whole.slice(0, cut))}, then the rest) and no acknowledgment with both whole names came back`, {
            expected: [ackFor('X', GRADER_NAMES)],
            actual: [x, y].map(received),
            hint: 'one recv() can return part of a message; keep reading into a buffer until the newline',
          }),
    };
  },
};

/** A connection opens and closes without a word, then X and Y greet as usual. */
const earlyLeaver: Scenario = {
  id: 'early-leaver',
  items: ['early-leaver'],
  async run(context) {
    const server = await startServer(context.scene, context.target, context.serverOptions);
    const leaver = await connectPeer(context.scene, server, 'client that leaves', { allowHalfOpen: true });
    leaver.end();
    const peers: Peer[] = [];
    let refused: string | undefined;
    try {
      await greetInTurn(context, server, ['X', 'Y'], (peer) => peers.push(peer));
    } catch (error) {
      refused = (error as Error).message.split('\n')[0]; // the server is gone: connect or send failed
    }
    const got = peers.some((peer) => hasAck(peer.text(), GRADER_NAMES));
    const traces = stackTraceLines(context.scene);
    if (got && traces.length === 0) return { 'early-leaver': pass('the server ignored the silent connection and acknowledged X and Y') };
    const what =
      traces.length > 0
        ? 'the server printed a stack trace after a connection closed without greeting'
        : `after a connection closed without greeting, X and Y got no acknowledgment${refused ? ` (${refused})` : ''}`;
    return {
      'early-leaver': fail(what, {
        expected: [ackFor('X', GRADER_NAMES)],
        actual: [printed(server.child), printed(server.child, 'stderr'), ...peers.map(received)],
        hint: 'recv() returning an empty message means the client left; drop that connection and keep waiting',
      }),
    };
  },
};

/** The target's clients against the grader's fake server: what they send and print. */
const clients: Scenario = {
  id: 'clients',
  items: ['client-sends', 'client-prints'],
  async run(context) {
    const { target, scene } = context;
    const names = target.names ?? GRADER_NAMES;
    const fixed = typeof target.server.port === 'number' ? target.server.port : undefined;
    const fake = await startFakeServer(scene, 'grader server', fixed === undefined ? { host: target.host, port: 0 } : { host: '0.0.0.0', port: fixed });
    const ids: ClientId[] = ['X', 'Y'];
    const children = ids.map((id) => startClient(scene, target, { host: target.host, port: fake.port }, { id, name: names[id] }));
    const connections = await Promise.all(ids.map((_, index) => fake.waitForPeer(index, REPLY_MS).catch(() => undefined)));
    const firstLine = (peer: Peer | undefined): string => (peer?.text().split('\n')[0] ?? '').replace(/[\r ]+$/, '');
    await Promise.all(connections.map((peer) => peer?.waitForText((text) => text.includes('\n') || ids.some((id) => text.includes(greeting(id, names))), REPLY_MS)));
    const ack = ackFor('X', names);
    for (const peer of connections) {
      if (peer && !peer.finished) {
        await peer.send(`${ack}\n`);
        peer.end();
      }
    }
    const exits = await Promise.all(children.map((child) => exitedWithin(child, REPLY_MS)));

    const sentProblems: string[] = [];
    const wire = connections.map(firstLine);
    for (const [index, id] of ids.entries()) {
      const child = children[index]!;
      if (!wire.includes(greeting(id, names))) sentProblems.push(`client ${id} did not send "${greeting(id, names)}" as its first line`);
      else if (!exits[index]) sentProblems.push(`client ${id} was still running ${REPLY_MS / 1000} s after the reply`);
      else if (child.exit?.code !== 0) sentProblems.push(`client ${id} exited with ${child.exit?.signal ?? `code ${child.exit?.code}`}`);
    }
    const sentVerdict =
      sentProblems.length === 0
        ? pass('both clients sent their greeting exactly and exited with code 0 after the reply')
        : fail(sentProblems.join('; '), {
            expected: ids.map((id) => greeting(id, names)),
            actual: [
              ...connections.map((peer, index) => ({ source: `received by the grader's server on connection ${index + 1}`, text: peer?.text() ?? '(no connection)' })),
              ...children.map((child) => printed(child, 'stderr')),
            ],
            hint: promptHint(children) ?? (connections.some((peer) => peer === undefined) ? `a client never connected to ${target.host}:${fake.port}` : undefined),
          });

    const printProblems = ids.flatMap((id, index) => {
      const order = inOrder(consoleLines(children[index]!.output()), [greeting(id, names), ack]);
      return order.ok ? [] : [{ id, order }];
    });
    const printVerdict =
      printProblems.length === 0
        ? pass('both clients printed their greeting, then the reply')
        : fail(
            printProblems
              .map(({ id, order }) => `client ${id} ${order.outOfOrder ? `printed "${order.missing}" too early` : `did not print "${order.missing}"`}`)
              .join('; '),
            {
              expected: ids.flatMap((id) => [greeting(id, names), ack]),
              actual: children.map((child) => printed(child)),
              hint: promptHint(children) ?? children.map(bufferingHint).find(Boolean) ?? hintFor(printProblems[0]?.order.missing ?? '', children.flatMap((child) => consoleLines(child.output()))),
            },
          );
    return { 'client-sends': sentVerdict, 'client-prints': printVerdict };
  },
};

/** A program waiting at a prompt for input the target does not describe. */
function promptHint(children: readonly Child[]): string | undefined {
  // Still running (or killed) with a prompt as the last thing it printed.
  const waiting = children.find((child) => (child.exit === undefined || child.exit.signal) && /[:?>] ?$/.test(child.output()));
  if (!waiting) return undefined;
  return `${waiting.label} seems to be waiting at a prompt (${JSON.stringify(waiting.output().split('\n').at(-1))}); list what to type in the target's "stdin"`;
}

/** The target's own three programs together, X started first. */
const endToEnd: Scenario = {
  id: 'end-to-end',
  items: ['end-to-end'],
  async run(context) {
    const { target, scene } = context;
    const names = target.names ?? GRADER_NAMES;
    const server = await startServer(scene, target, context.serverOptions);
    const x = startClient(scene, target, server, { id: 'X', name: names.X });
    await printedWithin(x, greeting('X', names), REPLY_MS);
    const y = startClient(scene, target, server, { id: 'Y', name: names.Y });
    await Promise.all([exitedWithin(x, REPLY_MS), exitedWithin(y, REPLY_MS)]);
    const shown = [x, y].map((child) => ackIn(child.output(), names));
    const agreed = shown[0] !== undefined && shown[0] === shown[1];
    const serverShowed = agreed && (await printedWithin(server.child, ackFor(shown[0]!, names), REPLY_MS));
    if (agreed && serverShowed) return { 'end-to-end': pass(`all three programs showed "${ackFor(shown[0]!, names)}"`) };
    return {
      'end-to-end': fail(
        !agreed ? 'the two clients did not both print the same acknowledgment' : 'the clients printed the acknowledgment but the server did not',
        {
          expected: [`${ackFor('X', names)} (or the Y-first form), printed by all three programs`],
          actual: [printed(server.child), printed(x), printed(y), printed(server.child, 'stderr'), printed(x, 'stderr'), printed(y, 'stderr')],
          hint: promptHint([x, y]),
        },
      ),
    };
  },
};

/** Part-1 scenarios whose grader connections reset at the end, so they leave no TIME_WAIT on the server's port. */
export const ACK_SCENARIOS: readonly Scenario[] = [xFirst, yFirst, connectFirstGreetSecond, fragmented, earlyLeaver];

/** Part-1 scenarios with the target's own programs, which may leave TIME_WAIT behind: run after the others. */
export const ACK_PROGRAM_SCENARIOS: readonly Scenario[] = [endToEnd, clients];
