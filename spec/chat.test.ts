// The chat (extra credit): relay both ways, Bye, end of input, departures and
// interruptions, line limits. Clients are the reference, fed through stdin.
import { describe, expect, test } from 'vitest';
import { catalogue } from './catalogue/record.js';
import { openChat, type Chat } from '../grader/exchange.js';
import { connectAndSend, startFakeServer } from '../harness/peer.js';
import type { Child } from '../harness/process.js';
import { startClient, startServer } from '../grader/launch.js';
import { chatTarget, referenceTarget } from '../grader/target.js';
import { useScene } from './support/vitest.js';

const NAMES = { X: 'Alice', Y: 'Bob' } as const;
const ACK = 'X: Alice received before Y: Bob';
const OPENING = {
  server: ['Received: Client X: Alice', 'Received: Client Y: Bob', `Sent: ${ACK}`, 'Sent acknowledgment to both X and Y'],
  X: ['Sent: Client X: Alice', `Received: ${ACK}`],
  Y: ['Sent: Client Y: Bob', `Received: ${ACK}`],
};

/** The chat part of each program's stdout (after the acknowledgment lines). */
function chatLines({ server, x, y }: Chat): { server: string[]; X: string[]; Y: string[] } {
  return { server: server.child.lines().slice(5), X: x.lines().slice(2), Y: y.lines().slice(2) };
}

/** Waits for all three programs to exit; returns their exit codes. */
async function exits({ server, x, y }: Chat): Promise<{ server: number | null; X: number | null; Y: number | null }> {
  const [s, cx, cy] = await Promise.all([server.child.waitForExit(), x.waitForExit(), y.waitForExit()]);
  return { server: s.code, X: cx.code, Y: cy.code };
}

function client(chat: Chat, id: 'X' | 'Y'): Child {
  return id === 'X' ? chat.x : chat.y;
}

describe('relay', () => {
  test.each([
    ['X', 'Y'],
    ['Y', 'X'],
  ] as const)('a line from %s reaches %s, and all three consoles show it labelled, once; then Bye from it ends the chat and everyone exits 0', async (from, to) => {
    const chat = await openChat(useScene(), referenceTarget(), NAMES);
    client(chat, from).write('hello there\n');
    await client(chat, to).waitForLine(`${from}: hello there`);
    client(chat, from).write('Bye\n');
    expect(await exits(chat)).toEqual({ server: 0, X: 0, Y: 0 });
    const expected = [`${from}: hello there`, `${from}: Bye`];
    expect(chatLines(chat)).toEqual({ server: expected, X: expected, Y: expected });
    expect(chat.server.child.lines().slice(1, 5)).toEqual(OPENING.server);
  });

  test('both clients typing at once each get the other\'s lines, in order, and never their own back', async () => {
    const chat = await openChat(useScene(), referenceTarget(), NAMES);
    chat.x.write('x1\nx2\nx3\n');
    chat.y.write('y1\ny2\ny3\n');
    await Promise.all([chat.y.waitForLine('X: x3'), chat.x.waitForLine('Y: y3')]);
    chat.x.write('Bye\n');
    await exits(chat);
    const { X, Y } = chatLines(chat);
    const fromX = ['X: x1', 'X: x2', 'X: x3'];
    const fromY = ['Y: y1', 'Y: y2', 'Y: y3'];
    expect({
      xSeesY: X.filter((line) => line.startsWith('Y: ')),
      ySeesX: Y.filter((line) => line.startsWith('X: ')).slice(0, 3),
      xOwn: X.filter((line) => line.startsWith('X: ')),
      yOwn: Y.filter((line) => line.startsWith('Y: ')),
    }).toEqual({ xSeesY: fromY, ySeesX: fromX, xOwn: [...fromX, 'X: Bye'], yOwn: fromY });
  });

  test('10,000 lines each way at the same time all arrive once and in order', async () => {
    const chat = await openChat(useScene(), referenceTarget(), NAMES);
    const count = 10_000;
    const numbered = (id: string) => Array.from({ length: count }, (_, i) => `${id}-${i + 1}`);
    chat.x.write(`${numbered('x').join('\n')}\n`);
    chat.y.write(`${numbered('y').join('\n')}\n`);
    await Promise.all([chat.y.waitForLine(`X: x-${count}`), chat.x.waitForLine(`Y: y-${count}`)]);
    chat.x.endInput();
    expect(await exits(chat)).toEqual({ server: 0, X: 0, Y: 0 });
    const received = (child: Child, from: string) =>
      child.lines().filter((line) => line.startsWith(`${from}: `) && line !== `${from}: Bye`).map((line) => line.slice(3));
    expect({ atX: received(chat.x, 'Y'), atY: received(chat.y, 'X') }).toEqual({ atX: numbered('y'), atY: numbered('x') });
  });

  test('lines a client sends before the chat opens are relayed once it opens, in order', async () => {
    const scene = useScene();
    const server = await startServer(scene, chatTarget(referenceTarget()));
    const x = await connectAndSend(scene, server, 'raw X', 'Client X: Alice\nearly one\nearly two\n');
    await server.child.waitForLine('Received: Client X: Alice');
    const y = await connectAndSend(scene, server, 'raw Y', 'Client Y: Bob\n');
    await Promise.all([y.waitForLine('early two'), x.waitForLine(ACK)]);
    expect({ y: y.lines(), x: x.lines() }).toEqual({ y: [ACK, 'early one', 'early two'], x: [ACK] });
  });
});

