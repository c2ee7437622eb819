// The linter (eslint.config.js) as part of `npm test`: the repository is
// lint-clean, and the documentation rules catch what they claim to.
import { join, relative } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, test } from 'vitest';
import { REPO_ROOT } from '../harness/repo-root.js';

const eslint = new ESLint({ cwd: REPO_ROOT });

/**
 * The repository-wide check keeps ESLint's cache (by file content, in
 * node_modules/.cache): after a change, only the changed files are linted
 * again, which keeps the student's `npm test` loop short.
 */
const cached = new ESLint({ cwd: REPO_ROOT, cache: true, cacheStrategy: 'content', cacheLocation: join(REPO_ROOT, 'node_modules', '.cache', 'eslint', 'cache.json') });

/** Every problem ESLint reports, one `file:line:col rule message` each. */
function problems(results: ESLint.LintResult[]): string[] {
  return results.flatMap((result) =>
    result.messages.map((m) => `${relative(REPO_ROOT, result.filePath)}:${m.line}:${m.column} ${m.ruleId ?? '(parse)'} ${m.message}`),
  );
}

/** The rules `code` breaks, linted as if it were the file `filePath`. */
async function rulesBroken(code: string, filePath: string): Promise<(string | null)[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map((m) => m.ruleId);
}

// Linting all of it takes a few seconds alone, longer beside the suite's child processes.
test('the repository is lint-clean', { timeout: 120_000 }, async () => {
  const found = problems(await cached.lintFiles(['.']));
  expect(found, `${found.length} lint problem(s), run npm run lint:\n${found.join('\n')}`).toEqual([]);
});

const MODULE = '/** What this module is for. */\n\n';

describe('the documentation rules', () => {
  test.each<[string, string, string, string]>([
    ['an exported function without a doc comment', 'impl/example.ts', `${MODULE}export function f(): number {\n  return 1;\n}\n`, 'jsdoc/require-jsdoc'],
    ['an exported function without a doc comment in grader/', 'grader/example.ts', `${MODULE}export function f(): number {\n  return 1;\n}\n`, 'jsdoc/require-jsdoc'],
    ['a constructor of an exported class without a doc comment in harness/', 'harness/example.ts', `${MODULE}/** A counter. */\nexport class Counter {\n  constructor() {}\n}\n`, 'jsdoc/require-jsdoc'],
    ['an exported arrow function without a doc comment', 'impl/example.ts', `${MODULE}export const f = (): number => 1;\n`, 'jsdoc/require-jsdoc'],
    ['an exported interface without a doc comment', 'impl/example.ts', `${MODULE}export interface Point {\n  x: number;\n}\n`, 'jsdoc/require-jsdoc'],
    ['an exported type alias without a doc comment', 'impl/example.ts', `${MODULE}export type Id = 'X' | 'Y';\n`, 'jsdoc/require-jsdoc'],
    ['a public method of an exported class without a doc comment', 'impl/example.ts', `${MODULE}/** A counter. */\nexport class Counter {\n  next(): number {\n    return 1;\n  }\n}\n`, 'jsdoc/require-jsdoc'],
    ['a doc comment with tags but no description', 'impl/example.ts', `${MODULE}/** @returns one */\nexport function f(): number {\n  return 1;\n}\n`, 'jsdoc/require-description'],
    ['a JSDoc type on a parameter', 'impl/example.ts', `${MODULE}/**\n * Doubles.\n * @param {number} n - a number\n */\nexport function f(n: number): number {\n  return 2 * n;\n}\n`, 'jsdoc/no-types'],
    ['an @param that names no parameter', 'impl/example.ts', `${MODULE}/**\n * Doubles.\n * @param m - a number\n */\nexport function f(n: number): number {\n  return 2 * n;\n}\n`, 'jsdoc/check-param-names'],
    ['an unknown tag', 'impl/example.ts', `${MODULE}/**\n * Doubles.\n * @doubles\n */\nexport function f(n: number): number {\n  return 2 * n;\n}\n`, 'jsdoc/check-tag-names'],
    ['a module with no opening comment', 'impl/example.ts', `import { EXIT } from './errors.js';\n\n/** The code. */\nexport const CODE = EXIT.OK;\n`, 'local/module-overview'],
    ['a module with no opening comment in grader/', 'grader/example.ts', `import { EXIT } from './errors.js';\n\n/** The code. */\nexport const CODE = EXIT.OK;\n`, 'local/module-overview'],
    ['a module opening with a line comment', 'impl/example.ts', `// What this module is for.\n\n/** One. */\nexport const ONE = 1;\n`, 'local/module-overview'],
    ['a module whose only opening comment is its first function\'s', 'impl/example.ts', `/** Returns one. */\nexport function f(): number {\n  return 1;\n}\n`, 'local/module-overview'],
  ])('%s (%s) is reported', async (_what, filePath, code, rule) => {
    expect(await rulesBroken(code, filePath)).toEqual([rule]);
  });

  test.each<[string, string]>([
    ['a documented module and function', `${MODULE}/** Returns one. */\nexport function f(): number {\n  return 1;\n}\n`],
    ['a shebang before the opening comment', `#!/usr/bin/env node\n${MODULE}/** One. */\nexport const ONE = 1;\n`],
    ['an opening comment directly above the imports', `/** What this module is for. */\nimport { EXIT } from './errors.js';\n\n/** The code. */\nexport const CODE = EXIT.OK;\n`],
    ['undocumented code that is not exported', `${MODULE}function one(): number {\n  return 1;\n}\n\n/** Two. */\nexport const TWO = one() + one();\n`],
    [
      'TSDoc tags',
      `${MODULE}/**\n * Doubles.\n *\n * @remarks Exact below 2 ** 52.\n * @param n - a number\n * @returns twice \`n\`\n * @throws never\n * @see {@link TWO}\n * @example\n * double(2); // 4\n */\nexport function double(n: number): number {\n  return 2 * n;\n}\n\n/**\n * Two.\n *\n * @defaultValue 2\n */\nexport const TWO = double(1);\n`,
    ],
  ])('%s passes', async (_what, code) => {
    expect(await rulesBroken(code, 'impl/example.ts')).toEqual([]);
  });
});
