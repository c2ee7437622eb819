/**
 * Target descriptions: how to start an implementation's server and clients,
 * as data (JSON), so the specs and the grader can launch the reference or any
 * submission without editing it. The format is documented in
 * docs/GRADING.md. Loading checks everything that can be checked before a
 * program runs (unknown keys, placeholders a field cannot have, wrong types)
 * and names any mistake in one line; {@link checkPrograms} then checks that
 * the commands and program files exist.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { findCommand, resolveShim, tryCommand } from '../harness/commands.js';
import { REPO_ROOT } from '../harness/repo-root.js';
import type { ClientId } from '../impl/protocol.js';
import type { LineEnd } from './dialect.js';

export type { ClientId };

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
  /** The word that ends this submission's chat, when it is not the assignment's `Bye`. */
  readonly bye?: string;
  /** Lines a chat client sends as soon as it connects (placeholders `{id}`, `{name}`): a name handshake. */
  readonly join?: readonly string[];
  /** Text the chat server sends each client when the chat opens; the grader's clients wait for it before chatting. */
  readonly opens?: string;
}

/** The names each client sends, by id. */
export type Names = Readonly<Record<ClientId, string>>;

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
  /** Names the clients always send, when a submission hard-codes them; the grader's clients send them too. */
  readonly names?: Names;
  /** What the submission's clients put after a greeting or chat line on the wire (learned when absent). */
  readonly lineEnd?: LineEnd;
  /** What the server sends on every connection before anything else. */
  readonly banner?: string;
  /**
   * Whether the programs run in a pseudo-terminal (util-linux `script`), as a
   * student runs them; the grader sets true unless the description says false.
   */
  readonly terminal?: boolean;
  /** Present when the target implements the chat. */
  readonly chat?: ChatPrograms;
  /**
   * Whose submission this is, for the reports: the student folder a class
   * template was applied to (grader/class.ts); otherwise derived from `file`.
   */
  readonly student?: string;
}

/**
 * A wrong target description: found before anything runs, reported in one
 * line naming the field and the fix, exit 2 (docs/GRADING.md).
 *
 * @example
 * throw new DescriptionError('target.json: server.prot is not a field; see docs/GRADING.md');
 */
export class DescriptionError extends Error {
  override readonly name = 'DescriptionError';
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isStrings = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

/** What a server's argv and stdin may name: it is told where to listen. */
const SERVER_PLACEHOLDERS = ['host', 'port'] as const;
/** What a client's argv and stdin may name: where to connect, and who it is. */
const CLIENT_PLACEHOLDERS = ['host', 'port', 'id', 'name'] as const;
/** The fields of a target, as docs/GRADING.md lists them. */
const TARGET_KEYS = ['name', 'description', 'cwd', 'host', 'env', 'parts', 'names', 'lineEnd', 'banner', 'terminal', 'server', 'client', 'clients', 'chat'] as const;
/** The fields of its chat section. */
const CHAT_KEYS = ['server', 'client', 'clients', 'greets', 'bye', 'join', 'opens'] as const;

/** Reads and checks a description; every mistake is a one-line DescriptionError naming the field. */
class DescriptionReader {
  constructor(readonly file: string) {}

  fail(field: string, problem: string): never {
    throw new DescriptionError(`${this.file}: ${field} ${problem}; see docs/GRADING.md`);
  }

  /** Refuses a key the format does not define: a typo must not be ignored and then cost points. */
  keys(raw: Json, field: string, allowed: readonly string[]): void {
    const unknown = Object.keys(raw).find((key) => !allowed.includes(key));
    if (unknown === undefined) return;
    const where = field ? `${field}.${unknown}` : unknown;
    this.fail(where, `is not a field of ${field || 'a target'} (the fields are ${allowed.join(', ')})`);
  }

  /** Refuses a `{placeholder}` that the field's program is never given. */
  placeholders(texts: readonly string[], field: string, allowed: readonly string[]): void {
    for (const text of texts) {
      for (const [whole, key] of text.matchAll(/\{(\w+)\}/g)) {
        if (!allowed.includes(key!)) {
          this.fail(field, `has the placeholder ${whole}, which is not one of ${allowed.map((name) => `{${name}}`).join(' ')}`);
        }
      }
    }
  }

  program(raw: unknown, field: string, placeholders: readonly string[], extraKeys: readonly string[] = []): ProgramDescription {
    if (!isObject(raw)) this.fail(field, 'must be an object with "argv"');
    this.keys(raw, field, ['argv', 'stdin', ...extraKeys]);
    if (!isStrings(raw.argv) || raw.argv.length === 0) this.fail(`${field}.argv`, 'must be a non-empty array of strings');
    if (raw.stdin !== undefined && !isStrings(raw.stdin)) this.fail(`${field}.stdin`, 'must be an array of strings');
    this.placeholders(raw.argv, `${field}.argv`, placeholders);
    this.placeholders((raw.stdin as string[] | undefined) ?? [], `${field}.stdin`, placeholders);
    return { argv: raw.argv, ...(raw.stdin ? { stdin: raw.stdin as string[] } : {}) };
  }

