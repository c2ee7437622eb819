// The command lines of both programs: usage errors, help, and a port in use.
// Which command lines are wrong, and what each gets told, is the parsers' logic:
// the table runs it in-process, through the parser and the failure report each
// program runs first; one bad command line per program runs the real program.
import { EventEmitter } from 'node:events';
import { expect, test } from 'vitest';
import { catalogue } from './catalogue/record.js';
import { parseClientArgs } from '../impl/client-args.js';
import { reportFailure, type Output } from '../impl/output.js';
import { parseServerArgs } from '../impl/server-args.js';
import { startFakeServer } from '../harness/peer.js';
import { launch, type Child } from '../harness/process.js';
import type { Scene } from '../harness/scene.js';
import { REPO_ROOT } from '../harness/repo-root.js';
import { useScene } from './support/vitest.js';

type Program = 'server' | 'client';

/** Starts `dist/impl/<program>.js` with `args`. */
function run(scene: Scene, program: Program, args: readonly string[]): Child {
  return launch(scene, { label: program, argv: ['node', `dist/impl/${program}.js`, ...args], cwd: REPO_ROOT });
}

/** How `child` ended and everything it printed, raw. */
async function outcome(child: Child): Promise<object> {
  const exit = await child.waitForExit();
  return { exit, stdout: child.output(), stderr: child.output('stderr') };
}

const ALICE = ['--id', 'X', '--name', 'Alice'];
const HINT = 'run with --help to see the options';

test.for<[Program, string[], string]>([
  ['server', ['--nope'], `unknown option --nope; ${HINT}`],
  ['server', ['--port', 'abc'], '--port must be a whole number from 0 to 65535, not "abc"'],
  ['server', ['--port', '70000'], '--port must be a whole number from 0 to 65535, not "70000"'],
  ['server', ['--port', '65536'], '--port must be a whole number from 0 to 65535, not "65536"'],
  ['server', ['--port=-1'], '--port must be a whole number from 0 to 65535, not "-1"'],
  ['server', ['--port'], `option --port needs a value; ${HINT}`],
  ['server', ['stray'], `unexpected argument "stray"; ${HINT}`],
  ['server', ['--port', '-1'], `the value after --port starts with "-"; write it as --port=<value>; ${HINT}`],
  ['server', ['--host', ''], '--host must not be empty'],
  ['client', [...ALICE, '--nope'], `unknown option --nope; ${HINT}`],
  ['client', [...ALICE, '--port', 'abc'], '--port must be a whole number from 1 to 65535, not "abc"'],
  ['client', [...ALICE, '--port', '70000'], '--port must be a whole number from 1 to 65535, not "70000"'],
  ['client', [...ALICE, '--port=-1'], '--port must be a whole number from 1 to 65535, not "-1"'],
  ['client', [...ALICE, '--port', '0'], '--port must be a whole number from 1 to 65535, not "0"'],
  ['client', [...ALICE, '--port'], `option --port needs a value; ${HINT}`],
  ['client', ['--id', 'X'], "missing --name; give the person's name, e.g. --name Alice"],
  ['client', ['--name', 'Alice'], 'missing --id; give --id X or --id Y'],
  ['client', ['--id', 'Z', '--name', 'Alice'], '--id must be X or Y, not "Z"'],
  ['client', ['--id', 'X', '--name', ''], '--name: the name is empty; give a name'],
  ['client', [...ALICE, 'stray'], `unexpected argument "stray"; ${HINT}`],
  ['client', ['--id', 'X', '--name', '-Alice'], `the value after --name starts with "-"; write it as --name=<value>; ${HINT}`],
  ['client', ['--id', 'X', '--name', 'n'.repeat(300)], '--name: the name is 300 bytes long; the limit is 256 bytes of UTF-8'],
  ['client', [...ALICE, '--host', ''], '--host must not be empty'],
])('the %s with %j exits 2 with one line on stderr: %s', ([program, args, message], { task }) => {
  catalogue(task, {
    case: `The ${program} is started with a bad command line: ${JSON.stringify(args)}`,
    induced: `The arguments go to the ${program}'s command-line parser and failure report, the first things \`node dist/impl/${program}.js\` runs (in-process; the program itself is run with one bad command line each).`,
    behaviour: `It prints \`Error: ${message}\` on stderr, nothing on stdout, and exits 2.`,
    improvement: 'Only the first problem is reported, so a command line with several mistakes takes one run per mistake to fix.',
  });
  expect(startedWith(program, args)).toEqual({ exit: 2, stdout: [], stderr: [`Error: ${message}`] });
});

