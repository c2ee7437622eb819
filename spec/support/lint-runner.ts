/**
 * ESLint for spec/lint.test.ts, in a process of its own: reads one JSON
 * {@link LintRequest} on stdin, lints the repository (with ESLint's cache, by
 * file content, in node_modules/.cache) and each text of the request as the
 * file it names, and prints one JSON {@link LintAnswer} on stdout.
 *
 * Not in a test worker: ESLint and the TypeScript parser leave some 250 MB
 * behind them, and a worker that big pays about 4 ms more for every program
 * it starts afterwards (a fork copies its page tables), besides the cost of
 * the worker's coverage on ESLint's own code.
 *
 * Usage: node dist/spec/support/lint-runner.js < request.json   (exit 0 with the answer, 1 with one line on stderr)
 */
import { join, relative } from 'node:path';
import { text } from 'node:stream/consumers';
import { ESLint } from 'eslint';
import { REPO_ROOT } from '../../harness/repo-root.js';

/** What to lint besides the repository: each text as if it were the file `filePath`. */
export interface LintRequest {
  readonly texts: ReadonlyArray<{ readonly code: string; readonly filePath: string }>;
}

/** The repository's problems, one `file:line:col rule message` each, and the rules each text breaks, in order. */
export interface LintAnswer {
  readonly problems: string[];
  readonly rules: Array<Array<string | null>>;
}

/** Every problem ESLint reports, one `file:line:col rule message` each. */
function problems(results: ESLint.LintResult[]): string[] {
  return results.flatMap((result) =>
    result.messages.map((m) => `${relative(REPO_ROOT, result.filePath)}:${m.line}:${m.column} ${m.ruleId ?? '(parse)'} ${m.message}`),
  );
}

try {
  const request = JSON.parse(await text(process.stdin)) as LintRequest;
  // After a change only the changed files are linted again, which keeps the student's `npm test` loop short.
  // The cache serves lintFiles only; lintText below always lints the text it is given.
  const eslint = new ESLint({ cwd: REPO_ROOT, cache: true, cacheStrategy: 'content', cacheLocation: join(REPO_ROOT, 'node_modules', '.cache', 'eslint', 'cache.json') });
  const answer: LintAnswer = {
    problems: problems(await eslint.lintFiles(['.'])),
    rules: [],
  };
  for (const { code, filePath } of request.texts) {
    const [result] = await eslint.lintText(code, { filePath });
    answer.rules.push(result!.messages.map((m) => m.ruleId));
  }
  process.stdout.write(`${JSON.stringify(answer)}\n`);
} catch (error) {
  process.stderr.write(`lint-runner: ${(error as Error).message.split('\n')[0]}\n`);
  process.exitCode = 1;
}
