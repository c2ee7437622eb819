// The coverage pipeline (spec/coverage/pipeline.ts): coverage from several
// processes is merged per script before one conversion, so every statement is
// counted once, and covered if any process ran it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CoverageMap } from 'istanbul-lib-coverage';
import libCoverage from 'istanbul-lib-coverage';
import { expect, onTestFinished, test } from 'vitest';
import { duplicateStatements, readProcessCoverage, toCoverageMap } from './coverage/pipeline.js';
import { compiledImplDir } from './coverage/scripts.js';
import { launch } from '../harness/process.js';
import { REPO_ROOT } from '../harness/repo-root.js';
import { useScene } from './support/vitest.js';

const IMPL = compiledImplDir(REPO_ROOT);
const PROTOCOL = join(REPO_ROOT, 'impl', 'protocol.ts');

/** Runs `node dist/impl/<args>` with V8 coverage into a fresh folder; returns the folder. */
async function coverageOf(args: string[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'ack-coverage-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const child = launch(useScene(), {
    label: `node ${args.join(' ')}`,
    argv: ['node', ...args],
    cwd: REPO_ROOT,
    env: { NODE_V8_COVERAGE: dir },
  });
  await child.waitForExit();
  return dir;
}

function statementHits(map: CoverageMap, file: string): number[] {
  return Object.values(map.fileCoverageFor(file).s);
}

test('coverage of two processes merges into one statement map, covered where either covered it', async () => {
  const [help, usage] = await Promise.all([
    coverageOf(['dist/impl/server.js', '--help']),
    coverageOf(['dist/impl/client.js', '--id', 'X', '--name', 'n'.repeat(300)]),
  ]);
  const one = await toCoverageMap(readProcessCoverage(help, IMPL).covs, IMPL);
  const other = await toCoverageMap(readProcessCoverage(usage, IMPL).covs, IMPL);
  const both = await toCoverageMap([...readProcessCoverage(help, IMPL).covs, ...readProcessCoverage(usage, IMPL).covs], IMPL);
  const statements = (map: CoverageMap) => map.fileCoverageFor(PROTOCOL).statementMap;
  expect(statements(both)).toEqual(statements(one));
  expect(statements(both)).toEqual(statements(other));
  const ran = (map: CoverageMap) => statementHits(map, PROTOCOL).map((hits) => hits > 0);
  const union = ran(one).map((hit, i) => hit || (ran(other)[i] as boolean));
  expect(ran(both)).toEqual(union);
  expect(ran(both)).not.toEqual(ran(one)); // the two runs covered different code
  expect(duplicateStatements(both)).toEqual([]);
});

test('every compiled file is reported, loaded or not, under its TypeScript name', async () => {
  const map = await toCoverageMap([], IMPL);
  expect(map.files().map((file) => file.slice(REPO_ROOT.length + 1)).sort()).toEqual([
    'impl/ack-client.ts',
    'impl/ack-server.ts',
    'impl/chat-client.ts',
    'impl/cli.ts',
    'impl/client-args.ts',
    'impl/client.ts',
    'impl/errors.ts',
    'impl/output.ts',
    'impl/protocol.ts',
    'impl/relay.ts',
    'impl/server-args.ts',
    'impl/server-machine.ts',
    'impl/server.ts',
    'impl/sockets.ts',
  ]);
  expect(map.getCoverageSummary().lines.covered).toBe(0);
});

test('a statement mapped twice, as a naive merge of two mappings would, is detected', () => {
  const location = (line: number, end: number) => ({ start: { line, column: 0 }, end: { line, column: end } });
  const map = libCoverage.createCoverageMap({
    [PROTOCOL]: {
      path: PROTOCOL,
      statementMap: { 0: location(10, 20), 1: location(10, 24) },
      s: { 0: 1, 1: 1 },
      fnMap: {},
      f: {},
      branchMap: {},
      b: {},
    },
  });
  expect(duplicateStatements(map)).toEqual([`${PROTOCOL}:10:0`]);
});

test('a coverage file cut short by a killed process is listed and left out, not fatal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ack-v8-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'coverage-1.json'), JSON.stringify({ result: [] }));
  writeFileSync(join(dir, 'coverage-2.json'), '{"result": [{"scriptId": "1", "url": "file:///x');
  const read = readProcessCoverage(dir, IMPL);
  expect(read).toEqual({ covs: [{ result: [] }], cutShort: ['coverage-2.json'] });
});
