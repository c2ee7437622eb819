/**
 * Target descriptions: how to start an implementation's server and clients,
 * as data (JSON), so the same specs can launch the reference or any other
 * implementation without code changes. See fixtures/targets/README.md.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import getPort from 'get-port';
import { launch, type Child } from './process.js';
import type { Scene } from './scene.js';

/** How the harness chooses the server's port. */
export type PortMode =
  /** Pass 0 and read the chosen port back from the ready line's `port` group. */
  | 'zero'
  /** Pick a free port with get-port; retry with another if it was taken meanwhile. */
  | 'free'
  /** The program always uses this port. */
  | number;

/** A program to start: argv with `{host}`, `{port}`, `{id}`, `{name}` placeholders. */
export interface ProgramDescription {
  readonly argv: readonly string[];
}

/** A server to start, and how to know it is ready. */
export interface ServerDescription extends ProgramDescription {
  readonly port: PortMode;
  /** A regular expression for the stdout line that says the server listens. */
  readonly ready: string;
}

/** How to start the programs for the chat (extra credit), when the target has one. */
export interface ChatDescription {
  readonly server: ProgramDescription;
  readonly client: ProgramDescription;
}

/** An implementation under test, as read from a target JSON file. */
export interface Target {
  readonly name: string;
  /** Working directory for every program, absolute. */
  readonly cwd: string;
  readonly host: string;
  readonly env: Readonly<Record<string, string>>;
  readonly server: ServerDescription;
  readonly client: ProgramDescription;
  /** Present when the target implements the chat. */
  readonly chat?: ChatDescription;
}

/** Where the harness failed, as opposed to the program under test. */
export class HarnessError extends Error {
  override readonly name = 'HarnessError';
}

/** The nearest folder at or above `start` that holds package.json. */
function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(resolve(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new HarnessError(`no package.json above ${start}`);
  }
}

// Found by search, so it is the same from spec/harness/ (vitest) and dist/spec/harness/ (compiled).
const ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

/** The repository root (where package.json is). */
export const REPO_ROOT = ROOT;

/**
 * Reads a target description; `cwd` in the file is relative to the file.
 *
 * @example
 * const target = loadTarget('fixtures/targets/reference.json');
 */
export function loadTarget(path: string): Target {
  const file = resolve(ROOT, path);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new HarnessError(`cannot read the target ${file}: ${(error as Error).message}`);
  }
  const server = raw.server as ServerDescription | undefined;
  const client = raw.client as ProgramDescription | undefined;
  if (!server?.argv || !client?.argv || server.ready === undefined || server.port === undefined) {
    throw new HarnessError(`${file}: a target needs server.argv, server.port, server.ready and client.argv`);
  }
  return {
    name: typeof raw.name === 'string' ? raw.name : file,
    cwd: resolve(dirname(file), typeof raw.cwd === 'string' ? raw.cwd : '.'),
    host: typeof raw.host === 'string' ? raw.host : '127.0.0.1',
    env: (raw.env as Record<string, string> | undefined) ?? {},
    server,
    client,
    ...(raw.chat ? { chat: raw.chat as ChatDescription } : {}),
  };
}

/** The target with its chat programs in place of the part-1 ones. */
export function chatTarget(target: Target): Target {
  if (!target.chat) throw new HarnessError(`${target.name} describes no chat programs ("chat" in its JSON)`);
  return {
    ...target,
    server: { ...target.server, argv: target.chat.server.argv },
    client: target.chat.client,
  };
}

/** The reference implementation's target. */
export function referenceTarget(): Target {
  return loadTarget('fixtures/targets/reference.json');
}

/** Replaces `{key}` placeholders in each argument. */
export function expandArgv(argv: readonly string[], values: Readonly<Record<string, string>>): string[] {
  return argv.map((arg) =>
    arg.replace(/\{(\w+)\}/g, (whole, key: string) => {
      const value = values[key];
      if (value === undefined) throw new HarnessError(`unknown placeholder ${whole} in ${JSON.stringify(arg)}`);
      return value;
    }),
  );
}

/** A started server and the port its clients should use. */
export interface RunningServer {
  readonly child: Child;
  readonly host: string;
  readonly port: number;
}

const ADDRESS_IN_USE = /EADDRINUSE|already in use|address in use/i;
const PORT_TRIES = 5;

/**
 * Starts the target's server and waits until it is ready. With port mode
 * `free`, a port taken between choosing and binding is retried: that race is
 * the harness's problem, never the program's.
 */
export async function startServer(
  scene: Scene,
  target: Target,
  { label = 'server', outputLimit }: { label?: string; outputLimit?: number } = {},
): Promise<RunningServer> {
  const ready = new RegExp(target.server.ready);
  for (let attempt = 1; attempt <= PORT_TRIES; attempt += 1) {
    const mode = target.server.port;
    const port = mode === 'zero' ? 0 : mode === 'free' ? await getPort({ host: target.host }) : mode;
    const child = launch(scene, {
      label,
      argv: expandArgv(target.server.argv, { host: target.host, port: String(port) }),
      cwd: target.cwd,
      env: target.env,
      ...(outputLimit === undefined ? {} : { outputLimit }),
    });
    try {
      const line = await child.waitForLine(ready);
      const shown = mode === 'zero' ? Number(ready.exec(line)?.groups?.port) : port;
      if (!Number.isInteger(shown) || shown <= 0) {
        throw new HarnessError(`${label}: the ready line ${JSON.stringify(line)} has no (?<port>) number`);
      }
      return { child, host: target.host, port: shown };
    } catch (error) {
      const inUse = child.exit !== undefined && ADDRESS_IN_USE.test(child.output('stderr') + child.output('stdout'));
      if (!inUse) throw error;
      if (typeof mode === 'number') {
        throw new HarnessError(`port ${mode} is busy on this machine, so ${target.name} cannot be started; free it and run again`);
      }
    }
  }
  throw new HarnessError(`no free port after ${PORT_TRIES} tries; the machine is short of ports`);
}

/** Starts one of the target's clients against `host:port`. */
export function startClient(
  scene: Scene,
  target: Target,
  server: { readonly host: string; readonly port: number },
  who: { readonly id: 'X' | 'Y'; readonly name: string; readonly label?: string },
): Child {
  return launch(scene, {
    label: who.label ?? `client ${who.id}`,
    argv: expandArgv(target.client.argv, {
      host: server.host,
      port: String(server.port),
      id: who.id,
      name: who.name,
    }),
    cwd: target.cwd,
    env: target.env,
  });
}
