// The chat relay in-process (impl/relay.ts) on real loopback sockets: the bytes each burst of lines puts on
// the other client's connection and on the server's console, printable ASCII or not. No programs.
import { EventEmitter } from 'node:events';
import { expect, test } from 'vitest';
import type { Output } from '../impl/output.js';
import { neutralize } from '../impl/protocol.js';
import { ChatRelay } from '../impl/relay.js';
import { connectPeer, startFakeServer, type Peer } from '../harness/peer.js';
import { useScene } from './support/vitest.js';

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

/** A relay between two loopback connections (the harness's fake server and raw peers), and client Y's end. */
async function relayToY(): Promise<{ relay: ChatRelay; output: BytesOutput; y: Peer }> {
  const scene = useScene();
  const server = await startFakeServer(scene, 'relay side');
  await connectPeer(scene, server, 'client X');
  const x = await server.waitForPeer(0);
  const y = await connectPeer(scene, server, 'client Y');
  const toY = await server.waitForPeer(1);
  const output = new BytesOutput();
  const relay = new ChatRelay([{ id: 'X', socket: x.socket }, { id: 'Y', socket: toY.socket }], output, () => {});
  return { relay, output, y };
}

/** Has `y` compare what it receives from now on with `bytes`, and waits for as many. */
async function receivedExactly(y: Peer, bytes: Buffer): Promise<{ bytes: number; firstDifference: number | undefined }> {
  const expected = [bytes];
  y.compareFromHere(() => expected.shift());
  return y.waitForCompared(bytes.length);
}

// Printable ASCII is the same bytes in Latin-1, which the relay copies instead of encoding.
test.each([
  { what: 'printable ASCII', lines: ['hello there', 'second line'], encoding: 'latin1' },
  { what: 'UTF-8', lines: ['Zoë 🐙', '李雷'], encoding: 'utf8' },
  { what: 'ASCII and UTF-8 in one burst', lines: ['plain', 'Zoë', 'plain again'], encoding: 'utf8' },
  { what: 'a control character', lines: ['tab\there', 'bell\u0007'], encoding: 'utf8' },
])('a burst of $what reaches the other client byte for byte and the console neutralized, written as $encoding', async ({ lines, encoding }) => {
  const { relay, output, y } = await relayToY();
  const expected = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
  const arrival = receivedExactly(y, expected);
  for (const line of lines) relay.line('X', line); // one tick: one burst, one write each way
  expect(await arrival).toEqual({ bytes: expected.length, firstDifference: undefined });
  expect(output.bytes).toEqual(Buffer.from(`${lines.map((line) => `X: ${neutralize(line)}`).join('\n')}\n`, 'utf8'));
  expect(output.encodings).toEqual([encoding]);
});

test('a burst of ASCII after one of UTF-8 is written as ASCII again, and both arrive byte for byte', async () => {
  const { relay, output, y } = await relayToY();
  const first = receivedExactly(y, Buffer.from('Zoë\n', 'utf8'));
  relay.line('X', 'Zoë');
  expect(await first).toEqual({ bytes: 5, firstDifference: undefined });
  const second = receivedExactly(y, Buffer.from('plain\n', 'utf8'));
  relay.line('X', 'plain');
  expect(await second).toEqual({ bytes: 6, firstDifference: undefined });
  expect(output.encodings).toEqual(['utf8', 'latin1']);
});
