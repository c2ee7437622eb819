/**
 * The valid pair, as raw sockets: X greets, and once the server has printed
 * X's greeting, Y greets; both must get the acknowledgment. The specs of the
 * server send it after whatever they test, to show the server still serves,
 * whether the server is the real program or its engine in-process.
 */
import { connectAndSend, type Peer } from '../../harness/peer.js';
import type { Scene } from '../../harness/scene.js';
import type { RunningServer } from '../../grader/launch.js';
import type { InProcessServer } from './in-process-server.js';

/** The acknowledgment the valid pair gets. */
export const VALID_PAIR_ACK = 'X: Alice received before Y: Bob';

/**
 * Greets as X (Alice) then Y (Bob) and resolves with both peers once both have the acknowledgment.
 *
 * @example
 * const [x, y] = await completeValidPair(useScene(), await startInProcessServer());
 */
export async function completeValidPair(scene: Scene, server: RunningServer | InProcessServer): Promise<[Peer, Peer]> {
  const x = await connectAndSend(scene, server, 'X', 'Client X: Alice\n');
  await ('child' in server ? server.child : server).waitForLine('Received: Client X: Alice');
  const y = await connectAndSend(scene, server, 'Y', 'Client Y: Bob\n');
  await Promise.all([x.waitForLine(VALID_PAIR_ACK), y.waitForLine(VALID_PAIR_ACK)]);
  return [x, y];
}
