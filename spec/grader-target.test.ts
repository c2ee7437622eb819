// Target descriptions (docs/GRADING.md): what each field means once loaded, and one exact line for each mistake.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, onTestFinished, test } from 'vitest';
import { startClient } from '../grader/launch.js';
import { checkPrograms, DescriptionError, loadTarget, type Target } from '../grader/target.js';
import { useScene } from './support/vitest.js';

/** Writes `description` to a temporary target.json, removed when the test ends, and returns its path. */
function describeTarget(description: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'ack-target-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'target.json');
  writeFileSync(file, typeof description === 'string' ? description : JSON.stringify(description));
  return file;
}

/** Asks twice, saying each time whether the answer was already waiting before the prompt. */
const PROMPTING = `import select, sys\ndef ask(prompt):\n    ahead = bool(select.select([sys.stdin], [], [], 0)[0])\n    sys.stdout.write(prompt); sys.stdout.flush()\n    answer = sys.stdin.readline().strip()\n    print("%s (%s)" % (answer, "typed ahead" if ahead else "typed after the prompt"))\nask("Name: ")\nask("Id? ")`;

const SERVER = { argv: ['python3', 'server.py', '{port}'], port: 12000 };
const CLIENT = { argv: ['python3', 'client.py', '{id}'] };

test('one client program serves both ids, and the defaults fill the rest', () => {
  const target = loadTarget(describeTarget({ server: SERVER, client: CLIENT }));
  expect(target).toMatchObject<Partial<Target>>({
    host: '127.0.0.1',
    env: {},
    parts: { ack: true, chat: false },
    server: { argv: SERVER.argv, port: 12000 },
    clients: { X: CLIENT, Y: CLIENT },
  });
  expect(target.names).toBeUndefined();
  expect(target.chat).toBeUndefined();
});

test('separate programs for X and Y, typed input, fixed names and a chat without greetings are all kept', () => {
  const target = loadTarget(
    describeTarget({
      names: { X: 'Alice', Y: 'Bob' },
      server: { ...SERVER, ready: 'ready to receive' },
      clients: { X: { argv: ['python2', 'ClientX.py'], stdin: ['{name}'] }, Y: { argv: ['python2', 'ClientY.py'], stdin: ['{name}'] } },
      chat: { server: { argv: ['python3', 'chat_server.py'], port: 12002 }, client: CLIENT, greets: false },
    }),
  );
  expect(target.names).toEqual({ X: 'Alice', Y: 'Bob' });
  expect(target.clients.Y).toEqual({ argv: ['python2', 'ClientY.py'], stdin: ['{name}'] });
  expect(target.parts).toEqual({ ack: true, chat: true });
  expect(target.chat).toEqual({ server: { argv: ['python3', 'chat_server.py'], port: 12002 }, clients: { X: CLIENT, Y: CLIENT }, greets: false });
});

test('a chat section without programs reuses the part-1 server, port and ready line', () => {
  const target = loadTarget(describeTarget({ server: { ...SERVER, ready: 'listening' }, client: CLIENT, chat: {} }));
  expect(target.chat).toEqual({ server: target.server, clients: target.clients, greets: true });
});

test('the host {hostname} means this machine’s name, as gethostname() gives it', () => {
  expect(loadTarget(describeTarget({ host: '{hostname}', server: SERVER, client: CLIENT })).host).toBe(hostname());
});

