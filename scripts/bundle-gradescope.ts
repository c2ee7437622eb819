/**
 * `npm run bundle:gradescope [-- --target TEMPLATE.json] [--student-targets] [--out FILE.zip]`:
 * builds Gradescope's autograder zip (default reports/gradescope/autograder.zip).
 *
 * The grader is bundled by esbuild into one file, grader.mjs, with every npm
 * dependency inlined, so the autograder needs Node.js 20 and nothing from npm.
 * Next to it, a minimal package.json marks the folder as ESM and stops the
 * grader's upward search for the repository root there. The zip's top level:
 *
 *   setup.sh        installs Python and Node.js 20 on Gradescope's image
 *   run_autograder  grades /autograder/submission into /autograder/results
 *   grader.mjs      the bundled grader (grader/cli.ts)
 *   package.json    {"type": "module", "private": true}
 *   README.md       gradescope/README.md
 *   target.json     with --target: the instructor's template (argv globs allowed), applied to every submission
 *   student-targets with --student-targets: a marker; a submission's own target.json is then used
 *
 * Without --target, each submission is described from its sources (grader/describe.ts).
 * The instructor's description wins: a submission's own target.json is used
 * only when the bundle is built with --student-targets. The template is
 * checked with the grader's own loader first; a wrong one stops the build with
 * a one-line message.
 * The zip is written by scripts/zip.ts (fixed dates, so the same input gives
 * the same bytes; setup.sh and run_autograder executable).
 * Exit codes: 0 written; 2 a wrong command line or template; 1 anything else.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { loadTemplate } from '../grader/class.js';
import { DescriptionError } from '../grader/target.js';
import { REPO_ROOT } from '../harness/repo-root.js';
import { zipArchive } from './zip.js';

const USAGE = `usage: npm run bundle:gradescope -- [--target TEMPLATE.json] [--student-targets] [--out FILE.zip]
  --target FILE      the class's description, applied to every submission (argv globs such as
                     "*[Ss]erver*.py" resolved in each); default: describe each submission from its sources
  --student-targets  use a submission's own target.json when it has one (default: ignore it)
  --out FILE         where the zip goes (default reports/gradescope/autograder.zip)`;

/** The names and modes of the zip's files, in the order they are stored. */
const BUNDLE_FILES = [
  { name: 'setup.sh', mode: 0o755 },
  { name: 'run_autograder', mode: 0o755 },
  { name: 'grader.mjs', mode: 0o644 },
  { name: 'package.json', mode: 0o644 },
  { name: 'README.md', mode: 0o644 },
  { name: 'target.json', mode: 0o644 },
  { name: 'student-targets', mode: 0o644 },
] as const;

/** The grader as one ESM file for Node.js 20, npm dependencies inlined. */
async function bundleGrader(): Promise<Buffer> {
  const result = await build({
    entryPoints: [resolve(REPO_ROOT, 'grader/cli.ts')],
    absWorkingDir: REPO_ROOT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'bundle',
    write: false,
    outfile: 'grader.mjs',
    legalComments: 'eof',
    logLevel: 'silent',
    banner: { js: '// The grader (grader/cli.ts) bundled by scripts/bundle-gradescope.ts for Gradescope; do not edit.' },
  });
  const [file] = result.outputFiles;
  if (!file) throw new Error('esbuild wrote no output');
  return Buffer.from(file.contents);
}

class UsageError extends Error {}

function parse(argv: readonly string[]): { template?: string; studentTargets: boolean; out: string } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { target: { type: 'string' }, 'student-targets': { type: 'boolean' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0]);
  }
  if (parsed.values.help) throw new UsageError('');
  return {
    ...(parsed.values.target === undefined ? {} : { template: resolve(parsed.values.target) }),
    studentTargets: parsed.values['student-targets'] === true,
    out: resolve(parsed.values.out ?? resolve(REPO_ROOT, 'reports/gradescope/autograder.zip')),
  };
}

async function main(argv: readonly string[]): Promise<void> {
  const options = parse(argv);
  if (options.template !== undefined) loadTemplate(options.template); // throws a one-line DescriptionError if the template is wrong
  const contents: Partial<Record<(typeof BUNDLE_FILES)[number]['name'], Buffer>> = {
    'setup.sh': readFileSync(resolve(REPO_ROOT, 'gradescope/setup.sh')),
    run_autograder: readFileSync(resolve(REPO_ROOT, 'gradescope/run_autograder')),
    'grader.mjs': await bundleGrader(),
    'package.json': Buffer.from(`${JSON.stringify({ type: 'module', private: true })}\n`),
    'README.md': readFileSync(resolve(REPO_ROOT, 'gradescope/README.md')),
    ...(options.template === undefined ? {} : { 'target.json': readFileSync(options.template) }),
    ...(options.studentTargets ? { 'student-targets': Buffer.from('A submission\'s own target.json is used when it has one (bundle:gradescope --student-targets).\n') } : {}),
  };
  const files = BUNDLE_FILES.filter(({ name }) => contents[name] !== undefined);
  const zip = zipArchive(files.map(({ name, mode }) => ({ name, mode, data: contents[name]! })));
  mkdirSync(resolve(options.out, '..'), { recursive: true });
  writeFileSync(options.out, zip);
  const shown = (file: string): string => relative(process.cwd(), file) || file;
  process.stdout.write(
    `Wrote ${shown(options.out)} (${Math.ceil(zip.length / 1024)} KiB): ${files.map((file) => file.name).join(', ')}; ` +
      `${options.template === undefined ? 'each submission described from its sources' : `the template ${shown(options.template)}`}` +
      `${options.studentTargets ? ", or the submission's own target.json" : ''}\n`,
  );
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(error.message ? `bundle:gradescope: ${error.message}\n${USAGE}\n` : `${USAGE}\n`);
    process.exitCode = error.message ? 2 : 0;
  } else if (error instanceof DescriptionError) {
    process.stderr.write(`bundle:gradescope: the template is wrong: ${error.message.split('\n')[0]}\n`);
    process.exitCode = 2;
  } else {
    // esbuild's message starts "Build failed with 1 error:"; its first error says which.
    const first = (error as { errors?: Array<{ text: string; location?: { file: string; line: number } | null }> }).errors?.[0];
    const where = first?.location ? ` (${first.location.file}:${first.location.line})` : '';
    const message = first ? `esbuild: ${first.text}${where}` : (error as Error).message.split('\n')[0];
    process.stderr.write(`bundle:gradescope: ${message}\n`);
    process.exitCode = 1;
  }
});
