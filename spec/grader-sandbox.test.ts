// The sandbox around a target's programs (grader/sandbox.ts, grader/confine.ts): a hostile server
// (fixtures/hostile/) tries one wall per test before it serves. A wall that holds lets it serve, so
// the order item passes; a breach makes it exit 3 before listening, with what it managed on stderr.
// Every process it starts holds a shared lock while it lives, so an exclusive lock afterwards shows
// that nothing is left running. Controls run the same attempt without the sandbox.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, onTestFinished, test } from 'vitest';
import { held, lockFile } from './support/lock.js';
import { gradeTarget, type TargetGrade } from '../grader/run.js';
import { loadTarget, type Target } from '../grader/target.js';
import { commandWorks } from '../harness/commands.js';
import { detectIsolation } from '../harness/isolation.js';
import { REPO_ROOT } from '../harness/repo-root.js';
import { countFinished } from '../harness/process.js';

const isolation = detectIsolation();
const why =
  isolation.kind === 'direct'
    ? isolation.why
    : isolation.tool !== 'bwrap'
      ? `${isolation.note}; the walls need bubblewrap`
      : process.getuid?.() !== 0
        ? 'the grader is not root here, so the programs keep its uid and the process limit does not hold'
        : !commandWorks(['python3', '--version'])
          ? 'python3 cannot run here'
          : !commandWorks(['flock', '--version'])
            ? 'flock (util-linux) is not installed'
            : undefined;

const HOSTILE = join(REPO_ROOT, 'fixtures', 'hostile');



/** The hostile target trying `mode`, with a fresh lock and tag. */
function hostile(mode: string, env: Record<string, string> = {}): { target: Target; lock: string; tag: string } {
  const base = loadTarget('fixtures/hostile/target.json');
  const lock = lockFile('ack-hostile-');
  const tag = `${process.pid}-${mode}-${Date.now()}`;
  return { target: { ...base, env: { ...base.env, HOSTILE: mode, HOSTILE_LOCK: lock, HOSTILE_TAG: tag, ...env } }, lock, tag };
}

/** Grades the order item alone (the clients' scenario runs first, as always). */
const gradeOrder = (target: Target, direct = false): Promise<TargetGrade> => gradeTarget(target, { only: ['order-x-first'], direct });

/**
 * Grades the order item alone where the spec expects it lost: without the confirming run, since the hostile
 * program loses it the same way every time (it tries its wall before it serves) and a second run would only
 * repeat the attempt; spec/grader-confirm.test.ts is where the confirming run is tested.
 */
const gradeOrderToLose = (target: Target, direct = false): Promise<TargetGrade> => gradeTarget(target, { only: ['order-x-first'], direct, confirm: false });

/** The order item's verdict. */
const order = (grade: TargetGrade): TargetGrade['items'][number]['verdict'] => grade.items.find((item) => item.id === 'order-x-first')!.verdict;

/** Everything a verdict quotes, as one string. */
const quoted = (grade: TargetGrade): string => JSON.stringify(order(grade));

/** How long a fresh process takes to start and exit now: the machine must still answer. */
function startMs(): number {
  const started = performance.now();
  countFinished(spawnSync('true').pid);
  return performance.now() - started;
}

/** The private copies a grade made and left in the temporary folder. */
const copiesLeft = (): string[] => readdirSync(tmpdir()).filter((name) => name.startsWith('ack-sandbox-'));

test.skipIf(why !== undefined)('a server that writes outside its folder is refused, and what it writes in its folder stays in a private copy', { timeout: 240_000 }, async () => {
  const { target, lock, tag } = hostile('write');
  const outside = [`/etc/ack-hostile-${tag}`, join(REPO_ROOT, `ack-hostile-${tag}`), join(HOSTILE, `ack-hostile-${tag}`)];
  onTestFinished(() => outside.forEach((path) => rmSync(path, { force: true })));
  const grade = await gradeOrder(target);
  expect(order(grade).passed, quoted(grade)).toBe(true);
  expect(outside.filter((path) => existsSync(path))).toEqual([]);
  expect(held(lock)).toBe(false);
});

test.skipIf(why !== undefined)("a server cannot read a file in the instructor's home", { timeout: 240_000 }, async () => {
  const home = mkdtempSync(join(homedir(), '.ack-canary-'));
  onTestFinished(() => rmSync(home, { recursive: true, force: true }));
  // Readable by anyone, so only the sandbox's empty home stands between it and the server.
  chmodSync(home, 0o755);
  const canary = join(home, 'canary');
  writeFileSync(canary, 'canary-secret\n', { mode: 0o644 });
  const { target, lock } = hostile('canary', { HOSTILE_CANARY: canary });
  const grade = await gradeOrder(target);
  expect(order(grade).passed, quoted(grade)).toBe(true);
  expect(held(lock)).toBe(false);
});

test.skipIf(why !== undefined)('without the sandbox the same server reads the canary (the control)', { timeout: 240_000 }, async () => {
  const home = mkdtempSync(join(homedir(), '.ack-canary-'));
  onTestFinished(() => rmSync(home, { recursive: true, force: true }));
  const canary = join(home, 'canary');
  writeFileSync(canary, 'canary-secret\n');
  const { target } = hostile('canary', { HOSTILE_CANARY: canary });
  const grade = await gradeOrderToLose(target, true);
  expect(order(grade).passed).toBe(false);
  expect(quoted(grade)).toContain(`hostile canary: BREACH: read ${canary}: canary-secret`);
});

