#!/usr/bin/python3
"""Runs the reference programs on a Mininet network and reports what they did.

    /usr/bin/python3 mininet/driver.py <path to node> <repository root>

Needs root and Debian's mininet package (for the system python3, hence
/usr/bin/python3). spec/mininet.test.ts runs it and asserts; this script only
drives and records. It prints ONE JSON object on stdout:

    {"skip": "<reason>"}                        not root, or Mininet missing
    {"error": "<reason>", ...}                  the network could not be set up
    {"scenarios": {...}, "leftBehind": {...},   otherwise
     "timings": {...}, "mininet": "2.3.0"}

The network: h1 (10.0.0.1), h2 (10.0.0.2) and h3 (10.0.0.3) on one Linux
bridge s1, no controller. The server runs on h1 listening on 0.0.0.0, client X
on h2 and client Y on h3, both connecting to 10.0.0.1. Nothing is sent to any
address outside 10.0.0.0/8.

Safety (why the code is shaped like this):

- Only Mininet(...), addHost/addSwitch/addLink, start() and stop() are used,
  with LinuxBridge and controller=None. None of them calls
  mininet.clean.cleanup(), killprocs() or any killall/pkill: those live in
  clean.py (which is never imported here), term.py's cleanUpScreens() (only
  reached with xterms) and Mininet.iperf() (never called). `mn` is never run.
- Mininet.init() would raise machine-wide limits (fs.file-max, kernel.pty.max,
  net.core.*mem_max, ...) through fixLimits(); this script checks for root
  itself and marks Mininet as initialised, so no sysctl is written.
- LinuxBridge.start() runs `brctl delbr s1`, and a link pre-deletes its
  interface names, so the script first makes sure none of the names it will
  create exists (it would otherwise be someone else's, e.g. a Mininet session
  in progress) and refuses to run if one does. A lock serialises concurrent
  runs on this machine.
- Every program is started by this script with host.popen() and killed by
  its own pid; net.stop() runs in a finally, also on SIGTERM/SIGINT/SIGHUP.
  A state file records what a run created, so that a run killed with SIGKILL
  is cleaned up by the next one (by pid, checked against the process's start
  time, and by exact interface name).
- After net.stop() the script checks that no interface or bridge it made is
  left in the root namespace, that no process is left in the hosts' network
  namespaces, that every process it started is gone, and that `ip netns`
  shows no new name; the result is in "leftBehind".
"""

import errno
import fcntl
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

PORT = 12000
#: Bound for every wait on a program (a line, an exit), in seconds.
WAIT_S = 10.0
#: The delay netem adds to every packet leaving the delayed client's host.
NETEM_DELAY = '300ms'
HOSTS = (('h1', '10.0.0.1'), ('h2', '10.0.0.2'), ('h3', '10.0.0.3'))
SERVER_IP = '10.0.0.1'
SWITCH = 's1'
#: Every interface name the run creates in the root namespace or a host's.
OUR_NAMES = ('s1', 's1-eth1', 's1-eth2', 's1-eth3', 'h1-eth0', 'h2-eth0', 'h3-eth0')
ACK_XY = 'X: Alice received before Y: Bob'
STATE_DIR = '/run/lock' if os.path.isdir('/run/lock') else tempfile.gettempdir()
LOCK_FILE = os.path.join(STATE_DIR, 'ack-exchange-mininet.lock')
STATE_FILE = os.path.join(STATE_DIR, 'ack-exchange-mininet.json')
LOCK_WAIT_S = 40.0


class Interrupted(Exception):
    """A signal asked the driver to stop; the finally blocks clean up."""


class ScenarioError(Exception):
    """A scenario could not go on (a wait timed out, a program ended early)."""


def emit(result):
    """Prints the report: a skip or an error on one line, a full report indented."""
    indent = 2 if 'scenarios' in result else None
    sys.stdout.write(json.dumps(result, indent=indent, ensure_ascii=False) + '\n')
    sys.stdout.flush()


def run(argv):
    """Runs a command in the root namespace; returns (status, stdout+stderr)."""
    done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=WAIT_S, check=False)
    return done.returncode, done.stdout.decode('utf-8', 'replace')


