/**
 * The harness's one tie to vitest: a scene per test, disposed of when the
 * test finishes, pass or fail, so no test leaks a process, port or socket.
 */
import { onTestFinished, type TestContext } from 'vitest';
import { Scene } from '../../harness/scene.js';

/**
 * Returns a fresh scene owned by the current test. A test that runs
 * concurrently with others passes its context: vitest's global
 * onTestFinished cannot tell which of them is current.
 *
 * @example
 * test('the server exits after the exchange', async () => {
 *   const scene = useScene();
 *   const server = await startServer(scene, referenceTarget());
 * });
 */
export function useScene(context?: Pick<TestContext, 'onTestFinished'>): Scene {
  const scene = new Scene();
  (context?.onTestFinished ?? onTestFinished)(() => scene.dispose());
  return scene;
}
