// Programs start through the interpreter a pyenv shim would run (harness/commands.ts resolveShim,
// grader/interpreters.ts launchable), asked in the target's folder with its environment.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { commandWorks, findCommand, resolveShim, tryCommand } from '../harness/commands.js';
import { SPEC_FILE_ENV } from '../harness/process.js';
import { launchable } from '../grader/interpreters.js';
import { loadTarget, referenceTarget, type Target } from '../grader/target.js';

/**
 * A pyenv root of our own: shims/fakepy and shims/nopy are shims; its pyenv
 * names versions/<PYENV_VERSION or 1.0>/bin/fakepy for `which fakepy`, fails
 * for anything else, and leaves a mark each time it runs.
 */
const root = mkdtempSync(join(tmpdir(), 'ack-pyenv-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const mark = join(root, 'asked');
const script = (path: string, body: string): void => {
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
};
for (const dir of ['shims', 'libexec', 'plain', 'versions/1.0/bin', 'versions/2.0/bin']) mkdirSync(join(root, dir), { recursive: true });
script(join(root, 'shims', 'fakepy'), 'exit 9');
script(join(root, 'shims', 'nopy'), 'exit 9');
script(join(root, 'plain', 'plainpy'), 'exit 0');
script(join(root, 'versions', '1.0', 'bin', 'fakepy'), 'exit 0');
script(join(root, 'versions', '2.0', 'bin', 'fakepy'), 'exit 0');
script(
  join(root, 'libexec', 'pyenv'),
  `echo "$2" >> '${mark}'\n[ "$1" = which ] && [ "$2" = fakepy ] || { echo "pyenv: $2: command not found" >&2; exit 127; }\necho "${root}/versions/\${PYENV_VERSION:-1.0}/bin/fakepy"`,
);
const PATH = [join(root, 'shims'), join(root, 'plain'), process.env.PATH].join(delimiter);

describe('a command', () => {
  test.each([
    ['a pyenv shim', 'fakepy', {}, join(root, 'versions', '1.0', 'bin', 'fakepy')],
    ['a shim with PYENV_VERSION set', 'fakepy', { PYENV_VERSION: '2.0' }, join(root, 'versions', '2.0', 'bin', 'fakepy')],
    ['a shim pyenv cannot resolve', 'nopy', {}, 'nopy'],
    ['a program that is not a shim', 'plainpy', {}, 'plainpy'],
    ['a path', './fakepy', {}, './fakepy'],
    ['a command that is nowhere', 'nosuchpy', {}, 'nosuchpy'],
  ])('%s (%s) starts as %s', (_, command, env, expected) => {
    expect(resolveShim(command, root, { PATH, ...env })).toBe(expected);
  });

  test('is resolved once per folder and settings: pyenv is not asked again', () => {
    rmSync(mark, { force: true });
    const env = { PATH, PYENV_VERSION: '1.0' };
    resolveShim('fakepy', join(root, 'versions'), env);
    resolveShim('fakepy', join(root, 'versions'), env);
    expect(readFileSync(mark, 'utf8')).toBe('fakepy\n');
  });

  test('is asked once for folders that find the same version file, and again for one with its own', () => {
    rmSync(mark, { force: true });
    const env = { PATH, PYENV_ROOT: root }; // settings no other test uses, so nothing is cached yet
    const [one, two, own] = ['one', 'two', 'own'].map((name) => join(root, 'folders', name));
    for (const dir of [one!, two!, own!]) mkdirSync(dir, { recursive: true });
    writeFileSync(join(own!, '.python-version'), '1.0\n');
    for (const dir of [one!, two!]) resolveShim('fakepy', dir, env);
    expect(readFileSync(mark, 'utf8')).toBe('fakepy\n');
    resolveShim('fakepy', own!, env);
    expect(readFileSync(mark, 'utf8')).toBe('fakepy\nfakepy\n');
  });

  test('is tried once per command line and environment', () => {
    const tried = join(root, 'tried');
    const counted = join(root, 'plain', 'countedpy');
    script(counted, `echo x >> '${tried}'`);
    for (const env of [{}, {}, { PYENV_VERSION: '2.0' }] as Array<Record<string, string>>) expect(tryCommand([counted, '--version'], env).ok).toBe(true);
    expect(readFileSync(tried, 'utf8')).toBe('x\nx\n');
  });

  // The bound is what is under test: a check that hangs fails with the reason, and is not remembered.
  test('one that does not answer within its bound fails saying so, and is tried again next time', () => {
    const tried = join(root, 'tried-hanging');
    const hanging = join(root, 'plain', 'hangingpy');
    script(hanging, `echo x >> '${tried}'; exec sleep 30`);
    for (let ask = 0; ask < 2; ask += 1) expect(tryCommand([hanging, '--version'], {}, 300)).toEqual({ ok: false, said: 'it did not answer within 0.3 s' });
    expect(readFileSync(tried, 'utf8')).toBe('x\nx\n');
  });

  test('is tried once for every spec file that asks: the variable naming the file is not part of the environment it is keyed by', ({ onTestFinished }) => {
    const tried = join(root, 'tried-by-files');
    const counted = join(root, 'plain', 'askedpy');
    script(counted, `echo x >> '${tried}'`);
    const asker = process.env[SPEC_FILE_ENV];
    onTestFinished(() => {
      if (asker === undefined) delete process.env[SPEC_FILE_ENV];
      else process.env[SPEC_FILE_ENV] = asker;
    });
    for (const file of ['spec/one.test.ts', 'spec/two.test.ts']) {
      process.env[SPEC_FILE_ENV] = file;
      expect(tryCommand([counted, '--version']).ok).toBe(true);
    }
    expect(readFileSync(tried, 'utf8')).toBe('x\n');
  });

  // The fake shims exit 9 and their resolved interpreters 0: which ran shows in the answer.
  test.each([
    ['a shim pyenv resolves is tried as the interpreter it names', 'fakepy', true, 'exit 0'],
    ['a shim pyenv cannot resolve is tried as itself, and fails as it would', 'nopy', false, 'exit 9'],
  ])('%s', (_, command, ok, said) => {
    expect(tryCommand([command, '--version'], { PATH, PYENV_VERSION: '1.0', PYENV_DIR: root })).toEqual({ ok, said });
  });

  test('is looked for on the PATH the target gives, not only this process\'s', () => {
    expect(findCommand('fakepy', root, PATH)).toBe(join(root, 'shims', 'fakepy'));
    expect(findCommand('fakepy', root, join(root, 'plain'))).toBeUndefined();
  });
});

describe('a target', () => {
  const section = (argv: string[]) => ({ argv });
  const target = (command: string): Target => ({
    ...referenceTarget(),
    cwd: root,
    env: { PATH },
    server: { argv: [command, 'server.py', '{port}'], port: 'free' },
    clients: { X: section([command, 'client.py', 'X']), Y: section([command, 'client.py', 'Y']) },
    chat: { server: { argv: [command, 'chat.py'], port: 'free' }, clients: { X: section([command, 'cx.py']), Y: section([command, 'cy.py']) }, greets: true },
  });

  test('has every program of both parts started through the resolved interpreter, and nothing else changed', () => {
    const resolved = join(root, 'versions', '1.0', 'bin', 'fakepy');
    const launched = launchable(target('fakepy'));
    expect([launched.server, launched.clients.X, launched.clients.Y, launched.chat!.server, launched.chat!.clients.X, launched.chat!.clients.Y].map((p) => p.argv[0])).toEqual(Array(6).fill(resolved));
    expect(launched.server.argv.slice(1)).toEqual(['server.py', '{port}']);
    expect({ ...launched, server: undefined, clients: undefined, chat: undefined }).toEqual({ ...target('fakepy'), server: undefined, clients: undefined, chat: undefined });
  });

  test('without shims comes back equal', () => {
    expect(launchable(target('plainpy'))).toEqual(target('plainpy'));
  });

  const pyenv = commandWorks(['pyenv', '--version']) && commandWorks(['python3', '--version']);
  test.skipIf(!pyenv)('under this machine\'s pyenv, python3 starts as an interpreter outside the shims that runs (needs pyenv)', () => {
    const python = loadTarget('fixtures/python/target.json');
    const command = launchable(python).server.argv[0]!;
    expect(command).not.toContain('/shims/');
    expect(commandWorks([command, '-c', 'pass'])).toBe(true);
  });
});
