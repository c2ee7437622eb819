// Reading other programs' socket and thread states from /proc: what the grader waits on where no event exists.
import net from 'node:net';
import { describe, expect, onTestFinished, test } from 'vitest';
import { canReadKernelSockets, connectionsTo, parseProcNetTcp, pollInterval, pollKernel, TCP_STATE, threadStates, threadUsage, waitForIdle, waitForListener, waitForServerToRead } from '../harness/kernel.js';
import { launch } from '../harness/process.js';
import { REPO_ROOT } from '../harness/repo-root.js';
import { connectPeer } from '../harness/peer.js';
import { hasIpv6Loopback } from './support/network.js';
import { useScene } from './support/vitest.js';

const SAMPLE = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:2EE0 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 618 1 0000000020217062 100 0 0 10 0
   1: 0100007F:2EE0 0100007F:C874 01 00000000:0000000C 00:00000000 00000000     0        0 619 1 0000000020217062 20 4 30 10 -1
`;

test('rows of /proc/net/tcp give ports, state and queue sizes', () => {
  expect(parseProcNetTcp(SAMPLE)).toEqual([
    { localPort: 12000, remotePort: 0, state: TCP_STATE.LISTEN, txQueue: 0, rxQueue: 0 },
    { localPort: 12000, remotePort: 0xc874, state: TCP_STATE.ESTABLISHED, txQueue: 0, rxQueue: 12 },
  ]);
});

test('established connections to a port are counted, its listener is not', () => {
  expect(connectionsTo(12000, parseProcNetTcp(SAMPLE))).toBe(1);
});

// Sockets of an IPv4 server are in /proc/net/tcp, of an IPv6 one in /proc/net/tcp6: the waits find either.
const HOSTS = [
  { family: 'IPv4', host: '127.0.0.1', present: true },
  { family: 'IPv6', host: '::1', present: hasIpv6Loopback() },
];

/** A server on `host` that accepts but reads nothing until `resume` is called on the socket it hands back. */
async function silentServer(host: string): Promise<{ port: number; accepted: Promise<net.Socket> }> {
  let hand: (socket: net.Socket) => void = () => {};
  const accepted = new Promise<net.Socket>((resolve) => (hand = resolve));
  const server = net.createServer({ pauseOnConnect: true }, hand);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  onTestFinished(async () => {
    (await Promise.race([accepted, Promise.resolve(undefined)]))?.destroy();
    server.close();
  });
  return { port: (server.address() as net.AddressInfo).port, accepted };
}

describe.each(HOSTS)('on $family', ({ host, present }) => {
  test.skipIf(!canReadKernelSockets() || !present)('bytes the server has not read are seen waiting, and seen gone once it reads', async () => {
    const { port, accepted } = await silentServer(host);
    const peer = await connectPeer(useScene(), { host, port }, 'client');
    await peer.send('Client X: Alice\n');
    // The bound is what is under test here: the bytes stay unread for all of it.
    expect(await waitForServerToRead(port, peer.localPort, 100)).toBe(false);
    (await accepted).resume();
    expect(await waitForServerToRead(port, peer.localPort, 5000)).toBe(true);
  });

  test.skipIf(!canReadKernelSockets() || !present)('a listening port is seen; a port nobody listens on is not', async () => {
    const { port } = await silentServer(host);
    expect(await waitForListener(port, 1000)).toBe(true);
    const unused = net.createServer();
    await new Promise<void>((resolve) => unused.listen(0, host, resolve));
    const freed = (unused.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => unused.close(() => resolve()));
    expect(await waitForListener(freed, 50)).toBe(false);
  });
});

test.each([
  { waited: 0, lastRead: 2, interval: 5 },
  { waited: 40, lastRead: 2, interval: 10 },
  { waited: 200, lastRead: 2, interval: 50 },
  { waited: 2000, lastRead: 2, interval: 100 },
  { waited: 0, lastRead: 20, interval: 40 },
  { waited: 0, lastRead: 80, interval: 100 },
])('after $waited ms of waiting with reads of $lastRead ms, the next read comes $interval ms later', ({ waited, lastRead, interval }) => {
  expect(pollInterval(waited, lastRead)).toBe(interval);
});

test.skipIf(!canReadKernelSockets())('a wait that runs out its bound reads the kernel tables a few dozen times, not every few ms', async () => {
  let reads = 0;
  // The bound is what is under test here: the check never holds, so the wait lasts all of it.
  expect(
    await pollKernel(() => {
      reads += 1;
      return false;
    }, 1000),
  ).toBe(false);
  // With a fixed 5 ms interval this was about 150 reads (each walks the whole hash table); now about 25.
  expect(reads).toBeLessThanOrEqual(30);
});

describe.skipIf(!canReadKernelSockets())('a program is idle', () => {
  test('once every thread of it waits, as a program blocked reading its input does', async () => {
    const child = launch(useScene(), { label: 'reader', argv: ['node', '-e', 'process.stdin.once("data", () => process.exit(0))'], cwd: REPO_ROOT });
    await expect(waitForIdle(child.pid!, 10_000, 60_000)).resolves.toBe(true);
    expect(threadStates(child.pid!).length).toBeGreaterThan(1); // Node's own threads are counted too
  });

  // The bound is what is under test in both: a program that spins never idles, so each wait lasts all of it, and
  // it is the CPU the program used (the cap on time passed is far beyond it).
  test.each([
    ['a program that spins', ['node', '-e', 'console.log("spinning"); for (;;) {}']],
    ['an idle shell whose child spins', ['sh', '-c', 'node -e \'console.log("spinning"); for (;;) {}\' & wait']],
  ])('not while %s: the wait ends once the program has used the CPU it was given', async (_, argv) => {
    // A group of its own: the shell's child goes with it when the scene ends.
    const child = launch(useScene(), { label: 'spinner', argv, cwd: REPO_ROOT, group: true });
    // Past its start, when a thread of Node's may wait on another and none is running for a moment.
    await child.waitForLine('spinning');
    const before = threadUsage(child.pid!).cpuMs;
    await expect(waitForIdle(child.pid!, 300, 60_000)).resolves.toBe(false);
    expect(threadUsage(child.pid!).cpuMs - before).toBeGreaterThanOrEqual(300);
  });
});
