// Names as people have them: spaces, accents, CJK, emoji, the length limit,
// and one that tries to inject terminal escape sequences.
import { expect, test } from 'vitest';
import { runInOrder } from '../grader/exchange.js';
import { referenceTarget } from '../grader/target.js';
import { useScene } from './support/vitest.js';

// Two names per exchange, one for each client: what is tested is that each travels unchanged through argv,
// the wire and both consoles, and both clients' names take that path.
test.each([
  ['spaces (X) and accents (Y)', 'Mary Ann Smith', 'Zoë Ångström-Núñez'],
  ['CJK (X) and emoji (Y)', '李雷 韩梅梅', '🐙 Octo 👩‍💻'],
  ['a right-to-left script (X) and 256 ASCII bytes, the longest allowed (Y)', 'سلمى', 'n'.repeat(256)],
  ['the longest allowed: 256 bytes of 2-byte characters (X) and of 4-byte emoji (Y)', 'é'.repeat(128), '🐙'.repeat(64)],
])('names with %s travel unchanged to the server and both acknowledgments', async (_, xName, yName) => {
  const exchange = await runInOrder(useScene(), referenceTarget(), 'Y', { X: xName, Y: yName });
  const ack = `Y: ${yName} received before X: ${xName}`;
  expect({
    server: exchange.server.child.lines().slice(1, 4),
    x: exchange.x.lines(),
    y: exchange.y.lines(),
  }).toEqual({
    server: [`Received: Client Y: ${yName}`, `Received: Client X: ${xName}`, `Sent: ${ack}`],
    x: [`Sent: Client X: ${xName}`, `Received: ${ack}`],
    y: [`Sent: Client Y: ${yName}`, `Received: ${ack}`],
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
