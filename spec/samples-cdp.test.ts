// The DevTools protocol pipe `npm run samples` renders its screenshots over
// (scripts/samples-cdp.ts): NUL-ended messages cut into chunks however the
// pipe likes come out whole, and a reply with an `error` is one line naming
// the command; the connection runs here over in-memory streams, no browser.
import { PassThrough } from 'node:stream';
import { expect, test } from 'vitest';
import { CdpPipe, splitMessages } from '../scripts/samples-cdp.js';

/** Every message the chunks hold, and what is left unfinished after the last. */
function framed(chunks: readonly string[]): { messages: string[]; rest: string } {
  const messages: string[] = [];
  let rest = '';
  for (const chunk of chunks) {
    const split = splitMessages(rest, chunk);
    messages.push(...split.messages);
    rest = split.rest;
  }
  return { messages, rest };
}

test.each<[string, string[], string[], string]>([
  ['one message in one chunk', ['{"id":1}\0'], ['{"id":1}'], ''],
  ['a message split across chunks', ['{"id"', ':1,"result"', ':{}}\0'], ['{"id":1,"result":{}}'], ''],
  ['a message split right before its NUL', ['{"id":1}', '\0'], ['{"id":1}'], ''],
  ['two in one chunk', ['{"id":1}\0{"id":2}\0'], ['{"id":1}', '{"id":2}'], ''],
  ['two in one chunk, a third begun', ['{"id":1}\0{"id":2}\0{"me'], ['{"id":1}', '{"id":2}'], '{"me'],
  ['the third finished by the next chunk', ['{"id":1}\0{"id":2}\0{"me', 'thod":"x"}\0'], ['{"id":1}', '{"id":2}', '{"method":"x"}'], ''],
  ['an empty trailing part is no message', ['{"id":1}\0', ''], ['{"id":1}'], ''],
  ['an empty chunk first', ['', '{"id":1}\0'], ['{"id":1}'], ''],
  ['no NUL yet', ['{"id":1'], [], '{"id":1'],
  ['one character at a time', [...'{"a":"é"}\0{}\0'], ['{"a":"é"}', '{}'], ''],
])('framing: %s', (_name, chunks, messages, rest) => {
  expect(framed(chunks)).toEqual({ messages, rest });
});

/** A connection whose browser side is in-memory streams: what it was sent, and a way to answer. */
function fakeBrowser(): { cdp: CdpPipe; sent: () => Record<string, unknown>[]; answer: (text: string) => void; hangUp: () => void } {
  const commands = new PassThrough();
  const replies = new PassThrough();
  let written = '';
  commands.setEncoding('utf8');
  commands.on('data', (text: string) => (written += text));
  return {
    cdp: new CdpPipe(commands, replies),
    sent: () => framed([written]).messages.map((text) => JSON.parse(text) as Record<string, unknown>),
    answer: (text) => replies.write(text),
    hangUp: () => replies.destroy(),
  };
}

test('a reply resolves its command by id, an event its session\'s wait, a reply with an error is one line naming the method', async () => {
  const browser = fakeBrowser();
  const created = browser.cdp.send('Target.createTarget', { url: 'about:blank' });
  const navigated = browser.cdp.send('Page.navigate', { url: 'file:///nowhere' }, 'S1');
  const loaded = browser.cdp.event('S1', (method) => method === 'Page.loadEventFired');
  await new Promise((resolve) => setImmediate(resolve));
  expect(browser.sent()).toEqual([
    { id: 1, method: 'Target.createTarget', params: { url: 'about:blank' } },
    { id: 2, method: 'Page.navigate', params: { url: 'file:///nowhere' }, sessionId: 'S1' },
  ]);
  // Out of order, cut mid-message, with another session's event first.
  browser.answer('{"id":2,"sessionId":"S1","error":{"code":-32000,"message":"Cannot\\nnavigate"}}\0{"method":"Page.loadEventFired","sessionId":"S2","params":{}}\0{"id":1,"res');
  browser.answer('ult":{"targetId":"T1"}}\0{"method":"Page.loadEventFired","sessionId":"S1","params":{"timestamp":1}}\0');
  await expect(created).resolves.toEqual({ targetId: 'T1' });
  await expect(navigated).rejects.toThrow(/^Page\.navigate failed: -32000 Cannot navigate$/);
  await expect(loaded).resolves.toEqual({ timestamp: 1 });
});

test('once the pipe closes, every wait fails, and so does a command sent later', async () => {
  const browser = fakeBrowser();
  const pending = browser.cdp.send('Page.captureScreenshot', {}, 'S1');
  const loaded = browser.cdp.event('S1', () => true);
  browser.hangUp();
  await expect(pending).rejects.toThrow('the browser closed its pipe');
  await expect(loaded).rejects.toThrow('the browser closed its pipe');
  expect(browser.cdp.open).toBe(false);
  await expect(browser.cdp.send('Browser.close')).rejects.toThrow('the browser closed its pipe');
});
