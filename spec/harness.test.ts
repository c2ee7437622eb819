// The harness itself: its waits, its errors, its teardown, its proxy and its
// port handling. A harness that cannot fail a test proves nothing.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pEvent } from 'p-event';
import { describe, expect, onTestFinished, test } from 'vitest';
import { loadGolden } from './support/golden.js';
import { connectPeer, startFakeServer } from '../harness/peer.js';
import { childEnv, countFinished, COVERAGE_PRELOAD_ENV, isAlive, isSameProcessAlive, launch, startTime, statFields, SUITE_DIR_ENV } from '../harness/process.js';
import { startProxy } from '../harness/proxy.js';
import { Scene } from '../harness/scene.js';
import { startServer } from '../grader/launch.js';
import { loadTarget, referenceTarget, type Target } from '../grader/target.js';
import { HarnessError } from '../harness/errors.js';
import { REPO_ROOT } from '../harness/repo-root.js';
import { visible } from '../harness/text.js';
import { parsePidLog } from './support/suite-figures.js';
import { useScene } from './support/vitest.js';

/** A node one-liner owned by `scene`. */
function node(scene: Scene, label: string, script: string) {
  return launch(scene, { label, argv: ['node', '-e', script], cwd: REPO_ROOT });
}

/** The error `promise` rejects with; fails the test if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the promise to reject');
}

const IDLE = 'setInterval(() => {}, 1000);'; // stays alive until stopped

describe('waiting', () => {
  test('a timed-out wait names what it waited for and quotes every process, ANSI stripped', async () => {
    const scene = useScene();
    const first = node(scene, 'first', `process.stdout.write('\\u001b[31mred\\u001b[0m tail \\r\\n'); ${IDLE}`);
    const second = node(scene, 'second', `console.error('on stderr'); ${IDLE}`);
    // Both have printed before the wait that times out: what it quotes must not depend on which started faster.
    await Promise.all([first.waitForLine(/tail/), second.waitForLine('on stderr', 'stderr')]);
    const error = await rejection(second.waitForLine('never printed', 'stdout', 200));
    expect(error.message.split('\n')).toEqual([
      'Timed out after 200 ms waiting for second to print the line "never printed" on stdout.',
      '',
      expect.stringMatching(/^── first \(pid \d+, running\)$/),
      'stdout:',
      '  | red tail·\\r⏎',
      '  | ',
      'stderr:',
      '  (nothing)',
      expect.stringMatching(/^── second \(pid \d+, running\)$/),
      'stdout:',
      '  (nothing)',
      'stderr:',
      '  | on stderr⏎',
      '  | ',
    ]);
  });

  test('a timed-out wait has its stack in the test that waited', async () => {
    const scene = useScene();
    const child = node(scene, 'idle', IDLE);
    const error = await rejection(child.waitForExit(100));
    expect(error.stack).toContain('harness.test.ts');
  });

  test('a wait for a line fails as soon as the process exits without it, not at the bound', async () => {
    const scene = useScene();
    const child = node(scene, 'quitter', `console.log('bye'); process.exit(3);`);
    // A bound longer than the test's own timeout: only an early failure can pass.
    const error = await rejection(child.waitForLine('hello', 'stdout', 120_000));
    expect(error.message).toMatch(/^quitter exited \(code 3\) without printing the line "hello" on stdout\./);
  });

  test.each([
    ['a trailing space', 'a \n', 'a·⏎\n'],
    ['a carriage return', 'a\r\n', 'a\\r⏎\n'],
    ['a tab and a bell', '\t\u0007\n', '\\t\\x07⏎\n'],
    ['no final newline', 'a', 'a[no newline at end]'],
  ])('output with %s is shown visibly', (_, text, shown) => {
    expect(visible(text)).toBe(shown);
  });
});

describe('output', () => {
  test('with an output limit, only the end of each stream is kept, but every byte is counted', async () => {
    const scene = useScene();
    // 'é' is two bytes in UTF-8: bytes and characters differ, and chunks may split one.
    const child = launch(scene, {
      label: 'chatty',
      argv: ['node', '-e', `console.log('ready'); process.stdout.write('é'.repeat(100000) + '\\nend\\n'); console.error('x'.repeat(5000))`],
      cwd: REPO_ROOT,
      outputLimit: 100,
    });
    expect(await child.waitForExit()).toEqual({ code: 0, signal: null });
    expect(child.bytes('stdout')).toBe('ready\n'.length + 200_000 + '\nend\n'.length);
    expect(child.bytes('stderr')).toBe(5001);
    expect(child.output('stdout')).toBe(`${'é'.repeat(95)}\nend\n`);
    expect(child.lines('stderr')).toEqual(['x'.repeat(99)]);
    expect(child.transcript()).toContain('stdout (the last 100 characters of 200011 bytes):');
  });

  test('without a limit, the whole output is kept and the transcript does not call it cut', async () => {
    const scene = useScene();
    const child = node(scene, 'short', `console.log('é')`);
    expect(await child.waitForExit()).toEqual({ code: 0, signal: null });
    expect([child.output('stdout'), child.bytes('stdout')]).toEqual(['é\n', 3]);
    expect(child.transcript()).toContain('stdout:\n');
  });
});

describe('resets', () => {
  test('a raw peer reset right after it ended its side is closed all the same, so its teardown ends', async () => {
    const scene = useScene();
    const server = await startFakeServer(scene);
    const peer = await connectPeer(scene, server, 'ends then resets');
    const closed = pEvent(peer.socket, 'close', { timeout: 2000 }); // bounded guard: on loopback it closes at once
    peer.end(); // its FIN is still being sent: Node cannot reset such a socket
    peer.reset();
    await closed;
  });
});

describe('comparing what a peer receives with an expected stream', () => {
  test.each([
    { what: 'the same bytes, cut elsewhere', sent: ['abc', 'defgh'], expected: ['abcd', 'efgh'], result: { bytes: 8, firstDifference: undefined } },
    { what: 'one byte changed', sent: ['abcdXfgh'], expected: ['abcd', 'efgh'], result: { bytes: 8, firstDifference: 4 } },
    { what: 'bytes past its end', sent: ['abcdefghij'], expected: ['abcd', 'efgh'], result: { bytes: 10, firstDifference: 8 } },
  ])('$what', async ({ sent, expected, result }) => {
    const scene = useScene();
    const server = await startFakeServer(scene);
    const peer = await connectPeer(scene, server, 'comparing');
    const chunks = expected.map((text) => Buffer.from(text));
    peer.compareFromHere(() => chunks.shift());
    const sender = await server.waitForPeer();
    for (const text of sent) await sender.send(text);
    expect(await peer.waitForCompared(result.bytes)).toEqual(result);
  });
});

describe('environment', () => {
  test('a program starts without NODE_EXTRA_CA_CERTS, which slows every Node 20 start, even when it is asked for', async () => {
    const scene = useScene();
    const child = launch(scene, {
      label: 'env',
      argv: ['node', '-e', `console.log(process.env.NODE_EXTRA_CA_CERTS ?? 'unset', process.env.NO_COLOR)`],
      cwd: REPO_ROOT,
      env: { NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt' },
    });
    expect(await child.waitForExit()).toEqual({ code: 0, signal: null });
    expect(child.lines('stdout')).toEqual(['unset 1']);
  });

  // In-process: which coverage setting a program gets is childEnv's logic. The suite's folder and preload are set while it runs.
  test.each<{ scene: string; coverage: boolean; extra?: Record<string, string>; v8: string | undefined; preloaded: boolean }>([
    { scene: 'a default scene', coverage: true, v8: undefined, preloaded: true },
    { scene: "a scene without coverage (a grade's)", coverage: false, v8: undefined, preloaded: false },
    { scene: 'a scene without coverage, to a program that sets its own', coverage: false, extra: { NODE_V8_COVERAGE: '/its/own' }, v8: '/its/own', preloaded: false },
    { scene: 'a default scene, to a program that turns it off', coverage: true, extra: { NODE_V8_COVERAGE: '' }, v8: '', preloaded: false },
    { scene: 'a default scene, to a program with options of its own', coverage: true, extra: { NODE_OPTIONS: '--no-warnings' }, v8: undefined, preloaded: true },
  ])('$scene gives a program NODE_V8_COVERAGE $v8 and the coverage preload: $preloaded', ({ coverage, extra, v8, preloaded }) => {
    const preload = process.env[COVERAGE_PRELOAD_ENV];
    if (process.env[SUITE_DIR_ENV] === undefined || preload === undefined) throw new Error(`${SUITE_DIR_ENV} or ${COVERAGE_PRELOAD_ENV} is not set: run this through vitest's global setup`);
    const env = childEnv(extra, new Scene(coverage ? {} : { coverage: false }).coverage);
    expect(env.NODE_V8_COVERAGE).toBe(v8);
    const options = (env.NODE_OPTIONS ?? '').split(' ');
    expect(options.filter((option) => option === `--import=${preload}`)).toHaveLength(preloaded ? 1 : 0);
    if (extra?.NODE_OPTIONS !== undefined) expect(options).toContain(extra.NODE_OPTIONS); // kept beside it
  });

  // Inherited, the preload would follow a program into a sandbox that cannot see the repository, and Node would not start.
  test.each<{ program: string; extra: Record<string, string>; coverage: boolean }>([
    { program: "a grade's program", extra: {}, coverage: false },
    { program: 'a program run without coverage (a grader command line)', extra: { NODE_V8_COVERAGE: '' }, coverage: true },
  ])('$program does not inherit the coverage preload', ({ extra, coverage }) => {
    const preload = process.env[COVERAGE_PRELOAD_ENV];
    if (preload === undefined) throw new Error(`${COVERAGE_PRELOAD_ENV} is not set: run this through vitest's global setup`);
    const env = childEnv({ ...extra, NODE_OPTIONS: `--no-warnings --import=${preload}` }, coverage);
    expect(env.NODE_OPTIONS).toBe('--no-warnings');
  });
});

describe('teardown', () => {
  test('disposing of a scene stops its running processes and waits for their exit', async () => {
    const scene = new Scene();
    const child = node(scene, 'idle', `console.log('ready'); ${IDLE}`);
    await child.waitForLine('ready');
    await scene.dispose();
    expect(child.exit).toEqual({ code: null, signal: 'SIGTERM' });
  });

  test('a process that ignores SIGTERM is killed after the grace period', async () => {
    const scene = new Scene();
    const child = node(scene, 'stubborn', `process.on('SIGTERM', () => {}); console.log('ready'); ${IDLE}`);
    await child.waitForLine('ready');
    await scene.dispose();
    expect(child.exit).toEqual({ code: null, signal: 'SIGKILL' });
  });

  test('a process that exits while a child it left holds its output pipes is seen to exit, with its output', async () => {
    const scene = useScene();
    // The holder is capped at 20 s, and ended here by the pid the process printed.
    const child = launch(scene, { label: 'leaves-holder', argv: ['sh', '-c', 'sleep 20 & echo "holder $!"; exit 3'], cwd: REPO_ROOT });
    const holder = Number(/holder (\d+)/.exec(await child.waitForLine(/^holder \d+$/))?.[1]);
    onTestFinished(() => {
      if (holder > 0 && isAlive(holder)) process.kill(holder, 'SIGKILL');
    });
    expect(await child.waitForExit()).toEqual({ code: 3, signal: null });
    expect(isAlive(holder)).toBe(true);
  });
});

describe('the proxy', () => {
  test('holds every byte until released', async () => {
    const scene = useScene();
    const upstream = await startFakeServer(scene);
    const proxy = await startProxy(scene, upstream, { hold: true });
    const client = await connectPeer(scene, proxy, 'client');
    await client.send('abc');
    await proxy.waitForReceived(3);
    const far = await upstream.waitForPeer();
    expect([proxy.connections[0]?.forwarded, far.text()]).toEqual([0, '']);
    proxy.connections[0]?.release();
    await client.send('\n');
    await far.waitForLine('abc');
  });

  test('passes bytes in slices of the given size, one write each', async () => {
    const scene = useScene();
    const upstream = await startFakeServer(scene);
    const proxy = await startProxy(scene, upstream, { sliceBytes: 3 });
    const client = await connectPeer(scene, proxy, 'client');
    await client.send('0123456789\n');
    const far = await upstream.waitForPeer();
    await far.waitForLine('0123456789');
    expect(proxy.connections[0]?.writes).toBe(4);
  });

  test('passes the server\'s bytes back untouched', async () => {
    const scene = useScene();
    const upstream = await startFakeServer(scene);
    const proxy = await startProxy(scene, upstream);
    const client = await connectPeer(scene, proxy, 'client');
    const far = await upstream.waitForPeer();
    await far.send('hello\r\n');
    await client.waitForLine('hello\r');
  });

  test('resets both sides of a connection on request', async () => {
    const scene = useScene();
    const upstream = await startFakeServer(scene);
    const proxy = await startProxy(scene, upstream);
    const client = await connectPeer(scene, proxy, 'client');
    const connection = await proxy.waitForConnection();
    const far = await upstream.waitForPeer();
    connection.reset();
    await Promise.all([client.waitForEnd(), far.waitForEnd()]);
    expect(client.transcript()).toMatch(/\(closed, error ECONNRESET\)/);
  });
});

describe('ports', () => {
  test('with port mode "free" the harness picks a port and the server uses it', async () => {
    const scene = useScene();
    const server = await startServer(scene, loadTarget('fixtures/targets/reference-free-port.json'));
    expect(server.child.lines()).toEqual([`Listening on 127.0.0.1:${server.port}`]);
  });

  test('a port taken between picking and binding is retried, not blamed on the program', async () => {
    const scene = useScene();
    const dir = mkdtempSync(join(tmpdir(), 'ack-harness-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const target: Target = {
      ...referenceTarget(),
      server: {
        argv: ['node', join(REPO_ROOT, 'fixtures/harness/in-use-once.mjs'), join(dir, 'marker'), '{port}'],
        port: 'free',
        ready: '^Listening on ',
      },
    };
    const server = await startServer(scene, target);
    expect(server.child.lines()).toEqual([`Listening on 127.0.0.1:${server.port}`]);
  });

  test('a fixed port that is busy is reported as the harness\'s problem', async () => {
    const scene = useScene();
    const occupier = await startFakeServer(scene, 'occupier');
    const target: Target = { ...referenceTarget(), server: { ...referenceTarget().server, port: occupier.port } };
    const error = await rejection(startServer(scene, target));
    expect(error).toBeInstanceOf(HarnessError);
    expect(error.message).toBe(
      `port ${occupier.port} is in use by another program, so reference cannot start; free it and run again`,
    );
  });
});

test('golden transcripts fill in the port', () => {
  expect(loadGolden('x-first', 4242)).toMatchObject({
    server: expect.arrayContaining(['Listening on 127.0.0.1:4242']),
    'client X': ['Sent: Client X: Alice', 'Received: X: Alice received before Y: Bob'],
  });
});

describe('the suite\'s process bookkeeping', () => {
  test('a pid and its start time name one process: the same pid with another start time is not ours', () => {
    const started = startTime(process.pid);
    expect(started).toMatch(/^\d+$/);
    expect(isSameProcessAlive(process.pid, started)).toBe(true);
    expect(isSameProcessAlive(process.pid, String(Number(started) + 1))).toBe(false);
  });

  test.each([
    ['42 (node) S 1 42', ['S', '1', '42']],
    ['42 (a) b) R 1 42', ['R', '1', '42']],
    ['42 (two words) Z 7', ['Z', '7']],
  ])('the stat line %j has the fields %j after its command name', (line, fields) => {
    expect(statFields(line)).toEqual(fields);
  });

  test('a process that has exited is not alive, whatever its start time', async () => {
    const scene = useScene();
    const child = node(scene, 'short', 'process.exit(0)');
    const pid = child.pid!;
    const started = startTime(pid);
    await child.waitForExit();
    expect(isSameProcessAlive(pid, started)).toBe(false);
  });

  test('a process run to its end is counted without its pid, so the leak check never signals whoever has that pid later', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ack-harness-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const suiteDir = process.env[SUITE_DIR_ENV];
    onTestFinished(() => {
      process.env[SUITE_DIR_ENV] = suiteDir;
    });
    process.env[SUITE_DIR_ENV] = dir;
    countFinished(4242);
    countFinished(0); // spawnSync's pid when the command could not start: no process, not counted
    countFinished(undefined);
    expect(parsePidLog(readFileSync(join(dir, 'pids'), 'utf8'))).toEqual([{ pid: undefined, started: undefined, file: 'spec/harness.test.ts', ended: true }]);
  });
});
