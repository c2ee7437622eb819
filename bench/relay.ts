/**
 * `npm run bench`: how fast the reference server relays a chat, next to a
 * loopback connection with no relay (the floor) and socat as a plain byte
 * relay (the yardstick).
 *
 * For each path, in rounds that alternate between the paths so that noise
 * from other work on the machine spreads over all of them, one session
 * measures throughput (BENCH_LINES 64-byte lines from X to Y as fast as
 * backpressure allows) and then latency (BENCH_SAMPLES lines, one at a time).
 * Prints a table of the medians and writes reports/bench.md; if the reference
 * misses the aim (half of socat's throughput, p99 at most twice socat's), it
 * profiles the server once and adds what bounds it.
 *
 * Settings (environment): BENCH_LINES (default 200000), BENCH_SAMPLES (2000),
 * BENCH_ROUNDS (3).
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Scene } from '../harness/scene.js';
import { REPO_ROOT } from '../harness/repo-root.js';
import { describeMachine } from './machine.js';
import { LINE_BYTES, measureLatency, measureThroughput, median, percentile } from './measure.js';
import { direct, openReference, reference, socat, type Path, type Printed, type Session } from './paths.js';
import { cpuSeconds, summarizeProfile } from './profile.js';
import { formatReport, formatTable, type PathResult, type Report, type Round } from './report.js';

/** The bound on any one phase (throughput or latency) of a session. */
const PHASE_MS = 120_000;

interface Settings {
  readonly lines: number;
  readonly samples: number;
  readonly rounds: number;
  /** Lines sent before the throughput phase, untimed, so both ends are warmed up. */
  readonly warmupLines: number;
  /** Latency lines sent before the ones recorded. */
  readonly warmupSamples: number;
}

