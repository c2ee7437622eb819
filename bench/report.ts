/**
 * The benchmark's results as text: the table printed on stdout, and
 * reports/bench.md around it (machine, parameters, ratios against the aim,
 * and, when the aim is missed, what bounds the reference).
 */
import type { Printed } from './paths.js';
import type { FunctionTime, ProfileSummary } from './profile.js';

/** One session's numbers on one path. */
export interface Round {
  readonly linesPerSecond: number;
  readonly megabytesPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  /** The relay process's CPU use during the throughput phase, in cores (1 = one core busy). */
  readonly relayCpu: number | undefined;
  /** This process's CPU use during the throughput phase, in cores. */
  readonly benchCpu: number;
}

/** A path's rounds and their medians. */
export interface PathResult {
  readonly name: string;
  readonly rounds: readonly Round[];
  readonly median: Round;
}

/** The comparison with socat that the aim is about. */
export interface Verdict {
  /** Reference throughput / socat throughput (lines/s). */
  readonly throughputRatio: number;
  /** Reference p99 / socat p99. */
  readonly p99Ratio: number;
  readonly met: boolean;
}

/** Everything reports/bench.md says. */
export interface Report {
  readonly date: string;
  readonly machine: readonly string[];
  readonly parameters: readonly string[];
  readonly table: string;
  readonly verdict: Verdict;
  /** What the reference server printed in one session. */
  readonly printed: Printed;
  /** Lines per throughput phase. */
  readonly lines: number;
  readonly direct: PathResult;
  readonly socat: PathResult;
  readonly reference: PathResult;
  readonly profile?: { readonly summary: ProfileSummary; readonly linesPerSecond: number };
}

const whole = (n: number): string => Math.round(n).toLocaleString('en-US');
const fixed = (n: number, digits = 1): string => n.toFixed(digits);
const percent = (n: number | undefined): string => (n === undefined ? 'n/a' : `${Math.round(n * 100)}%`);

/** How long a throughput phase of `result` lasts at its median rate, in whole milliseconds. */
const phaseMs = (report: Report, result: PathResult): string => whole((report.lines / result.median.linesPerSecond) * 1000);

