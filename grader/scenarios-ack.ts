/**
 * Part 1 scenarios. Each starts the target's server (or clients) afresh in
 * its own scene and judges one or more rubric items from what it saw. The
 * grader's own raw connections play the clients when the server is judged,
 * so arrival order is forced exactly; a fake server plays the server when
 * the clients are judged. Both speak the target's dialect (grader/dialect.ts),
 * which the clients scenario, run first, learns from the target's own clients.
 *
 * Each item judges its own property and nothing else: the exact
 * acknowledgment text is judged by the two order items only; the others ask
 * which name a reply puts first, whatever its wording, so one text bug costs
 * the items about text and no more.
 */
import { HarnessError } from '../harness/errors.js';
import { waitForIdle, waitForServerToRead } from '../harness/kernel.js';
import { connectPeer, startFakeServer, type FakeServer, type Peer } from '../harness/peer.js';
import { stackTraceLines, type Child } from '../harness/process.js';
import { firstGreeting, frame, learnFromClients, withoutBanner, type Dialect, type SentGreeting } from './dialect.js';
import {
  ackFor,
  ackIn,
  bufferingHint,
  exitedWithin,
  greeting,
  orderIn,
  printed,
  printedWithin,
  received,
} from './evidence.js';
import { startClient, startServer, type RunningServer } from './launch.js';
import { consoleLines, findLine, hintFor, inOrder } from './matching.js';
import type { Scenario, ScenarioContext, Verdicts } from './scenario.js';
import type { ClientId } from './target.js';
import { fail, pass, type Verdict } from './verdict.js';

const CLOSING_LINE = 'Sent acknowledgment to both X and Y';

/** Connects a grader client that stays open until the scene resets it (no TIME_WAIT on the server's port). */
function graderClient(context: ScenarioContext, server: RunningServer, id: ClientId): Promise<Peer> {
  return connectPeer(context.scene, server, `client ${id}`, { allowHalfOpen: true });
}

/** What `peer` received, as the submission meant it: without the server's banner. */
function replyOf(peer: Peer, dialect: Dialect): string {
  return withoutBanner(peer.text(), dialect);
}

/**
 * Sends `id`'s greeting in the target's dialect and waits (bounded) until the
 * server has read it. With `another` (a greeting follows this one), it then
 * waits until the server is idle again, having done what it does with this
 * one (harness/kernel.ts waitForIdle), bounded by the CPU the server uses
 * meanwhile (the read bound's worth), not by the time a busy machine takes to
 * give it that CPU: past either bound the run goes on, and a server that never
 * idles (it spins) is only graded more slowly.
 */
async function greet(context: ScenarioContext, server: RunningServer, peer: Peer, id: ClientId, another = false): Promise<void> {
  await peer.send(frame(context.dialect.lineEnd, greeting(id, context.dialect.names)));
  await waitForServerToRead(server.port, peer.localPort, context.bounds.read);
  // The cap on time passed only ends a wait on a server kept from the CPU far longer than any machine does.
  if (another && server.child.pid !== undefined) await waitForIdle(server.child.pid, context.bounds.read, context.bounds.scenario / 4);
}

/**
 * The grader's clients connect and greet in `order`, each only once the
 * server has read the previous greeting and is idle again ({@link greet});
 * then waits for the replies.
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
  for (const [index, id] of order.entries()) {
    const peer = await graderClient(context, server, id);
    onJoin(peer);
    peers[id] = peer;
    await greet(context, server, peer, id, index < order.length - 1);
  }
  await awaitReplies(context, Object.values(peers));
  return peers as Record<ClientId, Peer>;
}

/**
 * Waits until each peer has a whole reply that names both clients (the exact
 * acknowledgment, or any wording ended by a line end) or its connection is over.
 */
async function awaitReplies(context: ScenarioContext, peers: readonly Peer[]): Promise<void> {
  const { dialect } = context;
  const whole = (text: string): boolean => {
    const reply = withoutBanner(text, dialect);
    return ackIn(reply, dialect.names) !== undefined || (orderIn(reply, dialect.names) !== undefined && /\n\s*$/.test(reply));
  };
  await Promise.all(peers.map((peer) => peer.waitForText(whole, context.bounds.reply)));
}

