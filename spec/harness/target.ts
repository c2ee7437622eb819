/**
 * Target descriptions: how to start an implementation's server and clients,
 * as data (JSON), so the same specs and the grader can launch the reference
 * or any submission without editing it. The format is documented in
 * docs/GRADING.md; loading checks it and names any mistake in one line.
 */
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import getPort from 'get-port';
import { waitForListener, waitForPortFree } from './kernel.js';
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
  /** Lines typed on its standard input as soon as it starts (placeholders allowed). */
  readonly stdin?: readonly string[];
}

/** A server to start, and how to know it is ready. */
export interface ServerDescription extends ProgramDescription {
  readonly port: PortMode;
  /**
   * A regular expression for the stdout line that says the server listens.
   * Without one, the harness waits until the kernel shows the port listening.
   */
  readonly ready?: string;
}

/** The programs of one part: a server and a program per client id. */
export interface Programs {
  readonly server: ServerDescription;
  readonly clients: Readonly<Record<ClientId, ProgramDescription>>;
}

/** The chat's programs, and whether its clients greet first as in part 1. */
export interface ChatPrograms extends Programs {
  /** True when chat clients send `Client X: name` and get the acknowledgment before chatting. */
  readonly greets: boolean;
}

/** A client's id. */
export type ClientId = 'X' | 'Y';

/** The names each client sends. */
export interface Names {
  readonly X: string;
  readonly Y: string;
}

/** An implementation under test, as read from a target JSON file. */
export interface Target extends Programs {
  readonly name: string;
  /** The JSON file it was read from (or a label for one built in code). */
  readonly file: string;
  /** Working directory for every program, absolute. */
  readonly cwd: string;
  /** Where clients (and the grader's own peers) connect. */
  readonly host: string;
  readonly env: Readonly<Record<string, string>>;
  /** Which parts the target claims to implement. */
  readonly parts: { readonly ack: boolean; readonly chat: boolean };
  /** Names the clients always send, when a submission hard-codes them. */
  readonly names?: Names;
  /** Present when the target implements the chat. */
  readonly chat?: ChatPrograms;
}

/** Where the harness failed or a description is wrong, as opposed to the program under test. */
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

/** The repository root (where package.json is); found by search, so it is the same from spec/ and dist/. */
export const REPO_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isStrings = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

/** Reads and checks a description; every mistake is a one-line HarnessError naming the field. */
class DescriptionReader {
  constructor(readonly file: string) {}

  fail(field: string, problem: string): never {
    throw new HarnessError(`${this.file}: ${field} ${problem}; see docs/GRADING.md`);
  }

  program(raw: unknown, field: string): ProgramDescription {
    if (!isObject(raw)) this.fail(field, 'must be an object with "argv"');
    if (!isStrings(raw.argv) || raw.argv.length === 0) this.fail(`${field}.argv`, 'must be a non-empty array of strings');
    if (raw.stdin !== undefined && !isStrings(raw.stdin)) this.fail(`${field}.stdin`, 'must be an array of strings');
    return { argv: raw.argv, ...(raw.stdin ? { stdin: raw.stdin as string[] } : {}) };
  }