def why_skip():
    """A one-line reason not to run here, or None."""
    if os.geteuid() != 0:
        return 'not root: Mininet needs root (sudo npm run test:mininet)'
    try:
        import mininet.net  # noqa: F401  pylint: disable=import-outside-toplevel,unused-import
        import mininet.nodelib  # noqa: F401  pylint: disable=import-outside-toplevel,unused-import
    except ImportError as error:
        return f'Mininet is not installed for /usr/bin/python3 ({error}); apt-get install mininet'
    for command, package in (('mnexec', 'mininet'), ('brctl', 'bridge-utils'), ('tc', 'iproute2'),
                             ('ip', 'iproute2'), ('ifconfig', 'net-tools')):
        if shutil.which(command) is None:
            return f'{command} not found (apt-get install {package})'
    return None


# ── the programs ──────────────────────────────────────────────────────────────


class Program:
    """One of the reference programs, started inside a Mininet host."""

    def __init__(self, clock, label, host, argv, cwd):
        self.label = label
        self.host = host.name
        self.argv = argv
        self.clock = clock
        self.started = clock()
        # mnexec -da <pid> joins the host's namespaces and execs argv, so the
        # Popen's pid is the program's own pid.
        self.popen = host.popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, cwd=cwd)
        self.pid = self.popen.pid
        self.raw = {'stdout': b'', 'stderr': b''}
        self.open = {self.popen.stdout.fileno(): 'stdout', self.popen.stderr.fileno(): 'stderr'}
        self.files = {self.popen.stdout.fileno(): self.popen.stdout, self.popen.stderr.fileno(): self.popen.stderr}
        #: (seconds since the scenario began, stream, line) for every complete line
        self.timeline = []
        self.killed = False

    def lines(self, stream='stdout'):
        text = self.raw[stream].decode('utf-8', 'replace')
        lines = text.split('\n')
        if lines and lines[-1] == '':
            lines.pop()
        return lines

    def read(self, fd):
        stream = self.open[fd]
        chunk = os.read(fd, 65536)
        if not chunk:
            del self.open[fd]
            self.files.pop(fd).close()
            return
        before = self.raw[stream].count(b'\n')
        self.raw[stream] += chunk
        for line in self.raw[stream].split(b'\n')[before:-1]:
            self.timeline.append((round(self.clock(), 3), stream, line.decode('utf-8', 'replace')))

    def finished(self):
        """Exited and both pipes drained."""
        return not self.open and self.popen.poll() is not None

    def write(self, text):
        try:
            self.popen.stdin.write(text.encode('utf-8'))
            self.popen.stdin.flush()
        except OSError as error:
            raise ScenarioError(f'could not type {text!r} at {self.label}: {error}') from error

    def kill(self):
        """SIGKILL by our own pid, if still running; reaps it."""
        if self.popen.poll() is None:
            self.killed = True
            self.popen.kill()
        self.popen.wait()
        self.close()

    def close(self):
        for file in [self.popen.stdin, *self.files.values()]:
            try:
                file.close()
            except OSError:
                pass
        self.files.clear()
        self.open.clear()

    def report(self):
        code = self.popen.returncode
        return {
            'host': self.host,
            'argv': self.argv,
            'pid': self.pid,
            'stdout': self.lines('stdout'),
            'stderr': self.lines('stderr'),
            'exit': {
                'code': code if code is not None and code >= 0 else None,
                'signal': signal.Signals(-code).name if code is not None and code < 0 else None,
            },
            'killedAfterTimeout': self.killed,
            'started': round(self.started, 3),
            'timeline': self.timeline,
        }


