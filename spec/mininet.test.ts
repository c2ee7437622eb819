// Part 1 and the chat across an emulated network: Mininet (Debian's package,
// its Python API, a Linux bridge, no controller) puts the server on h1
// (10.0.0.1, listening on 0.0.0.0) and clients X and Y on h2 and h3.
// mininet/driver.py builds the network once, runs every scenario, tears the
// network down and reports what each program printed as JSON; this spec
// asserts the same lines as on loopback. Needs root.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadGolden } from './support/golden.js';
import { isAlive, launch, recordPid } from '../harness/process.js';
import { Scene } from '../harness/scene.js';
import { REPO_ROOT } from '../harness/repo-root.js';

/** Debian's mininet module is installed for the system python, not pyenv's. */
const PYTHON = '/usr/bin/python3';
const PORT = 12000;
/** Bound for the whole driver run (about 6 s here: 5 scenarios, start-up and teardown 0.2 s each). */
const DRIVER_MS = 60_000;
const CHAT = ['X: Hi Bob, are you there?', 'Y: Yes, hello Alice!', 'X: Bye'];
const HOSTS: Readonly<Record<string, string>> = { server: 'h1', 'client X': 'h2', 'client Y': 'h3' };

/** Why this machine cannot run the Mininet scenarios, in one line; undefined if it can. */
function mininetUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root: Mininet needs root (sudo npm run test:mininet)';
  const mininet = spawnSync(PYTHON, ['-c', 'import mininet.net'], { encoding: 'utf8' });
  if (mininet.error || mininet.status !== 0) return `Mininet not installed for ${PYTHON} (apt-get install mininet bridge-utils iputils-ping)`;
  if (spawnSync('sh', ['-c', 'command -v tc']).status !== 0) return 'tc not found (apt-get install iproute2)';
  return undefined;
}

const NO_MININET = mininetUnavailable();

interface ProgramReport {
  readonly host: string;
  readonly pid: number;
  readonly stdout: string[];
  readonly stderr: string[];
  readonly exit: { readonly code: number | null; readonly signal: string | null };
  readonly killedAfterTimeout: boolean;
}

interface ScenarioReport {
  readonly programs: Record<string, ProgramReport>;
  readonly error: string | null;
  readonly seconds: number;
  /** For the delayed-link scenarios: how the link was slowed, and what it showed afterwards. */
  readonly link?: { readonly method: string; readonly device: string; readonly heldPackets?: number; readonly after: string };
}

/** What mininet/driver.py prints (see its docstring). */
interface Report {
  readonly skip?: string;
  readonly error?: string;
  readonly scenarios: Record<string, ScenarioReport>;
  readonly leftBehind: Record<string, unknown[]>;
  readonly stoppedCleanly: boolean;
  readonly timings: { readonly startSeconds: number; readonly stopSeconds: number; readonly totalSeconds: number };
  readonly programPids: number[];
}

/** The golden transcript with the server listening on 0.0.0.0:12000, empty stderr, exit 0 each. */
function expected(golden: 'x-first' | 'y-first', chatLines: readonly string[] = []): object {
  return Object.fromEntries(
    Object.entries(loadGolden(golden, PORT)).map(([label, stdout]) => [
      label,
      {
        host: HOSTS[label],
        stdout: [...stdout.map((line) => line.replace(`Listening on 127.0.0.1:${PORT}`, `Listening on 0.0.0.0:${PORT}`)), ...chatLines],
        stderr: [],
        exit: { code: 0, signal: null },
      },
    ]),
  );
}

/** What a scenario's programs printed and how they ended, shaped like {@link expected}, and its error. */
function observed({ programs, error }: ScenarioReport): object {
  return {
    error,
    programs: Object.fromEntries(
      Object.entries(programs).map(([label, { host, stdout, stderr, exit }]) => [label, { host, stdout, stderr, exit }]),
    ),
  };
}

/** Interfaces in this (the root) network namespace that look like Mininet's: h1-eth0, s1-eth2, s1. */
function mininetInterfaces(): string[] {
  const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout;
  return [...links.matchAll(/^\d+:\s+([^:@\s]+)/gm)]
    .map((match) => match[1] ?? '')
    .filter((name) => /^(?:[hs]\d+-eth\d+|s1)$/.test(name));
}

