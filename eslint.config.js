// ESLint flat config. `npm run lint` runs it; spec/lint.test.ts runs it inside
// `npm test`, so a finding (error or warning) fails the suite like any test.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import jsdoc from 'eslint-plugin-jsdoc';
import tseslint from 'typescript-eslint';

/**
 * What must carry a doc comment in impl/, grader/ and harness/ (with
 * `publicOnly`, only when exported): functions, classes, interfaces, type
 * aliases, enums and consts (`export const f = () => ...` included); with
 * `MethodDefinition` below, also the constructor and public methods of an
 * exported class.
 */
const DOCUMENTED_DECLARATIONS = [
  'FunctionDeclaration',
  'ClassDeclaration',
  'TSInterfaceDeclaration',
  'TSTypeAliasDeclaration',
  'TSEnumDeclaration',
  'ExportNamedDeclaration > VariableDeclaration',
];

/**
 * A local rule, because jsdoc/require-file-overview insists on a `@file` tag:
 * a module opens (after an optional shebang) with a `/** ... *\/` block saying
 * what it is for, before any code, and that block is not just the doc comment
 * of the first declaration under it.
 */
const moduleOverview = {
  meta: {
    type: 'suggestion',
    docs: { description: 'require a /** ... */ comment at the top of a module saying what it is for' },
    schema: [],
    messages: {
      missing: 'Open the module with a /** ... */ comment saying what it is for (only a shebang may come before it).',
      attached: "The module's opening comment documents the declaration under it; add the module's own comment above it, separated by a blank line.",
    },
  },
  create(context) {
    return {
      Program(program) {
        const source = context.sourceCode;
        // Some parsers report a shebang as a comment; it may come first.
        const [first] = source.getAllComments().filter((comment) => comment.type !== 'Shebang');
        const firstToken = source.ast.tokens[0];
        const opens =
          first?.type === 'Block' &&
          first.value.startsWith('*') &&
          /\w/.test(first.value) &&
          (firstToken === undefined || first.range[1] <= firstToken.range[0]);
        const loc = { line: 1, column: 0 };
        if (!opens) {
          context.report({ node: program, loc, messageId: 'missing' });
          return;
        }
        const statement = program.body[0];
        if (statement && statement.type !== 'ImportDeclaration' && source.getCommentsBefore(statement).at(-1) === first && statement.loc.start.line - first.loc.end.line < 2) {
          context.report({ node: program, loc, messageId: 'attached' });
        }
      },
    };
  },
};

export default defineConfig(
  // Generated, installed, or not our TypeScript.
  { ignores: ['dist/', 'node_modules/', 'reports/', 'fixtures/'] },

  // ESLint's and typescript-eslint's recommended rules for all our code:
  // syntax only, no type information, so linting takes seconds and works on
  // in-memory text (spec/lint.test.ts).
  { files: ['**/*.ts', '**/*.js'], extends: [js.configs.recommended, tseslint.configs.recommended] },

  // The inline documentation the rubric marks, in the reference programs and
  // the grader (docs/GRADING.md), and held to the same standard in harness/,
  // the runtime both the suite and the grader drive programs through.
  {
    files: ['impl/**/*.ts', 'grader/**/*.ts', 'harness/**/*.ts'],
    plugins: { jsdoc, local: { rules: { 'module-overview': moduleOverview } } },
    settings: { jsdoc: { mode: 'typescript' } },
    rules: {
      // Every module opens with what it is for.
      'local/module-overview': 'error',
      // Every exported declaration has a doc comment...
      'jsdoc/require-jsdoc': ['error', { publicOnly: true, require: { MethodDefinition: true }, contexts: DOCUMENTED_DECLARATIONS }],
      // ...that says something, not just tags.
      'jsdoc/require-description': ['error', { contexts: [...DOCUMENTED_DECLARATIONS, 'MethodDefinition'] }],
      // TSDoc, not JSDoc: TypeScript has the types, so no `{type}` in tags and
      // no tags that restate what it knows (`typed`: @class, @type, ...).
      // @param, @returns, @throws, @see, @example and TSDoc's @remarks,
      // @defaultValue and @typeParam are allowed.
      'jsdoc/no-types': 'error',
      'jsdoc/check-tag-names': ['error', { typed: true, definedTags: ['remarks', 'defaultValue', 'typeParam'] }],
      // An @param names a real parameter, so docs cannot drift from the
      // signature unnoticed.
      'jsdoc/check-param-names': 'error',
      // A `/* @param ... */` meant as a doc comment, which tools would skip.
      'jsdoc/no-bad-blocks': 'error',
    },
  },
);
