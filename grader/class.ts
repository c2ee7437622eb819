/**
 * One description for a class (`npm run grade -- FOLDER --template FILE`):
 * every folder directly under FOLDER is one student's submission, and the
 * template, an ordinary target description, is applied to each with the
 * student's folder as `cwd`. In `argv` (and only there) an argument holding
 * `*`, `?` or `[...]` is a glob naming a program file in the student's
 * folder, because students name their files their own way (`TCPServer.py`,
 * `server.py`, `Server (1).py`). A glob must name exactly one file; when it
 * names none or several, that student is not graded, and the reports say why
 * (docs/GRADING.md, "One description for a class").
 */
import { existsSync, readdirSync, readFileSync, type Dirent } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DescriptionError, loadTarget, namesProgramFile, type ProgramDescription, type Target } from './target.js';

/** A student the template could not be applied to, and why, for the reports. */
export interface StudentProblem {
  /** The student's folder name. */
  readonly student: string;
  /** The template's name, as a grade's `name`. */
  readonly name: string;
  /** The template file, as a grade's `file`. */
  readonly file: string;
  /** One line: each argument that could not be resolved, and the fix. */
  readonly problem: string;
}

/** A glob's one file (relative to the student's folder), or why there is not exactly one. */
export type GlobMatch = { readonly file: string } | { readonly problem: string };

/** Folders that zip tools and Python leave in a submission, which are never the student's work. */
const NOT_WORK = new Set(['__MACOSX', '__pycache__']);

/** Whether a folder entry is skipped: hidden (`.git`, `._Server.py`) or a tool's leftovers. */
const skipped = (name: string): boolean => name.startsWith('.') || NOT_WORK.has(name);

/**
 * Whether a template argv argument is a glob: it holds `*`, `?` or `[`.
 *
 * @example
 * isGlob('*[Ss]erver*.py'); // true
 * isGlob('Server.py'); // false
 */