// Walls that need nothing but to hold: the server serves, so the order item passes, and nothing is left running.
test.skipIf(why !== undefined).each([
  ['a server sees no network interface but loopback', 'interfaces'],
  ['a server finds no way back to root: its own uid and gid, no groups, no capabilities, no new privileges, setuid(0) refused', 'privileges'],
])('%s', { timeout: 240_000 }, async (_, mode) => {
  const { target, lock } = hostile(mode);
  const grade = await gradeOrder(target);
  expect(order(grade).passed, quoted(grade)).toBe(true);
  expect(held(lock)).toBe(false);
});

test.skipIf(why !== undefined)("without the sandbox the same server sees the machine's interfaces (the control)", { timeout: 240_000 }, async () => {
  const { target } = hostile('interfaces');
  const grade = await gradeOrderToLose(target, true);
  const machine = spawnSync('python3', ['-c', 'import socket; print(len(socket.if_nameindex()))'], { encoding: 'utf8' });
  countFinished(machine.pid);
  if (machine.stdout.trim() === '1') return; // a machine with loopback alone has nothing to show
  expect(order(grade).passed).toBe(false);
  expect(quoted(grade)).toMatch(/hostile interfaces: BREACH: interfaces lo \w/);
});

test.skipIf(why !== undefined)('without the sandbox the same server, run as root, finds root (the control)', { timeout: 240_000 }, async () => {
  const { target } = hostile('privileges');
  const grade = await gradeOrderToLose(target, true);
  expect(order(grade).passed).toBe(false);
  expect(quoted(grade)).toMatch(/hostile privileges: BREACH: egid 0; euid 0; gid 0; uid 0; CapPrm \w+; CapEff \w+/);
});

test.skipIf(why !== undefined)('a server that forks without end is stopped at the process limit, and the machine still answers', { timeout: 240_000 }, async () => {
  const { target, lock } = hostile('fork');
  const grade = await gradeOrder(target);
  expect(order(grade).passed, quoted(grade)).toBe(true);
  expect(held(lock)).toBe(false);
  expect(startMs()).toBeLessThan(5000);
});

test.skipIf(why !== undefined)('a server that allocates far more memory than the limit gets a MemoryError', { timeout: 240_000 }, async () => {
  const { target, lock } = hostile('memory');
  const grade = await gradeOrder(target);
  expect(order(grade).passed, quoted(grade)).toBe(true);
  expect(held(lock)).toBe(false);
  expect(startMs()).toBeLessThan(5000);
});

test.skipIf(why !== undefined)('a server that writes a file over the size limit is stopped at 64 MiB, and its verdict names the limit', { timeout: 240_000 }, async () => {
  const { target, lock, tag } = hostile('filesize');
  const grade = await gradeOrderToLose(target);
  expect(order(grade).passed).toBe(false);
  expect(quoted(grade)).toContain('hostile filesize: stopped: File too large after 64 MiB');
  expect(order(grade).hint).toBe('server crashed: OSError: [Errno 27] File too large; the sandbox allows files of up to 64 MiB');
  expect(existsSync(join(HOSTILE, `hostile-big-${tag}`))).toBe(false);
  expect(held(lock)).toBe(false);
});

test.skipIf(why !== undefined)('a server killed by SIGXFSZ for a file over the size limit has a verdict that says so', { timeout: 240_000 }, async () => {
  const { target, lock } = hostile('filesize', { HOSTILE_SIGXFSZ: 'default' });
  const grade = await gradeOrderToLose(target);
  expect(order(grade).passed).toBe(false);
  expect(order(grade).hint).toBe("server was killed by SIGXFSZ: it wrote a file past the sandbox's limit of 64 MiB per file");
  expect(held(lock)).toBe(false);
});

test.skipIf(why !== undefined)('a server that sleeps forever is ended by the scenario limit and leaves nothing running, nor its copy', { timeout: 240_000 }, async () => {
  const { target, lock } = hostile('sleep');
  process.env.ACK_GRADER_SCENARIO_MS = '3000'; // read by the workers this grade starts
  onTestFinished(() => {
    delete process.env.ACK_GRADER_SCENARIO_MS;
  });
  const notes: string[] = [];
  // Without the confirming run, as gradeOrderToLose: a second run would wait out the same limit again.
  const grade = await gradeTarget(target, { only: ['order-x-first'], confirm: false, onNote: (line) => notes.push(line) });
  expect([order(grade).passed, order(grade).detail]).toEqual([false, 'the scenario did not finish within 3 s']);
  expect(held(lock)).toBe(false);
  const copy = notes.map((line) => / is a private copy in (\S+)/.exec(line)?.[1]).find((path) => path !== undefined);
  expect(copy).toBeDefined();
  expect(existsSync(copy!)).toBe(false);
  expect(copiesLeft().filter((name) => copy!.includes(name))).toEqual([]);
});

test.skipIf(why !== undefined)('a daemon one scenario leaves has ended before the next scenario of the grade begins', { timeout: 240_000 }, async () => {
  const { target, lock } = hostile('haunt');
  const grade = await gradeTarget(target, { only: ['order-x-first', 'order-y-first'] });
  expect(grade.items.map((item) => [item.id, item.verdict.passed]), JSON.stringify(grade.items)).toEqual([
    ['order-x-first', true],
    ['order-y-first', true],
  ]);
  expect(held(lock)).toBe(false);
});