/** What the program started with `args` does before it serves or connects, run in-process: its parser, then its failure report. */
function startedWith(program: Program, args: readonly string[]): { exit: number | 'runs'; stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const output: Output = { print: (line) => stdout.push(line), write: () => true, printError: (line) => stderr.push(line), stdout: new EventEmitter() };
  try {
    (program === 'server' ? parseServerArgs : parseClientArgs)(args);
    return { exit: 'runs', stdout, stderr };
  } catch (error) {
    return { exit: reportFailure(error, output), stdout, stderr };
  }
}

// The table's wiring in the real programs: the parser's failure reaches stderr as one line, and the exit code.
test.each<[Program, string[], string]>([
  ['server', ['--port', 'abc'], '--port must be a whole number from 0 to 65535, not "abc"'],
  ['client', ['--id', 'Z', '--name', 'Alice'], '--id must be X or Y, not "Z"'],
])('the real %s with %j exits 2 with one line on stderr and nothing on stdout', async (program, args, message) => {
  const child = run(useScene(), program, args);
  expect(await outcome(child)).toEqual({ exit: { code: 2, signal: null }, stdout: '', stderr: `Error: ${message}\n` });
});

test.each<[Program, string, string]>([
  ['server', '--help', 'Usage: node dist/impl/server.js [--host HOST] [--port PORT] [--chat]'],
  ['server', '-h', 'Usage: node dist/impl/server.js [--host HOST] [--port PORT] [--chat]'],
  ['client', '--help', 'Usage: node dist/impl/client.js --id X|Y --name NAME [--host HOST] [--port PORT] [--chat]'],
  ['client', '-h', 'Usage: node dist/impl/client.js --id X|Y --name NAME [--host HOST] [--port PORT] [--chat]'],
])('the %s with %s prints its usage and exits 0', async (program, flag, usage) => {
  const child = run(useScene(), program, [flag]);
  expect(await child.waitForExit()).toEqual({ code: 0, signal: null });
  expect({ first: child.lines()[0], stderr: child.output('stderr') }).toEqual({ first: usage, stderr: '' });
});

test('the server on a port already in use exits 1 with one line on stderr', async ({ task }) => {
  catalogue(task, {
    case: 'The server\'s port is already in use',
    induced: 'A fake server holds a port and the reference server is started with `--port` set to it.',
    behaviour: 'The server prints `Error: 127.0.0.1:PORT is already in use; stop the program using it or pick another --port (0 picks a free one)`, nothing on stdout, and exits 1.',
    improvement: 'The message cannot name the program holding the port; it could suggest how to find it (`ss -ltnp`).',
  });
  const scene = useScene();
  const occupier = await startFakeServer(scene, 'occupier');
  const server = run(scene, 'server', ['--host', '127.0.0.1', '--port', String(occupier.port)]);
  expect(await outcome(server)).toEqual({
    exit: { code: 1, signal: null },
    stdout: '',
    stderr: `Error: 127.0.0.1:${occupier.port} is already in use; stop the program using it or pick another --port (0 picks a free one)\n`,
  });
});

test('the server asked to listen on an address this machine does not have exits 1 with one line', async ({ task }) => {
  catalogue(task, {
    case: 'The server is asked to listen on an address this machine does not have',
    induced: 'The server is started with `--host 192.0.2.1` (TEST-NET-1, never assigned to a host).',
    behaviour: 'The server prints `Error: 192.0.2.1:0 is not an address of this machine; use --host 127.0.0.1, 0.0.0.0 or one of its own addresses`, nothing on stdout, and exits 1.',
    improvement: 'The message leaves the user to look up the machine\'s addresses, which it could list from the network interfaces.',
  });
  // 192.0.2.1 is TEST-NET-1: never assigned to a host, and binding sends no traffic.
  const server = run(useScene(), 'server', ['--host', '192.0.2.1', '--port', '0']);
  expect(await outcome(server)).toEqual({
    exit: { code: 1, signal: null },
    stdout: '',
    stderr:
      'Error: 192.0.2.1:0 is not an address of this machine; use --host 127.0.0.1, 0.0.0.0 or one of its own addresses\n',
  });
});

test('a client given a host name that does not resolve exits 1 with one line', async ({ task }) => {
  catalogue(task, {
    case: 'The client\'s --host is a name that does not resolve',
    induced: 'The client is started with `--host nowhere.invalid` (a reserved name that never resolves).',
    behaviour: 'The client prints `Error: cannot resolve the host of nowhere.invalid:12000; check --host`, nothing on stdout, and exits 1.',
    improvement: 'A temporary DNS failure (EAI_AGAIN) gets the same advice to check --host, although simply retrying might succeed.',
  });
  // .invalid is reserved: it never resolves, so nothing is contacted.
  const client = run(useScene(), 'client', [...ALICE, '--host', 'nowhere.invalid']);
  expect(await outcome(client)).toEqual({
    exit: { code: 1, signal: null },
    stdout: '',
    stderr: 'Error: cannot resolve the host of nowhere.invalid:12000; check --host\n',
  });
});