describe('line length', () => {
  test('a line of exactly 1024 bytes is relayed intact', async ({ task }) => {
    catalogue(task, {
      case: 'A chat line of exactly 1024 bytes (the limit), mostly two-byte characters',
      induced: 'Client X is fed 500 × `é` and 24 × `x` (1024 bytes) on stdin.',
      behaviour: 'The line is relayed intact: Y prints it as `X: …`.',
      improvement: 'The limit counts bytes, not characters, so a line of CJK text or emoji reaches it at about 341 or 256 characters.',
    });
    const chat = await openChat(useScene(), referenceTarget(), NAMES);
    const line = `${'é'.repeat(500)}${'x'.repeat(24)}`; // 1000 + 24 bytes
    chat.x.write(`${line}\n`);
    await chat.y.waitForLine(`X: ${line}`);
  });

  // A typed line one byte over is the client's to refuse: spec/client-engine.test.ts, in-process.

  test('a raw client sending a line one byte over ends the chat for both, with a reason each', async ({ task }) => {
    catalogue(task, {
      case: 'A client sends a chat line over 1024 bytes anyway',
      induced: 'A raw socket greeted as X sends 1025 × `x` and a newline after the acknowledgment.',
      behaviour: 'The server answers X `Error: the line is longer than 1024 bytes; send shorter lines ending in a newline`, tells Y `Error: client X sent an invalid line; the chat is over`, closes both and exits 1.',
      improvement: 'One bad line ends the chat for both; the server could refuse just that line and keep the chat going.',
    });
    const scene = useScene();
    const server = await startServer(scene, chatTarget(referenceTarget()));
    const x = await connectAndSend(scene, server, 'raw X', 'Client X: Alice\n');
    await server.child.waitForLine('Received: Client X: Alice');
    const y = await connectAndSend(scene, server, 'raw Y', 'Client Y: Bob\n');
    await x.waitForLine(ACK);
    await x.send(`${'x'.repeat(1025)}\n`);
    await Promise.all([x.waitForEnd(), y.waitForEnd()]);
    expect({ x: x.lines(), y: y.lines(), exit: (await server.child.waitForExit()).code }).toEqual({
      x: [ACK, 'Error: the line is longer than 1024 bytes; send shorter lines ending in a newline'],
      y: [ACK, 'Error: client X sent an invalid line; the chat is over'],
      exit: 1,
    });
  });
});

describe('Bye', () => {
  // A Bye from X or from Y, relayed and printed on all three consoles with everyone exiting 0, is how each relay test
  // above ends (two chats fewer than a test of its own for each).

  // Which lines count as Bye is one function (impl/protocol.ts isBye), tested line by line in
  // spec/protocol.test.ts; here one line of each kind shows the programs use it.
  test('" BYE " also ends the chat (whole line, any case, spaces ignored)', async () => {
    const chat = await openChat(useScene(), referenceTarget(), NAMES);
    chat.y.write(' BYE \n');
    expect(await exits(chat)).toEqual({ server: 0, X: 0, Y: 0 });
  });

  test('"bye for now" is an ordinary message', async () => {
    const chat = await openChat(useScene(), referenceTarget(), NAMES);
    chat.x.write('bye for now\nafter it\n');
    await chat.y.waitForLine('X: after it');
    expect(chatLines(chat).Y).toEqual(['X: bye for now', 'X: after it']);
  });

  test('the end of a client\'s input counts as its Bye', async () => {
    const chat = await openChat(useScene(), referenceTarget(), NAMES);
    chat.y.endInput();
    expect(await exits(chat)).toEqual({ server: 0, X: 0, Y: 0 });
    expect(chatLines(chat)).toEqual({ server: ['Y: Bye'], X: ['Y: Bye'], Y: ['Y: Bye'] });
  });

  // Empty and blank typed lines are the client's to drop: spec/client-engine.test.ts, in-process.
});