/** The order item: every acknowledgment received is the exact text naming `first` first, and there is at least one. */
function judgeOrder(dialect: Dialect, first: ClientId, peers: readonly Peer[], expectedDetail: string): Verdict {
  const expected = ackFor(first, dialect.names);
  const replies = peers.map((peer) => replyOf(peer, dialect));
  const seen = replies.map((reply) => ackIn(reply, dialect.names)).filter((id) => id !== undefined);
  if (seen.length > 0 && seen.every((id) => id === first)) return pass(`${expectedDetail}; the acknowledgment was "${expected}"`);
  const wrong = seen.some((id) => id !== first);
  const actual = peers.map(received);
  return fail(wrong ? 'the acknowledgment states the wrong order' : 'no client received the acknowledgment in the assignment\'s words', {
    expected: [expected],
    actual,
    hint: wrong ? undefined : hintFor(expected, replies.flatMap((reply) => consoleLines(reply))),
  });
}

/** Whether every reply that states an order puts `first` first, and at least one does. */
function everyOrder(dialect: Dialect, peers: readonly Peer[], first: ClientId): { ok: boolean; seen: ClientId[] } {
  const seen = peers.map((peer) => orderIn(replyOf(peer, dialect), dialect.names)).filter((id) => id !== undefined);
  return { ok: seen.length > 0 && seen.every((id) => id === first), seen };
}

/** The reply both clients got, when they got the same one that names both; otherwise why not. */
function sameReply(dialect: Dialect, x: Peer, y: Peer): Verdict {
  const [rx, ry] = [x, y].map((peer) => consoleLines(replyOf(peer, dialect)).join('\n').trim());
  const got = [x, y].filter((peer) => orderIn(replyOf(peer, dialect), dialect.names) !== undefined);
  if (got.length === 2 && rx === ry) return pass(`both clients received "${rx}"`);
  return fail(got.length < 2 ? `only ${got.length} of 2 clients received a reply naming both clients` : 'the two clients received different replies', {
    expected: ['the same reply, naming both clients, on both connections'],
    actual: [x, y].map(received),
  });
}

/** The server printed both greetings, then the reply it sent (whatever its wording). */
function judgeServerPrints(dialect: Dialect, server: RunningServer, reply: string): Verdict {
  const lines = consoleLines(server.child.output());
  const greetings = [greeting('X', dialect.names), greeting('Y', dialect.names)];
  const order = inOrder(lines, [greetings]);
  const hint = bufferingHint(server.child) ?? hintFor(order.missing ?? '', lines);
  if (!order.ok) {
    return fail(`the server did not print "${order.missing}"`, { expected: greetings, actual: [printed(server.child)], hint });
  }
  const sent = orderIn(reply, dialect.names);
  if (sent === undefined) return pass('the server printed both greetings (it sent no reply naming both clients, so none could be printed)');
  const after = Math.max(...greetings.map((wanted) => findLine(lines, wanted))) + 1;
  const shown = lines.slice(after).some((line) => orderIn(line, dialect.names) === sent);
  return shown
    ? pass('the server printed both greetings, then the acknowledgment it sent')
    : fail('the server printed both greetings but not, after them, the acknowledgment it sent', {
        expected: [...greetings, reply.trim()],
        actual: [printed(server.child)],
        hint,
      });
}

/** The closing line, verbatim, after the greetings when the server printed them. */
function judgeClosingLine(dialect: Dialect, server: RunningServer): Verdict {
  const lines = consoleLines(server.child.output());
  const greetings = [greeting('X', dialect.names), greeting('Y', dialect.names)];
  const printedGreetings = greetings.every((wanted) => findLine(lines, wanted) !== -1);
  const order = inOrder(lines, printedGreetings ? [greetings, CLOSING_LINE] : [CLOSING_LINE]);
  if (order.ok) return pass('the server printed the closing line');
  return fail(order.outOfOrder ? 'the closing line came before the greetings' : 'the closing line is missing', {
    expected: [CLOSING_LINE],
    actual: [printed(server.child)],
    hint: bufferingHint(server.child) ?? hintFor(CLOSING_LINE, lines),
  });
}