  server(raw: unknown, field: string, inherit?: ServerDescription): ServerDescription {
    if (!isObject(raw)) this.fail(field, 'must be an object with "argv"');
    const program = this.program(raw, field, SERVER_PLACEHOLDERS, ['port', 'ready']);
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
      const program = this.program(raw.client, `${field}client`, CLIENT_PLACEHOLDERS);
      return { X: program, Y: program };
    }
    if (raw.clients !== undefined) {
      if (!isObject(raw.clients)) this.fail(`${field}clients`, 'must be an object with "X" and "Y"');
      this.keys(raw.clients, `${field}clients`, ['X', 'Y']);
      return {
        X: this.program(raw.clients.X, `${field}clients.X`, CLIENT_PLACEHOLDERS),
        Y: this.program(raw.clients.Y, `${field}clients.Y`, CLIENT_PLACEHOLDERS),
      };
    }
    if (inherit) return inherit;
    return this.fail(field || 'the target', 'needs "client" (one program for both ids) or "clients" ({"X": ..., "Y": ...})');
  }
}

/**
 * Reads a target description; `cwd` in the file is relative to the file.
 * Throws a {@link DescriptionError} with a one-line message if it is wrong.
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
    throw new DescriptionError(`cannot read the target ${file}: ${(error as Error).message.split('\n')[0]}`);
  }
  return targetFromJson(raw, file);
}

/**
 * Checks a description already parsed (an inferred one, say) as
 * {@link loadTarget} checks a file; `file` is where it counts as written
 * (its folder is what `cwd` is relative to, and reports name it).
 *
 * @example
 * const target = targetFromJson(described.target, join(folder, 'target.json'));
 */
export function targetFromJson(raw: unknown, file: string): Target {
  const reader: DescriptionReader = new DescriptionReader(file);
  if (!isObject(raw)) reader.fail('the file', 'must hold a JSON object');
  reader.keys(raw, '', TARGET_KEYS);
  if (raw.lineEnd !== undefined && raw.lineEnd !== '\n' && raw.lineEnd !== '\r\n' && raw.lineEnd !== '' && raw.lineEnd !== 'length') {
    reader.fail('lineEnd', 'must be "\\n", "\\r\\n", "" (no line end: one send per message) or "length" (a 4-byte length first)');
  }
  if (raw.terminal !== undefined && typeof raw.terminal !== 'boolean') reader.fail('terminal', 'must be true or false');
  for (const key of ['name', 'description', 'cwd', 'host', 'banner'] as const) {
    if (raw[key] !== undefined && typeof raw[key] !== 'string') reader.fail(key, 'must be a string');
  }
  const server = reader.server(raw.server, 'server');
  const clients = reader.clients(raw, '');
  if (raw.env !== undefined && !(isObject(raw.env) && Object.values(raw.env).every((v) => typeof v === 'string'))) {
    reader.fail('env', 'must map names to strings');
  }
  let names: Names | undefined;
  if (raw.names !== undefined) {
    if (isObject(raw.names)) reader.keys(raw.names, 'names', ['X', 'Y']);
    if (!isObject(raw.names) || typeof raw.names.X !== 'string' || typeof raw.names.Y !== 'string' || !raw.names.X || !raw.names.Y) {
      reader.fail('names', 'must be {"X": "<name>", "Y": "<name>"}');
    }
    names = { X: raw.names.X as string, Y: raw.names.Y as string };
  }
  let chat: ChatPrograms | undefined;
  if (raw.chat !== undefined) {
    if (!isObject(raw.chat)) reader.fail('chat', 'must be an object');
    reader.keys(raw.chat, 'chat', CHAT_KEYS);
    const chatServer = raw.chat.server === undefined ? server : reader.server(raw.chat.server, 'chat.server', server);
    if (raw.chat.greets !== undefined && typeof raw.chat.greets !== 'boolean') reader.fail('chat.greets', 'must be true or false');
    const bye = raw.chat.bye;
    if (bye !== undefined && (typeof bye !== 'string' || bye.trim() === '' || /[\r\n]/.test(bye))) reader.fail('chat.bye', 'must be a word on one line, e.g. "quit"');
    const join = raw.chat.join;
    if (join !== undefined && !isStrings(join)) reader.fail('chat.join', 'must be an array of strings, e.g. ["{name}"]');
    if (join !== undefined) reader.placeholders(join, 'chat.join', ['id', 'name']);
    const opens = raw.chat.opens;
    if (opens !== undefined && (typeof opens !== 'string' || opens === '')) reader.fail('chat.opens', 'must be the text the chat server sends when the chat opens');
    chat = {
      server: chatServer,
      clients: reader.clients(raw.chat, 'chat.', clients),
      greets: raw.chat.greets !== false,
      ...(bye === undefined ? {} : { bye: bye as string }),
      ...(join === undefined ? {} : { join: join as string[] }),
      ...(opens === undefined ? {} : { opens: opens as string }),
    };
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
    ...(raw.lineEnd === undefined ? {} : { lineEnd: raw.lineEnd as LineEnd }),
    ...(typeof raw.banner === 'string' && raw.banner !== '' ? { banner: raw.banner } : {}),
    ...(raw.terminal === false ? { terminal: false } : {}),
    ...(chat ? { chat } : {}),
  };
}