describe('departures and interruptions', () => {
  test('a client killed mid-chat: the other is told in one line, and both it and the server exit 1', async ({ task }) => {
    catalogue(task, {
      case: 'A client is killed mid-chat',
      induced: 'The harness sends SIGKILL to client X\'s process once the chat is open.',
      behaviour: 'The server prints `Client X disconnected without saying Bye; closing the chat` and exits 1; Y prints `Error: client X left without saying Bye; the chat is over` and exits 1.',
      improvement: 'The killed process\'s kernel closes its socket, but a client whose machine vanishes sends nothing and would go unnoticed; the server could offer an application-level keepalive.',
    });
    const chat = await openChat(useScene(), referenceTarget(), NAMES);
    chat.x.signal('SIGKILL');
    expect(await exits(chat)).toEqual({ server: 1, X: null, Y: 1 });
    expect({ y: chat.y.lines('stderr'), server: chat.server.child.lines('stderr') }).toEqual({
      y: ['Error: client X left without saying Bye; the chat is over'],
      server: ['Client X disconnected without saying Bye; closing the chat'],
    });
  });

  test('a client whose connection is reset mid-chat: the other is told in one line, and the server exits 1', async ({ task }) => {
    catalogue(task, {
      case: 'A client\'s connection is reset mid-chat',
      induced: 'A raw socket greeted as X is reset (RST) after the acknowledgment.',
      behaviour: 'The server prints `Client X disconnected without saying Bye; closing the chat` and exits 1, and Y is told `Error: client X left without saying Bye; the chat is over`.',
      improvement: 'A brief network fault ends the chat for good, since there is no way for X to reconnect and resume it.',
    });
    const scene = useScene();
    const server = await startServer(scene, chatTarget(referenceTarget()));
    const x = await connectAndSend(scene, server, 'raw X', 'Client X: Alice\n');
    await server.child.waitForLine('Received: Client X: Alice');
    const y = await connectAndSend(scene, server, 'raw Y', 'Client Y: Bob\n');
    await Promise.all([x.waitForLine(ACK), y.waitForLine(ACK)]);
    x.reset();
    await y.waitForEnd();
    expect({ y: y.lines(), exit: await server.child.waitForExit(), stderr: server.child.lines('stderr') }).toEqual({
      y: [ACK, 'Error: client X left without saying Bye; the chat is over'],
      exit: { code: 1, signal: null },
      stderr: ['Client X disconnected without saying Bye; closing the chat'],
    });
  });

  test('the server killed mid-chat: each client says so in one line and exits 1', async ({ task }) => {
    catalogue(task, {
      case: 'The server is killed mid-chat',
      induced: 'The harness sends SIGKILL to the server process once the chat is open.',
      behaviour: 'Each client prints `Error: the server closed the connection during the chat` (or, on a reset, `… was lost during the chat`) and exits 1.',
      improvement: 'Relayed lines are not acknowledged, so a line sent just before the crash may be lost without either client knowing.',
    });
    const chat = await openChat(useScene(), referenceTarget(), NAMES);
    chat.server.child.signal('SIGKILL');
    const [x, y] = await Promise.all([chat.x.waitForExit(), chat.y.waitForExit()]);
    expect([x.code, y.code]).toEqual([1, 1]);
    for (const child of [chat.x, chat.y]) {
      expect(child.lines('stderr')).toEqual([
        expect.stringMatching(/^Error: the (server closed the connection|connection to the server was lost) during the chat/),
      ]);
    }
  });

  test.for(['SIGINT', 'SIGTERM'] as const)('%s to the server mid-chat: both clients are told, everyone exits 1', async (signal, { task }) => {
    catalogue(task, {
      case: `The server is stopped by ${signal} mid-chat`,
      induced: `The harness sends ${signal} to the server process once the chat is open.`,
      behaviour: `The server prints \`Interrupted by ${signal} during the chat; telling both clients\`, both clients print \`Error: the server was stopped\`, and all three exit 1.`,
      improvement: 'The chat is kept nowhere, so once the server is restarted the clients must start a new exchange from the greeting.',
    });
    const chat = await openChat(useScene(), referenceTarget(), NAMES);
    chat.server.child.signal(signal);
    expect(await exits(chat)).toEqual({ server: 1, X: 1, Y: 1 });
    expect({
      server: chat.server.child.lines('stderr'),
      x: chat.x.lines('stderr'),
      y: chat.y.lines('stderr'),
    }).toEqual({
      server: [`Interrupted by ${signal} during the chat; telling both clients`],
      x: ['Error: the server was stopped'],
      y: ['Error: the server was stopped'],
    });
  });

  test('SIGINT to a client mid-chat makes it say Bye, and everyone exits 0', async ({ task }) => {
    catalogue(task, {
      case: 'Ctrl-C (SIGINT) on a client mid-chat',
      induced: 'The harness sends SIGINT to client X\'s process once the chat is open.',
      behaviour: 'X sends Bye, which all three print as `X: Bye`, and everyone exits 0.',
      improvement: 'SIGINT and SIGTERM count as Bye but SIGHUP (the terminal window closed) is not handled, so it ends the chat as a departure without Bye.',
    });
    const chat = await openChat(useScene(), referenceTarget(), NAMES);
    chat.x.signal('SIGINT');
    expect(await exits(chat)).toEqual({ server: 0, X: 0, Y: 0 });
    expect(chatLines(chat)).toEqual({ server: ['X: Bye'], X: ['X: Bye'], Y: ['X: Bye'] });
  });
});

