// The suite's folders in the temporary folder (spec/support/suite-folders.ts): a run removes those whose
// vitest ended without its teardown, and no other. Each test works in a parent folder of its own.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, onTestFinished, test } from 'vitest';
import { launch, startTime } from '../harness/process.js';
import { REPO_ROOT } from '../harness/repo-root.js';
import { claimSuiteFolder, SUITE_FOLDER_PREFIX, sweepSuiteFolders } from './support/suite-folders.js';
import { useScene } from './support/vitest.js';

/** A new parent folder, removed when the test ends. */
function parentFolder(): string {
  const parent = mkdtempSync(join(tmpdir(), 'ack-folders-'));
  onTestFinished(() => rmSync(parent, { recursive: true, force: true }));
  return parent;
}

/** A suite folder in `parent` whose owner file says `owner` (none if undefined). */
function suiteFolder(parent: string, name: string, owner?: string): string {
  const dir = join(parent, `${SUITE_FOLDER_PREFIX}${name}`);
  mkdirSync(join(dir, 'v8'), { recursive: true });
  if (owner !== undefined) writeFileSync(join(dir, 'owner'), owner);
  return dir;
}

/** The owner line of a process that has run and exited: its pid and start time. */
async function endedProcess(): Promise<string> {
  const child = launch(useScene(), { label: 'sleep', argv: ['sleep', '60'], cwd: REPO_ROOT });
  const started = startTime(child.pid!);
  child.signal('SIGKILL');
  await child.waitForExit();
  return `${child.pid} ${started}\n`;
}

test('a folder whose vitest has ended is removed; one whose vitest runs, one without an owner, and other folders stay', async () => {
  const parent = parentFolder();
  const ended = suiteFolder(parent, 'ended', await endedProcess());
  const running = suiteFolder(parent, 'running', `${process.pid} ${startTime(process.pid)}\n`);
  const unowned = suiteFolder(parent, 'unowned');
  mkdirSync(join(parent, 'something-else'));
  expect(sweepSuiteFolders(parent)).toEqual([ended]);
  expect(readdirSync(parent).sort()).toEqual([running, unowned].map((dir) => dir.slice(parent.length + 1)).concat('something-else').sort());
});

test('a folder whose owner pid now belongs to another process (another start time) is removed', () => {
  const parent = parentFolder();
  const reused = suiteFolder(parent, 'reused', `${process.pid} 1\n`);
  expect(sweepSuiteFolders(parent)).toEqual([reused]);
  expect(existsSync(reused)).toBe(false);
});

test('a folder this process claims names it as the owner, and a sweep keeps it', () => {
  const parent = parentFolder();
  const mine = suiteFolder(parent, 'mine');
  claimSuiteFolder(mine);
  expect(sweepSuiteFolders(parent)).toEqual([]);
  expect(existsSync(join(mine, 'v8'))).toBe(true);
});

test('an owner file that names no pid leaves its folder alone', () => {
  const parent = parentFolder();
  const garbled = suiteFolder(parent, 'garbled', 'not a pid\n');
  expect(sweepSuiteFolders(parent)).toEqual([]);
  expect(existsSync(garbled)).toBe(true);
});