  server(raw: unknown, field: string, inherit?: ServerDescription): ServerDescription {
    if (!isObject(raw)) this.fail(field, 'must be an object with "argv"');
    const program = this.program(raw, field);
    const port = raw.port ?? inherit?.port ?? 'free';
    if (port !== 'zero' && port !== 'free' && !(Number.isInteger(port) && (port as number) > 0 && (port as number) < 65536)) {
      this.fail(`${field}.port`, 'must be "zero", "free" or a port number from 1 to 65535');
    }
    const ready = raw.ready === undefined ? (raw.port === undefined ? inherit?.ready : undefined) : raw.ready;
    if (ready !== undefined && typeof ready !== 'string') this.fail(`${field}.ready`, 'must be a regular expression as a string');
    if (ready !== undefined) {
      try {
        new RegExp(ready);
      } catch {
        this.fail(`${field}.ready`, `is not a valid regular expression (${JSON.stringify(ready)})`);
      }
    }
    if (port === 'zero' && (ready === undefined || !/\(\?<port>/.test(ready))) {
      this.fail(`${field}.ready`, 'needs a (?<port>\\d+) group when "port" is "zero", so the harness can read the port back');
    }
    return { ...program, port: port as PortMode, ...(ready === undefined ? {} : { ready }) };
  }

  clients(raw: Json, field: string, inherit?: Programs['clients']): Programs['clients'] {
    if (raw.client !== undefined && raw.clients !== undefined) this.fail(field || 'the target', 'has both "client" and "clients"; keep one');
    if (raw.client !== undefined) {
      const program = this.program(raw.client, `${field}client`);
      return { X: program, Y: program };
    }
    if (raw.clients !== undefined) {
      if (!isObject(raw.clients)) this.fail(`${field}clients`, 'must be an object with "X" and "Y"');
      return { X: this.program(raw.clients.X, `${field}clients.X`), Y: this.program(raw.clients.Y, `${field}clients.Y`) };
    }
    if (inherit) return inherit;
    return this.fail(field || 'the target', 'needs "client" (one program for both ids) or "clients" ({"X": ..., "Y": ...})');
  }
}

/**
 * Reads a target description; `cwd` in the file is relative to the file.
 * Throws a {@link HarnessError} with a one-line message if it is wrong.
 *
 * @example
 * const target = loadTarget('fixtures/targets/reference.json');
 */
export function loadTarget(path: string): Target {
  const file = resolve(REPO_ROOT, path);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new HarnessError(`cannot read the target ${file}: ${(error as Error).message.split('\n')[0]}`);
  }
  const reader: DescriptionReader = new DescriptionReader(file);
  if (!isObject(raw)) reader.fail('the file', 'must hold a JSON object');
  const server = reader.server(raw.server, 'server');
  const clients = reader.clients(raw, '');
  if (raw.env !== undefined && !(isObject(raw.env) && Object.values(raw.env).every((v) => typeof v === 'string'))) {
    reader.fail('env', 'must map names to strings');
  }
  let names: Names | undefined;
  if (raw.names !== undefined) {
    if (!isObject(raw.names) || typeof raw.names.X !== 'string' || typeof raw.names.Y !== 'string' || !raw.names.X || !raw.names.Y) {
      reader.fail('names', 'must be {"X": "<name>", "Y": "<name>"}');
    }
    names = { X: raw.names.X as string, Y: raw.names.Y as string };
  }
  let chat: ChatPrograms | undefined;
  if (raw.chat !== undefined) {
    if (!isObject(raw.chat)) reader.fail('chat', 'must be an object');
    const chatServer = raw.chat.server === undefined ? server : reader.server(raw.chat.server, 'chat.server', server);
    if (raw.chat.greets !== undefined && typeof raw.chat.greets !== 'boolean') reader.fail('chat.greets', 'must be true or false');
    chat = { server: chatServer, clients: reader.clients(raw.chat, 'chat.', clients), greets: raw.chat.greets !== false };
  }
  const claimed = raw.parts ?? (chat ? ['ack', 'chat'] : ['ack']);
  if (!isStrings(claimed) || claimed.some((part) => part !== 'ack' && part !== 'chat')) {
    reader.fail('parts', 'must list "ack" and/or "chat"');
  }
  if (claimed.includes('chat') && !chat) reader.fail('parts', 'claims "chat" but there is no "chat" section saying how to start it');
  const host = typeof raw.host === 'string' ? raw.host : '127.0.0.1';
  return {
    name: typeof raw.name === 'string' ? raw.name : file,
    file,
    cwd: resolve(dirname(file), typeof raw.cwd === 'string' ? raw.cwd : '.'),
    host: host === '{hostname}' ? hostname() : host,
    env: (raw.env as Record<string, string> | undefined) ?? {},
    parts: { ack: claimed.includes('ack'), chat: claimed.includes('chat') },
    server,
    clients,
    ...(names ? { names } : {}),
    ...(chat ? { chat } : {}),
  };
}

