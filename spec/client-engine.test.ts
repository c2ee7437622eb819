// The client engine (impl/ack-client.ts) in-process, against a small TCP
// server written here (port 0): what it sends and prints through the injected
// Output, the exit code its `done` promise settles with, and the chat fed from
// an injected stream. No process is spawned; every wait is for an event.
import { EventEmitter, once } from 'node:events';
import net from 'node:net';
import { PassThrough } from 'node:stream';
import { expect, onTestFinished, test } from 'vitest';
import { catalogue } from './catalogue/record.js';
import { startClient, type AckClient } from '../impl/ack-client.js';
import type { Output } from '../impl/output.js';

const ACK = 'X: Alice received before Y: Bob';

/** An Output that records stdout and stderr lines apart. */
class RecordingOutput implements Output {
  readonly stdout = new EventEmitter();
  readonly out: string[] = [];
  readonly err: string[] = [];
  print(line: string): void {
    this.out.push(line);
  }
  write(text: string): boolean {
    this.out.push(...text.split('\n').slice(0, -1));
    return true;
  }
  printError(line: string): void {
    this.err.push(line);
  }
}

/** The server's end of the client's connection: what it received, line by line. */
class Peer {
  readonly #lines: string[] = [];
  readonly #arrived = new EventEmitter();
  #text = '';
  constructor(readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      this.#text += text;
      const parts = this.#text.split('\n');
      this.#text = parts.pop() ?? '';
      this.#lines.push(...parts);
      this.#arrived.emit('line');
    });
    socket.on('error', () => {}); // a reset is part of some tests
  }

  /** Every complete line received so far. */
  get lines(): readonly string[] {
    return this.#lines;
  }

  /** Resolves once `count` lines have arrived. */
  async waitForLines(count: number): Promise<readonly string[]> {
    while (this.#lines.length < count) await once(this.#arrived, 'line');
    return this.#lines;
  }
}

/** A listening server on a free port; resolves its first connection as a Peer. Closed when the test ends. */
async function listen(): Promise<{ port: number; accepted: Promise<Peer> }> {
  const server = net.createServer();
  let peer: Peer | undefined;
  const accepted = new Promise<Peer>((resolve) => server.once('connection', (socket) => resolve((peer = new Peer(socket)))));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onTestFinished(() => {
    server.close();
    peer?.socket.destroy();
  });
  return { port: (server.address() as net.AddressInfo).port, accepted };
}

interface Started {
  readonly client: AckClient;
  readonly output: RecordingOutput;
  readonly keyboard: PassThrough;
  readonly peer: Peer;
}

/** Client X (Alice) against a fresh server; resolves once the server has its greeting. */
async function greeted(chat = false): Promise<Started> {
  const { port, accepted } = await listen();
  const output = new RecordingOutput();
  const keyboard = new PassThrough();
  const client = startClient({ host: '127.0.0.1', port, greeting: { id: 'X', name: 'Alice' }, chat }, output, () => keyboard);
  const peer = await accepted;
  await peer.waitForLines(1);
  return { client, output, keyboard, peer };
}

/** Client X acknowledged in chat mode. */
async function chatting(): Promise<Started> {
  const started = await greeted(true);
  started.peer.socket.write(`${ACK}\n`);
  // The chat is open once the Received line is printed; a typed line then reaches the server.
  started.keyboard.write('ready?\n');
  await started.peer.waitForLines(2);
  return started;
}

test('the server receives exactly the greeting line, and the client prints it as Sent before any reply', async () => {
  const { output, peer } = await greeted();
  expect({ received: peer.lines, out: output.out }).toEqual({ received: ['Client X: Alice'], out: ['Sent: Client X: Alice'] });
});

test.each([
  ['first', ACK],
  ['second', 'Y: Bob received before X: Alice'],
])('an acknowledgment naming X %s is printed and done settles with 0', async (_, ack) => {
  const { client, output, peer } = await greeted();
  peer.socket.write(`${ack}\r\n`);
  expect(await client.done).toBe(0);
  expect({ out: output.out, err: output.err }).toEqual({ out: ['Sent: Client X: Alice', `Received: ${ack}`], err: [] });
});

test.each([
  ['sent in 1-byte writes', [...`${ACK}\n`]],
  ['ending in \\r\\n', [`${ACK}\r\n`]],
])('an acknowledgment %s is accepted and printed without its line ending', async (_, writes) => {
  const { client, output, peer } = await greeted();
  for (const bytes of writes) peer.socket.write(bytes);
  expect(await client.done).toBe(0);
  expect({ out: output.out, err: output.err }).toEqual({ out: ['Sent: Client X: Alice', `Received: ${ACK}`], err: [] });
});