class Scenario:
    """The programs of one scenario, and waits on what they print."""

    def __init__(self, env, name):
        self.env = env
        self.name = name
        self.begun = time.monotonic()
        self.programs = {}
        self.error = None
        self.extra = {}

    def clock(self):
        return time.monotonic() - self.begun

    def start(self, label, host, args):
        argv = [self.env['node'], os.path.join(self.env['root'], 'dist', 'impl', args[0]), *args[1:]]
        program = Program(self.clock, label, self.env['hosts'][host], argv, self.env['root'])
        self.programs[label] = program
        self.env['programs'].append(program)
        track(self.env, program.pid)
        return program

    def server(self, chat=False):
        program = self.start('server', 'h1', ['server.js', '--host', '0.0.0.0', '--port', str(PORT),
                                             *(['--chat'] if chat else [])])
        self.wait_line(program, f'Listening on 0.0.0.0:{PORT}')
        return program

    def client(self, client_id, chat=False):
        host, name = ('h2', 'Alice') if client_id == 'X' else ('h3', 'Bob')
        return self.start(f'client {client_id}', host, ['client.js', '--id', client_id, '--name', name,
                                                        '--host', SERVER_IP, '--port', str(PORT),
                                                        *(['--chat'] if chat else [])])

    def pump(self, timeout):
        """Reads whatever any program printed, waiting at most `timeout` seconds."""
        fds = {fd: program for program in self.programs.values() for fd in program.open}
        if not fds:
            # Only exits left to see: poll them without a fixed sleep.
            if all(program.popen.poll() is not None for program in self.programs.values()):
                return
            time.sleep(min(timeout, 0.01))
            return
        try:
            ready, _, _ = select.select(list(fds), [], [], max(timeout, 0))
        except InterruptedError:
            return
        for fd in ready:
            fds[fd].read(fd)

    def wait(self, done, what, failed=lambda: None, poll=0.5):
        """Pumps output until done() (or failed() names why it never will),
        checking again whenever output arrives or every `poll` seconds."""
        deadline = time.monotonic() + WAIT_S
        while not done():
            why = failed()
            if why:
                raise ScenarioError(f'{self.name}: {why} while waiting for {what}')
            left = deadline - time.monotonic()
            if left <= 0:
                raise ScenarioError(f'{self.name}: timed out after {WAIT_S:g} s waiting for {what}')
            self.pump(min(left, poll))

    def wait_line(self, program, line):
        def ended():
            if program.finished():
                return f'{program.label} exited ({program.popen.returncode}) without printing it'
            return None
        self.wait(lambda: line in program.lines(), f'{program.label} to print {line!r}', ended)

    def wait_exits(self):
        programs = list(self.programs.values())
        self.wait(lambda: all(program.finished() for program in programs), 'every program to exit')

    def drain(self, seconds):
        """Reads what is left in the pipes, for at most `seconds`."""
        deadline = time.monotonic() + seconds
        while any(program.open for program in self.programs.values()) and time.monotonic() < deadline:
            self.pump(deadline - time.monotonic())

    def stop(self):
        """Kills (by pid) whatever is still running, after the waits above gave up."""
        running = [program for program in self.programs.values() if program.popen.poll() is None]
        for program in running:
            program.killed = True
            program.popen.kill()
        self.drain(1.0)  # what they printed before (and the end of file after) the kill
        for program in self.programs.values():
            program.popen.wait()
            program.close()

    def report(self):
        result = {
            'programs': {label: program.report() for label, program in self.programs.items()},
            'error': self.error,
            'seconds': round(self.clock(), 3),
        }
        result.update(self.extra)
        return result


def part1(scenario, first):
    """Server, then the first client; once the server printed its greeting, the second."""
    second = 'Y' if first == 'X' else 'X'
    name = {'X': 'Alice', 'Y': 'Bob'}
    server = scenario.server()
    scenario.client(first)
    scenario.wait_line(server, f'Received: Client {first}: {name[first]}')
    scenario.client(second)
    scenario.wait_exits()