/** The target with its chat programs in place of the part-1 ones. */
export function chatTarget(target: Target): Target {
  if (!target.chat) throw new HarnessError(`${target.name} describes no chat programs ("chat" in its JSON)`);
  return { ...target, server: target.chat.server, clients: target.chat.clients };
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

/** Whether a command runs a Python interpreter (whose piped output is block-buffered by default). */
export function isPython(command: string): boolean {
  return /(^|\/)python[\d.]*$/.test(command);
}

/** The environment a program of `target` gets: PYTHONUNBUFFERED=1 for Python unless the target says otherwise. */
function programEnv(target: Target, argv: readonly string[]): Record<string, string> {
  return isPython(argv[0] ?? '') ? { PYTHONUNBUFFERED: '1', ...target.env } : { ...target.env };
}

/** A started server and the port its clients should use. */
export interface RunningServer {
  readonly child: Child;
  readonly host: string;
  readonly port: number;
}

const ADDRESS_IN_USE = /EADDRINUSE|already in use|address in use/i;
const PORT_TRIES = 5;
const READY_MS = 10_000;
/** Linux keeps a closed connection in TIME_WAIT for 60 s; a server without SO_REUSEADDR cannot bind until then. */
const TIME_WAIT_MS = 65_000;

/** Options for {@link startServer}. */
export interface StartServerOptions {
  readonly label?: string;
  readonly outputLimit?: number;
  /** Told when the harness must wait for a fixed port to leave TIME_WAIT. */
  readonly onWait?: (message: string) => void;
}

/** Waits until the server is ready: its ready line, or (without one) the kernel showing the port listening. */
async function waitUntilReady(child: Child, server: ServerDescription, port: number, label: string): Promise<number> {
  if (server.ready !== undefined) {
    const ready = new RegExp(server.ready);
    const line = await child.waitForLine(ready, 'stdout', READY_MS);
    const shown = server.port === 'zero' ? Number(ready.exec(line)?.groups?.port) : port;
    if (!Number.isInteger(shown) || shown <= 0) {
      throw new HarnessError(`${label}: the ready line ${JSON.stringify(line)} has no (?<port>) number`);
    }
    return shown;
  }
  const listening = await Promise.race([waitForListener(port, READY_MS), child.waitForExit(READY_MS + 1000).then(() => false)]);
  if (!listening) {
    const why = child.exit ? `exited (${child.exit.signal ?? `code ${child.exit.code}`})` : `was not listening after ${READY_MS} ms`;
    throw new HarnessError(`${label} ${why} before listening on port ${port}.\n\n${child.transcript()}`);
  }
  return port;
}

/**
 * Starts the target's server and waits until it is ready. With port mode
 * `free`, a port taken between choosing and binding is retried: that race is
 * the harness's problem, never the program's. A fixed port still in TIME_WAIT
 * from the previous run is waited out (a server without SO_REUSEADDR cannot
 * bind it for 60 s); one used by another program is reported.
 */
export async function startServer(scene: Scene, target: Target, options: StartServerOptions = {}): Promise<RunningServer> {
  const label = options.label ?? 'server';
  const mode = target.server.port;
  let waitedForTimeWait = false;
  for (let attempt = 1; attempt <= PORT_TRIES; attempt += 1) {
    const port = mode === 'zero' ? 0 : mode === 'free' ? await getPort({ host: target.host }) : mode;
    const child = launch(scene, {
      label,
      argv: expandArgv(target.server.argv, { host: target.host, port: String(port) }),
      cwd: target.cwd,
      env: programEnv(target, target.server.argv),
      ...(options.outputLimit === undefined ? {} : { outputLimit: options.outputLimit }),
    });
    typeIn(child, target.server.stdin, { host: target.host, port: String(port) });
    try {
      return { child, host: target.host, port: await waitUntilReady(child, target.server, port, label) };
    } catch (error) {
      const inUse = child.exit !== undefined && ADDRESS_IN_USE.test(child.output('stderr') + child.output('stdout'));
      if (!inUse) throw error;
      if (typeof mode === 'number') {
        if (waitedForTimeWait || (await waitForListener(mode, 0))) {
          throw new HarnessError(`port ${mode} is in use by another program, so ${target.name} cannot start; free it and run again`);
        }
        options.onWait?.(`port ${mode} is held in TIME_WAIT by the previous run (the server does not set SO_REUSEADDR); waiting up to 60 s`);
        waitedForTimeWait = true;
        if (!(await waitForPortFree(mode, TIME_WAIT_MS))) {
          throw new HarnessError(`port ${mode} stayed busy for ${TIME_WAIT_MS / 1000} s, so ${target.name} cannot start; free it and run again`);
        }
      }
    }
  }
  throw new HarnessError(`no free port after ${PORT_TRIES} tries; the machine is short of ports`);
}

/** Types `lines` (placeholders expanded) on a program's standard input. */
function typeIn(child: Child, lines: readonly string[] | undefined, values: Readonly<Record<string, string>>): void {
  for (const line of expandArgv(lines ?? [], values)) child.write(`${line}\n`);
}

/** Starts one of the target's clients against `host:port`, typing its `stdin` lines. */
export function startClient(
  scene: Scene,
  target: Target,
  server: { readonly host: string; readonly port: number },
  who: { readonly id: ClientId; readonly name: string; readonly label?: string },
): Child {
  const program = target.clients[who.id];
  const values = { host: server.host, port: String(server.port), id: who.id, name: who.name };
  const child = launch(scene, {
    label: who.label ?? `client ${who.id}`,
    argv: expandArgv(program.argv, values),
    cwd: target.cwd,
    env: programEnv(target, program.argv),
  });
  typeIn(child, program.stdin, values);
  return child;
}