/** X greets first, then Y: the order item, and how the server behaves around a normal exchange. */
const xFirst: Scenario = {
  id: 'x-first',
  items: ['order-x-first', 'ack-to-both', 'server-prints', 'closing-line', 'server-exits'],
  async run(context) {
    const { dialect } = context;
    const server = await startServer(context.scene, context.target, context.serverOptions);
    const { X: x, Y: y } = await greetInTurn(context, server, ['X', 'Y']);
    // A real client closes its side once it has the reply; a server may wait for that before it exits.
    for (const peer of [x, y]) peer.end();
    const exited = await exitedWithin(server.child, context.bounds.reply);
    await Promise.all([x, y].map((peer) => peer.waitUntilClosed(exited ? context.bounds.reply : 0)));

    const open = [x, y].filter((peer) => !peer.finished).map((peer) => peer.label);
    const code = server.child.exit?.code;
    const sentAny = [x, y].some((peer) => replyOf(peer, dialect).trim() !== '');
    const verdicts: Verdicts = {
      'order-x-first': judgeOrder(dialect, 'X', [x, y], 'X greeted first'),
      'ack-to-both': sameReply(dialect, x, y),
      'server-prints': judgeServerPrints(dialect, server, replyOf(x, dialect) || replyOf(y, dialect)),
      'closing-line': judgeClosingLine(dialect, server),
      'server-exits':
        exited && code === 0 && open.length === 0
          ? pass('the server closed both connections and exited with code 0')
          : fail(
              !exited
                ? `the server was still running ${context.bounds.reply / 1000} s after ${sentAny ? 'its clients had their reply and closed their side' : 'both clients greeted (it sent no reply)'}`
                : code !== 0
                  ? `the server exited with ${server.child.exit?.signal ?? `code ${code}`}, not 0`
                  : `the server exited, but ${open.join(' and ')} still had an open connection`,
              {
                actual: [printed(server.child), printed(server.child, 'stderr')],
                hint: !exited && sentAny ? 'after sending the acknowledgment, close both sockets and let the program end (no accept loop)' : bufferingHint(server.child),
              },
            ),
    };
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
    return { 'order-y-first': judgeOrder(context.dialect, 'Y', [x, y], 'Y greeted first') };
  },
};

/** X connects first, Y connects and greets, and only then X greets: Y arrived first, whatever the reply's wording. */
const connectFirstGreetSecond: Scenario = {
  id: 'arrival-order',
  items: ['arrival-order'],
  async run(context) {
    const { dialect } = context;
    const server = await startServer(context.scene, context.target, context.serverOptions);
    const x = await graderClient(context, server, 'X');
    const y = await graderClient(context, server, 'Y');
    // A server that reads in connection order never reads Y's greeting while
    // it waits for X's: the bound in greet() lets the run go on regardless.
    await greet(context, server, y, 'Y', true);
    await greet(context, server, x, 'X');
    await awaitReplies(context, [x, y]);
    const { ok, seen } = everyOrder(dialect, [x, y], 'Y');
    if (ok) return { 'arrival-order': pass(`X connected first, Y greeted first, and the reply puts Y (${dialect.names.Y}) first`) };
    const byConnection = seen.includes('X');
    return {
      'arrival-order': fail(byConnection ? 'the reply puts X first, the one that connected first, though Y greeted first' : 'no reply named both clients', {
        expected: [`a reply naming ${dialect.names.Y} (Y) before ${dialect.names.X} (X), in any words`],
        actual: [x, y].map(received),
        hint: byConnection
          ? 'the server reported the order the clients connected in; report the order their greetings arrived (wait on both connections with select() or a thread each)'
          : undefined,
      }),
    };
  },
};

