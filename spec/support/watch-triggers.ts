/**
 * What makes vitest's watch mode rerun the specs. The specs run the compiled
 * programs in dist/, spawned or loaded through vitest.config.ts's alias, and
 * a spawned program is in no module graph: vitest cannot tell which specs use
 * it. So while `npm run test:watch` keeps dist/ current (its `tsc --watch`,
 * scripts/test-watch.mjs, which sets {@link WATCH_DIST_ENV}), every rebuilt
 * program file reruns the specs (those the command line names, if any).
 * spec/test-watch.test.ts runs the script with this rule on a project of its own.
 */
import { configDefaults } from 'vitest/config';

/** Set to `1` by scripts/test-watch.mjs for the vitest it starts. */
export const WATCH_DIST_ENV = 'ACK_WATCH_DIST';

/**
 * vitest's `forceRerunTriggers` for a project whose folder is `root` (ending
 * in a slash): its defaults, and in watch mode every compiled program file.
 *
 * @example
 * rerunTriggers('/work/main/', { ACK_WATCH_DIST: '1' }).at(-1)?.startsWith('/work/main/dist/{impl,grader,'); // true
 */
export function rerunTriggers(root: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const triggers = [...configDefaults.forceRerunTriggers];
  return env[WATCH_DIST_ENV] === '1' ? [...triggers, `${root}dist/{impl,grader,harness,scripts}/**/*.js`] : triggers;
}
