// The pure protocol module, fed split and merged chunks; no sockets.
import { describe, expect, test } from 'vitest';
import {
  FINAL_LINE,
  formatAck,
  formatGreeting,
  isAckFor,
  isBye,
  isPrintableAscii,
  LineDecoder,
  MAX_LINE_BYTES,
  MAX_NAME_BYTES,
  neutralize,
  parseGreeting,
} from '../impl/protocol.js';
import { AppError } from '../impl/errors.js';

/** Feeds `bytes` to a fresh decoder in chunks of the given sizes, then ends it. */
function decodeInChunks(bytes: Buffer, sizes: number[]): { lines: string[]; errors: string[] } {
  const decoder = new LineDecoder();
  const lines: string[] = [];
  const errors: string[] = [];
  let offset = 0;
  for (let i = 0; offset < bytes.length; i += 1) {
    const size = sizes[i % sizes.length] as number;
    const result = decoder.push(bytes.subarray(offset, offset + size));
    lines.push(...result.lines);
    if (result.error) errors.push(result.error.code);
    offset += size;
  }
  const last = decoder.end();
  lines.push(...last.lines);
  if (last.error) errors.push(last.error.code);
  return { lines, errors };
}

const STREAM = Buffer.from('Client X: Zoë 🐙\r\nClient Y: 李雷\nthird line\n', 'utf8');
const EXPECTED = ['Client X: Zoë 🐙', 'Client Y: 李雷', 'third line'];

describe('LineDecoder', () => {
  test.each([[[1]], [[2]], [[3]], [[5, 1]], [[7]], [[STREAM.length]], [[1000]]])(
    'yields the same lines whatever the chunk sizes (%j)',
    (sizes) => {
      expect(decodeInChunks(STREAM, sizes)).toEqual({ lines: EXPECTED, errors: [] });
    },
  );

  test('yields every line of a chunk that holds several lines', () => {
    expect(new LineDecoder().push(STREAM).lines).toEqual(EXPECTED);
  });

  test('keeps a partial line until its newline arrives', () => {
    const decoder = new LineDecoder();
    expect(decoder.push(Buffer.from('Client X: Al')).lines).toEqual([]);
    expect(decoder.push(Buffer.from('ice\nClient')).lines).toEqual(['Client X: Alice']);
  });

  test('yields a last line without a newline when the stream ends', () => {
    const decoder = new LineDecoder();
    decoder.push(Buffer.from('Client Y: Bob'));
    expect(decoder.end()).toEqual({ lines: ['Client Y: Bob'] });
  });

  test('yields nothing at the end of a stream that ended on a newline', () => {
    const decoder = new LineDecoder();
    decoder.push(Buffer.from('a\n'));
    expect(decoder.end()).toEqual({ lines: [] });
  });

  test('keeps a lone carriage return inside a line', () => {
    expect(new LineDecoder().push(Buffer.from('a\rb\n')).lines).toEqual(['a\rb']);
  });

  test('accepts a line of exactly the maximum length, with or without \\r', () => {
    const line = 'x'.repeat(MAX_LINE_BYTES);
    expect(new LineDecoder().push(Buffer.from(`${line}\r\n`)).lines).toEqual([line]);
    expect(decodeInChunks(Buffer.from(`${line}\n`), [1])).toEqual({ lines: [line], errors: [] });
  });

  test('rejects a line one byte over the maximum', () => {
    const result = new LineDecoder().push(Buffer.from(`${'x'.repeat(MAX_LINE_BYTES + 1)}\n`));
    expect(result.lines).toEqual([]);
    expect(result.error?.code).toBe('E_LINE_TOO_LONG');
  });

  test('rejects an over-long line before its newline arrives, so memory stays bounded', () => {
    const decoder = new LineDecoder(8);
    expect(decoder.push(Buffer.from('123456789')).error).toBeUndefined(); // may still end in \r\n
    expect(decoder.push(Buffer.from('0')).error?.code).toBe('E_LINE_TOO_LONG');
  });

  test('rejects an over-long last line at the end of the stream', () => {
    const decoder = new LineDecoder(4);
    decoder.push(Buffer.from('12345'));
    expect(decoder.end().error?.code).toBe('E_LINE_TOO_LONG');
  });

  test('returns the lines before an error together with the error', () => {
    const result = new LineDecoder(4).push(Buffer.from('ok\ntoo long\nnever\n'));
    expect(result.lines).toEqual(['ok']);
    expect(result.error?.message).toBe('the line is longer than 4 bytes; send shorter lines ending in a newline');
  });

  test('returns the lines before an invalid UTF-8 line in the same chunk', () => {
    const chunk = Buffer.concat([Buffer.from('a\nb\n'), Buffer.from([0xff]), Buffer.from('\nc\n')]);
    const result = new LineDecoder().push(chunk);
    expect({ lines: result.lines, code: result.error?.code }).toEqual({ lines: ['a', 'b'], code: 'E_INVALID_UTF8' });
  });

  test('keeps a byte-order mark as a character, wherever the line falls in a chunk', () => {
    const decoder = new LineDecoder();
    expect(decoder.push(Buffer.from('\ufeffa\n\ufeffb\n')).lines).toEqual(['\ufeffa', '\ufeffb']);
  });

  test('rejects invalid UTF-8', () => {
    const result = new LineDecoder().push(Buffer.from([0x43, 0xff, 0xfe, 0x0a]));
    expect(result.error).toBeInstanceOf(AppError);
    expect(result.error?.code).toBe('E_INVALID_UTF8');
  });

  test('accepts a character split across chunks', () => {
    const bytes = Buffer.from('🐙\n');
    expect(decodeInChunks(bytes, [1])).toEqual({ lines: ['🐙'], errors: [] });
  });

  test('yields nothing more after an error', () => {
    const decoder = new LineDecoder(2);
    decoder.push(Buffer.from('long\n'));
    expect(decoder.push(Buffer.from('ok\n'))).toEqual({ lines: [] });
    expect(decoder.end()).toEqual({ lines: [] });
  });

  test('does not keep a reference to the caller\'s buffer', () => {
    const decoder = new LineDecoder();
    const chunk = Buffer.from('abc');
    decoder.push(chunk);
    chunk.fill(0x7a);
    expect(decoder.push(Buffer.from('\n')).lines).toEqual(['abc']);
  });
});