test('an acknowledgment with an escape sequence in a name is printed neutralized', async ({ task }) => {
  catalogue(task, {
    case: 'The acknowledgment carries terminal escape sequences',
    induced: 'A server written in the spec replies to the client engine (in-process) with a valid acknowledgment whose Y name holds ESC[2J (clear screen) and an OSC title sequence.',
    behaviour: 'The client prints it with the control characters shown as `\\x1b` and `\\x07`, nothing on stderr, and exits 0 since the reply names Alice.',
    improvement: 'Only C0 and C1 control characters are neutralized, so other deceptive text such as a right-to-left override (U+202E) is printed as it came.',
  });
  const { client, output, peer } = await greeted();
  peer.socket.write('X: Alice received before Y: Bob\u001b[2J\u001b]0;pwned\u0007\n');
  expect(await client.done).toBe(0);
  expect({ out: output.out, err: output.err }).toEqual({ out: ['Sent: Client X: Alice', 'Received: X: Alice received before Y: Bob\\x1b[2J\\x1b]0;pwned\\x07'], err: [] });
});

test.for([
  ['hello', 'The reply is not an acknowledgment at all'],
  ['X: Mallory received before Y: Bob', 'The acknowledgment names someone else as X, in first place'],
  ['Y: Bob received before X: Mallory', 'The acknowledgment names someone else as X, in second place'],
] as const)('%j is printed, then done settles with 1 saying it is not its acknowledgment', async ([reply, situation], { task }) => {
  catalogue(task, {
    case: situation,
    induced: `A server written in the spec replies \`${reply}\` to the client engine's greeting (in-process).`,
    behaviour: `The client prints \`Received: ${reply}\`, then \`Error: the reply is not an acknowledgment naming "Client X: Alice"\` on stderr, and exits 1.`,
    improvement: 'The client checks only that its own greeting is named, so an acknowledgment naming a wrong Y would still be accepted.',
  });
  const { client, output, peer } = await greeted();
  peer.socket.write(`${reply}\n`);
  expect(await client.done).toBe(1);
  expect({ out: output.out, err: output.err }).toEqual({
    out: ['Sent: Client X: Alice', `Received: ${reply}`],
    err: ['Error: the reply is not an acknowledgment naming "Client X: Alice"'],
  });
});

test.each([
  [
    'a refusal',
    'Error: client X is already connected; only one X and one Y are served\n',
    [],
    'Error: the server refused the greeting: client X is already connected; only one X and one Y are served',
  ],
  [
    'an acknowledgment naming someone else',
    'X: Mallory received before Y: Bob\n',
    ['Received: X: Mallory received before Y: Bob'],
    'Error: the reply is not an acknowledgment naming "Client X: Alice"',
  ],
  [
    'bytes that are not UTF-8',
    Buffer.from([0x58, 0xff, 0x0a]),
    [],
    "Error: the server's reply is unreadable: the line is not valid UTF-8; send UTF-8 text",
  ],
])('%s as the reply settles done with 1 and one line on stderr', async (_, reply, received, error) => {
  const { client, output, peer } = await greeted();
  peer.socket.write(reply);
  expect(await client.done).toBe(1);
  expect({ out: output.out.slice(1), err: output.err }).toEqual({ out: received, err: [error] });
});

test('the server closing before any reply settles done with 1, naming the server', async () => {
  const { client, output, peer } = await greeted();
  peer.socket.end();
  expect(await client.done).toBe(1);
  expect(output.err).toEqual([
    `Error: the server at 127.0.0.1:${peer.socket.localPort} closed the connection before acknowledging; see its output`,
  ]);
});

test('nothing listening settles done with 1, prints nothing on stdout and never reads the keyboard', async () => {
  const vacated = net.createServer().listen(0, '127.0.0.1');
  await once(vacated, 'listening');
  const port = (vacated.address() as net.AddressInfo).port;
  vacated.close();
  await once(vacated, 'close');
  const output = new RecordingOutput();
  const keyboard = () => {
    throw new Error('a part-1 client must not read its keyboard');
  };
  const client = startClient({ host: '127.0.0.1', port, greeting: { id: 'X', name: 'Alice' }, chat: false }, output, keyboard);
  expect(await client.done).toBe(1);
  expect({ out: output.out, err: output.err }).toEqual({
    out: [],
    err: [`Error: nothing is listening on 127.0.0.1:${port} (connection refused); start the server first, or check --host and --port`],
  });
});