def delayed_link(scenario, delayed):
    """Slows the `delayed` client's link, starts that client first and the other
    right after it: the network, not the start order, makes the other's greeting
    arrive first.

    With netem (tc qdisc ... netem delay), every packet leaving the delayed
    client's host waits NETEM_DELAY. A kernel built without sch_netem (this
    repository's CI VM, for one) answers "Specified qdisc kind is unknown"; there
    the link holds the client's TCP packets instead (tc clsact + u32 +
    mirred, which sends them to the host's own lo, where they are dropped) until
    the client has tried to connect and the other's greeting has arrived; TCP
    then retransmits them and they go through."""
    host = scenario.env['hosts']['h2' if delayed == 'X' else 'h3']
    device = f'{host.name}-eth0'
    other = 'Y' if delayed == 'X' else 'X'
    name = {'X': 'Alice', 'Y': 'Bob'}
    server = scenario.server()
    link = {'device': device}
    scenario.extra['link'] = link
    added = host.cmd(f'tc qdisc add dev {device} root netem delay {NETEM_DELAY}').strip()
    if not added:
        link['method'] = f'netem delay {NETEM_DELAY}'
        try:
            link['shown'] = host.cmd(f'tc qdisc show dev {device}').strip()
            scenario.client(delayed)
            scenario.client(other)
            scenario.wait_exits()
        finally:
            link['removed'] = host.cmd(f'tc qdisc del dev {device} root').strip()
            link['after'] = host.cmd(f'tc qdisc show dev {device}').strip()
        return
    if 'unknown' not in added:
        raise ScenarioError(f'{scenario.name}: could not add netem to {device}: {added}')
    link['method'] = 'hold (this kernel has no netem)'
    link['netem'] = added
    added = host.cmd(f'tc qdisc add dev {device} clsact && '
                     f'tc filter add dev {device} egress protocol ip prio 1 u32 '
                     f'match ip protocol 6 0xff match ip dst {SERVER_IP}/32 '
                     'action mirred egress redirect dev lo').strip()
    try:
        if added:
            raise ScenarioError(f'{scenario.name}: could not hold {device}: {added}')
        scenario.client(delayed)
        scenario.client(other)
        greeting = f'Received: Client {other}: {name[other]}'

        def held():
            stats = host.cmd(f'tc -s filter show dev {device} egress')
            return sum(int(count) for count in re.findall(r'Sent \d+ bytes (\d+) pkt', stats))

        def ended():
            return 'the server exited' if server.finished() else None

        # A kernel counter, read as the programs' output arrives (or every 20 ms).
        scenario.wait(lambda: greeting in server.lines() and held() > 0,
                      f'{delayed} to send its first packet (held) and the server to print {greeting!r}',
                      ended, poll=0.02)
        link['heldPackets'] = held()
        link['releasedAt'] = round(scenario.clock(), 3)
        link['released'] = host.cmd(f'tc qdisc del dev {device} clsact').strip()
        scenario.wait_exits()
    finally:
        if 'released' not in link:
            link['released'] = host.cmd(f'tc qdisc del dev {device} clsact').strip()
        link['after'] = host.cmd(f'tc qdisc show dev {device}; tc filter show dev {device} egress').strip()


def chat(scenario):
    server = scenario.server(chat=True)
    x = scenario.client('X', chat=True)
    scenario.wait_line(server, 'Received: Client X: Alice')
    y = scenario.client('Y', chat=True)
    scenario.wait_line(x, f'Received: {ACK_XY}')
    scenario.wait_line(y, f'Received: {ACK_XY}')
    x.write('Hi Bob, are you there?\n')
    scenario.wait_line(y, 'X: Hi Bob, are you there?')
    y.write('Yes, hello Alice!\n')
    scenario.wait_line(x, 'Y: Yes, hello Alice!')
    x.write('Bye\n')
    scenario.wait_exits()


SCENARIOS = (
    ('x-first', lambda scenario: part1(scenario, 'X')),
    ('y-first', lambda scenario: part1(scenario, 'Y')),
    ('x-delayed', lambda scenario: delayed_link(scenario, 'X')),
    ('y-delayed', lambda scenario: delayed_link(scenario, 'Y')),
    ('chat', chat),
)


def run_scenario(env, name, body):
    scenario = Scenario(env, name)
    try:
        body(scenario)
    except ScenarioError as error:
        scenario.error = str(error)
    finally:
        scenario.stop()
    return scenario.report()


# ── what the run created, and checking it is gone ─────────────────────────────


def link_names():
    """Interface names in the root network namespace."""
    _, out = run(['ip', '-o', 'link', 'show'])
    return [match.group(1) for match in re.finditer(r'^\d+:\s+([^:@\s]+)', out, re.M)]


def netns_names():
    status, out = run(['ip', 'netns', 'list'])
    return sorted(line.split()[0] for line in out.splitlines() if line.strip()) if status == 0 else []


def start_time(pid):
    """The process's start time (clock ticks since boot), or None if it is gone or a zombie."""
    try:
        with open(f'/proc/{pid}/stat', encoding='utf-8', errors='replace') as stat:
            fields = stat.read().rsplit(')', 1)[1].split()
    except OSError:
        return None
    return None if fields[0] == 'Z' else fields[19]


