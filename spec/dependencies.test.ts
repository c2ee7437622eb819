// The package's dependency lists tell the truth: every package the product code
// (grader/, harness/, scripts/) imports at run time is a dependency, not a
// devDependency, so `npm ci --omit=dev` keeps `npm run grade` working; the
// reference programs (impl/) import no package at all.
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { REPO_ROOT } from '../harness/repo-root.js';

const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };

/** The packages a folder's .ts files import for use at run time (type-only imports aside), by package name. */
function packagesImportedBy(folder: string): Set<string> {
  const found = new Set<string>();
  for (const file of readdirSync(join(REPO_ROOT, folder)).filter((name) => name.endsWith('.ts'))) {
    const source = readFileSync(join(REPO_ROOT, folder, file), 'utf8');
    for (const match of source.matchAll(/^import (?!type )[^'"]*?from '([^'.][^']*)';$/gm)) {
      const specifier = match[1]!;
      if (specifier.startsWith('node:') || builtinModules.includes(specifier)) continue;
      found.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!);
    }
  }
  return found;
}

test.each(['grader', 'harness'])('every package %s/ imports at run time is in dependencies', (folder) => {
  const imported = [...packagesImportedBy(folder)].sort();
  expect(imported.length).toBeGreaterThan(0);
  expect(imported.filter((name) => manifest.dependencies?.[name] === undefined)).toEqual([]);
});

test('the reference programs import no package', () => {
  expect([...packagesImportedBy('impl')]).toEqual([]);
});

test('no package is both a dependency and a devDependency', () => {
  const both = Object.keys(manifest.dependencies ?? {}).filter((name) => manifest.devDependencies?.[name] !== undefined);
  expect(both).toEqual([]);
});
