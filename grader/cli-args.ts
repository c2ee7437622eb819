/**
 * The grader's command line as data (`npm run grade -- ...`): its usage text
 * and the parser that turns argv into {@link GradeOptions}, checking every
 * path and option before anything runs. Importable without running anything,
 * so a test can parse command lines in-process; grader/cli.ts is the program.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../harness/repo-root.js';
import { studentFolders } from './class.js';
import { DEFAULT_RUBRIC, isItemId, ITEMS, rubricFromJson, type ItemId, type Rubric } from './rubric.js';

/** What `npm run grade -- --help` prints, and every usage error after its one line. */
export const USAGE = `usage: npm run grade -- [target.json | folder of targets] [--template FILE] [--jobs N] [--out DIR] [--gradescope FILE] [--only ITEM,...] [--rubric FILE] [--no-sandbox] [--verbose]
  no target: grades the reference implementation (fixtures/targets/reference.json)
  --template FILE    one description for a class: every folder in the folder named is a student,
                     graded by FILE with argv globs (*, ?, [...]) resolved in the student's folder;
                     a student it does not fit is not graded, says why, and makes the exit 2
  --jobs N           grade N targets at once (default: the number of cores, ${availableParallelism()} here)
  --out DIR          where reports go (default: reports/)
  --gradescope FILE  also write Gradescope's results.json there (one target only)
  --only ITEM,...    grade only these rubric items (ids: ${ITEMS.map((item) => item.id).join(', ')})
  --rubric FILE      points (0: not graded) and Gradescope visibility per item; see docs/GRADING.md
  --no-sandbox       run scenarios directly, not each in a fresh network namespace
  --verbose          say what runs, on stderr`;

/** A wrong command line: the message is its one line (empty for --help, which prints only the usage). */
export class UsageError extends Error {}

/** The target files a path names: a JSON file, a folder with target.json, or a folder of those. */
export function targetFiles(path: string): { readonly files: string[]; readonly described: string[] } {
  const full = resolve(path);
  if (!existsSync(full)) throw new UsageError(`${path} does not exist; name a target JSON file or a folder of them`);
  if (!statSync(full).isDirectory()) return { files: [full], described: [] };
  if (existsSync(join(full, 'target.json'))) return { files: [join(full, 'target.json')], described: [] };
  const entries = readdirSync(full, { withFileTypes: true }).filter((entry) => !entry.name.startsWith('.') && entry.name !== '__MACOSX' && entry.name !== '__pycache__');
  const files = entries
    .flatMap((entry) => {
      if (entry.isFile() && entry.name.endsWith('.json')) return [join(full, entry.name)];
      if (entry.isDirectory() && existsSync(join(full, entry.name, 'target.json'))) return [join(full, entry.name, 'target.json')];
      return [];
    })
    .sort();
  // A submission handed in without a description is described from its sources (grader/describe.ts).
  const holdsPython = (folder: string): boolean => readdirSync(folder).some((name) => name.endsWith('.py'));
  const described = entries
    .filter((entry) => entry.isDirectory() && !existsSync(join(full, entry.name, 'target.json')) && holdsPython(join(full, entry.name)))
    .map((entry) => join(full, entry.name))
    .sort();
  if (files.length === 0 && described.length === 0 && holdsPython(full)) return { files: [], described: [full] };
  if (files.length === 0 && described.length === 0) {
    throw new UsageError(`${path} holds no target: no *.json, no */target.json and no folder of .py files to describe; see docs/GRADING.md`);
  }
  return { files, described };
}

/** The most targets graded at once: each runs its own programs, so more would only thrash. */
const MAX_JOBS = 64;

/** Reads `--jobs`: a whole number from 1 to {@link MAX_JOBS}; default the number of cores. */
function parseJobs(value: string | undefined): number {
  if (value === undefined) return availableParallelism();
  const jobs = Number(value);
  if (!/^\d+$/.test(value) || jobs < 1 || jobs > MAX_JOBS) throw new UsageError(`--jobs takes a whole number from 1 to ${MAX_JOBS} (got "${value}")`);
  return jobs;
}

