#!/usr/bin/env node
// npm run test:watch: vitest's watch mode on a build that keeps itself
// current. The specs run the compiled programs in dist/ (spawned, and loaded
// in-process through vitest.config.ts's alias), which vitest's own watcher
// would never rebuild: here `tsc --watch` compiles on every change, and
// vitest, started once the first build is done, reruns the specs when dist/
// changes (ACK_WATCH_DIST, read by spec/support/watch-triggers.ts). Plain JavaScript on
// purpose: it must run before anything is compiled.
// vitest keeps the modules it transforms in a folder of its temporary directory
// that it removes only when it closes itself (q); ended by a signal (Ctrl-C
// off a terminal, kill), it leaves it, as the suite leaves its own. So the
// vitest started here gets a TMPDIR of its own, removed when the watch ends.
// Usage: npm run test:watch [-- VITEST_ARGS]   e.g. npm run test:watch -- spec/chat.test.ts
// Exit: vitest's own status when it ends (q), 130 on Ctrl-C, 2 when TypeScript is not installed.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const resolve = createRequire(import.meta.url).resolve;

let tscPath;
let vitestPath;
try {
  tscPath = resolve('typescript/bin/tsc');
  vitestPath = join(dirname(resolve('vitest/package.json')), 'vitest.mjs');
} catch {
  process.stderr.write('test:watch: TypeScript or vitest is not installed; run npm ci first\n');
  process.exit(2);
}

/** tsc prints this after every build, with the number of errors. */
const BUILD_DONE = /Found (\d+) errors?\. Watching for file changes\./;

const tsc = spawn(process.execPath, [tscPath, '-p', join(root, 'tsconfig.json'), '--watch', '--preserveWatchOutput'], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
});
let vitest;

let stopping = false;

/**
 * Ends both children (each ours, by its own handle) and exits with `code` once they are gone. The first call
 * decides the code: on Ctrl-C the terminal signals vitest too, and its exit must not turn the 130 into its own.
 */
function stop(code) {
  if (stopping) return;
  stopping = true;
  const children = [tsc, vitest].filter((child) => child !== undefined && child.exitCode === null && child.signalCode === null);
  let left = children.length;
  if (left === 0) process.exit(code);
  for (const child of children) {
    child.once('exit', () => {
      left -= 1;
      if (left === 0) process.exit(code);
    });
    child.kill('SIGTERM');
  }
}

let pending = '';
tsc.stdout.setEncoding('utf8');
tsc.stdout.on('data', (text) => {
  pending += text;
  const lines = pending.split('\n');
  pending = lines.pop() ?? '';
  for (const line of lines) {
    // Only what matters between test runs: errors, and each build's count of them.
    const done = BUILD_DONE.exec(line);
    if (done) process.stderr.write(`test:watch: build done, ${done[1]} TypeScript error${done[1] === '1' ? '' : 's'}\n`);
    else if (/error TS\d+/.test(line)) process.stderr.write(`${line}\n`);
    if (done && vitest === undefined) {
      const scratch = mkdtempSync(join(tmpdir(), 'ack-test-watch-'));
      // Every way out goes through process.exit, after vitest has exited.
      process.once('exit', () => rmSync(scratch, { recursive: true, force: true }));
      vitest = spawn(process.execPath, [vitestPath, 'watch', ...process.argv.slice(2)], {
        cwd: root,
        stdio: 'inherit',
        env: { ...process.env, ACK_WATCH_DIST: '1', TMPDIR: scratch },
      });
      vitest.once('exit', (code, signal) => stop(code ?? (signal ? 130 : 1)));
    }
  }
});
tsc.once('exit', (code) => {
  if (vitest === undefined) {
    process.stderr.write(`test:watch: tsc --watch ended (code ${code}) before its first build\n`);
    process.exit(1);
  }
});
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => stop(130));
