// Names as people have them: spaces, accents, CJK, emoji, the length limit,
// and one that tries to inject terminal escape sequences.
import { expect, test } from 'vitest';
import { runInOrder } from '../grader/exchange.js';
import { referenceTarget } from '../grader/target.js';
import { useScene } from './support/vitest.js';

test.each([
  ['spaces', 'Mary Ann Smith'],
  ['accents', 'Zoë Ångström-Núñez'],
  ['CJK', '李雷 韩梅梅'],
  ['emoji', '🐙 Octo 👩‍💻'],
  ['right-to-left script', 'سلمى'],
  ['256 ASCII bytes (the limit)', 'n'.repeat(256)],
  ['256 bytes of 2-byte characters (the limit)', 'é'.repeat(128)],
  ['64 emoji of 4 bytes (the limit)', '🐙'.repeat(64)],
])('a name with %s travels unchanged to the server and both acknowledgments', async (_, name) => {
  const exchange = await runInOrder(useScene(), referenceTarget(), 'Y', { X: name, Y: 'Bob' });
  const ack = `Y: Bob received before X: ${name}`;
  expect({
    server: exchange.server.child.lines().slice(1, 4),
    x: exchange.x.lines(),
    y: exchange.y.lines().at(-1),
  }).toEqual({
    server: ['Received: Client Y: Bob', `Received: Client X: ${name}`, `Sent: ${ack}`],
    x: [`Sent: Client X: ${name}`, `Received: ${ack}`],
    y: `Received: ${ack}`,
  });
});

test('a name with terminal escape sequences is printed neutralized by every program', async () => {
  const name = 'Eve\u001b[2J\u001b]0;pwned\u0007';
  const shown = 'Eve\\x1b[2J\\x1b]0;pwned\\x07';
  const exchange = await runInOrder(useScene(), referenceTarget(), 'X', { X: name, Y: 'Bob' });
  const ack = `X: ${shown} received before Y: Bob`;
  expect({
    server: exchange.server.child.output().includes('\u001b'),
    x: exchange.x.lines(),
    y: exchange.y.lines(),
  }).toEqual({
    server: false,
    x: [`Sent: Client X: ${shown}`, `Received: ${ack}`],
    y: ['Sent: Client Y: Bob', `Received: ${ack}`],
  });
});
