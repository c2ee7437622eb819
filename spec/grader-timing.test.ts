// The grader's waits scaled to the machine (grader/timing.ts): a calibration at
// start times the target's interpreter, and every bound a verdict may rest on
// grows with it, so a busy machine waits longer instead of taking points.
import { afterEach, describe, expect, test } from 'vitest';
import { gradeTarget } from '../grader/run.js';
import { loadTarget, referenceTarget, type Target } from '../grader/target.js';
import { resolveShim } from '../harness/commands.js';
import { boundsAt, calibrate, describeCalibration, MAX_SCALE, probeFor, probesSettle, QUIET_BOUNDS, scaleFor, slower, type Calibration } from '../grader/timing.js';
import { commandWorks } from '../harness/commands.js';
import { PYTHON_CLIENTS_DIALECT } from './support/declared-dialect.js';

afterEach(() => {
  delete process.env.ACK_GRADER_SCENARIO_MS;
});

describe('the scale', () => {
  test.each([
    [0, 1],
    [150, 1],
    [300, 1],
    [600, 2],
    [900, 3],
    [450, 1.5],
    [100_000, MAX_SCALE],
    [Number.NaN, 1],
  ])('an interpreter start of %d ms scales the waits by %d', (startMs, scale) => {
    expect(scaleFor(startMs)).toBe(scale);
  });

  test('scale 1 is the quiet bounds, and scale 2 doubles every one of them', () => {
    expect(boundsAt(1)).toEqual(QUIET_BOUNDS);
    expect(boundsAt(2)).toEqual({ read: 4000, reply: 10_000, relay: 10_000, prompt: 4000, ready: 20_000, scenario: 80_000 });
  });

  test('ACK_GRADER_SCENARIO_MS sets the scenario limit exactly, whatever the scale', () => {
    process.env.ACK_GRADER_SCENARIO_MS = '3000';
    expect(boundsAt(4).scenario).toBe(3000);
    expect(boundsAt(4).reply).toBe(20_000);
  });

  test('a confirming run takes the calibration of the busier machine', () => {
    const at = (scale: number): Calibration => ({ probe: 'p', startMs: scale * 300, scale, bounds: boundsAt(scale) });
    expect(slower(at(1), at(2.5)).scale).toBe(2.5);
    expect(slower(at(3), at(1)).scale).toBe(3);
  });

  test('the calibration is described in one line naming the probe, its time and the factor', () => {
    expect(describeCalibration({ probe: 'python3 -c pass', startMs: 900, scale: 3, bounds: boundsAt(3) })).toBe('python3 -c pass took 900 ms here (quiet is up to 300 ms): waits ×3');
    expect(describeCalibration({ probe: 'python9 -c pass', startMs: Number.NaN, scale: 1, bounds: boundsAt(1) })).toBe('python9 -c pass could not run here (quiet is up to 300 ms): waits ×1');
  });
});