describe.skipIf(NO_MININET !== undefined)(`on a Mininet network: server on h1, X on h2, Y on h3${NO_MININET ? ` (skipped: ${NO_MININET})` : ''}`, () => {
  const scene = new Scene();
  let report: Report;

  beforeAll(async () => {
    const driver = launch(scene, {
      label: 'mininet/driver.py',
      argv: [PYTHON, join(REPO_ROOT, 'mininet', 'driver.py'), process.execPath, REPO_ROOT],
      cwd: REPO_ROOT,
    });
    const exit = await driver.waitForExit(DRIVER_MS);
    try {
      report = JSON.parse(driver.output()) as Report;
    } catch {
      throw new Error(`mininet/driver.py (exit ${exit.code ?? exit.signal}) printed no JSON report.\n\n${scene.transcript()}`);
    }
    if (report.error !== undefined) throw new Error(`mininet/driver.py: ${report.error}\n\n${scene.transcript()}`);
    if (report.skip !== undefined) return;
    for (const pid of report.programPids) recordPid(pid); // the suite's end checks they are gone too
  }, DRIVER_MS + 5_000);

  afterAll(() => scene.dispose()); // SIGTERM: the driver still stops the network (try/finally)

  function scenario(name: string, skip: (condition: boolean, note?: string) => void): ScenarioReport {
    skip(report.skip !== undefined, report.skip);
    const found = report.scenarios[name];
    if (!found) throw new Error(`mininet/driver.py reported no scenario ${JSON.stringify(name)}`);
    return found;
  }

  test("X's greeting first (Y starts once the server printed X's): all three print the x-first golden transcript and exit 0", ({ skip }) => {
    expect(observed(scenario('x-first', skip))).toEqual({ error: null, programs: expected('x-first') });
  });

  test("Y's greeting first (X starts once the server printed Y's): all three print the y-first golden transcript and exit 0", ({ skip }) => {
    expect(observed(scenario('y-first', skip))).toEqual({ error: null, programs: expected('y-first') });
  });

  test.for([
    ['X', 'h2', 'Y', 'y-first'],
    ['Y', 'h3', 'X', 'x-first'],
  ] as const)(
    "%s's link (%s-eth0) delayed and that client started first: %s's greeting still arrives first, the %s transcript everywhere, and the link is restored",
    ([delayed, host, , golden], { skip }) => {
      const name = `${delayed.toLowerCase()}-delayed`;
      const run = scenario(name, skip);
      const link = run.link;
      expect({
        ...observed(run),
        device: link?.device,
        // netem delays every packet 300 ms; on a kernel without sch_netem the link holds them until the other's greeting arrived
        slowed: link !== undefined && (link.method.startsWith('netem') || (link.heldPackets ?? 0) > 0),
        restored: link !== undefined && !/netem|clsact|mirred/.test(link.after),
      }).toEqual({ error: null, programs: expected(golden), device: `${host}-eth0`, slowed: true, restored: true });
    },
  );

  test('the chat: X types, Y answers, X says Bye; every console shows all three lines and everyone exits 0', ({ skip }) => {
    expect(observed(scenario('chat', skip))).toEqual({ error: null, programs: expected('x-first', CHAT) });
  });

  test('nothing is left behind: no interface or bridge of the network, no process in its namespaces, no program running', ({ skip }) => {
    skip(report.skip !== undefined, report.skip);
    expect({
      stoppedCleanly: report.stoppedCleanly,
      leftBehind: report.leftBehind,
      // checked again from here, after the driver exited
      interfaces: mininetInterfaces(),
      running: report.programPids.filter(isAlive),
      programs: report.programPids.length,
    }).toEqual({
      stoppedCleanly: true,
      leftBehind: { links: [], bridges: [], namespaces: [], processesInNamespaces: [], processes: [], newNetns: [] },
      interfaces: [],
      running: [],
      programs: 15, // 5 scenarios × 3 programs, each checked gone
    });
  });
});