/** A positive whole number from the environment variable `name`, or `fallback`. */
function envCount(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a whole number above 0, not "${text}"`);
  return value;
}

function readSettings(): Settings {
  const lines = envCount('BENCH_LINES', 200_000);
  const samples = envCount('BENCH_SAMPLES', 2_000);
  return { lines, samples, rounds: envCount('BENCH_ROUNDS', 3), warmupLines: Math.ceil(lines / 10), warmupSamples: Math.min(100, samples) };
}

/**
 * Runs one session on the path `open` gives: warm-up, throughput, latency,
 * then the path's own close. Everything it started is stopped before it returns.
 */
async function runSession(open: (scene: Scene) => Promise<Session>, settings: Settings): Promise<Round & { printed: Printed | undefined }> {
  const scene = new Scene();
  try {
    const session = await open(scene);
    const { x, y, relayPid } = session;
    await measureThroughput(x, y, settings.warmupLines, PHASE_MS);
    const relayBefore = relayPid === undefined ? undefined : cpuSeconds(relayPid);
    const benchBefore = process.cpuUsage();
    const throughput = await measureThroughput(x, y, settings.lines, PHASE_MS);
    const relayAfter = relayPid === undefined ? undefined : cpuSeconds(relayPid);
    const bench = process.cpuUsage(benchBefore);
    const micros = await measureLatency(x, y, settings.samples, settings.warmupSamples, PHASE_MS);
    await session.close();
    return {
      printed: session.printed?.(),
      linesPerSecond: throughput.linesPerSecond,
      megabytesPerSecond: throughput.megabytesPerSecond,
      p50: percentile(micros, 50),
      p99: percentile(micros, 99),
      relayCpu: relayBefore === undefined || relayAfter === undefined ? undefined : (relayAfter - relayBefore) / throughput.seconds,
      benchCpu: (bench.user + bench.system) / 1e6 / throughput.seconds,
    };
  } catch (error) {
    throw new Error(`${(error as Error).message}\n\n${scene.transcript()}`);
  } finally {
    await scene.dispose();
  }
}

/** The median of each number over `rounds`. */
function medianRound(rounds: readonly Round[]): Round {
  const of = (pick: (round: Round) => number | undefined): number | undefined => {
    const values = rounds.map(pick).filter((value): value is number => value !== undefined);
    return values.length === 0 ? undefined : median(values);
  };
  return {
    linesPerSecond: of((r) => r.linesPerSecond) as number,
    megabytesPerSecond: of((r) => r.megabytesPerSecond) as number,
    p50: of((r) => r.p50) as number,
    p99: of((r) => r.p99) as number,
    relayCpu: of((r) => r.relayCpu),
    benchCpu: of((r) => r.benchCpu) as number,
  };
}

/**
 * One reference session, warm-up and throughput phase only, with the server
 * under `node --cpu-prof`; its profile, summarized.
 */
async function profileReference(settings: Settings): Promise<NonNullable<Report['profile']>> {
  const dir = mkdtempSync(join(os.tmpdir(), 'bench-profile-'));
  const scene = new Scene();
  try {
    const session = await openReference(scene, ['--cpu-prof', '--cpu-prof-dir', dir]);
    await measureThroughput(session.x, session.y, settings.warmupLines, PHASE_MS);
    const throughput = await measureThroughput(session.x, session.y, settings.lines, PHASE_MS);
    await session.close(); // the server exits by itself, which writes the profile
    const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
    if (!file) throw new Error(`the profiled server wrote no .cpuprofile in ${dir}`);
    return { summary: summarizeProfile(join(dir, file), REPO_ROOT), linesPerSecond: throughput.linesPerSecond };
  } finally {
    await scene.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const settings = readSettings();
  const paths: readonly Path[] = [direct, socat, reference];
  const rounds = new Map<Path, Round[]>(paths.map((path) => [path, []]));
  const loadBefore = os.loadavg()[0] ?? 0;
  let printed: Printed | undefined; // by the reference server, in its last session
  for (let round = 1; round <= settings.rounds; round += 1) {
    for (const path of paths) {
      process.stderr.write(`round ${round}/${settings.rounds}: ${path.name}… `);
      const result = await runSession((scene) => path.open(scene), settings);
      printed = result.printed ?? printed;
      process.stderr.write(`${Math.round(result.linesPerSecond).toLocaleString('en-US')} lines/s, p99 ${result.p99.toFixed(1)} µs\n`);
      rounds.get(path)?.push(result);
    }
  }
  const results: PathResult[] = paths.map((path) => ({ name: path.name, rounds: rounds.get(path) ?? [], median: medianRound(rounds.get(path) ?? []) }));
  const [directResult, socatResult, referenceResult] = results as [PathResult, PathResult, PathResult];
  const table = formatTable(results);
  console.log(table);

  const throughputRatio = referenceResult.median.linesPerSecond / socatResult.median.linesPerSecond;
  const p99Ratio = referenceResult.median.p99 / socatResult.median.p99;
  const verdict = { throughputRatio, p99Ratio, met: throughputRatio >= 0.5 && p99Ratio <= 2 };
  console.log(`\nreference / socat: throughput ${throughputRatio.toFixed(2)} (aim ≥ 0.50), p99 ${p99Ratio.toFixed(2)} (aim ≤ 2.00): aim ${verdict.met ? 'met' : 'not met'}`);
  if (!verdict.met) process.stderr.write('profiling the reference server once (node --cpu-prof)…\n');
  const profile = verdict.met ? undefined : await profileReference(settings);

  const report: Report = {
    date: new Date().toISOString(),
    machine: await describeMachine(loadBefore),
    parameters: [
      `${settings.rounds} rounds; each round runs one session per path, paths in turn; the table gives medians over the rounds`,
      `throughput: ${settings.lines.toLocaleString('en-US')} lines of ${LINE_BYTES} bytes (after ${settings.warmupLines.toLocaleString('en-US')} untimed warm-up lines), written 256 lines per write() as fast as backpressure allows, timed from the first write to the last byte at Y`,
      `latency: ${settings.samples.toLocaleString('en-US')} lines one at a time (after ${settings.warmupSamples} untimed), each sent once the previous one arrived; process.hrtime.bigint() at X's write and at Y's data event`,
      'X and Y are sockets in the benchmark process with Nagle\'s algorithm off (noDelay); the relays keep their own defaults. All traffic on 127.0.0.1',
      'socat: `socat TCP-LISTEN:<port>,bind=127.0.0.1,reuseaddr TCP:127.0.0.1:<Y\'s port>` (default 8192-byte buffer)',
      'reference: `node dist/impl/server.js --chat --host 127.0.0.1 --port 0`; X and Y greet (`Client X: Alice`, `Client Y: Bob`) and read the acknowledgment first, and X says Bye at the end',
    ],
    table,
    verdict,
    printed: printed ?? { stdoutBytes: 0, stderrBytes: 0, stderrLastLine: '' },
    lines: settings.lines,
    direct: directResult,
    socat: socatResult,
    reference: referenceResult,
    ...(profile ? { profile } : {}),
  };
  mkdirSync(join(REPO_ROOT, 'reports'), { recursive: true });
  writeFileSync(join(REPO_ROOT, 'reports', 'bench.md'), formatReport(report));
  process.stderr.write('wrote reports/bench.md\n');
}

try {
  await main();
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