describe('the chat client against a scripted server', () => {
  /** Chat client X, acknowledged by a fake server; returns both ends. */
  async function acknowledgedClient() {
    const scene = useScene();
    const fake = await startFakeServer(scene);
    const x = startClient(scene, chatTarget(referenceTarget()), fake, { id: 'X', name: 'Alice' });
    const server = await fake.waitForPeer();
    await server.waitForLine('Client X: Alice');
    await server.send(`${ACK}\n`);
    await x.waitForLine(`Received: ${ACK}`);
    return { x, server };
  }

  test('a notice from the server goes to stderr, and the chat goes on', async ({ task }) => {
    catalogue(task, {
      case: 'A line starting with `Error: ` arrives mid-chat',
      induced: 'A fake server acknowledges chat client X, then sends `Error: something odd` and `Y: still chatting`.',
      behaviour: 'The client prints the notice on stderr and keeps chatting: the next line appears as `Y: Y: still chatting`.',
      improvement: 'A peer can type a line starting with `Error: ` and it is shown like a server notice (CONTRACT section 8); the server could mark its own notices in a way the relay never passes through.',
    });
    const { x, server } = await acknowledgedClient();
    await server.send('Error: something odd\nY: still chatting\n');
    // stdout and stderr are separate pipes: one may be read before the other, so wait for each.
    await Promise.all([x.waitForLine('Y: Y: still chatting'), x.waitForLine('Error: something odd', 'stderr')]);
    expect(x.lines('stderr')).toEqual(['Error: something odd']);
  });

  test('a line that is not UTF-8 ends the client with one line and exit 1', async ({ task }) => {
    catalogue(task, {
      case: 'The server sends a chat line that is not UTF-8',
      induced: 'A fake server sends the byte 0xFF and a newline after the acknowledgment.',
      behaviour: 'The client prints `Error: the server sent an unreadable line: the line is not valid UTF-8; send UTF-8 text` and exits 1.',
      improvement: 'One unreadable line ends the client\'s chat; it could show the line with the bad bytes escaped and go on.',
    });
    const { x, server } = await acknowledgedClient();
    await server.send(Buffer.from([0xff, 0x0a]));
    expect(await x.waitForExit()).toEqual({ code: 1, signal: null });
    expect(x.lines('stderr')).toEqual([
      'Error: the server sent an unreadable line: the line is not valid UTF-8; send UTF-8 text',
    ]);
  });

  test('a server that closes without a Bye or a notice: the client says so and exits 1', async ({ task }) => {
    catalogue(task, {
      case: 'The server closes the connection mid-chat without a Bye or a notice',
      induced: 'A fake server closes its sending side (FIN) after the acknowledgment.',
      behaviour: 'The client prints `Error: the server closed the connection during the chat` and exits 1.',
      improvement: 'The client cannot tell a crashed server from one that closed on purpose; only a notice sent first (as on SIGINT) says why.',
    });
    const { x, server } = await acknowledgedClient();
    server.end();
    expect(await x.waitForExit()).toEqual({ code: 1, signal: null });
    expect(x.lines('stderr')).toEqual(['Error: the server closed the connection during the chat']);
  });

  test('a reset during the chat: the client says the connection was lost and exits 1', async ({ task }) => {
    catalogue(task, {
      case: 'The connection to the server is reset mid-chat',
      induced: 'A fake server resets the connection (RST) after the acknowledgment.',
      behaviour: 'The client prints `Error: the connection to the server was lost during the chat (ECONNRESET)` and exits 1.',
      improvement: 'A link that drops without an RST or FIN goes unnoticed while nobody types, since neither side sends keepalives.',
    });
    const { x, server } = await acknowledgedClient();
    server.reset();
    expect(await x.waitForExit()).toEqual({ code: 1, signal: null });
    expect(x.lines('stderr')).toEqual(['Error: the connection to the server was lost during the chat (ECONNRESET)']);
  });
});
