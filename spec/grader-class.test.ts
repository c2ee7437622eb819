// One description for a class (grader/class.ts): how an argv glob picks a student's file (a table
// of the pure function), one exact line for each mistake in a template, and how the template is
// applied to a folder of student folders (files only, no process runs).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, onTestFinished, test } from 'vitest';
import { applyTemplate, classTargets, loadTemplate, matchGlob, studentOf, type GlobMatch } from '../grader/class.js';
import { DescriptionError } from '../grader/target.js';

/** A temporary folder holding `files` (path → text), removed when the test ends. */
function folderWith(files: Readonly<Record<string, string>>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ack-class-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const NONE = (glob: string, holds: string): GlobMatch => ({
  problem: `the glob "${glob}" matches no file in the student's folder or one folder down (it holds ${holds}); rename the file or change the template's glob`,
});
const MANY = (glob: string, count: number, found: string): GlobMatch => ({
  problem: `the glob "${glob}" matches ${count} files (${found}); remove all but one or narrow the template's glob`,
});

test.each<[string, string, string[], GlobMatch]>([
  ['a prefix before the class', '*[Ss]erver*.py', ['TCPClientX.py', 'TCPClientY.py', 'TCPServer.py'], { file: 'TCPServer.py' }],
  ['the class takes either case', '*[Ss]erver*.py', ['client.py', 'server.py'], { file: 'server.py' }],
  ['X, not Y, by its class', '*[Cc]lient*[Xx]*.py', ['client_x.py', 'client_y.py', 'server.py'], { file: 'client_x.py' }],
  ['Y, not X, by its class', '*[Cc]lient*[Yy]*.py', ['ClientX.py', 'ClientY.py'], { file: 'ClientY.py' }],
  ['? is one character', 'Client?.py', ['Client.py', 'ClientX.py', 'ClientXY.py'], { file: 'ClientX.py' }],
  ['[!...] is any character but those', 'client[!_]*.py', ['client_x.py', 'clientX.py'], { file: 'clientX.py' }],
  ['[^...] is the same', 'client[^_]*.py', ['client_x.py', 'clientX.py'], { file: 'clientX.py' }],
  ['a range', 'part[1-3].py', ['part0.py', 'part2.py', 'part4.py'], { file: 'part2.py' }],
  ['the whole name must match', '[Ss]erver.py', ['MyServer.py', 'Server.py', 'Server.pyc'], { file: 'Server.py' }],
  ['a dot is a dot', '*.py', ['Serverxpy', 'server.py'], { file: 'server.py' }],
  ['parentheses are literal', 'Server (?).py', ['Server (1).py', 'Server 1.py'], { file: 'Server (1).py' }],
  ['one folder down when nothing matches at the top', '*[Ss]erver*.py', ['README.txt', 'hw1/TCPClientX.py', 'hw1/TCPServer.py'], { file: 'hw1/TCPServer.py' }],
  ['the top wins over one folder down', '*[Ss]erver*.py', ['Server.py', 'old/Server.py'], { file: 'Server.py' }],
  ['case matters outside a class', 'server*.py', ['ClientX.py', 'Server.py'], NONE('server*.py', 'ClientX.py, Server.py')],
  ['nothing matches', '*[Ss]erver*.py', ['ClientX.py', 'ClientY.py', 'main.py'], NONE('*[Ss]erver*.py', 'ClientX.py, ClientY.py, main.py')],
  ['an empty folder', '*.py', [], NONE('*.py', 'no file')],
  ['a long listing is cut', '*.py', Array.from({ length: 10 }, (_, index) => `notes${index}.txt`), NONE('*.py', 'notes0.txt, notes1.txt, notes2.txt, notes3.txt, notes4.txt, notes5.txt, notes6.txt, notes7.txt and 2 more')],
  ['two at the top', '*[Ss]erver*.py', ['ClientX.py', 'Server.py', 'Server_old.py'], MANY('*[Ss]erver*.py', 2, 'Server.py, Server_old.py')],
  ['two one folder down', '*[Ss]erver*.py', ['a/Server.py', 'b/server.py'], MANY('*[Ss]erver*.py', 2, 'a/Server.py, b/server.py')],
])('%s: %s among %j', (_, glob, files, expected) => {
  expect(matchGlob(glob, files)).toEqual(expected);
});

const SERVER = { argv: ['python2', '*[Ss]erver*.py'], port: 12000 };
const CLIENTS = { X: { argv: ['python2', '*[Cc]lient*[Xx]*.py'], stdin: ['{name}'] }, Y: { argv: ['python2', '*[Cc]lient*[Yy]*.py'], stdin: ['{name}'] } };

test.each<[string, Record<string, unknown>, string]>([
  ['a cwd', { cwd: 'students', server: SERVER, clients: CLIENTS }, "cwd is not a field of a class template (each student's folder is the cwd); remove it"],
  ['a glob as the command', { server: { argv: ['python*', 'server.py'] }, clients: CLIENTS }, 'server.argv starts with the glob "python*", but the first element is the command; a glob can only name a program file'],
  ['a glob with a folder', { server: SERVER, clients: { ...CLIENTS, X: { argv: ['python2', 'src/*X*.py'] } } }, 'clients.X.argv has the glob "src/*X*.py" with a /; a glob matches file names in the student\'s folder (one folder down is searched by itself), so drop the folder'],
  ['a glob with a placeholder', { server: SERVER, client: { argv: ['python3', '*client*{id}.py'] } }, 'client.argv has the glob "*client*{id}.py" with a placeholder; a glob cannot hold one'],
  ['an unclosed [', { server: { argv: ['python2', '*[Ss*.py'] }, clients: CLIENTS }, 'server.argv has the glob "*[Ss*.py", which has an unclosed [; close it, e.g. "*[Ss]erver*.py"'],
  ['a bad chat glob, even unclaimed', { parts: ['ack'], server: SERVER, clients: CLIENTS, chat: { server: { argv: ['python2', '[chat*.py'] } } }, 'chat.server.argv has the glob "[chat*.py", which has an unclosed [; close it, e.g. "*[Ss]erver*.py"'],
  ['any mistake a description can have', { server: { ...SERVER, prot: 1 }, clients: CLIENTS }, 'server.prot is not a field of server (the fields are argv, stdin, port, ready)'],
])('a template with %s is refused in one line naming the field', (_, template, problem) => {
  const file = join(folderWith({ 'template.json': JSON.stringify(template) }), 'template.json');
  expect(() => loadTemplate(file)).toThrow(new DescriptionError(`${file}: ${problem}; see docs/GRADING.md`));
});

test('a class: folders are students in name order, and files, hidden folders and a student’s own target.json are not read', () => {
  const dir = folderWith({
    'template.json': JSON.stringify({ name: 'lab 2', server: SERVER, clients: CLIENTS }),
    'notes.txt': 'not a student',
    '.git/HEAD': 'not a student',
    '__MACOSX/ben/._Server.py': 'not a student',
    'ben/TCPServer.py': '',
    'ben/TCPClientX.py': '',
    'ben/TCPClientY.py': '',
    'ben/target.json': JSON.stringify({ server: { argv: ['python3', 'other.py'] }, client: { argv: ['python3', 'other.py'] } }),
    'ada/hw1/server.py': '',
    'ada/hw1/client_x.py': '',
    'ada/hw1/client_y.py': '',
    'ada/.server_backup.py': '',
    'ada/__pycache__/server.py': '',
    'cy/Server.py': '',
    'cy/ClientX.py': '',
  });
  const { targets, notGraded } = classTargets(dir, loadTemplate(join(dir, 'template.json')));
  expect(targets.map((target) => [target.student, target.name, target.cwd, target.server.argv, target.clients.X.argv, target.clients.Y.argv])).toEqual([
    ['ada', 'lab 2', join(dir, 'ada'), ['python2', 'hw1/server.py'], ['python2', 'hw1/client_x.py'], ['python2', 'hw1/client_y.py']],
    ['ben', 'lab 2', join(dir, 'ben'), ['python2', 'TCPServer.py'], ['python2', 'TCPClientX.py'], ['python2', 'TCPClientY.py']],
  ]);
  expect(targets[0]!.server).toMatchObject({ port: 12000 });
  expect(targets[0]!.clients.X.stdin).toEqual(['{name}']);
  expect(notGraded).toEqual([
    {
      student: 'cy',
      name: 'lab 2',
      file: join(dir, 'template.json'),
      problem: 'clients.Y.argv: the glob "*[Cc]lient*[Yy]*.py" matches no file in the student\'s folder or one folder down (it holds ClientX.py, Server.py); rename the file or change the template\'s glob',
    },
  ]);
});

test('every argument that does not resolve is named in the one line; a program file named as it is must be there', () => {
  const dir = folderWith({
    'template.json': JSON.stringify({ server: { argv: ['python3', 'server.py', '{port}'] }, client: { argv: ['python3', '*client*.py', '{id}'] } }),
    'dee/main.py': '',
    'dee/client.py': '',
    'dee/client_old.py': '',
  });
  const applied = applyTemplate(loadTemplate(join(dir, 'template.json')), join(dir, 'dee'));
  expect(applied).toEqual({
    problem: expect.objectContaining({
      student: 'dee',
      problem:
        "server.argv: server.py is not in the student's folder; rename the file or make it a glob in the template; " +
        'client.argv: the glob "*client*.py" matches 2 files (client.py, client_old.py); remove all but one or narrow the template\'s glob',
    }),
  });
});

test('one client program for both ids, and a chat reusing the part-1 programs, stay one program each once resolved', () => {
  const dir = folderWith({
    'template.json': JSON.stringify({ server: { argv: ['python3', '*server*.py'] }, client: { argv: ['python3', '*client*.py', '{id}'] }, chat: {} }),
    'eve/my_server.py': '',
    'eve/my_client.py': '',
  });
  const applied = applyTemplate(loadTemplate(join(dir, 'template.json')), join(dir, 'eve'));
  if (!('target' in applied)) throw new Error(applied.problem.problem);
  const { target } = applied;
  expect(target.clients.X.argv).toEqual(['python3', 'my_client.py', '{id}']);
  expect(target.clients.X).toBe(target.clients.Y);
  expect(target.chat?.server).toBe(target.server);
  expect(target.chat?.clients.X).toBe(target.clients.X);
});

test.each([
  ['/class/ada/target.json', 'ada'],
  ['/work/fixtures/targets/reference.json', 'reference'],
  ['/work/fixtures/grader/crash-at-start/with-ready-line.json', 'with-ready-line'],
])('without a template, %s is graded as %s', (file, student) => {
  expect(studentOf(file)).toBe(student);
});
