/**
 * Coverage of impl/ that counts code run inside spawned programs.
 *
 * Every count comes from the same compiled files, dist/impl/*.js: spawned
 * programs write V8 coverage through NODE_V8_COVERAGE, and in-process unit
 * tests load the same compiled files natively and write theirs through the
 * inspector (spec/coverage/in-process.ts). The raw V8 data of all processes is
 * merged per script first, and only then converted to istanbul, once per file,
 * through tsc's source maps. One mapping, applied once: no statement can be
 * counted twice, which {@link duplicateStatements} checks on every run.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Profiler } from 'node:inspector';
import { mergeProcessCovs, type ProcessCov } from '@bcoe/v8-coverage';
import libCoverage, { type CoverageMap } from 'istanbul-lib-coverage';
import libReport from 'istanbul-lib-report';
import reports from 'istanbul-reports';
import v8ToIstanbul from 'v8-to-istanbul';
import { onlyScriptsUnder } from './scripts.js';

/** What {@link readProcessCoverage} found: the coverage, and files cut short. */
export interface ReadCoverage {
  readonly covs: ProcessCov[];
  /** Files that are not whole JSON: a process killed while V8 was writing them (a stop's SIGKILL after its grace, say). */
  readonly cutShort: string[];
}

/** Reads every V8 coverage file in `v8Dir`, keeping scripts under `dir`; a file cut short is listed, not fatal. */
export function readProcessCoverage(v8Dir: string, dir: string): ReadCoverage {
  let files: string[];
  try {
    files = readdirSync(v8Dir).filter((file) => file.endsWith('.json'));
  } catch {
    return { covs: [], cutShort: [] };
  }
  const covs: ProcessCov[] = [];
  const cutShort: string[] = [];
  for (const file of files) {
    try {
      covs.push(onlyScriptsUnder(JSON.parse(readFileSync(join(v8Dir, file), 'utf8')) as ProcessCov, dir));
    } catch {
      cutShort.push(file);
    }
  }
  return { covs, cutShort };
}

/**
 * Merges V8 coverage of many processes and converts it, once per script, to
 * an istanbul coverage map of the original TypeScript. Compiled files that no
 * process loaded are included with zero counts.
 */
export async function toCoverageMap(processCovs: readonly ProcessCov[], dir: string): Promise<CoverageMap> {
  const merged = mergeProcessCovs(processCovs);
  const byPath = new Map<string, Profiler.FunctionCoverage[]>();
  for (const script of merged.result) byPath.set(fileURLToPath(script.url), script.functions);
  for (const file of readdirSync(dir)) {
    const path = resolve(dir, file);
    if (!file.endsWith('.js') || byPath.has(path)) continue;
    const length = readFileSync(path, 'utf8').length;
    byPath.set(path, [{ functionName: '(empty-report)', isBlockCoverage: true, ranges: [{ startOffset: 0, endOffset: length, count: 0 }] }]);
  }
  const map = libCoverage.createCoverageMap({});
  for (const [path, functions] of [...byPath].sort(([a], [b]) => a.localeCompare(b))) {
    const converter = v8ToIstanbul(path);
    await converter.load();
    converter.applyCoverage(functions);
    map.merge(converter.toIstanbul());
    converter.destroy();
  }
  return map;
}

/**
 * Lists statements that occur twice in one file (same start position), the
 * sign of two mappings of one statement merged side by side. Empty is good.
 */
export function duplicateStatements(map: CoverageMap): string[] {
  const duplicates: string[] = [];
  for (const file of map.files()) {
    const seen = new Set<string>();
    for (const location of Object.values(map.fileCoverageFor(file).statementMap)) {
      const key = `${location.start.line}:${location.start.column}`;
      if (seen.has(key)) duplicates.push(`${file}:${key}`);
      seen.add(key);
    }
  }
  return duplicates;
}

/** Writes HTML, lcov, JSON summary and a text summary (to stdout) of `map` into `outDir`. */
export function writeReports(map: CoverageMap, outDir: string): void {
  const context = libReport.createContext({ dir: outDir, coverageMap: map, defaultSummarizer: 'nested' });
  for (const name of ['html', 'lcovonly', 'json-summary', 'json', 'text-summary'] as const) {
    reports.create(name, name === 'lcovonly' ? { file: 'lcov.info' } : {}).execute(context);
  }
}

/** Line and branch percentages of the whole map. */
export function totals(map: CoverageMap): { lines: number; branches: number; statements: number; functions: number } {
  const summary = map.getCoverageSummary();
  return {
    lines: summary.lines.pct,
    branches: summary.branches.pct,
    statements: summary.statements.pct,
    functions: summary.functions.pct,
  };
}