/** X's greeting arrives in two segments, the server reading the first before the second is sent. */
const fragmented: Scenario = {
  id: 'fragmented',
  items: ['fragmented'],
  async run(context) {
    const { dialect } = context;
    const server = await startServer(context.scene, context.target, context.serverOptions);
    const x = await graderClient(context, server, 'X');
    const whole = frame(dialect.lineEnd, greeting('X', dialect.names));
    const end = dialect.lineEnd === 'length' ? 0 : dialect.lineEnd.length;
    const cut = whole.length - end - Math.min(3, dialect.names.X.length - 1); // inside the name
    await x.send(whole.subarray(0, cut));
    await waitForServerToRead(server.port, x.localPort, context.bounds.read);
    await x.send(whole.subarray(cut));
    await waitForServerToRead(server.port, x.localPort, context.bounds.read);
    const y = await graderClient(context, server, 'Y');
    await greet(context, server, y, 'Y');
    await awaitReplies(context, [x, y]);
    const got = [x, y].some((peer) => orderIn(replyOf(peer, dialect), dialect.names) !== undefined);
    return {
      fragmented: got
        ? pass(`X's greeting came as ${JSON.stringify(whole.subarray(0, cut).toString())} then ${JSON.stringify(whole.subarray(cut).toString())}, and the reply has both whole names`)
        : fail(`X's greeting came in two pieces (${JSON.stringify(whole.subarray(0, cut).toString())}, then the rest) and no reply with both whole names came back`, {
            expected: [`a reply naming ${dialect.names.X} and ${dialect.names.Y}, whole`],
            actual: [x, y].map(received),
            hint: `one recv() can return part of a message; keep reading into a buffer until ${dialect.lineEnd === '' ? 'the message is complete' : dialect.lineEnd === 'length' ? 'you have as many bytes as the length said' : 'the newline'}`,
          }),
    };
  },
};

/** A connection opens and closes without a word, then X and Y greet as usual. */
const earlyLeaver: Scenario = {
  id: 'early-leaver',
  items: ['early-leaver'],
  async run(context) {
    const { dialect } = context;
    const server = await startServer(context.scene, context.target, context.serverOptions);
    const leaver = await connectPeer(context.scene, server, 'client that leaves', { allowHalfOpen: true });
    leaver.end();
    const peers: Peer[] = [];
    let refused: string | undefined;
    try {
      await greetInTurn(context, server, ['X', 'Y'], (peer) => peers.push(peer));
    } catch {
      refused = 'the server was gone before both clients could greet';
    }
    const got = peers.some((peer) => orderIn(replyOf(peer, dialect), dialect.names) !== undefined);
    const traces = stackTraceLines(context.scene);
    const crashed = bufferingHint(server.child)?.includes('crashed') === true;
    if (got && traces.length === 0 && !crashed) return { 'early-leaver': pass('the server ignored the silent connection and answered X and Y') };
    const what =
      traces.length > 0 || crashed
        ? 'the server printed a stack trace after a connection closed without greeting'
        : `after a connection closed without greeting, X and Y got no reply naming both${refused ? ` (${refused})` : ''}`;
    return {
      'early-leaver': fail(what, {
        expected: [`a reply naming ${dialect.names.X} and ${dialect.names.Y}`],
        actual: [printed(server.child), printed(server.child, 'stderr'), ...peers.map(received)],
        hint: 'recv() returning an empty message means the client left; drop that connection and keep waiting',
      }),
    };
  },
};

/** Starts the fake server the target's clients will find: on the target's fixed port, or a free one. */
async function fakeServerFor(context: ScenarioContext): Promise<FakeServer> {
  const { target, scene } = context;
  const fixed = typeof target.server.port === 'number' ? target.server.port : undefined;
  const listenOn = fixed === undefined ? { host: target.host, port: 0 } : { host: '0.0.0.0', port: fixed };
  try {
    return await startFakeServer(scene, 'grader server', listenOn, context.dialect.banner);
  } catch (error) {
    throw new HarnessError(`the grader's fake server could not listen on ${listenOn.host}:${listenOn.port} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); free the port and run again`);
  }
}