describe('greetings', () => {
  test.each([
    ['Client X: Alice', { id: 'X', name: 'Alice' }],
    ['Client Y: Bob', { id: 'Y', name: 'Bob' }],
    ['Client X:   Mary Ann  ', { id: 'X', name: 'Mary Ann' }],
    ['Client Y:\tBob', { id: 'Y', name: 'Bob' }],
    ['Client X:Alice', { id: 'X', name: 'Alice' }],
    ['Client Y: 李雷 🐙', { id: 'Y', name: '李雷 🐙' }],
    ['Client X: Eve\u001b[2J', { id: 'X', name: 'Eve\u001b[2J' }],
  ])('parses %j', (line, greeting) => {
    expect(parseGreeting(line)).toEqual(greeting);
  });

  test.each([
    ['client x: Alice', 'E_BAD_GREETING'],
    ['Client Z: Zed', 'E_BAD_GREETING'],
    ['Alice', 'E_BAD_GREETING'],
    ['Client X Alice', 'E_BAD_GREETING'],
    [' Client X: Alice', 'E_BAD_GREETING'],
    ['Client X:', 'E_EMPTY_NAME'],
    ['Client Y:    ', 'E_EMPTY_NAME'],
    ['Client X: a\rb', 'E_BAD_GREETING'],
    [`Client X: ${'n'.repeat(MAX_NAME_BYTES + 1)}`, 'E_NAME_TOO_LONG'],
  ])('rejects %j with %s', (line, code) => {
    expect(() => parseGreeting(line)).toThrow(expect.objectContaining({ code }));
  });

  test('accepts a name of exactly the maximum length in bytes', () => {
    const name = 'é'.repeat(MAX_NAME_BYTES / 2); // 2 bytes each
    expect(parseGreeting(`Client Y: ${name}`).name).toBe(name);
  });

  test('formats what it parses', () => {
    expect(formatGreeting(parseGreeting('Client X: Alice'))).toBe('Client X: Alice');
  });
});

