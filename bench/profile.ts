/**
 * Where a process spends its time: CPU seconds from /proc (Linux), and a
 * summary of a V8 `.cpuprofile` (written by `node --cpu-prof`): the
 * functions with the most self time, and the busy time split by which of the
 * server's own functions was running.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Clock ticks per second for /proc/<pid>/stat; 100 on every mainstream Linux build. */
const CLOCK_TICKS = 100;

/**
 * User plus system CPU seconds used so far by process `pid`, or undefined
 * where /proc is not available (not Linux, or the process is gone).
 */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from the 3rd (state) on
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS; // utime and stime: fields 14 and 15
  } catch {
    return undefined;
  }
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** One function's share of a profile. */
export interface FunctionTime {
  /** e.g. `print (dist/impl/cli.js:20)` or `(garbage collector)`. */
  readonly name: string;
  readonly ms: number;
  /** Share of the time the process was not idle, 0–1. */
  readonly share: number;
}

/** A profile in a few numbers and lists. */
export interface ProfileSummary {
  readonly sampledMs: number;
  readonly idleMs: number;
  /** Functions by time spent in their own code (not in what they call). */
  readonly topSelf: readonly FunctionTime[];
  /**
   * Busy time split by the innermost server function (dist/impl/) on the
   * stack: its own code plus the Node internals it called, but not other
   * server functions it called. Samples with no server function are listed
   * by their own frame.
   */
  readonly byServerFunction: readonly FunctionTime[];
}

/** A function's name and where it is, with repository paths made relative to `root`. */
function describe(node: ProfileNode, root: string): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName === '' ? '(anonymous)' : functionName;
  if (url === '') return name;
  const where = url.startsWith('file:') ? relative(root, fileURLToPath(url)) : url;
  return `${name} (${where}:${lineNumber + 1})`;
}

/**
 * Reads the `.cpuprofile` at `file` and sums its samples per function.
 * Paths under `root` are shown relative to it; `top` entries are kept per list.
 */
export function summarizeProfile(file: string, root: string, top = 10): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>(); // node id → µs
  profile.samples.forEach((id, i) => {
    // A sample stands for the time until the next one.
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
  });
  const sampled = [...self.values()].reduce((a, b) => a + b, 0);
  const idle = [...self].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((a, [, us]) => a + us, 0);
  const busy = Math.max(1, sampled - idle);

  const selfByName = new Map<string, number>();
  for (const [id, us] of self) {
    const name = describe(byId.get(id) as ProfileNode, root);
    if (name !== '(idle)') selfByName.set(name, (selfByName.get(name) ?? 0) + us);
  }

  // Each sample charged to the innermost server function (dist/impl/) on its stack, or to its own frame if none.
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byImplFrame = new Map<string, number>();
  for (const [id, us] of self) {
    let frame: number | undefined = id;
    while (frame !== undefined && !byId.get(frame)?.callFrame.url.includes('/dist/impl/')) frame = parent.get(frame);
    const name = frame === undefined ? `${describe(byId.get(id) as ProfileNode, root)}, outside the server's code` : describe(byId.get(frame) as ProfileNode, root);
    if (!name.startsWith('(idle)')) byImplFrame.set(name, (byImplFrame.get(name) ?? 0) + us);
  }

  const rank = (times: Map<string, number>): FunctionTime[] =>
    [...times]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: us / 1000, share: us / busy }));
  return { sampledMs: sampled / 1000, idleMs: idle / 1000, topSelf: rank(selfByName), byServerFunction: rank(byImplFrame) };
}
