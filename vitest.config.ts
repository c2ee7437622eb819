import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { CatalogueReporter } from './spec/catalogue/reporter.js';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  resolve: {
    // Specs import ../impl/*.js for types; at run time they get the compiled
    // file that spawned programs run too, so coverage has a single mapping.
    alias: [{ find: /^(?:\.\.\/)+impl\/(.+)\.js$/, replacement: `${root}dist/impl/$1.js` }],
  },
  test: {
    include: ['spec/**/*.test.ts'],
    globalSetup: ['spec/global-setup.ts'],
    setupFiles: ['spec/coverage/in-process.ts'],
    server: { deps: { external: [/\/dist\/impl\//] } },
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default', ['json', { outputFile: 'reports/test-results.json' }], new CatalogueReporter()],
  },
});