test('an interrupt before the acknowledgment settles done with 1 and says so', async () => {
  const { client, output } = await greeted();
  client.interrupt('SIGINT');
  expect(await client.done).toBe(1);
  expect(output.err).toEqual(['Error: interrupted by SIGINT before the acknowledgment arrived']);
});

test('an interrupt after the acknowledgment keeps exit code 0', async () => {
  const { client, output, peer } = await greeted();
  peer.socket.write(`${ACK}\n`);
  await once(peer.socket, 'end'); // the client closes its side once acknowledged
  client.interrupt('SIGTERM');
  expect(await client.done).toBe(0);
  expect(output.err).toEqual([]);
});

test('in the chat, a typed line goes to the server and a line from the server is printed labelled with Y', async () => {
  const { client, output, peer } = await chatting();
  peer.socket.write('hello Alice\n');
  peer.socket.end('Bye\n');
  await client.done;
  expect({ sent: peer.lines, out: output.out }).toEqual({
    sent: ['Client X: Alice', 'ready?'],
    out: ['Sent: Client X: Alice', `Received: ${ACK}`, 'X: ready?', 'Y: hello Alice', 'Y: Bye'],
  });
});

test('in the chat, a Bye from the other client and then the server closing settles done with 0', async () => {
  const { client, peer } = await chatting();
  peer.socket.end('Bye\n');
  expect(await client.done).toBe(0);
});

test('in the chat, the end of the typed input is sent as Bye', async () => {
  const { client, keyboard, peer, output } = await chatting();
  keyboard.end();
  expect(await peer.waitForLines(3)).toEqual(['Client X: Alice', 'ready?', 'Bye']);
  peer.socket.end();
  expect(await client.done).toBe(0);
  expect(output.out.at(-1)).toBe('X: Bye');
});

test('in the chat, empty and blank typed lines are not sent', async () => {
  const { keyboard, peer } = await chatting();
  keyboard.write('\n   \nreal\n');
  expect(await peer.waitForLines(3)).toEqual(['Client X: Alice', 'ready?', 'real']);
});

test('in the chat, a typed line over 1024 bytes is not sent and the client says so on stderr', async ({ task }) => {
  catalogue(task, {
    case: 'A user types a chat line one byte over 1024',
    induced: 'The client engine (in-process) is fed 1025 × `x` and then `still here` as typed lines.',
    behaviour: 'X prints `Error: the line is 1025 bytes long; the limit is 1024; it was not sent` on stderr and goes on; the server gets only `still here`.',
    improvement: 'The long line is dropped rather than split into several lines, so a pasted paragraph is lost and has to be retyped.',
  });
  const { keyboard, peer, output } = await chatting();
  keyboard.write(`${'x'.repeat(1025)}\nstill here\n`);
  expect(await peer.waitForLines(3)).toEqual(['Client X: Alice', 'ready?', 'still here']);
  expect(output.err).toEqual(['Error: the line is 1025 bytes long; the limit is 1024; it was not sent']);
});

test('in the chat, a notice from the server goes to stderr and the server closing then settles done with 1, with no second line', async () => {
  const { client, peer, output } = await chatting();
  peer.socket.end('Error: the server was stopped\n');
  expect(await client.done).toBe(1);
  expect(output.err).toEqual(['Error: the server was stopped']);
});

test.each([
  ['closes without a Bye', (peer: Peer) => peer.socket.end(), 'Error: the server closed the connection during the chat'],
  ['resets the connection', (peer: Peer) => peer.socket.resetAndDestroy(), 'Error: the connection to the server was lost during the chat (ECONNRESET)'],
  [
    'sends bytes that are not UTF-8',
    (peer: Peer) => peer.socket.write(Buffer.from([0xff, 0x0a])),
    'Error: the server sent an unreadable line: the line is not valid UTF-8; send UTF-8 text',
  ],
])('in the chat, a server that %s settles done with 1 and one line on stderr', async (_, fault, error) => {
  const { client, peer, output } = await chatting();
  fault(peer);
  expect(await client.done).toBe(1);
  expect(output.err).toEqual([error]);
});

test('an interrupt in the chat sends Bye, and the server closing then settles done with 0', async () => {
  const { client, peer, output } = await chatting();
  client.interrupt('SIGINT');
  expect(await peer.waitForLines(3)).toEqual(['Client X: Alice', 'ready?', 'Bye']);
  peer.socket.end();
  expect(await client.done).toBe(0);
  expect(output.out.at(-1)).toBe('X: Bye');
});