test.for<[string, string, unknown]>([
  ['not JSON', 'cannot read the target', '{ "server": '],
  ['an array', 'the file must hold a JSON object', '[]'],
  ['no server', 'server must be an object with "argv"', { client: CLIENT }],
  ['an empty server argv', 'server.argv must be a non-empty array of strings', { server: { argv: [] }, client: CLIENT }],
  ['a bad port', 'server.port must be "zero", "free" or a port number from 1 to 65535', { server: { argv: ['s'], port: 70000 }, client: CLIENT }],
  ['port zero with no port group', 'server.ready needs a (?<port>\\d+) group when "port" is "zero", so the harness can read the port back', { server: { argv: ['s'], port: 'zero', ready: 'ready' }, client: CLIENT }],
  ['a broken ready pattern', 'server.ready is not a valid regular expression ("(")', { server: { argv: ['s'], ready: '(' }, client: CLIENT }],
  ['no client', 'the target needs "client" (one program for both ids) or "clients" ({"X": ..., "Y": ...})', { server: SERVER }],
  ['both client and clients', 'the target has both "client" and "clients"; keep one', { server: SERVER, client: CLIENT, clients: {} }],
  ['clients without Y', 'clients.Y must be an object with "argv"', { server: SERVER, clients: { X: CLIENT } }],
  ['stdin not a list', 'client.stdin must be an array of strings', { server: SERVER, client: { argv: ['c'], stdin: 'Alice' } }],
  ['names without Y', 'names must be {"X": "<name>", "Y": "<name>"}', { server: SERVER, client: CLIENT, names: { X: 'Alice' } }],
  ['env with a number', 'env must map names to strings', { server: SERVER, client: CLIENT, env: { N: 1 } }],
  ['an unknown part', 'parts must list "ack" and/or "chat"', { server: SERVER, client: CLIENT, parts: ['ack', 'video'] }],
  ['the chat claimed but not described', 'parts claims "chat" but there is no "chat" section saying how to start it', { server: SERVER, client: CLIENT, parts: ['ack', 'chat'] }],
  ['greets not a boolean', 'chat.greets must be true or false', { server: SERVER, client: CLIENT, chat: { greets: 'yes' } }],
  ['an unknown key', 'prot is not a field of a target (the fields are name, description, cwd, host, env, parts, names, lineEnd, banner, terminal, server, client, clients, chat)', { prot: 12000, server: SERVER, client: CLIENT }],
  ['an unknown server key', 'server.prot is not a field of server (the fields are argv, stdin, port, ready)', { server: { ...SERVER, prot: 12000 }, client: CLIENT }],
  ['an unknown client key', 'client.args is not a field of client (the fields are argv, stdin)', { server: SERVER, client: { ...CLIENT, args: [] } }],
  ['an unknown chat key', 'chat.greet is not a field of chat (the fields are server, client, clients, greets, bye, join, opens)', { server: SERVER, client: CLIENT, chat: { greet: false } }],
  ['a third client', 'clients.Z is not a field of clients (the fields are X, Y)', { server: SERVER, clients: { X: CLIENT, Y: CLIENT, Z: CLIENT } }],
  ['a misspelt placeholder', 'server.argv has the placeholder {prot}, which is not one of {host} {port}', { server: { argv: ['python3', 'server.py', '{prot}'] }, client: CLIENT }],
  ['a client placeholder in the server', 'server.stdin has the placeholder {name}, which is not one of {host} {port}', { server: { ...SERVER, stdin: ['{name}'] }, client: CLIENT }],
  ['an unknown client placeholder', 'chat.client.argv has the placeholder {ID}, which is not one of {host} {port} {id} {name}', { server: SERVER, client: CLIENT, chat: { client: { argv: ['c', '{ID}'] } } }],
  ['a name that is not a string', 'name must be a string', { name: 7, server: SERVER, client: CLIENT }],
  ['an unknown line end', 'lineEnd must be "\\n", "\\r\\n", "" (no line end: one send per message) or "length" (a 4-byte length first)', { lineEnd: ';', server: SERVER, client: CLIENT }],
  ['a chat join that is not a list', 'chat.join must be an array of strings, e.g. ["{name}"]', { server: SERVER, client: CLIENT, chat: { join: '{name}' } }],
  ['a chat join with a server placeholder', 'chat.join has the placeholder {port}, which is not one of {id} {name}', { server: SERVER, client: CLIENT, chat: { join: ['{port}'] } }],
  ['an empty chat opening line', 'chat.opens must be the text the chat server sends when the chat opens', { server: SERVER, client: CLIENT, chat: { opens: '' } }],
])('a description with %s is refused in one line: %s', ([, message, description]) => {
  const file = describeTarget(description);
  let error: unknown;
  try {
    loadTarget(file);
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(DescriptionError);
  const text = (error as Error).message;
  expect(text).not.toContain('\n');
  expect(text.startsWith(`cannot read the target ${file}:`) || text === `${file}: ${message}; see docs/GRADING.md`).toBe(true);
  expect(text).toContain(message);
});

test('a Python program gets PYTHONUNBUFFERED=1 and its stdin lines, placeholders filled in', async () => {
  const target = loadTarget(
    describeTarget({
      server: SERVER,
      client: {
        argv: ['python3', '-c', 'import os; print(os.environ.get("PYTHONUNBUFFERED"), input(), input())'],
        stdin: ['{name}', 'id {id}'],
      },
    }),
  );
  const client = startClient(useScene(), target, { host: '127.0.0.1', port: 1 }, { id: 'Y', name: 'Bob' });
  expect(await client.waitForExit()).toEqual({ code: 0, signal: null });
  expect(client.output()).toBe('1 Bob id Y\n');
});

test('each stdin line is typed once the program shows its prompt, not ahead of it', async () => {
  const target = loadTarget(describeTarget({ server: SERVER, client: { argv: ['python3', '-c', PROMPTING], stdin: ['{name}', '{id}'] } }));
  const client = startClient(useScene(), target, { host: '127.0.0.1', port: 1 }, { id: 'X', name: 'Alice' });
  expect(await client.waitForExit()).toEqual({ code: 0, signal: null });
  expect(client.output()).toBe('Name: Alice (typed after the prompt)\nId? X (typed after the prompt)\n');
});

/** The one-line error checkPrograms throws for `description` (with the files in `files` created beside it). */
function programsError(description: Record<string, unknown>, files: readonly string[] = []): { file: string; message: string } {
  const file = describeTarget(description);
  for (const name of files) writeFileSync(join(file, '..', name), '');
  try {
    checkPrograms(loadTarget(file));
  } catch (error) {
    expect(error).toBeInstanceOf(DescriptionError);
    return { file, message: (error as Error).message };
  }
  return { file, message: '(no error)' };
}

test.for<[string, Record<string, unknown>, string[], string]>([
  ['a program file that does not exist', { server: { argv: ['python3', 'Server.py'] }, client: { argv: ['python3', 'client.py'] } }, ['client.py'], 'server.argv names Server.py, which does not exist in {dir}; fix the file name or "cwd"'],
  ['a client file that does not exist', { server: { argv: ['python3', 'server.py'] }, clients: { X: { argv: ['python3', 'ClientX.py'] }, Y: { argv: ['python3', 'ClientY.py'] } } }, ['server.py', 'ClientX.py'], 'clients.Y.argv names ClientY.py, which does not exist in {dir}; fix the file name or "cwd"'],
  ['an interpreter that is not installed', { server: { argv: ['python9', 'server.py'] }, client: { argv: ['python9', 'client.py'] } }, ['server.py', 'client.py'], 'server.argv names python9, which is not installed here; install it or change server.argv'],
  ['a cwd that is not a folder', { cwd: 'nowhere', server: { argv: ['python3', 'server.py'] }, client: { argv: ['python3', 'client.py'] } }, [], 'cwd names {dir}/nowhere, which is not a folder; fix "cwd" (it is relative to the description\'s folder)'],
])('%s is found before anything runs, in one line naming the field', ([, description, files, problem]) => {
  const { file, message } = programsError(description, files);
  expect(message).toBe(`${file}: ${problem.replaceAll('{dir}', join(file, '..'))}`);
});

test('program files are looked for relative to cwd, and arguments that are options or placeholders are not files', () => {
  const { message } = programsError(
    { server: { argv: ['python3', '-u', 'server.py', '--port', '{port}'] }, client: { argv: ['python3', 'client.py', '{id}', '{name}.py'] } },
    ['server.py', 'client.py'],
  );
  expect(message).toBe('(no error)');
});