describe('the probe', () => {
  test('times the target\'s own Python (the interpreter a pyenv shim resolves to), and Node for anything else', () => {
    const target = loadTarget('fixtures/python/target.json');
    expect(probeFor(target)).toEqual([resolveShim('python3', target.cwd, target.env), '-c', 'pass']);
    expect(probeFor(target)[0]).toMatch(/(^|\/)python3$/);
    expect(probeFor(referenceTarget())).toEqual([process.execPath, '-e', '0']);
  });

  test('measures a start here and turns it into bounds', async () => {
    const calibration = await calibrate(referenceTarget());
    expect(calibration.startMs).toBeGreaterThan(0);
    expect(calibration.scale).toBe(scaleFor(calibration.startMs));
    expect(calibration.bounds).toEqual(boundsAt(calibration.scale));
  });

  test('a recent calibration of the same interpreter is reused, and maxAgeMs 0 measures again', async () => {
    const target = referenceTarget();
    const first = await calibrate(target, 0);
    expect(await calibrate(target)).toBe(first);
    expect(await calibrate(target, 0)).not.toBe(first);
  });

  test('grades that calibrate at the same time share one measurement; maxAgeMs 0 still measures its own', async () => {
    // A startup variable no other test sets (PYTHON..., which Node ignores): nothing remembered can answer.
    const target = { ...referenceTarget(), env: { PYTHON_ACK_SPEC_TOGETHER: String(process.hrtime.bigint()) } };
    const [one, two, own] = await Promise.all([calibrate(target), calibrate(target), calibrate(target, 0)]);
    expect(two).toBe(one);
    expect(own).not.toBe(one);
  });

  test('a target whose other variables differ reuses the calibration; another NODE_OPTIONS measures again', async () => {
    const target = (env: Record<string, string>) => ({ ...referenceTarget(), env });
    const first = await calibrate(target({ ACK_SPEC_MODE: 'one' })); // measured, or the one an earlier test left
    expect(await calibrate(target({ ACK_SPEC_MODE: 'two' }))).toBe(first);
    expect(await calibrate(target({ ACK_SPEC_MODE: 'one', NODE_OPTIONS: '--no-warnings' }))).not.toBe(first);
  });

  test('a remembered calibration takes the scenario limit set since it was measured', async ({ onTestFinished }) => {
    const target = referenceTarget();
    const first = await calibrate(target);
    process.env.ACK_GRADER_SCENARIO_MS = '1234';
    onTestFinished(() => {
      delete process.env.ACK_GRADER_SCENARIO_MS;
    });
    const again = await calibrate(target);
    expect([again.startMs, again.bounds.scenario, again.bounds.reply]).toEqual([first.startMs, 1234, first.bounds.reply]);
  });

  test('times from another runner are not remembered for real calibrations', async () => {
    const target = { ...referenceTarget(), env: { ACK_SPEC_PROBE: 'not-remembered' } };
    const fake = await calibrate(target, 0, async () => 5000);
    expect(fake.scale).toBeGreaterThan(1);
    expect(await calibrate(target)).not.toBe(fake);
  });

  test.each([
    { times: [120], settled: false },
    { times: [120, 140], settled: true },
    { times: [120, 900], settled: false },
    { times: [900, 120], settled: false },
    { times: [900, 900], settled: false },
    { times: [Number.NaN, 120], settled: false },
    { times: [120, 900, 950], settled: true },
  ])('probe times $times settle the calibration: $settled', ({ times, settled }) => {
    expect(probesSettle(times)).toBe(settled);
  });

  /** A calibration of the reference whose probes take `times` in turn, and how many ran. */
  async function calibrateWith(times: number[], tag: string): Promise<{ calibration: Calibration; probes: number }> {
    let probes = 0;
    // Fixed times: calibrate keeps no calibration another runner measured, so real ones never see these.
    const target = { ...referenceTarget(), env: { ACK_SPEC_PROBE: tag } };
    const calibration = await calibrate(target, 0, async () => times[probes++] ?? Number.NaN);
    return { calibration, probes };
  }

  test('two quiet starts settle the calibration at scale 1 without a third probe', async () => {
    const { calibration, probes } = await calibrateWith([120, 140, 5000], 'quiet');
    expect([probes, calibration.startMs, calibration.scale]).toEqual([2, 140, 1]);
  });

  test('a slow start among the first two brings the third probe, and the median decides', async () => {
    const { calibration, probes } = await calibrateWith([120, 900, 1200], 'mixed');
    expect([probes, calibration.startMs, calibration.scale]).toEqual([3, 900, scaleFor(900)]);
  });

  test('an interpreter that is not here leaves the waits at scale 1', async () => {
    const target = loadTarget('fixtures/python/target.json');
    const missing: Target = { ...target, server: { ...target.server, argv: ['python3.99', 'server.py'] } };
    const calibration = await calibrate(missing);
    expect([calibration.probe, Number.isNaN(calibration.startMs), calibration.scale]).toEqual(['python3.99 -c pass', true, 1]);
  });
});

const PYTHON3 = commandWorks(['python3', '--version']);

describe.skipIf(!PYTHON3)('the waits follow the calibration', () => {
  /** The Python target with a correct server that replies 3 s after the second greeting (fixtures/grader/slow). */
  function lateReply(): Target {
    const base = loadTarget('fixtures/python/target.json');
    return { ...base, ...PYTHON_CLIENTS_DIALECT, server: { argv: ['python3', '../grader/slow/late-reply-server.py', '{port}'], port: 'free', ready: 'listening on' }, parts: { ack: true, chat: false } };
  }
  const fixed = (scale: number) => async (): Promise<Calibration> => ({ probe: 'fixed by the spec', startMs: 0, scale, bounds: boundsAt(scale) });

  test('a reply 3 s late is lost when the reply may take 1 s (scale 0.2)', async () => {
    const grade = await gradeTarget(lateReply(), { only: ['order-x-first'], calibrate: fixed(0.2) });
    expect(grade.items.map((item) => [item.id, item.verdict.passed, item.verdict.detail])).toEqual([['order-x-first', false, "no client received the acknowledgment in the assignment's words"]]);
    expect(grade.calibration).toBe('fixed by the spec took 0 ms here (quiet is up to 300 ms): waits ×0.2');
  });

  test('the same late reply keeps its points when the reply may take 5 s (scale 1)', async () => {
    const grade = await gradeTarget(lateReply(), { only: ['order-x-first'], calibrate: fixed(1) });
    expect(grade.items.map((item) => [item.id, item.verdict.passed])).toEqual([['order-x-first', true]]);
  });
});
