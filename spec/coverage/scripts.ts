/**
 * Which scripts of a process's V8 coverage are counted: the compiled
 * programs, dist/impl/*.js. A module of its own, with no dependencies, so a
 * test worker (spec/coverage/in-process.ts) can pick its scripts without
 * loading the report libraries spec/coverage/pipeline.ts needs.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ProcessCov } from '@bcoe/v8-coverage';

/**
 * The compiled files whose coverage is reported (mapped back to impl/*.ts).
 *
 * @example
 * compiledImplDir('/repo'); // '/repo/dist/impl'
 */
export function compiledImplDir(root: string): string {
  return join(root, 'dist', 'impl');
}

/**
 * Keeps only the scripts under `dir` from one process's V8 coverage.
 *
 * @example
 * onlyScriptsUnder({ result }, compiledImplDir(REPO_ROOT)).result; // the dist/impl scripts of `result`
 */
export function onlyScriptsUnder(processCov: ProcessCov, dir: string): ProcessCov {
  const prefix = pathToFileURL(dir).href + '/';
  return { result: processCov.result.filter((script) => script.url.startsWith(prefix)) };
}
