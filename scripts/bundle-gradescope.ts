/**
 * `npm run bundle:gradescope [-- --target TEMPLATE.json] [--out FILE.zip]`:
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
 *   target.json     the template for submissions without their own target.json
 *   README.md       gradescope/README.md
 *
 * The template (default gradescope/target.json) is checked with the grader's
 * own loader first; a wrong one stops the build with a one-line message.
 * Exit codes: 0 written; 2 a wrong command line or template; 1 anything else.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { deflateRawSync } from 'node:zlib';
import { build } from 'esbuild';
import { HarnessError, loadTarget, REPO_ROOT } from '../spec/harness/target.js';

const USAGE = `usage: npm run bundle:gradescope -- [--target TEMPLATE.json] [--out FILE.zip]
  --target FILE  the target description for submissions without their own target.json
                 (default gradescope/target.json; "cwd" is relative to the submission folder)
  --out FILE     where the zip goes (default reports/gradescope/autograder.zip)`;

/** A file in the zip. */
interface ZipEntry {
  readonly name: string;
  readonly data: Buffer;
  /** Unix permission bits, e.g. 0o755 for a script. */
  readonly mode: number;
}

/** The names and modes of the zip's files, in the order they are stored. */
const BUNDLE_FILES = [
  { name: 'setup.sh', mode: 0o755 },
  { name: 'run_autograder', mode: 0o755 },
  { name: 'grader.mjs', mode: 0o644 },
  { name: 'package.json', mode: 0o644 },
  { name: 'target.json', mode: 0o644 },
  { name: 'README.md', mode: 0o644 },
] as const;

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** MS-DOS date of 1980-01-01 (the earliest a zip can hold), so the same input gives the same zip. */
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const DOS_TIME = 0;

/**
 * A zip archive (deflate, no zip64) of `entries`, with Unix permissions in
 * each entry's external attributes so that unzip restores executable bits.
 */
function zipArchive(entries: readonly ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const deflated = deflateRawSync(entry.data, { level: 9 });
    const deflate = deflated.length < entry.data.length;
    const body = deflate ? deflated : entry.data;
    const crc = crc32(entry.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0
    local.writeUInt16LE(0x0800, 6); // names are UTF-8
    local.writeUInt16LE(deflate ? 8 : 0, 8); // deflate or store
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, 2.0
    local.copy(central, 6, 4, 30); // version needed .. name length are the same fields
    central.writeUInt16LE(0, 30); // extra
    central.writeUInt16LE(0, 32); // comment
    central.writeUInt16LE(0, 34); // disk
    central.writeUInt16LE(0, 36); // internal attributes
    central.writeUInt32LE(((0o100000 | entry.mode) << 16) >>> 0, 38); // regular file + permissions
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

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

function parse(argv: readonly string[]): { template: string; out: string } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { target: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0]);
  }
  if (parsed.values.help) throw new UsageError('');
  return {
    template: resolve(parsed.values.target ?? resolve(REPO_ROOT, 'gradescope/target.json')),
    out: resolve(parsed.values.out ?? resolve(REPO_ROOT, 'reports/gradescope/autograder.zip')),
  };
}

async function main(argv: readonly string[]): Promise<void> {
  const options = parse(argv);
  loadTarget(options.template); // throws a one-line HarnessError if the template is wrong
  const contents: Record<(typeof BUNDLE_FILES)[number]['name'], Buffer> = {
    'setup.sh': readFileSync(resolve(REPO_ROOT, 'gradescope/setup.sh')),
    run_autograder: readFileSync(resolve(REPO_ROOT, 'gradescope/run_autograder')),
    'grader.mjs': await bundleGrader(),
    'package.json': Buffer.from(`${JSON.stringify({ type: 'module', private: true })}\n`),
    'target.json': readFileSync(options.template),
    'README.md': readFileSync(resolve(REPO_ROOT, 'gradescope/README.md')),
  };
  const zip = zipArchive(BUNDLE_FILES.map(({ name, mode }) => ({ name, mode, data: contents[name] })));
  mkdirSync(resolve(options.out, '..'), { recursive: true });
  writeFileSync(options.out, zip);
  const shown = (file: string): string => relative(process.cwd(), file) || file;
  process.stdout.write(
    `Wrote ${shown(options.out)} (${Math.ceil(zip.length / 1024)} KiB): ${BUNDLE_FILES.map((file) => file.name).join(', ')}; ` +
      `default target ${shown(options.template)}\n`,
  );
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(error.message ? `bundle:gradescope: ${error.message}\n${USAGE}\n` : `${USAGE}\n`);
    process.exitCode = error.message ? 2 : 0;
  } else if (error instanceof HarnessError) {
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
