#!/usr/bin/env node
/**
 * `npm run describe -- FOLDER [--write-targets]`: infers the target
 * description of one Python submission, or of every submission in a folder
 * of them (grader/describe.ts), and prints each as JSON, or the one line
 * saying what could not be told. With --write-targets it also writes
 * `target.json` into each described folder that has none (an existing one is
 * never overwritten).
 *
 * Exit codes: 0 every submission described; 1 some could not be; 2 usage.
 */
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { describeSubmission } from './describe.js';

const USAGE = `usage: npm run describe -- FOLDER [--write-targets]
  FOLDER           a submission (a folder of .py files) or a folder of submission folders
  --write-targets  write target.json into each described folder that has none`;

/** Exit codes, as documented in docs/GRADING.md. */
export const DESCRIBE_EXIT = { described: 0, someNot: 1, usage: 2 } as const;

/** What one run printed and its exit code (the CLI writes it; specs read it). */
export interface DescribeRun {
  readonly stdout: string[];
  readonly stderr: string[];
  readonly code: number;
}

/** The submission folders under `folder`: itself when it holds .py files, else its subfolders that do. */
function submissions(folder: string): string[] {
  const hasPython = (dir: string): boolean => readdirSync(dir).some((file) => file.endsWith('.py'));
  if (hasPython(folder)) return [folder];
  return readdirSync(folder, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && hasPython(join(folder, entry.name)))
    .map((entry) => join(folder, entry.name))
    .sort();
}

/**
 * Runs the command on `args` (without node and the script).
 *
 * @example
 * const run = describeCommand(['fixtures/submissions/py2-hardcoded']);
 * run.code; // 0
 */
export function describeCommand(args: readonly string[]): DescribeRun {
  const stdout: string[] = [];
  const stderr: string[] = [];
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], allowPositionals: true, options: { 'write-targets': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  } catch (error) {
    return { stdout, stderr: [`${(error as Error).message.split('\n')[0]}`, USAGE], code: DESCRIBE_EXIT.usage };
  }
  if (parsed.values.help) return { stdout: [USAGE], stderr, code: DESCRIBE_EXIT.described };
  if (parsed.positionals.length !== 1) return { stdout, stderr: ['name one folder', USAGE], code: DESCRIBE_EXIT.usage };
  const folder = resolve(parsed.positionals[0]!);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) return { stdout, stderr: [`${parsed.positionals[0]} is not a folder`, USAGE], code: DESCRIBE_EXIT.usage };
  const found = submissions(folder);
  if (found.length === 0) return { stdout, stderr: [`${parsed.positionals[0]} holds no .py files and no folders of them`], code: DESCRIBE_EXIT.usage };
  let code: number = DESCRIBE_EXIT.described;
  for (const submission of found) {
    const described = describeSubmission(submission);
    if ('problem' in described) {
      stderr.push(`cannot describe ${described.problem}`);
      code = DESCRIBE_EXIT.someNot;
      continue;
    }
    const json = `${JSON.stringify(described.target, null, 2)}\n`;
    stdout.push(`// ${submission}`, json);
    if (parsed.values['write-targets']) {
      const file = join(submission, 'target.json');
      if (existsSync(file)) stderr.push(`${file} exists; not overwritten`);
      else {
        writeFileSync(file, json);
        stderr.push(`wrote ${file}`);
      }
    }
  }
  return { stdout, stderr, code };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const run = describeCommand(process.argv.slice(2));
    for (const line of run.stdout) process.stdout.write(`${line}\n`);
    for (const line of run.stderr) process.stderr.write(`${line}\n`);
    process.exitCode = run.code;
  } catch (error) {
    // One line, no stack: an unreadable file, say.
    process.stderr.write(`describe: ${(error as Error).message.split('\n')[0]}\n`);
    process.exitCode = DESCRIBE_EXIT.usage;
  }
}