describe('acknowledgments', () => {
  const alice = { id: 'X', name: 'Alice' } as const;
  const bob = { id: 'Y', name: 'Bob' } as const;

  test.each([
    [alice, bob, 'X: Alice received before Y: Bob'],
    [bob, alice, 'Y: Bob received before X: Alice'],
  ])('names the first arrival first (%j before %j)', (first, second, ack) => {
    expect(formatAck(first, second)).toBe(ack);
  });

  test.each([
    ['X: Alice received before Y: Bob', alice, true],
    ['Y: Bob received before X: Alice', alice, true],
    ['X: Alice received before Y: Bob', bob, true],
    ['X: Alice received before Y: ', alice, false],
    ['X: Alicia received before Y: Bob', alice, false],
    ['Y: Bob received before Y: Alice', alice, false],
    ['Y: B received before X: Alice', alice, true],
    ['Y: received before X: Alice', alice, false],
    ['Error: client X is already connected', alice, false],
  ])('isAckFor(%j, %j) is %s', (line, own, expected) => {
    expect(isAckFor(line, own)).toBe(expected);
  });

  test('recognises its own name even when the names contain the separator', () => {
    const odd = { id: 'X', name: 'A received before Y: B' } as const;
    expect(isAckFor(formatAck({ id: 'Y', name: 'C' }, odd), odd)).toBe(true);
    expect(isAckFor(formatAck(odd, { id: 'Y', name: 'C' }), odd)).toBe(true);
  });

  test('the closing line is the assignment\'s, verbatim', () => {
    expect(FINAL_LINE).toBe('Sent acknowledgment to both X and Y');
  });
});

describe('neutralize', () => {
  test.each([
    ['plain Zoë 李雷 🐙', 'plain Zoë 李雷 🐙'],
    ['Eve\u001b[2J', 'Eve\\x1b[2J'],
    ['bell\u0007', 'bell\\x07'],
    ['nul\u0000', 'nul\\x00'],
    ['tab\there', 'tab\\x09here'],
    ['del\u007f c1\u009b', 'del\\x7f c1\\x9b'],
  ])('prints %j as %j', (text, shown) => {
    expect(neutralize(text)).toBe(shown);
  });
});

// The two questions the relay asks of every chat line: does it end the chat, and is it plain ASCII to copy.
test.each<[string, (text: string) => boolean, string, boolean]>([
  ['isBye', isBye, 'Bye', true],
  ['isBye', isBye, 'bye', true],
  ['isBye', isBye, ' BYE ', true],
  ['isBye', isBye, '\tbYe\t', true],
  ['isBye', isBye, 'bye for now', false],
  ['isBye', isBye, 'Goodbye', false],
  ['isBye', isBye, 'Bye!', false],
  ['isBye', isBye, 'I said bye', false],
  ['isBye', isBye, 'byee', false],
  ['isBye', isBye, 'by', false],
  ['isBye', isBye, '', false],
  ['isBye', isBye, '.'.repeat(1024), false],
  ['isPrintableAscii', isPrintableAscii, 'hello there', true],
  ['isPrintableAscii', isPrintableAscii, '~ !', true],
  ['isPrintableAscii', isPrintableAscii, '', true],
  ['isPrintableAscii', isPrintableAscii, 'Zoë', false],
  ['isPrintableAscii', isPrintableAscii, 'tab\there', false],
  ['isPrintableAscii', isPrintableAscii, '\u007f', false],
  ['isPrintableAscii', isPrintableAscii, '\u0085', false],
])('%s(%j) is %s', (_name, check, text, expected) => {
  expect(check(text)).toBe(expected);
});
