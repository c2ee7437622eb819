// The chat relay in-process (impl/relay.ts) on real loopback sockets: the bytes each burst of lines puts on
// the other client's connection and on the server's console, printable ASCII or not. No programs.
import { EventEmitter, once } from 'node:events';
import net from 'node:net';
import { expect, onTestFinished, test } from 'vitest';
import type { Output } from '../impl/output.js';
import { neutralize } from '../impl/protocol.js';
import { ChatRelay } from '../impl/relay.js';
import { waitUntil } from '../harness/wait.js';

/** An Output that keeps the bytes written to stdout, encoded as the relay asked, and the encoding of each write. */
class BytesOutput implements Output {
  readonly stdout = new EventEmitter();
  readonly encodings: string[] = [];
  bytes = Buffer.alloc(0);
  print(line: string): void {
    this.write(`${line}\n`);
  }
  write(text: string, encoding: 'utf8' | 'latin1' = 'utf8'): boolean {
    this.encodings.push(encoding);
    this.bytes = Buffer.concat([this.bytes, Buffer.from(text, encoding)]);
    return true;
  }
  printError(): void {}
}

/** A relay between two loopback connections, and what client Y's end has received; all closed when the test ends. */
async function relayToY(): Promise<{ relay: ChatRelay; output: BytesOutput; received: () => Buffer; updates: EventEmitter }> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  const updates = new EventEmitter();
  const accepted: net.Socket[] = [];
  server.on('connection', (socket) => {
    accepted.push(socket);
    updates.emit('update');
  });
  const clients = [net.connect(port, '127.0.0.1'), net.connect(port, '127.0.0.1')];
  onTestFinished(async () => {
    for (const socket of [...clients, ...accepted]) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  let received = Buffer.alloc(0);
  clients[1]!.on('data', (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
    updates.emit('update');
  });
  await waitUntil({ emitter: updates, done: () => accepted.length === 2, what: 'both connections accepted', context: () => '' });
  // The second connection accepted may be either client's: pair each accepted socket with its client by port.
  const y = accepted.find((socket) => socket.remotePort === clients[1]!.localPort)!;
  const x = accepted.find((socket) => socket !== y)!;
  const output = new BytesOutput();
  const relay = new ChatRelay([{ id: 'X', socket: x }, { id: 'Y', socket: y }], output, () => {});
  return { relay, output, received: () => received, updates };
}

// Printable ASCII is the same bytes in Latin-1, which the relay copies instead of encoding.
test.each([
  { what: 'printable ASCII', lines: ['hello there', 'second line'], encoding: 'latin1' },
  { what: 'UTF-8', lines: ['Zoë 🐙', '李雷'], encoding: 'utf8' },
  { what: 'ASCII and UTF-8 in one burst', lines: ['plain', 'Zoë', 'plain again'], encoding: 'utf8' },
  { what: 'a control character', lines: ['tab\there', 'bell\u0007'], encoding: 'utf8' },
])('a burst of $what reaches the other client byte for byte and the console neutralized, written as $encoding', async ({ lines, encoding }) => {
  const { relay, output, received, updates } = await relayToY();
  for (const line of lines) relay.line('X', line); // one tick: one burst, one write each way
  const expected = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
  await waitUntil({ emitter: updates, done: () => received().length >= expected.length, what: `Y to receive ${expected.length} bytes`, context: () => received().toString() });
  expect(received()).toEqual(expected);
  expect(output.bytes).toEqual(Buffer.from(`${lines.map((line) => `X: ${neutralize(line)}`).join('\n')}\n`, 'utf8'));
  expect(output.encodings).toEqual([encoding]);
});

test('a burst of ASCII after one of UTF-8 is written as ASCII again, and both arrive byte for byte', async () => {
  const { relay, output, received, updates } = await relayToY();
  relay.line('X', 'Zoë');
  await waitUntil({ emitter: updates, done: () => received().length >= 5, what: 'the first burst', context: () => received().toString() });
  relay.line('X', 'plain');
  await waitUntil({ emitter: updates, done: () => received().length >= 11, what: 'the second burst', context: () => received().toString() });
  expect(received()).toEqual(Buffer.from('Zoë\nplain\n', 'utf8'));
  expect(output.encodings).toEqual(['utf8', 'latin1']);
});
