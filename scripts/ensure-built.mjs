#!/usr/bin/env node
// Compiles the TypeScript only when a source changed since the last build, so
// `npm run grade` costs grading time, not a 15 s `tsc` on every call; with
// --always (what `npm run build` and `npm test` run) it compiles anyway. tsc
// builds incrementally (tsconfig.json), so a build after a small change
// re-checks only what the change can affect. Plain JavaScript on purpose: it
// must run before anything is compiled.
// The compiler is TypeScript 7's native tsc (devDependency typescript-native, an
// alias of typescript@7) where its binary for this platform is installed: a full
// build takes about 1 s here, TypeScript 5's 5.6 s, and a build with nothing to do
// 0.5 s against 2 s. The JavaScript both emit is the same. TypeScript 5 (the
// typescript package, which ESLint's parser needs) is the fallback, and what
// npm run test:watch runs, for its watch mode's messages.
// After tsc, it bundles the grading worker into one file (dist/grader/worker.bundle.mjs):
// a worker starts for every scenario, and one file loads in about 60 ms less CPU than the
// thirty modules it is made of; grader/worker.ts uses it only while it is newer than them.
// Usage: node scripts/ensure-built.mjs [--always]   (exit 0 when dist/ is current or was rebuilt, else tsc's status)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** What tsconfig.json compiles, and the settings that change the output. */
const SOURCES = ['impl', 'harness', 'grader', 'scripts', 'bench', 'spec', 'types', 'vitest.config.ts', 'tsconfig.json'];
/** tsc's record of the last build (tsconfig.json tsBuildInfoFile), touched after each build: its time is the build's. */
const STAMP = join(root, 'dist', '.tsbuildinfo');
const always = process.argv.includes('--always');

/** The newest modification time of a .ts file (or a listed file) under `path`. */
function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newest(full));
    else if (entry.name.endsWith('.ts')) latest = Math.max(latest, statSync(full).mtimeMs);
  }
  return latest;
}

const built = existsSync(STAMP) ? statSync(STAMP).mtimeMs : 0;
const changed = Math.max(...SOURCES.map((source) => newest(join(root, source))));
if (!always && built > changed) process.exit(0);

/** The native compiler's launcher, where it and its binary for this platform are installed; else undefined. */
function nativeTsc() {
  try {
    const pkg = createRequire(import.meta.url).resolve('typescript-native/package.json');
    // The launcher finds the binary in this package; without it, it throws (an unsupported platform, say).
    createRequire(pkg).resolve(`@typescript/typescript-${process.platform}-${process.arch}/package.json`);
    return join(dirname(pkg), 'bin', 'tsc');
  } catch {
    return undefined;
  }
}

let tsc = nativeTsc();
try {
  tsc ??= createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  process.stderr.write('build: TypeScript is not installed; run npm ci first\n');
  process.exit(2);
}
if (!always) process.stderr.write(built === 0 ? 'build: compiling (first run)\n' : 'build: sources changed since the last build; compiling\n');
const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
await bundleWorker();
// An incremental build that found nothing to do writes nothing: the stamp still says the build is current.
if (existsSync(STAMP)) utimesSync(STAMP, new Date(), new Date());
process.exit(0);

/** Bundles dist/grader/worker-main.js into dist/grader/worker.bundle.mjs; without esbuild (a production install) there is none, and workers load the modules. */
async function bundleWorker() {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    return;
  }
  await esbuild.build({
    entryPoints: [join(root, 'dist', 'grader', 'worker-main.js')],
    outfile: join(root, 'dist', 'grader', 'worker.bundle.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
    banner: { js: '// The grading worker (dist/grader/worker-main.js) in one file, by scripts/ensure-built.mjs; do not edit.' },
  });
}