def net_namespace(pid):
    try:
        return os.readlink(f'/proc/{pid}/ns/net')
    except OSError:
        return None


def processes_in(namespaces):
    """Pids of every process whose network namespace is one of `namespaces`."""
    found = []
    for entry in os.listdir('/proc'):
        if entry.isdigit() and net_namespace(entry) in namespaces and start_time(entry) is not None:
            found.append(int(entry))
    return found


def track(env, pid):
    """Remembers a process this run started (a host's shell, a program), with its start time."""
    env['pids'][pid] = start_time(pid)
    save_state(env)


def ours_running(env):
    """The processes this run started that still run (same pid and start time)."""
    return [pid for pid, started in env['pids'].items() if started is not None and start_time(pid) == started]


def save_state(env):
    """Records what this run created, for the next run if this one is SIGKILLed."""
    state = {
        'owner': os.getpid(),
        'ownerStart': start_time(os.getpid()),
        'names': list(OUR_NAMES),
        'pids': [[pid, started] for pid, started in env['pids'].items()],
    }
    with open(STATE_FILE + '.tmp', 'w', encoding='utf-8') as file:
        json.dump(state, file)
    os.replace(STATE_FILE + '.tmp', STATE_FILE)


def recover_from_killed_run():
    """Removes what a previous run left when it was killed before its finally ran.

    Only that run's own processes (same pid and start time as it recorded) and
    its exact interface names are touched. Returns a description, or None."""
    try:
        with open(STATE_FILE, encoding='utf-8') as file:
            state = json.load(file)
    except (OSError, ValueError):
        return None
    owner_alive = start_time(state.get('owner', 0)) is not None and \
        start_time(state['owner']) == state.get('ownerStart')
    if owner_alive:
        return None  # cannot happen while we hold the lock, but never touch a live run
    killed = []
    for pid, started in state.get('pids', []):
        if started is not None and start_time(pid) == started:
            try:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            except ProcessLookupError:
                pass
    present = set(link_names())
    deleted = [name for name in state.get('names', []) if name in OUR_NAMES and name in present]
    for name in deleted:
        run(['ip', 'link', 'del', name])
    os.unlink(STATE_FILE)
    if not killed and not deleted:
        return None
    return f'a previous run was killed before cleaning up: killed pids {killed}, deleted {deleted}'


def left_behind(env):
    names = set(link_names())
    _, bridges = run(['ip', '-o', 'link', 'show', 'type', 'bridge'])
    return {
        'links': sorted(name for name in names if re.fullmatch(r'(h\d+|s\d+)-eth\d+', name) or name in OUR_NAMES),
        'bridges': [SWITCH] if re.search(rf'^\d+:\s+{SWITCH}:', bridges, re.M) else [],
        'namespaces': sorted(set(net_namespace(pid) for pid in processes_in(env['namespaces']))),
        'processesInNamespaces': processes_in(env['namespaces']),
        'processes': ours_running(env),
        'newNetns': sorted(set(netns_names()) - set(env['netnsBefore'])),
    }


def fallback_cleanup(env):
    """After a failed net.stop(): kill our leftover processes and delete our names."""
    for pid in ours_running(env):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    present = set(link_names())
    for name in OUR_NAMES:
        if name in present:
            run(['ip', 'link', 'del', name])


# ── main ──────────────────────────────────────────────────────────────────────


def on_signal(signum, _frame):
    raise Interrupted(signal.Signals(signum).name)


def ignore_signals():
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, signal.SIG_IGN)


def take_lock():
    lock = open(LOCK_FILE, 'a+', encoding='utf-8')  # pylint: disable=consider-using-with
    deadline = time.monotonic() + LOCK_WAIT_S
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return lock
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.EACCES):
                raise
        if time.monotonic() > deadline:
            lock.close()
            return None
        time.sleep(0.05)  # another run holds the network; it lasts a few seconds