export function isGlob(arg: string): boolean {
  return /[*?[]/.test(arg);
}

/**
 * The regular expression for a glob over one file name: `*` any run of
 * characters, `?` one character, `[abc]`, `[a-z]` and `[!abc]` (or `[^abc]`)
 * one character of a class (a `]` first in a class is literal); everything
 * else literal, case-sensitive, as the shell does. Throws an Error saying
 * what is wrong when a `[` is never closed.
 *
 * @example
 * globRegExp('*[Cc]lient*[Xx]*.py').test('TCPClientX.py'); // true
 */
export function globRegExp(glob: string): RegExp {
  let source = '';
  for (let at = 0; at < glob.length; at += 1) {
    const char = glob[at]!;
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else if (char === '[') {
      let end = at + 1;
      if (glob[end] === '!' || glob[end] === '^') end += 1;
      if (glob[end] === ']') end += 1;
      while (end < glob.length && glob[end] !== ']') end += 1;
      if (end >= glob.length) throw new Error('has an unclosed [');
      let body = glob.slice(at + 1, end);
      const negated = body.startsWith('!') || body.startsWith('^');
      if (negated) body = body.slice(1);
      // Inside a class only \, ^ and ] mean something to RegExp that they do not mean to a glob.
      source += `[${negated ? '^' : ''}${body.replace(/[\\^\]]/g, '\\$&')}]`;
      at = end;
    } else source += char.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** Names for a one-line message: the first few, then how many more. */
function listed(files: readonly string[]): string {
  if (files.length === 0) return 'no file';
  const shown = files.slice(0, 8).join(', ');
  return files.length > 8 ? `${shown} and ${files.length - 8} more` : shown;
}

/**
 * Resolves a glob among a student's files (paths relative to the student's
 * folder, `/`-separated, at most one folder down, as {@link studentFiles}
 * lists them). The glob is matched against each file's name. Files directly
 * in the folder come first; only when none of them matches are the files one
 * folder down considered (a zip often unpacks into a folder of its own).
 * Exactly one file must match.
 *
 * @example
 * matchGlob('*[Ss]erver*.py', ['TCPServer.py', 'ClientX.py']); // { file: 'TCPServer.py' }
 * matchGlob('*[Ss]erver*.py', ['hw1/server.py']); // { file: 'hw1/server.py' }
 */
export function matchGlob(glob: string, files: readonly string[]): GlobMatch {
  const pattern = globRegExp(glob);
  const matching = files.filter((file) => pattern.test(file.slice(file.lastIndexOf('/') + 1)));
  const top = matching.filter((file) => !file.includes('/'));
  const found = top.length > 0 ? top : matching;
  if (found.length === 1) return { file: found[0]! };
  if (found.length === 0) {
    return { problem: `the glob ${JSON.stringify(glob)} matches no file in the student's folder or one folder down (it holds ${listed(files)}); rename the file or change the template's glob` };
  }
  return { problem: `the glob ${JSON.stringify(glob)} matches ${found.length} files (${listed(found)}); remove all but one or narrow the template's glob` };
}

/**
 * A student's files for {@link matchGlob}: those directly in `folder` and
 * those one folder down, as sorted `/`-separated relative paths; hidden
 * entries, `__MACOSX` and `__pycache__` left out.
 *
 * @example
 * studentFiles('fixtures/class/ada'); // ['TCPClientX.py', 'TCPClientY.py', 'TCPServer.py']
 */
export function studentFiles(folder: string): string[] {
  const entries = (dir: string): Dirent[] => readdirSync(dir, { withFileTypes: true }).filter((entry) => !skipped(entry.name));
  return entries(folder)
    .flatMap((entry) => {
      if (entry.isFile()) return [entry.name];
      if (!entry.isDirectory()) return [];
      return entries(join(folder, entry.name))
        .filter((inner) => inner.isFile())
        .map((inner) => `${entry.name}/${inner.name}`);
    })
    .sort();
}

/**
 * The student folders directly under `folder`, sorted by name; files and
 * hidden folders (and `__MACOSX`) there are not students.
 *
 * @example
 * studentFolders('fixtures/class'); // ['ada', 'ben', 'cy', 'dee', 'eve']
 */
export function studentFolders(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !skipped(entry.name))
    .map((entry) => entry.name)
    .sort();
}

/**
 * Every program a description names that a grade may start, with the field
 * that names it; one program shared by two fields (`client`, a chat reusing
 * the part-1 server) appears once, under its first field.
 */
function programsOf(target: Target, claimedOnly: boolean): Array<{ field: string; program: ProgramDescription }> {
  const ack = [
    { field: 'server', program: target.server as ProgramDescription },
    { field: target.clients.X === target.clients.Y ? 'client' : 'clients.X', program: target.clients.X },
    { field: 'clients.Y', program: target.clients.Y },
  ];
  const chat = target.chat
    ? [
        { field: 'chat.server', program: target.chat.server as ProgramDescription },
        { field: target.chat.clients.X === target.chat.clients.Y ? 'chat.client' : 'chat.clients.X', program: target.chat.clients.X },
        { field: 'chat.clients.Y', program: target.chat.clients.Y },
      ]
    : [];
  const programs = [...(!claimedOnly || target.parts.ack ? ack : []), ...(!claimedOnly || target.parts.chat ? chat : [])];
  return programs.filter(({ program }, index) => programs.findIndex((other) => other.program === program) === index);
}

/**
 * Reads a class template: a target description (grader/target.ts) without
 * `cwd`, since each student's folder is the cwd, whose `argv` globs are
 * checked here: not the command, no `/` (a glob matches file names; one
 * folder down is looked at by itself), no placeholder, every `[` closed.
 * Throws a one-line {@link DescriptionError} naming the field and the fix.
 *
 * @example
 * const template = loadTemplate('fixtures/class/template.json');
 */
export function loadTemplate(path: string): Target {
  const template = loadTarget(path);
  const fail = (field: string, problem: string): never => {
    throw new DescriptionError(`${template.file}: ${field} ${problem}; see docs/GRADING.md`);
  };
  const raw = JSON.parse(readFileSync(template.file, 'utf8')) as Record<string, unknown>;
  if (raw.cwd !== undefined) fail('cwd', "is not a field of a class template (each student's folder is the cwd); remove it");
  for (const { field, program } of programsOf(template, false)) {
    const [command = '', ...args] = program.argv;
    if (isGlob(command)) fail(`${field}.argv`, `starts with the glob ${JSON.stringify(command)}, but the first element is the command; a glob can only name a program file`);
    for (const arg of args.filter(isGlob)) {
      const glob = JSON.stringify(arg);
      if (arg.includes('/')) fail(`${field}.argv`, `has the glob ${glob} with a /; a glob matches file names in the student's folder (one folder down is searched by itself), so drop the folder`);
      if (/\{\w+\}/.test(arg)) fail(`${field}.argv`, `has the glob ${glob} with a placeholder; a glob cannot hold one`);
      try {
        globRegExp(arg);
      } catch (error) {
        fail(`${field}.argv`, `has the glob ${glob}, which ${(error as Error).message}; close it, e.g. "*[Ss]erver*.py"`);
      }
    }
  }
  return template;
}

/**
 * Applies a template (from {@link loadTemplate}) to one student's folder:
 * `cwd` becomes the folder, `student` its name, and every glob in the
 * claimed parts' `argv` the one file it matches. A glob matching no file or
 * several, or a program file named literally that the folder lacks, makes a
 * {@link StudentProblem} instead, naming each such argument in one line.
 *
 * @example
 * const applied = applyTemplate(loadTemplate('fixtures/class/template.json'), 'fixtures/class/ada');
 * if ('target' in applied) console.log(applied.target.server.argv); // ['python2', 'TCPServer.py']
 */
export function applyTemplate(template: Target, folder: string): { readonly target: Target } | { readonly problem: StudentProblem } {
  const student = basename(folder);
  const files = studentFiles(folder);
  const problems: string[] = [];
  const resolved = new Map<ProgramDescription, ProgramDescription>();
  for (const { field, program } of programsOf(template, true)) {
    const argv = program.argv.map((arg, index) => {
      if (index === 0) return arg;
      if (isGlob(arg)) {
        const match = matchGlob(arg, files);
        if ('file' in match) return match.file;
        problems.push(`${field}.argv: ${match.problem}`);
      } else if (namesProgramFile(arg) && !existsSync(join(folder, arg))) {
        problems.push(`${field}.argv: ${arg} is not in the student's folder; rename the file or make it a glob in the template`);
      }
      return arg;
    });
    resolved.set(program, { ...program, argv });
  }
  if (problems.length > 0) return { problem: { student, name: template.name, file: template.file, problem: problems.join('; ') } };
  // The same object maps to the same resolved one, so a shared client or a chat reusing the server stays shared.
  const apply = <T extends ProgramDescription>(program: T): T => (resolved.get(program) as T | undefined) ?? program;
  const chat = template.chat && {
    ...template.chat,
    server: apply(template.chat.server),
    clients: { X: apply(template.chat.clients.X), Y: apply(template.chat.clients.Y) },
  };
  return {
    target: {
      ...template,
      cwd: folder,
      student,
      server: apply(template.server),
      clients: { X: apply(template.clients.X), Y: apply(template.clients.Y) },
      ...(chat ? { chat } : {}),
    },
  };
}

/**
 * The template applied to every student folder under `folder`, in name
 * order: the targets to grade and the students that cannot be graded. A
 * student's own target.json is not read: one description for the class.
 *
 * @example
 * const { targets, notGraded } = classTargets('fixtures/class', loadTemplate('fixtures/class/template.json'));
 */
export function classTargets(folder: string, template: Target): { readonly targets: Target[]; readonly notGraded: StudentProblem[] } {
  const targets: Target[] = [];
  const notGraded: StudentProblem[] = [];
  for (const student of studentFolders(folder)) {
    const applied = applyTemplate(template, join(folder, student));
    if ('target' in applied) targets.push(applied.target);
    else notGraded.push(applied.problem);
  }
  return { targets, notGraded };
}

/**
 * Whose submission a description grades when no template says so: the
 * folder holding a `target.json`, or the name of any other JSON file.
 *
 * @example
 * studentOf('/class/ada/target.json'); // 'ada'
 * studentOf('/targets/reference.json'); // 'reference'
 */
export function studentOf(file: string): string {
  const name = basename(file);
  return name === 'target.json' ? basename(dirname(file)) : name.replace(/\.json$/i, '');
}