/** The target's clients against the grader's fake server: what they send and print. Also learns the dialect. */
const clients: Scenario = {
  id: 'clients',
  items: ['client-sends', 'client-prints'],
  async run(context) {
    const { target, scene, dialect } = context;
    const names = dialect.names;
    const fake = await fakeServerFor(context);
    const ids: ClientId[] = ['X', 'Y'];
    const children = ids.map((id) => startClient(scene, target, { host: target.host, port: fake.port }, { id, name: names[id] }, { promptMs: context.bounds.prompt }));
    const connections = await Promise.all(ids.map((_, index) => fake.waitForPeer(index, context.bounds.reply).catch(() => undefined)));
    const message = (peer: Peer | undefined): string => withoutBanner(peer?.text() ?? '', dialect);
    // A first message is whole at its line end, or (no line end) once it holds a greeting with a name.
    await Promise.all(connections.map((peer) => peer?.waitForText(() => message(peer).includes('\n') || firstGreeting(message(peer)) !== undefined, context.bounds.reply)));
    const sent = connections.map((peer) => firstGreeting(message(peer)));
    const byId = Object.fromEntries(ids.map((id) => [id, sent.find((greetingSent) => greetingSent?.id === id)])) as Record<ClientId, SentGreeting | undefined>;
    context.learn(learnFromClients(dialect, byId));

    // Each client gets the acknowledgment for the names they sent, framed as it frames its own message.
    const ackNames = { X: byId.X?.name ?? names.X, Y: byId.Y?.name ?? names.Y };
    const ack = ackFor('X', ackNames);
    for (const [index, peer] of connections.entries()) {
      if (peer && !peer.finished) await peer.send(frame(sent[index]?.lineEnd ?? dialect.lineEnd, ack)).catch(() => undefined);
    }
    // On the machine's network the client closes first, as a real one does, and our side follows, so a fixed
    // port is left with no TIME_WAIT on our side; one that waits for the server's close gets it after the bound.
    // In a network of its own there is no later scenario to meet a TIME_WAIT: our side closes at once, as the
    // textbook server does right after its reply.
    const closeFirst = context.privateNetwork ? 0 : context.bounds.reply;
    await Promise.all(connections.map((peer) => peer?.waitUntilClosed(closeFirst)));
    for (const peer of connections) if (peer && !peer.finished) peer.end();
    const exits = await Promise.all(children.map((child) => exitedWithin(child, context.bounds.reply)));

    const sentProblems: string[] = [];
    for (const [index, id] of ids.entries()) {
      const child = children[index]!;
      const mine = byId[id];
      const wanted = dialect.namesFrom === 'declared' ? greeting(id, names) : undefined;
      const exact = mine !== undefined && mine.name === mine.name.trim() && (wanted === undefined || mine.text === wanted);
      if (!exact) sentProblems.push(`client ${id} did not send "${wanted ?? `Client ${id}: <name>`}" as its first message`);
      else if (!exits[index]) sentProblems.push(`client ${id} was still running ${context.bounds.reply / 1000} s after the reply`);
      else if (child.exit?.code !== 0) sentProblems.push(`client ${id} exited with ${child.exit?.signal ?? `code ${child.exit?.code}`}`);
    }
    const sentVerdict =
      sentProblems.length === 0
        ? pass('both clients sent their greeting exactly and exited with code 0 after the reply')
        : fail(sentProblems.join('; '), {
            expected: ids.map((id) => (dialect.namesFrom === 'declared' ? greeting(id, names) : `Client ${id}: <name>`)),
            actual: [
              ...connections.map((peer, index) => ({ source: `received by the grader's server on connection ${index + 1}`, text: peer?.text() ?? '(no connection)' })),
              ...children.map((child) => printed(child, 'stderr')),
            ],
            hint:
              promptHint(children) ??
              children.map((child) => bufferingHint(child)).find((hint) => hint?.includes('crashed')) ??
              (connections.some((peer) => peer === undefined) ? `a client never connected to ${target.host}:${fake.port}` : undefined),
          });

    // What each client printed is compared with what it actually sent, then the reply it was given.
    const printProblems = ids.flatMap((id, index) => {
      const mine = byId[id];
      if (mine === undefined) return [{ id, detail: `client ${id} sent no greeting, so what it printed cannot be compared`, missing: '' }];
      const order = inOrder(consoleLines(children[index]!.output()), [mine.text, ack]);
      if (order.ok) return [];
      return [{ id, detail: `client ${id} ${order.outOfOrder ? `printed "${order.missing}" too early` : `did not print "${order.missing}"`}`, missing: order.missing ?? '' }];
    });
    const printVerdict =
      printProblems.length === 0
        ? pass('both clients printed what they sent, then the reply')
        : fail(printProblems.map((problem) => problem.detail).join('; '), {
            expected: ids.flatMap((id) => [byId[id]?.text ?? `(what client ${id} sent)`, ack]),
            actual: children.map((child) => printed(child)),
            hint:
              promptHint(children) ??
              children.map(bufferingHint).find(Boolean) ??
              hintFor(printProblems[0]?.missing ?? '', children.flatMap((child) => consoleLines(child.output()))),
          });
    return { 'client-sends': sentVerdict, 'client-prints': printVerdict };
  },
};

