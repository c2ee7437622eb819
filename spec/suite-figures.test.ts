// The figures printed at the suite's end: the pid log, the slowest files and the spawn floor.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { REPO_ROOT } from '../harness/repo-root.js';
import { SLOW_FIRST } from './support/sequencer.js';
import { coldStarts, formatFigures, median, parsePidLog, slowestFiles, spawnFloor } from './support/suite-figures.js';

describe('the pid log', () => {
  test.each([
    ['123 456 spec/chat.test.ts', { pid: 123, started: '456', file: 'spec/chat.test.ts' }],
    ['123 - spec/chat.test.ts', { pid: 123, started: undefined, file: 'spec/chat.test.ts' }],
    ['123 456 -', { pid: 123, started: '456', file: undefined }],
    ['123 456', { pid: 123, started: '456', file: undefined }],
    ['123 456 spec/a b.test.ts', { pid: 123, started: '456', file: 'spec/a b.test.ts' }],
    ['- - spec/chat.test.ts', { pid: undefined, started: undefined, file: 'spec/chat.test.ts' }],
    ['- ended spec/chat.test.ts', { pid: undefined, started: undefined, file: 'spec/chat.test.ts', ended: true }],
  ])('%j is read as %j', (line, expected) => {
    expect(parsePidLog(`${line}\n`)).toEqual([expected]);
  });

  test('blank lines are skipped', () => {
    expect(parsePidLog('\n1 2 a\n\n')).toHaveLength(1);
  });
});

describe('the slowest files', () => {
  const pids = parsePidLog('1 1 spec/a.test.ts\n2 1 spec/a.test.ts\n3 1 spec/c.test.ts\n4 1 -\n');
  const files = [
    { file: 'spec/a.test.ts', seconds: 2 },
    { file: 'spec/b.test.ts', seconds: 5 },
    { file: 'spec/c.test.ts', seconds: 1 },
  ];

  test('are listed slowest first, each with the processes it started', () => {
    expect(slowestFiles(files, pids, 10)).toEqual([
      { file: 'spec/b.test.ts', seconds: 5, processes: 0 },
      { file: 'spec/a.test.ts', seconds: 2, processes: 2 },
      { file: 'spec/c.test.ts', seconds: 1, processes: 1 },
    ]);
  });

  test('are cut to the count asked for', () => {
    expect(slowestFiles(files, pids, 1).map(({ file }) => file)).toEqual(['spec/b.test.ts']);
  });
});

describe('the spawn floor', () => {
  test.each([
    [{ processes: 1000, coldStartMs: 100, cores: 2, wallSeconds: 100 }, 50, 2],
    [{ processes: 1000, coldStartMs: 100, cores: 1, wallSeconds: 100 }, 100, 1],
    [{ processes: 10, coldStartMs: 50, cores: 4, wallSeconds: 1 }, 0.125, 8],
  ])('%j has floor %s s and ratio %s', (run, floorSeconds, ratio) => {
    const floor = spawnFloor(run);
    expect(floor.floorSeconds).toBeCloseTo(floorSeconds, 9);
    expect(floor.ratio).toBeCloseTo(ratio, 9);
  });

  test('with no process started there is no ratio, and the line says so', () => {
    const lines = formatFigures([], spawnFloor({ processes: 0, coldStartMs: 100, cores: 2, wallSeconds: 3 }));
    expect(lines.at(-1)).toBe('Spawn floor: 0 processes × 100 ms cold start ÷ 2 cores = 0.0 s; wall time 3.0 s and no floor to compare (no process started)');
  });

  test('is printed after the table of files', () => {
    const floor = spawnFloor({ processes: 881, coldStartMs: 100, cores: 2, wallSeconds: 88.1 });
    expect(formatFigures([{ file: 'spec/a.test.ts', seconds: 12.34, processes: 7 }], floor)).toEqual([
      'Slowest 1 spec files (time, child processes started):',
      '  spec/a.test.ts    12.3 s      7 processes',
      'Spawn floor: 881 processes × 100 ms cold start ÷ 2 cores = 44.0 s; wall time 88.1 s is 2.00× the floor',
    ]);
  });
});

describe('the cold start', () => {
  test('of a program that runs is timed once per start, each a positive number of milliseconds', () => {
    const times = coldStarts([process.execPath, '-e', '0'], 2, process.cwd());
    expect(times).toHaveLength(2);
    expect(Math.min(...times)).toBeGreaterThan(0);
  });

  test('of a program that fails is not timed, and the median of nothing is not a number', () => {
    const times = coldStarts([process.execPath, '-e', 'process.exit(3)'], 1, process.cwd());
    expect([times, median(times)]).toEqual([[], Number.NaN]);
  });

  test.each([
    [[70], 70],
    [[90, 60, 70], 70],
    [[60, 70, 80, 90], 75],
    [[52, 55, 51, 54, 53, 90, 95, 88, 92, 91], 71.5],
  ])('the median of %j is %s', (times, expected) => {
    expect(median(times)).toBe(expected);
  });

  test('the processes run to their end are shown among all', () => {
    const floor = spawnFloor({ processes: 1000, ended: 250, coldStartMs: 88, cores: 2, wallSeconds: 88 });
    expect(formatFigures([], floor).at(-1)).toBe(
      'Spawn floor: 1000 processes (250 of them run to their end: probes, checks, one-off commands) × 88 ms cold start ÷ 2 cores = 44.0 s; wall time 88.0 s is 2.00× the floor',
    );
  });

  test('timed at both ends of the run, each end is shown beside the median of all', () => {
    const floor = spawnFloor({ processes: 1000, coldStartMs: 88, ends: { before: 53, after: 91 }, cores: 2, wallSeconds: 88 });
    expect(formatFigures([], floor).at(-1)).toBe(
      'Spawn floor: 1000 processes × 88 ms cold start (the median of starts before the specs, 53 ms, and after them, 91 ms) ÷ 2 cores = 44.0 s; wall time 88.0 s is 2.00× the floor',
    );
  });
});

test('every file the sequencer starts first exists', () => {
  expect(SLOW_FIRST.filter((file) => !existsSync(join(REPO_ROOT, file)))).toEqual([]);
});