/** The results table (Markdown, columns aligned so it also reads well in a terminal). */
export function formatTable(results: readonly PathResult[]): string {
  const header = ['path', 'lines/s', 'MB/s', 'p50 µs', 'p99 µs', 'lines/s min–max', 'relay CPU', 'bench CPU'];
  const rows = results.map(({ name, rounds, median: m }) => {
    const rates = rounds.map((round) => round.linesPerSecond);
    return [
      name,
      whole(m.linesPerSecond),
      fixed(m.megabytesPerSecond),
      fixed(m.p50),
      fixed(m.p99),
      `${whole(Math.min(...rates))}–${whole(Math.max(...rates))}`,
      percent(m.relayCpu),
      percent(m.benchCpu),
    ];
  });
  const widths = header.map((_, column) => Math.max(...[header, ...rows].map((row) => (row[column] as string).length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] as number) : cell.padStart(widths[column] as number))).join(' | ')} |`;
  const rule = `|${widths.map((width, column) => (column === 0 ? `-${'-'.repeat(width)}-` : `-${'-'.repeat(width)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** A sentence when the heaviest self time is Node's native stream write call, i.e. the write system calls. */
function nativeWrites(summary: ProfileSummary): string {
  const top = summary.topSelf[0];
  if (!top || !/^(writeUtf8String|writeLatin1String|writeBuffer|writev)\b/.test(top.name)) return '';
  return (
    ` The heaviest single entry is Node's native write call \`${top.name}\` (${percent(top.share)} self time), which is mostly the write system call itself: ` +
    'the cost is in handing many small pieces to the kernel, not in the JavaScript around them.'
  );
}

/** The "What bounds it" section: CPU use during the throughput phase and the profile's top entries. */
function whatBoundsIt(report: Report): string[] {
  const { reference, socat, profile } = report;
  const cpu = reference.median.relayCpu;
  const lines = [
    '## What bounds it',
    '',
    `During the throughput phase the reference server used ${percent(cpu)} of one core (median, from /proc), socat ${percent(socat.median.relayCpu)}, ` +
      `and this process (X, Y, and reading the server's stdout) ${percent(reference.median.benchCpu)}.`,
  ];
  if (!profile) return [...lines, '', '(No profile was taken.)'];
  const { summary } = profile;
  const busyMs = summary.sampledMs - summary.idleMs;
  const busy = busyMs / summary.sampledMs;
  const list = (times: readonly FunctionTime[]): string[] => times.map((t) => `| ${t.name} | ${whole(t.ms)} | ${percent(t.share)} |`);
  const heaviest = summary.byServerFunction.slice(0, 3).map((t) => `\`${t.name}\` ${percent(t.share)}`);
  const verdict =
    busy >= 0.85
      ? `Its event loop was busy ${percent(busy)} of the profiled session, so its one thread is the bottleneck, not the network or its peers` +
        (cpu !== undefined && cpu < busy - 0.1 ? ` (it got only ${percent(cpu)} of a core from /proc: the rest of the time it was ready to run but waiting for a CPU on this shared machine, or blocked in a system call)` : '') +
        '.'
      : `Its event loop was idle ${percent(1 - busy)} of the profiled session, so it is bounded by waiting (on its peers, or on the stdout pipe) more than by its own work.`;
  lines.push(
    '',
    `One more session, warm-up and throughput phase only, was run with the server under \`node --cpu-prof\` (${whole(profile.linesPerSecond)} lines/s while profiled). ` +
      `Of ${whole(summary.sampledMs)} ms sampled, the server was busy for ${whole(busyMs)} ms; shares below are of the busy time.`,
    '',
    `${verdict} Where its busy time goes, by the server function running: ${heaviest.join(', ')}.` + nativeWrites(summary),
    '',
    'Busy time by the innermost server function (dist/impl/) on the stack, including the Node internals it called:',
    '',
    '| function | ms | share |',
    '| --- | ---: | ---: |',
    ...list(summary.byServerFunction),
    '',
    'Top self time (a function\'s own code, not what it calls):',
    '',
    '| function | ms | share |',
    '| --- | ---: | ---: |',
    ...list(summary.topSelf),
  );
  return lines;
}

/** reports/bench.md, complete. */
export function formatReport(report: Report): string {
  const { verdict } = report;
  return [
    '# Relay benchmark',
    '',
    'Written by `npm run bench` (bench/relay.ts). Throughput and latency of 64-byte lines (63 characters and `\\n`) from X to Y, ' +
      'both raw sockets in the benchmark process, over three paths: directly, through socat as a plain byte relay, ' +
      'and through the reference server with `--chat` after the greeting exchange.',
    '',
    `Date: ${report.date}`,
    '',
    '## Machine',
    '',
    ...report.machine.map((item) => `- ${item}`),
    '',
    '## Parameters',
    '',
    ...report.parameters.map((item) => `- ${item}`),
    '',
    '## Results',
    '',
    report.table,
    '',
    'Medians over the rounds. MB is 10^6 bytes. p50 and p99 are the one-way send→receive time of one line, sent only after the previous one arrived. ' +
      'relay CPU and bench CPU are the CPU time of the relay process and of the benchmark process during the throughput phase, as a share of one core. ' +
      `At these rates a throughput phase lasts about ${phaseMs(report, report.direct)} ms direct, ${phaseMs(report, report.socat)} ms through socat ` +
      `and ${phaseMs(report, report.reference)} ms through the reference, so the short ones spread widely between rounds; a larger BENCH_LINES steadies them.`,
    '',
    `The reference server also prints every relayed line on its stdout (\`X: <line>\`); the benchmark reads and discards it ` +
      `(${fixed(report.printed.stdoutBytes / 1e6)} MB per session), so that printing is part of what is measured, as it is in real use. ` +
      (report.printed.stderrBytes === 0
        ? 'It printed nothing on stderr.'
        : `It also printed ${whole(report.printed.stderrBytes)} bytes on stderr in its last session; the last line: \`${report.printed.stderrLastLine}\`.`),
    '',
    '## Against the aim',
    '',
    'Aim: at least half of socat\'s throughput and a p99 no worse than twice socat\'s.',
    '',
    `- throughput, reference / socat: ${fixed(verdict.throughputRatio, 2)} (aim ≥ 0.50): ${verdict.throughputRatio >= 0.5 ? 'met' : 'not met'}`,
    `- p99, reference / socat: ${fixed(verdict.p99Ratio, 2)} (aim ≤ 2.00): ${verdict.p99Ratio <= 2 ? 'met' : 'not met'}`,
    '',
    `**The aim is ${verdict.met ? 'met' : 'not met'}.**`,
    ...(verdict.met ? [] : ['', ...whatBoundsIt(report)]),
    '',
  ].join('\n');
}