def build(env, Mininet, LinuxBridge):
    net = Mininet(topo=None, switch=LinuxBridge, controller=None, autoSetMacs=True,
                  build=False, ipBase='10.0.0.0/8')
    env['net'] = net
    switch = net.addSwitch(SWITCH)
    track(env, switch.pid)
    for name, ip in HOSTS:
        host = net.addHost(name, ip=f'{ip}/8')
        env['hosts'][name] = host
        env['namespaces'].add(net_namespace(host.pid))
        track(env, host.pid)
    for name, _ in HOSTS:
        net.addLink(env['hosts'][name], switch)
    net.start()
    env['started'] = time.monotonic()
    if shutil.which('ping'):
        # A bridge that does not forward (e.g. bridge-nf-call-iptables=1 with a
        # DROP policy) would otherwise show up as clients timing out.
        for name in ('h2', 'h3'):
            out = env['hosts'][name].cmd(f'ping -c 1 -W 2 {SERVER_IP} >/dev/null 2>&1; echo $?').strip()
            if out != '0':
                raise ScenarioError(f'{name} cannot reach {SERVER_IP} (ping exit {out}); is the bridge filtered '
                                    '(sysctl net.bridge.bridge-nf-call-iptables)?')


def main(argv):
    if len(argv) != 3:
        sys.stderr.write('usage: /usr/bin/python3 mininet/driver.py <path to node> <repository root>\n')
        return 2
    reason = why_skip()
    if reason:
        emit({'skip': reason})
        return 0

    # pylint: disable=import-outside-toplevel
    from mininet.log import setLogLevel
    from mininet.net import Mininet, VERSION
    from mininet.nodelib import LinuxBridge
    setLogLevel('warning')
    Mininet.inited = True  # root was checked above; skip fixLimits()' machine-wide sysctls

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, on_signal)

    env = {'node': os.path.abspath(argv[1]), 'root': os.path.abspath(argv[2]), 'hosts': {}, 'pids': {}, 'programs': [],
           'namespaces': set(), 'net': None, 'netnsBefore': netns_names()}
    result = {'mininet': VERSION}
    lock = None
    try:
        lock = take_lock()
        if lock is None:
            emit({'error': f'another run held {LOCK_FILE} for over {LOCK_WAIT_S:g} s'})
            return 0
        recovered = recover_from_killed_run()
        if recovered:
            result['recovered'] = recovered
        in_use = sorted(set(OUR_NAMES) & set(link_names()))
        if in_use:
            emit({'error': f'{", ".join(in_use)} already exist(s) in the root network namespace '
                           '(another Mininet network running?); nothing was touched'})
            return 0

        timings = {}
        scenarios = {}
        began = time.monotonic()
        stopped_cleanly = False
        try:
            build(env, Mininet, LinuxBridge)
            timings['startSeconds'] = round(env['started'] - began, 3)  # build and start, without the pings
            for name, body in SCENARIOS:
                scenarios[name] = run_scenario(env, name, body)
        except ScenarioError as error:
            result['error'] = str(error)
        except Interrupted as error:
            result['error'] = f'interrupted by {error}'
        except Exception as error:  # pylint: disable=broad-except
            result['error'] = f'{type(error).__name__}: {error}'
        finally:
            ignore_signals()  # let the clean-up below finish
            for program in env['programs']:
                program.kill()  # only still running if a scenario was interrupted
            stopping = time.monotonic()
            if env['net'] is not None:
                try:
                    env['net'].stop()
                    stopped_cleanly = True
                except Exception as error:  # pylint: disable=broad-except
                    result['stopError'] = f'{type(error).__name__}: {error}'
            timings['stopSeconds'] = round(time.monotonic() - stopping, 3)
            timings['totalSeconds'] = round(time.monotonic() - began, 3)

        result['leftBehind'] = left_behind(env)
        result['stoppedCleanly'] = stopped_cleanly
        if any(result['leftBehind'].values()):
            fallback_cleanup(env)
            result['afterFallback'] = left_behind(env)
        if not any(left_behind(env).values()):
            try:
                os.unlink(STATE_FILE)
            except FileNotFoundError:
                pass
        result['scenarios'] = scenarios
        result['timings'] = timings
        result['programPids'] = [program.pid for program in env['programs']]
        emit(result)
        return 0
    except Interrupted as error:
        emit({'error': f'interrupted by {error} before the network was built'})
        return 0
    finally:
        if lock is not None:
            lock.close()


if __name__ == '__main__':
    sys.exit(main(sys.argv))