/** A program waiting at a prompt for input the target does not describe. */
function promptHint(children: readonly Child[]): string | undefined {
  // Still running (or killed) with a prompt as the last thing it printed: on stdout, or on stderr where
  // Python's input() writes it on a terminal.
  const prompt = (child: Child): string | undefined =>
    (['stdout', 'stderr'] as const).map((stream) => child.output(stream)).find((text) => /[:?>] ?$/.test(text))?.split('\n').at(-1);
  const waiting = children.find((child) => (child.exit === undefined || child.exit.signal) && prompt(child) !== undefined);
  if (!waiting) return undefined;
  return `${waiting.label} seems to be waiting at a prompt (${JSON.stringify(prompt(waiting))}); list what to type in the target's "stdin"`;
}

/** The target's own three programs together, X started first: all three show the same order. */
const endToEnd: Scenario = {
  id: 'end-to-end',
  items: ['end-to-end'],
  async run(context) {
    const { target, scene, dialect } = context;
    const names = dialect.names;
    const server = await startServer(scene, target, context.serverOptions);
    const x = startClient(scene, target, server, { id: 'X', name: names.X }, { promptMs: context.bounds.prompt });
    await printedWithin(x, greeting('X', names), context.bounds.reply);
    const y = startClient(scene, target, server, { id: 'Y', name: names.Y }, { promptMs: context.bounds.prompt });
    // The item is what the three print, not how they end (server-exits and client-sends judge that): each
    // is waited for until it has shown an order, or has exited, or the bound is out.
    const showsOrder = (child: Child, timeoutMs: number): Promise<boolean> => child.waitForOutput((stdout) => orderIn(stdout, names) !== undefined, timeoutMs);
    await Promise.all([showsOrder(x, context.bounds.reply), showsOrder(y, context.bounds.reply)]);
    const shown = [x, y].map((child) => orderIn(child.output(), names));
    const agreed = shown[0] !== undefined && shown[0] === shown[1];
    await showsOrder(server.child, agreed ? context.bounds.reply : 0);
    const serverShowed = agreed && orderIn(server.child.output(), names) === shown[0];
    if (agreed && serverShowed) return { 'end-to-end': pass(`all three programs showed ${names[shown[0]!]} (${shown[0]}) first`) };
    return {
      'end-to-end': fail(
        !agreed ? 'the two clients did not both print a reply stating the same order' : 'the clients printed the acknowledgment but the server did not',
        {
          expected: [`the acknowledgment (${ackFor('X', names)}, or the Y-first form, in any words), printed by all three programs`],
          actual: [printed(server.child), printed(x), printed(y), printed(server.child, 'stderr'), printed(x, 'stderr'), printed(y, 'stderr')],
          hint: promptHint([x, y]) ?? [server.child, x, y].map((child) => bufferingHint(child)).find((hint) => hint?.includes('crashed')),
        },
      ),
    };
  },
};

/** The scenario that learns the dialect from the target's own clients: run before every other. */
export const LEARNING_SCENARIOS: readonly Scenario[] = [clients];

/** Part-1 scenarios whose grader connections reset at the end, so they leave no TIME_WAIT on the server's port. */
export const ACK_SCENARIOS: readonly Scenario[] = [xFirst, yFirst, connectFirstGreetSecond, fragmented, earlyLeaver];

/** Part-1 scenarios with the target's own programs, which may leave TIME_WAIT behind: run after the others. */
export const ACK_PROGRAM_SCENARIOS: readonly Scenario[] = [endToEnd];