/** The target with its chat programs in place of the part-1 ones. */
export function chatTarget(target: Target): Target {
  if (!target.chat) throw new DescriptionError(`${target.name} describes no chat programs ("chat" in its JSON)`);
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
      if (value === undefined) throw new DescriptionError(`unknown placeholder ${whole} in ${JSON.stringify(arg)}; see docs/GRADING.md`);
      return value;
    }),
  );
}


/** Whether a command runs a Python interpreter (whose piped output is block-buffered by default). */
export function isPython(command: string): boolean {
  return /(^|\/)python[\d.]*$/.test(command);
}

/** An argument that names a program file: a source or archive the interpreter must find. */
const PROGRAM_FILE = /\.(py|pyw|js|mjs|cjs|rb|pl|sh|jar|php|lua)$/;

/**
 * Whether an argv argument (after the command) names a program file that must
 * exist relative to `cwd`: not an option, not a placeholder, and ending in a
 * source or archive extension.
 *
 * @example
 * namesProgramFile('Server.py'); // true
 * namesProgramFile('{port}'); // false
 */
export function namesProgramFile(arg: string): boolean {
  return !arg.startsWith('-') && !arg.includes('{') && PROGRAM_FILE.test(arg);
}

/** Every program a grade of `target` would start, with the field that names it. */
function programsOf(target: Target): Array<{ field: string; program: ProgramDescription }> {
  const programs = [
    { field: 'server', program: target.server as ProgramDescription },
    { field: target.clients.X === target.clients.Y ? 'client' : 'clients.X', program: target.clients.X },
    { field: 'clients.Y', program: target.clients.Y },
  ];
  if (target.chat && target.parts.chat) {
    programs.push(
      { field: 'chat.server', program: target.chat.server },
      { field: 'chat.clients.X', program: target.chat.clients.X },
      { field: 'chat.clients.Y', program: target.chat.clients.Y },
    );
  }
  if (!target.parts.ack) programs.splice(0, 3);
  return programs.filter(({ program }, index) => programs.findIndex((other) => other.program === program) === index);
}

/**
 * Checks, before anything runs, that each program `target` names can start
 * here: its folder exists, its command is installed (a Python interpreter is
 * asked its version, since a pyenv shim exists even where its version does
 * not), and the program files its argv names exist relative to `cwd`
 * (unless `files` is false: a class template's files are checked per
 * student, in grader/class.ts).
 * Throws a one-line {@link DescriptionError} naming the field and the fix.
 *
 * @example
 * checkPrograms(loadTarget('fixtures/python/target.json')); // throws if python3 is missing
 */
export function checkPrograms(target: Target, { files = true }: { readonly files?: boolean } = {}): void {
  const fail: (field: string, problem: string) => never = (field, problem) => {
    throw new DescriptionError(`${target.file}: ${field} ${problem}`);
  };
  if (!existsSync(target.cwd) || !statSync(target.cwd).isDirectory()) {
    fail('cwd', `names ${target.cwd}, which is not a folder; fix "cwd" (it is relative to the description's folder)`);
  }
  const asked = new Set<string>();
  for (const { field, program } of programsOf(target)) {
    const [command = '', ...args] = program.argv;
    if (command !== 'node') {
      const found = findCommand(command, target.cwd);
      if (!found) fail(`${field}.argv`, `names ${command}, which is not installed here; install it or change ${field}.argv`);
      if (isPython(command) && !asked.has(found)) {
        asked.add(found);
        // Asked of the interpreter the programs will run (a shim resolved as for them, in their folder).
        const resolved = resolveShim(command, target.cwd, target.env);
        const check = tryCommand([resolved === command ? found : resolved, '--version'], target.env);
        if (!check.ok) fail(`${field}.argv`, `names ${command}, which cannot run here (${check.said}); install it or change ${field}.argv`);
      }
    }
    for (const arg of files ? args : []) {
      if (!namesProgramFile(arg)) continue;
      if (!existsSync(resolve(target.cwd, arg))) {
        fail(`${field}.argv`, `names ${arg}, which does not exist in ${target.cwd}; fix the file name or "cwd"`);
      }
    }
  }
}
