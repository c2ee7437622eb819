/**
 * Runs once around the whole suite: gives every worker a bookkeeping folder
 * (spawned pids, V8 coverage), and at the end checks that no spawned process
 * is still alive, writes the coverage report of impl/ to reports/coverage,
 * and prints the number of processes started, the wall time, the ten
 * slowest files and the wall time's ratio to the spawn floor.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TestProject } from 'vitest/node';
import { COVERAGE_PRELOAD_ENV, isSameProcessAlive, NAMESPACED_DIR, SUITE_DIR_ENV } from '../harness/process.js';
import { REPO_ROOT } from '../harness/repo-root.js';
import { duplicateStatements, readProcessCoverage, toCoverageMap, totals, writeReports } from './coverage/pipeline.js';
import { compiledImplDir } from './coverage/scripts.js';
import { COVERAGE_GATES } from '../scripts/coverage-gates.js';
import { usePython3 } from './support/python3.js';
import { STRESS_RUNS_ENV } from './support/repeat.js';
import { claimSuiteFolder, SUITE_FOLDER_PREFIX, sweepSuiteFolders } from './support/suite-folders.js';
import { coldStarts, formatFigures, median, parsePidLog, shownSpecPath, slowestFiles, spawnFloor, type LoggedPid } from './support/suite-figures.js';

/** Coverage below these percentages of impl/ fails the run (the same gates npm run handin holds the summary to). */
export const THRESHOLDS = COVERAGE_GATES;

const COVERAGE_DIR = join(REPO_ROOT, 'reports', 'coverage');

function readPids(file: string): LoggedPid[] {
  try {
    return parsePidLog(readFileSync(file, 'utf8'));
  } catch {
    return []; // no process was spawned
  }
}

/** The program whose cold start is the unit of the spawn floor: the reference server, asked for its usage. */
const REFERENCE_START = [process.execPath, join(REPO_ROOT, 'dist', 'impl', 'server.js'), '--help'];

/** How many times the reference is started at each end of the run to time its cold start. */
const COLD_STARTS_EACH_END = 5;

/** Whether every spec file ran (a filtered run cannot meet the thresholds). */
function ranEverySpec(project: TestProject): { all: boolean; ran: number; total: number } {
  const specs = readdirSync(join(REPO_ROOT, 'spec'), { recursive: true, encoding: 'utf8' });
  const total = specs.filter((file) => file.endsWith('.test.ts')).length;
  const ran = project.vitest.state.getFiles().length;
  return { all: ran >= total, ran, total };
}

