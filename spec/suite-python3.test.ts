// Which python3 the suite's Python 3 fixtures run with (support/python3.ts): the choice as a table, and the PATH it sets.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, expect, onTestFinished, test } from 'vitest';
import { choosePython3, SUITE_PYTHON3_ENV, SYSTEM_PYTHON3, usePython3, type Python3 } from './support/python3.js';

const pyenv311: Python3 = { path: '/root/.pyenv/versions/3.11.7/bin/python3.11', version: [3, 11] };
const system = (version: [number, number]): Python3 => ({ path: `/usr/bin/python${version.join('.')}`, version });

describe('the choice', () => {
  test.each<[string, Python3 | undefined, Python3 | undefined, string | undefined, string | undefined]>([
    ['the system\'s of the same release line', pyenv311, system([3, 11]), undefined, '/usr/bin/python3.11'],
    ['the system\'s of a newer release line', pyenv311, system([3, 12]), undefined, '/usr/bin/python3.12'],
    ['PATH\'s where the system\'s is older', pyenv311, system([3, 9]), undefined, undefined],
    ['PATH\'s where PATH\'s is the system\'s', system([3, 11]), system([3, 11]), undefined, undefined],
    ['PATH\'s where the system has none', pyenv311, undefined, undefined, undefined],
    ['PATH\'s where PATH has none that runs', undefined, system([3, 11]), undefined, undefined],
    ['PATH\'s when ACK_SUITE_PYTHON3 says path', pyenv311, system([3, 11]), 'path', undefined],
    ['the one ACK_SUITE_PYTHON3 names', undefined, undefined, '/opt/python/bin/python3', '/opt/python/bin/python3'],
  ])('is %s', (_what, onPath, sys, override, use) => {
    expect(choosePython3(onPath, sys, override).use).toBe(use);
  });

  test('says in one line what it chose and how to keep PATH\'s', () => {
    expect(choosePython3(pyenv311, system([3, 11]), undefined).says).toBe(
      "Python 3 fixtures ran with /usr/bin/python3.11 (3.11), the system's, not PATH's /root/.pyenv/versions/3.11.7/bin/python3.11 (3.11), ACK_SUITE_PYTHON3=path keeps PATH's",
    );
    expect(choosePython3(pyenv311, system([3, 9]), undefined).says).toBe("Python 3 fixtures ran with PATH's python3 (/root/.pyenv/versions/3.11.7/bin/python3.11, 3.11): the system's (3.9) is older");
  });
});

describe('the PATH it sets', () => {
  const folder = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'ack-python3-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    return join(dir, 'bin');
  };

  test.skipIf(!existsSync(SYSTEM_PYTHON3))('names the chosen interpreter python3, first on PATH, and it runs (needs /usr/bin/python3)', () => {
    const dir = folder();
    const env = { PATH: '/usr/bin:/bin', [SUITE_PYTHON3_ENV]: SYSTEM_PYTHON3 };
    expect(usePython3(dir, env)).toBe(`Python 3 fixtures ran with ${SYSTEM_PYTHON3} (ACK_SUITE_PYTHON3)`);
    expect(env.PATH).toBe([dir, '/usr/bin', '/bin'].join(delimiter));
    expect(readlinkSync(join(dir, 'python3'))).toBe(SYSTEM_PYTHON3);
    expect(spawnSync('python3', ['-c', 'print(1 + 1)'], { env, encoding: 'utf8' }).stdout).toBe('2\n');
  });

  test('leaves PATH as it is when ACK_SUITE_PYTHON3 says path', () => {
    const dir = folder();
    const env = { PATH: '/usr/bin:/bin', [SUITE_PYTHON3_ENV]: 'path' };
    expect(usePython3(dir, env)).toBe("Python 3 fixtures ran with PATH's python3 (ACK_SUITE_PYTHON3=path)");
    expect(env.PATH).toBe('/usr/bin:/bin');
    expect(existsSync(dir)).toBe(false);
  });

  test('refuses, in one line, an ACK_SUITE_PYTHON3 that names no program', () => {
    const env = { PATH: '/usr/bin:/bin', [SUITE_PYTHON3_ENV]: 'no-such-python' };
    expect(() => usePython3(folder(), env)).toThrow(/^ACK_SUITE_PYTHON3=no-such-python: no such program; name a Python 3 interpreter, or say path to keep PATH's python3$/);
  });
});
