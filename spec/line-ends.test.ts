// A terminal's output read as the program wrote it (harness/line-ends.ts): each CR LF the terminal
// ends a line with is LF again, whatever the chunks it arrives in, and every other byte stays.
import { expect, test } from 'vitest';
import { TerminalLineEnds } from '../harness/line-ends.js';

/** What `chunks` read as, one after another, then the stream's end. */
function read(chunks: readonly string[]): string {
  const ends = new TerminalLineEnds();
  return [...chunks.map((chunk) => ends.push(Buffer.from(chunk, 'latin1'))), ends.end()].map((bytes) => bytes.toString('latin1')).join('');
}

test.each<[string, string[], string]>([
  ['a line the terminal ended', ['Received: Client X: Alice\r\n'], 'Received: Client X: Alice\n'],
  ['a CR LF the program printed itself (CR CR LF on the terminal)', ['Bye\r\r\n'], 'Bye\r\n'],
  ['a CR alone (a progress line)', ['50%\r100%\r\n'], '50%\r100%\n'],
  ['a CR LF split between chunks', ['Name: Alice\r', '\nBob\r\n'], 'Name: Alice\nBob\n'],
  ['a CR that ends a chunk with no LF after it', ['one\r', 'two\r\n'], 'one\rtwo\n'],
  ['a CR that ends the stream', ['last\r'], 'last\r'],
  ['a prompt with no line end', ['Name: '], 'Name: '],
  ['an empty chunk between a CR and its LF', ['a\r', '', '\n'], 'a\n'],
  ['bytes of a UTF-8 name', ['Zo\xc3\xab\r\n'], 'Zo\xc3\xab\n'],
])('%s', (_, chunks, expected) => {
  expect(read(chunks)).toBe(expected);
});

test('a chunk without a CR is passed on as the same buffer', () => {
  const chunk = Buffer.from('no line end here\n');
  expect(new TerminalLineEnds().push(chunk)).toBe(chunk);
});