/** A class to grade by one description: the folder of student folders and the template file. */
export interface ClassOption {
  readonly folder: string;
  readonly template: string;
}

/** Reads `FOLDER --template FILE`: both must exist, and the folder must hold a student folder. */
function classOption(folder: string | undefined, template: string): ClassOption {
  if (folder === undefined) throw new UsageError('--template needs the folder of student folders it applies to');
  if (!existsSync(template)) throw new UsageError(`--template: ${template} does not exist; name the description to apply to every student`);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new UsageError(`--template applies to a folder of student folders; ${folder} is not a folder`);
  if (studentFolders(folder).length === 0) throw new UsageError(`${folder} holds no student folder; with --template each folder in it is one student`);
  return { folder: resolve(folder), template: resolve(template) };
}

/** What a command line asks the grader to do. */
export interface GradeOptions {
  /** Target files to grade; empty with --template. */
  readonly targets: string[];
  /** Folders of .py files without a target.json, to describe first (grader/describe.ts). */
  readonly described: string[];
  readonly class?: ClassOption;
  readonly out: string;
  readonly gradescope?: string;
  readonly only?: ItemId[];
  readonly rubric: Rubric;
  /** --no-sandbox. */
  readonly direct: boolean;
  readonly verbose: boolean;
  readonly jobs: number;
}

/**
 * Parses the grader's command line, paths relative to the working folder;
 * a mistake throws a {@link UsageError} naming it (the command line prints it
 * with the usage and exits 2), a rubric file that is wrong a RubricError.
 *
 * @example
 * parseGradeArgs(['fixtures/broken', '--only', 'closing-line']).only; // ['closing-line']
 */
export function parseGradeArgs(argv: readonly string[]): GradeOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        jobs: { type: 'string' },
        gradescope: { type: 'string' },
        template: { type: 'string' },
        only: { type: 'string' },
        rubric: { type: 'string' },
        verbose: { type: 'boolean' },
        'no-sandbox': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    const option = /'(-[^' ]+)/.exec(message)?.[1] ?? '';
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`unknown option ${option}`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new UsageError(`option ${option} needs a value`);
    throw new UsageError(message.split('\n')[0]);
  }
  const { values, positionals } = parsed;
  if (values.help) throw new UsageError('');
  if (positionals.length > 1) throw new UsageError(`one target or folder at a time (got ${positionals.length}); put the targets in one folder`);
  const only = values.only?.split(',').map((id) => id.trim());
  const unknown = only?.find((id) => !isItemId(id));
  if (unknown !== undefined) throw new UsageError(`--only: there is no item "${unknown}"`);
  const klass = values.template === undefined ? undefined : classOption(positionals[0], values.template);
  const { files: targets, described } = klass ? { files: [], described: [] } : targetFiles(positionals[0] ?? join(REPO_ROOT, 'fixtures/targets/reference.json'));
  const count = klass ? studentFolders(klass.folder).length : targets.length + described.length;
  if (values.gradescope && count > 1) throw new UsageError('--gradescope grades one submission; name one target, not a folder');
  return {
    targets,
    described,
    ...(klass ? { class: klass } : {}),
    rubric: values.rubric === undefined ? DEFAULT_RUBRIC : readRubric(values.rubric),
    out: resolve(values.out ?? join(REPO_ROOT, 'reports')),
    verbose: values.verbose === true,
    direct: values['no-sandbox'] === true,
    jobs: parseJobs(values.jobs),
    ...(values.gradescope ? { gradescope: resolve(values.gradescope) } : {}),
    ...(only ? { only: only.filter(isItemId) } : {}),
  };
}

/** Reads `--rubric FILE`; a file that cannot be read is a usage error, a wrong one a RubricError (both exit 2). */
function readRubric(path: string): Rubric {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`--rubric: cannot read ${path}: ${(error as Error).message.split('\n')[0]}`);
  }
  return rubricFromJson(raw, resolve(path));
}