export default function setup(project: TestProject): () => Promise<void> {
  const started = performance.now();
  // Timed here, before the workers start, and again once they are done, on the machine as it is for this run (busy or
  // quiet): this host's speed drifts within minutes, so one end alone can be far from the run it measures.
  const startsBefore = coldStarts(REFERENCE_START, COLD_STARTS_EACH_END, REPO_ROOT);
  for (const dir of sweepSuiteFolders()) console.log(`npm test: removed ${dir}, left by a run that ended without its teardown`);
  const suiteDir = mkdtempSync(join(tmpdir(), SUITE_FOLDER_PREFIX));
  claimSuiteFolder(suiteDir);
  mkdirSync(join(suiteDir, 'v8'));
  mkdirSync(join(suiteDir, NAMESPACED_DIR));
  // Grading workers run in the sandbox, their programs as a uid of their own, and count the programs they start here
  // (grader/sandbox.ts binds it). A grade's programs write no coverage (grader/scenario-job.ts): v8/ is the suite's own.
  chmodSync(suiteDir, 0o711);
  chmodSync(join(suiteDir, NAMESPACED_DIR), 0o1777);
  process.env[SUITE_DIR_ENV] = suiteDir;
  const pathBefore = process.env.PATH;
  let python3: string;
  try {
    python3 = usePython3(join(suiteDir, 'bin'));
  } catch (error) {
    // A setting of the user's (ACK_SUITE_PYTHON3) names no program: one line, not vitest's stack trace.
    console.error(`npm test: ${(error as Error).message}`);
    rmSync(suiteDir, { recursive: true, force: true });
    process.exit(2);
  }
  // Node programs record their coverage of impl/ through this module (harness/process.ts childEnv).
  process.env[COVERAGE_PRELOAD_ENV] = pathToFileURL(join(REPO_ROOT, 'dist', 'spec', 'coverage', 'preload.js')).href;

  return async () => {
    const problems: string[] = [];
    // npm run test:stress repeats a few specs: npm test's coverage report stays as it was.
    const stress = process.env[STRESS_RUNS_ENV] !== undefined;
    try {
      const checked = readPids(join(suiteDir, 'pids'));
      const pids = [...checked, ...readPids(join(suiteDir, NAMESPACED_DIR, 'pids'))];
      // Ours only: the pid with the start time logged when we spawned it (a reused pid is another program's).
      const alive = checked.flatMap(({ pid, started }) => (pid !== undefined && isSameProcessAlive(pid, started) ? [pid] : []));
      for (const pid of alive) process.kill(pid, 'SIGKILL');
      if (alive.length > 0) problems.push(`${alive.length} spawned process(es) were still running: ${alive.join(', ')}`);

      const dir = compiledImplDir(REPO_ROOT);
      const read = readProcessCoverage(join(suiteDir, 'v8'), dir);
      if (read.cutShort.length > 0) {
        console.log(`\nCoverage: ${read.cutShort.length} of ${read.covs.length + read.cutShort.length} process files were cut short (killed while writing) and are not counted`);
      }
      const map = await toCoverageMap(read.covs, dir);
      const duplicates = duplicateStatements(map);
      if (duplicates.length > 0) problems.push(`coverage counted statements twice: ${duplicates.slice(0, 5).join(', ')}`);
      if (!stress) {
        rmSync(COVERAGE_DIR, { recursive: true, force: true });
        writeReports(map, COVERAGE_DIR);
      }
      const percent = totals(map);
      const scope = ranEverySpec(project);
      if (!scope.all) {
        console.log(`\nCoverage thresholds not checked: ${scope.ran} of ${scope.total} spec files ran.`);
      }
      for (const [metric, minimum] of Object.entries(THRESHOLDS) as [keyof typeof THRESHOLDS, number][]) {
        if (scope.all && percent[metric] < minimum) problems.push(`coverage of impl/ ${metric} is ${percent[metric]} %, below ${minimum} %`);
      }
      const wallSeconds = (performance.now() - started) / 1000;
      const startsAfter = coldStarts(REFERENCE_START, COLD_STARTS_EACH_END, REPO_ROOT);
      const coldStartMs = median([...startsBefore, ...startsAfter]);
      const ends = { before: median(startsBefore), after: median(startsAfter) };
      const files = project.vitest.state.getFiles().map((file) => ({ file: shownSpecPath(REPO_ROOT, file.filepath), seconds: (file.result?.duration ?? 0) / 1000 }));
      const ended = pids.filter((logged) => logged.ended === true).length;
      const floor = spawnFloor({ processes: pids.length, ended, coldStartMs, ends, cores: availableParallelism(), wallSeconds });
      console.log(`\n${formatFigures(slowestFiles(files, pids, 10), floor).join('\n')}`);
      console.log(`\n${python3}`);
      console.log(
        `\nSuite: started ${pids.length} child processes, ${alive.length} left running; ` +
          `wall time ${wallSeconds.toFixed(1)} s; ${stress ? 'coverage report left as npm test wrote it' : 'coverage report in reports/coverage/index.html'}`,
      );
    } catch (error) {
      // vitest prints a teardown error with its stack and still exits 0: say it in one line and fail.
      problems.push(`the run's closing checks failed: ${(error as Error).message.split('\n')[0]}`);
    } finally {
      rmSync(suiteDir, { recursive: true, force: true });
      delete process.env[SUITE_DIR_ENV];
      delete process.env[COVERAGE_PRELOAD_ENV];
      if (pathBefore === undefined) delete process.env.PATH;
      else process.env.PATH = pathBefore;
    }
    if (problems.length > 0) {
      // vitest reports a teardown error but keeps exit code 0, so set it here.
      console.error(`\nSuite failed: ${problems.join('; ')}`);
      process.exitCode = 1;
    }
  };
}
