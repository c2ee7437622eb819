// The linter (eslint.config.js) as part of `npm test`: the repository is
// lint-clean, and the documentation rules catch what they claim to. ESLint runs
// once, in a process of its own (spec/support/lint-runner.ts), for every test here.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launch } from '../harness/process.js';
import { REPO_ROOT } from '../harness/repo-root.js';
import { Scene } from '../harness/scene.js';
import type { LintAnswer, LintRequest } from './support/lint-runner.js';

const MODULE = '/** What this module is for. */\n\n';

/** Code each rule must report: what it is, the file it is linted as, the code, the one rule it breaks. */
const REPORTED: ReadonlyArray<[string, string, string, string]> = [
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
];

/** Code no rule may report, linted as impl/example.ts. */
const PASSING: ReadonlyArray<[string, string]> = [
  ['a documented module and function', `${MODULE}/** Returns one. */\nexport function f(): number {\n  return 1;\n}\n`],
  ['a shebang before the opening comment', `#!/usr/bin/env node\n${MODULE}/** One. */\nexport const ONE = 1;\n`],
  ['an opening comment directly above the imports', `/** What this module is for. */\nimport { EXIT } from './errors.js';\n\n/** The code. */\nexport const CODE = EXIT.OK;\n`],
  ['undocumented code that is not exported', `${MODULE}function one(): number {\n  return 1;\n}\n\n/** Two. */\nexport const TWO = one() + one();\n`],
  [
    'TSDoc tags',
    `${MODULE}/**\n * Doubles.\n *\n * @remarks Exact below 2 ** 52.\n * @param n - a number\n * @returns twice \`n\`\n * @throws never\n * @see {@link TWO}\n * @example\n * double(2); // 4\n */\nexport function double(n: number): number {\n  return 2 * n;\n}\n\n/**\n * Two.\n *\n * @defaultValue 2\n */\nexport const TWO = double(1);\n`,
  ],
];

const scene = new Scene();
let answer: LintAnswer;

// Linting all of it takes a few seconds alone (ten on a fresh clone, without ESLint's cache), longer beside the
// suite's child processes.
beforeAll(async () => {
  const request: LintRequest = {
    texts: [...REPORTED.map(([, filePath, code]) => ({ code, filePath })), ...PASSING.map(([, code]) => ({ code, filePath: 'impl/example.ts' }))],
  };
  // Without coverage: ESLint is not impl/.
  const runner = launch(scene, { label: 'lint-runner', argv: ['node', join(REPO_ROOT, 'dist', 'spec', 'support', 'lint-runner.js')], cwd: REPO_ROOT, env: { NODE_V8_COVERAGE: '' } });
  runner.write(JSON.stringify(request));
  runner.endInput();
  const exit = await runner.waitForExit(110_000);
  expect(exit, runner.transcript()).toEqual({ code: 0, signal: null });
  answer = JSON.parse(runner.output()) as LintAnswer;
}, 120_000);

afterAll(() => scene.dispose());

test('the repository is lint-clean', () => {
  expect(answer.problems, `${answer.problems.length} lint problem(s), run npm run lint:\n${answer.problems.join('\n')}`).toEqual([]);
});

describe('the documentation rules', () => {
  test.each(REPORTED.map((row, index) => [...row, index] as const))('%s (%s) is reported', (_what, _filePath, _code, rule, index) => {
    expect(answer.rules[index]).toEqual([rule]);
  });

  test.each(PASSING.map((row, index) => [...row, REPORTED.length + index] as const))('%s passes', (_what, _code, index) => {
    expect(answer.rules[index]).toEqual([]);
  });
});
