// npm run test:watch (scripts/test-watch.mjs), on a project of its own in a temporary folder: one program
// compiled from TypeScript, one spec that only spawns it (as the suite's specs spawn the programs in dist/,
// which vitest's module graph never sees), the repository's rerun rule (spec/support/watch-triggers.ts) and its
// node_modules. Not on the repository itself: a rebuild there would rewrite dist/ under the specs running
// beside this one.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, onTestFinished, test } from 'vitest';
import { launch, stackTraceLines } from '../harness/process.js';
import { REPO_ROOT } from '../harness/repo-root.js';
import { useScene } from './support/vitest.js';

/** The program: prints `value`. It declares the one global it uses, so that it compiles against ECMAScript's library alone. */
const program = (value: number): string => `declare const console: { log(value: unknown): void };\nexport const VALUE: number = ${value};\nconsole.log(VALUE);\n`;

/** How long a build or a run of the one spec may take: tsc and vitest start in seconds, longer on a busy machine. */
const STEP_MS = 90_000;

/** Writes the project into a new temporary folder, removed when the test ends; returns the folder. */
function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ack-watch-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  for (const folder of ['scripts', 'impl', 'spec', 'tmp']) mkdirSync(join(dir, folder));
  copyFileSync(join(REPO_ROOT, 'scripts', 'test-watch.mjs'), join(dir, 'scripts', 'test-watch.mjs'));
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  // lib es2022 only: by default tsc would also parse the DOM's declarations (about 1.3 MB), half of a build's CPU here.
  const compilerOptions = { module: 'nodenext', target: 'es2022', lib: ['es2022'], outDir: 'dist', rootDir: '.', strict: true, skipLibCheck: true, types: [] };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['impl/**/*.ts'] }));
  writeFileSync(join(dir, 'impl', 'value.ts'), program(1));
  writeFileSync(
    join(dir, 'vitest.config.mjs'),
    [
      "import { fileURLToPath } from 'node:url';",
      "import { defineConfig } from 'vitest/config';",
      `import { rerunTriggers } from ${JSON.stringify(join(REPO_ROOT, 'spec', 'support', 'watch-triggers.ts'))};`,
      "const root = fileURLToPath(new URL('.', import.meta.url));",
      "export default defineConfig({ test: { include: ['spec/*.test.mjs'], forceRerunTriggers: rerunTriggers(root) } });",
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'spec', 'value.test.mjs'),
    [
      "import { spawnSync } from 'node:child_process';",
      "import { expect, test } from 'vitest';",
      "test('the program prints 1', () => {",
      "  expect(spawnSync(process.execPath, ['dist/impl/value.js'], { encoding: 'utf8' }).stdout).toBe('1\\n');",
      '});',
      '',
    ].join('\n'),
  );
  return dir;
}

test('a changed source is compiled and reruns a spec that only spawns its program; Ctrl-C ends the watch with 130 and leaves no temporary folder', { timeout: 4 * STEP_MS }, async () => {
  const dir = project();
  // Its own process group, and SIGINT to all of it, as a terminal sends Ctrl-C to a job (on a terminal vitest
  // reads Ctrl-C as a key instead, and ends the same way); a watch that fails the test is ended whole. CI cleared:
  // vitest's watch mode is for a person at a terminal. Its temporary directory is the project's, to be seen empty
  // after; on Node 22 and later, tsc keeps Node's compile cache there (a cache every Node program on the machine
  // shares, kept on purpose), so that is turned off.
  const scene = useScene();
  const tmp = join(dir, 'tmp');
  const env = { CI: '', TMPDIR: tmp, NODE_DISABLE_COMPILE_CACHE: '1' };
  const watch = launch(scene, { label: 'npm run test:watch', argv: ['node', 'scripts/test-watch.mjs'], cwd: dir, group: true, env });
  await watch.waitForLine('test:watch: build done, 0 TypeScript errors', 'stderr', STEP_MS);
  await watch.waitForLine(/^\s*Tests\s+1 passed \(1\)$/, 'stdout', STEP_MS);

  writeFileSync(join(dir, 'impl', 'value.ts'), program(2));
  await watch.waitForLine(/^\s*RERUN\s+dist\/impl\/value\.js/, 'stdout', STEP_MS);
  await watch.waitForLine(/^\s*Tests\s+1 failed \(1\)$/, 'stdout', STEP_MS);

  watch.signal('SIGINT');
  expect(await watch.waitForExit()).toEqual({ code: 130, signal: null });
  expect(stackTraceLines(scene)).toEqual([]);
  // vitest's folder of transformed modules, which a vitest ended by a signal leaves, went with the watch's own.
  expect(readdirSync(tmp)).toEqual([]);
});
