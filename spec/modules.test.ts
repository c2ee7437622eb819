// The modules the two programs are built from, used in-process: the argv
// parsers, the one-line failure report, and importing without side effects
// (only impl/server.ts and impl/client.ts run anything when loaded).
import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { parseClientArgs } from '../impl/client-args.js';
import { appError } from '../impl/errors.js';
import { reportFailure, type Output } from '../impl/output.js';
import { parseServerArgs } from '../impl/server-args.js';
import { listenError } from '../impl/sockets.js';
import { countFinished } from '../harness/process.js';

const COMPILED = fileURLToPath(new URL('../dist/impl/', import.meta.url));
const greeting = (id: 'X' | 'Y', name: string) => ({ id, name });

test.each([
  [[], { host: '127.0.0.1', port: 12000, chat: false }],
  [['--port', '0', '--chat'], { host: '127.0.0.1', port: 0, chat: true }],
  [['--host=0.0.0.0', '--port=65535'], { host: '0.0.0.0', port: 65535, chat: false }],
  [['-h'], undefined],
])('the server command line %j parses to %j', (argv, options) => {
  expect(parseServerArgs(argv)).toEqual(options);
});

test.each([
  [['--id', 'X', '--name', 'Alice'], { host: '127.0.0.1', port: 12000, greeting: greeting('X', 'Alice'), chat: false }],
  [['--id', 'Y', '--name', '  Bob  ', '--port', '1', '--chat'], { host: '127.0.0.1', port: 1, greeting: greeting('Y', 'Bob'), chat: true }],
  [['--help'], undefined],
])('the client command line %j parses to %j', (argv, options) => {
  expect(parseClientArgs(argv)).toEqual(options);
});

test.each([
  [['--name', 'Alice'], 'missing --id; give --id X or --id Y'],
  [['--id', 'Z', '--name', 'Alice'], '--id must be X or Y, not "Z"'],
  [['--id', 'X'], "missing --name; give the person's name, e.g. --name Alice"],
  [['--id', 'X', '--name', ' '], '--name: the name is empty; give a name'],
  [['--id', 'X', '--name', 'Alice', '--port', '0'], '--port must be a whole number from 1 to 65535, not "0"'],
  [['--id', 'X', '--name', 'Alice', '--nmae'], 'unknown option --nmae; run with --help to see the options'],
  [['--id', 'X', '--name', 'Alice', '--id', 'Y'], '--id is given twice (X and Y); give it once'],
])('the client command line %j is a usage error: %s', (argv, message) => {
  expect(() => parseClientArgs(argv)).toThrow(expect.objectContaining({ code: 'E_USAGE', exitCode: 2, message }));
});

test.each([
  [['--port', '12000', '--port', '12001'], '--port is given twice (12000 and 12001); give it once'],
  [['--port=1', '--port=1'], '--port is given twice (1 and 1); give it once'],
  [['--chat', '--chat'], '--chat is given twice; give it once'],
])('the server command line %j is a usage error: %s', (argv, message) => {
  expect(() => parseServerArgs(argv)).toThrow(expect.objectContaining({ code: 'E_USAGE', exitCode: 2, message }));
});

test.each([
  ['an AppError', appError('E_USAGE', '--host must not be empty'), 'Error: --host must not be empty', 2],
  ['any other error', new Error('boom\n    at somewhere'), 'Error: unexpected failure: boom; please report it with the command you ran', 1],
  ['a thrown non-error', 'boom', 'Error: unexpected failure: boom; please report it with the command you ran', 1],
])('reporting %s prints one line on stderr and returns its exit code', (_, error, line, code) => {
  const lines: string[] = [];
  const output: Output = { print: () => {}, write: () => true, printError: (text) => lines.push(text), stdout: new EventEmitter() };
  expect(reportFailure(error, output)).toBe(code);
  expect(lines).toEqual([line]);
});

test('importing every module but the two programs prints nothing and registers no listener on stdout or for signals', () => {
  const modules = readdirSync(COMPILED).filter((file) => file.endsWith('.js') && file !== 'server.js' && file !== 'client.js');
  const script = [
    'const before = [process.stdout.listenerCount("error"), process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")];',
    `for (const file of ${JSON.stringify(modules)}) await import(${JSON.stringify(COMPILED)} + file);`,
    'const after = [process.stdout.listenerCount("error"), process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")];',
    'process.stderr.write(JSON.stringify({ before, after }));',
  ].join('\n');
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  countFinished(run.pid);
  expect(modules).toContain('ack-client.js');
  expect({ status: run.status, stdout: run.stdout, listeners: JSON.parse(run.stderr) }).toEqual({
    status: 0,
    stdout: '',
    listeners: { before: [0, 0, 0], after: [0, 0, 0] },
  });
});

// Pure: no name is looked up and nothing is bound; the error codes are what node gives for each case.
test.each([
  ['ENOTFOUND', 'nosuchhost.invalid:12000', "cannot resolve the host of nosuchhost.invalid:12000; use --host 127.0.0.1, 0.0.0.0 or one of this machine's addresses"],
  ['EAI_AGAIN', 'slowdns.example:12000', "cannot resolve the host of slowdns.example:12000; use --host 127.0.0.1, 0.0.0.0 or one of this machine's addresses"],
  ['EADDRNOTAVAIL', '192.0.2.1:0', '192.0.2.1:0 is not an address of this machine; use --host 127.0.0.1, 0.0.0.0 or one of its own addresses'],
])('a server that cannot listen because of %s on %s says: %s', (code, address, message) => {
  expect(listenError(Object.assign(new Error('listen failed'), { code }), address).message).toBe(message);
});
