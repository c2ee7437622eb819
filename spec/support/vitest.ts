/**
 * The harness's one tie to vitest: a scene per test, disposed of when the
 * test finishes, pass or fail, so no test leaks a process, port or socket.
 */
import { onTestFinished } from 'vitest';
import { Scene } from '../../harness/scene.js';

/**
 * Returns a fresh scene owned by the current test.
 *
 * @example
 * test('the server exits after the exchange', async () => {
 *   const scene = useScene();
 *   const server = await startServer(scene, referenceTarget());
 * });
 */
export function useScene(): Scene {
  const scene = new Scene();
  onTestFinished(() => scene.dispose());
  return scene;
}
