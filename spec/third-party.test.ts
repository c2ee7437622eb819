// Clients nobody here wrote: nc and socat from Debian's packages speak the
// wire protocol as plain text and must get the same acknowledgment.
import { expect, test } from 'vitest';
import { findCommand } from '../harness/commands.js';
import { launch } from '../harness/process.js';
import { startServer } from '../grader/launch.js';
import { referenceTarget } from '../grader/target.js';
import { REPO_ROOT } from '../harness/repo-root.js';
import { useScene } from './support/vitest.js';

const missing = ['nc', 'socat'].filter((command) => findCommand(command) === undefined);

test('nc as X and socat as Y get the acknowledgment, and the server completes', async ({ skip }) => {
  skip(missing.length > 0, `${missing.join(' and ')} not installed (apt-get install netcat-openbsd socat)`);
  const scene = useScene();
  const server = await startServer(scene, referenceTarget());
  const address = { host: server.host, port: String(server.port) };
  // nc -N half-closes after its input ends and keeps reading: the server must still answer.
  const nc = launch(scene, { label: 'nc (X)', argv: ['nc', '-N', address.host, address.port], cwd: REPO_ROOT });
  nc.write('Client X: Alice\n');
  nc.endInput();
  await server.child.waitForLine('Received: Client X: Alice');
  // socat keeps its input open and exits when the server closes the connection.
  const socat = launch(scene, { label: 'socat (Y)', argv: ['socat', '-', `TCP:${address.host}:${address.port}`], cwd: REPO_ROOT });
  socat.write('Client Y: Bob\n');
  await Promise.all([nc.waitForExit(), socat.waitForExit(), server.child.waitForExit()]);
  const ack = 'X: Alice received before Y: Bob';
  expect({ nc: nc.lines(), socat: socat.lines(), server: server.child.lines().slice(1), exits: [nc.exit, socat.exit] }).toEqual({
    nc: [ack],
    socat: [ack],
    server: ['Received: Client X: Alice', 'Received: Client Y: Bob', `Sent: ${ack}`, 'Sent acknowledgment to both X and Y'],
    exits: [{ code: 0, signal: null }, { code: 0, signal: null }],
  });
});
