/**
 * Describing a Python submission automatically (issue 15): from the `.py`
 * files of a folder, infer the target description a grader would otherwise
 * write by hand (docs/GRADING.md "Target descriptions"): which file is the
 * server and which the clients, Python 2 or 3, the port, what each program is
 * told on argv and at its prompts, hard-coded names, the ready line, the
 * framing, a banner, and the chat when it is clear. Every fact carries where
 * it was seen; when something that changes the grade cannot be told, the
 * answer is a one-line problem instead of a guess.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readFacts, type FileFacts, type PortSource, type Role } from './describe-python.js';

/** A target description as JSON (the shape `loadTarget` reads). */
export type TargetJson = Record<string, unknown>;

/** An inferred description with what was seen, or one line saying what is unclear. */
export type Described = { readonly target: TargetJson; readonly notes: readonly string[] } | { readonly problem: string };

/** A program as JSON: argv and the lines typed at its prompts. */
interface ProgramJson {
  argv: string[];
  stdin?: string[];
}

class Unclear extends Error {}

const unclear = (message: string): never => {
  throw new Unclear(message);
};

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Describes the submission in `folder` from its `.py` files.
 *
 * @example
 * const described = describeSubmission('fixtures/submissions/py2-hardcoded');
 * if ('target' in described) console.log(JSON.stringify(described.target));
 * else console.error(described.problem);
 */
export function describeSubmission(folder: string): Described {
  const files = readdirSync(folder)
    .filter((file) => file.endsWith('.py') && statSync(join(folder, file)).isFile())
    .sort();
  if (files.length === 0) return { problem: `${folder}: no .py files to describe` };
  const sources = Object.fromEntries(files.map((file) => [file, readFileSync(join(folder, file), 'utf8')]));
  return describeSources(sources, basename(folder));
}

/**
 * Describes a submission given as its sources by file name (pure: no file is
 * read), so the rules can be tested on small texts.
 *
 * @example
 * describeSources({ 'Server.py': "...", 'ClientX.py': "...", 'ClientY.py': "..." }, 'alice');
 */
export function describeSources(sources: Readonly<Record<string, string>>, label: string): Described {
  try {
    return infer(Object.entries(sources).map(([file, text]) => readFacts(file, text)), label);
  } catch (error) {
    if (error instanceof Unclear) return { problem: `${label}: ${error.message}` };
    throw error;
  }
}

/** Python 2 or 3 for the whole submission, from the evidence of every file. */
function interpreter(facts: readonly FileFacts[], notes: string[]): { command: string; env?: Record<string, string> } {
  const syntax2 = facts.flatMap((f) => f.py2.filter((e) => !e.includes('sends a str')));
  const str2 = facts.flatMap((f) => f.py2.filter((e) => e.includes('sends a str')));
  const only3 = facts.flatMap((f) => f.py3.filter((e) => !e.includes('input()')));
  const py3 = facts.flatMap((f) => f.py3);
  if (syntax2.length > 0 && only3.length > 0) unclear(`mixes Python 2 (${syntax2[0]}) and Python 3 (${only3[0]}); which interpreter runs it?`);
  if (syntax2.length > 0 || (str2.length > 0 && py3.length === 0)) {
    notes.push(`Python 2: ${[...syntax2, ...str2].slice(0, 2).join(', ')}`);
    return { command: 'python2', env: { PYENV_VERSION: '2.7.18' } };
  }
  notes.push(py3.length > 0 ? `Python 3: ${py3[0]}` : 'Python 3 (no Python 2 syntax seen)');
  return { command: 'python3' };
}

function describePort(port: PortSource | undefined): string {
  if (!port) return 'a port that cannot be told';
  if (port.kind === 'number') return `port ${port.value} (line ${port.line})`;
  if (port.kind === 'argv') return `the port from sys.argv[${port.index}] (line ${port.line})`;
  return 'the port from --port';
}

/** The role a variable plays, from how the greeting uses it, then from its name. */
function roleOf(variable: string, client: FileFacts): Role | undefined {
  const greeting = client.greeting;
  if (greeting) {
    const vars = greeting.variables;
    const at = vars.indexOf(variable);
    if (at !== -1) {
      if (greeting.fixedId) return 'name';
      return at === 0 ? 'id' : 'name';
    }
    // used only as the key of the name table: it is the id
    if (greeting.nameTable && client.lines.some((l) => l.n === greeting.line && l.text.includes(`[${variable}]`))) return 'id';
  }
  if (client.connectPort?.kind === 'argv' && client.argv.get(client.connectPort.index)?.variables.includes(variable)) return 'port';
  if (/port/i.test(variable)) return 'port';
  if (/name/i.test(variable)) return 'name';
  if (/^(id|ident|cid|me|who|which|client_?id|my_?id|letter)$/i.test(variable)) return 'id';
  return undefined;
}

/** argv and stdin of a client (or chat client) program. */
function clientProgram(command: string, client: FileFacts, notes: string[]): ProgramJson {
  const argv = [command, client.file];
  const indices = [...client.argv.keys()].sort();
  const max = indices.length > 0 ? Math.max(...indices) : 0;
  for (let index = 1; index <= max; index += 1) {
    const entry = client.argv.get(index);
    if (!entry) unclear(`${client.file}: uses sys.argv[${max}] but not sys.argv[${index}]; what goes there?`);
    const roles = new Set(entry!.variables.map((v) => roleOf(v, client)).filter((r) => r !== undefined));
    if (client.connectPort?.kind === 'argv' && client.connectPort.index === index) roles.add('port');
    if (entry!.comparedToIds) roles.add('id');
    if (roles.size !== 1) unclear(`${client.file}:${entry!.line}: cannot tell whether sys.argv[${index}] is the id, the name or the port`);
    const [role] = [...roles];
    argv.push(`{${role}}`);
    notes.push(`${client.file}:${entry!.line} takes the ${role} from sys.argv[${index}]`);
  }
  const flags = new Map(client.flags.map((f) => [f.flag, f]));
  const prompts = client.prompts.map((p) => ({ prompt: p, role: roleOf(p.variable, client) })).filter((p) => p.role === 'id' || p.role === 'name');
  for (const [flag, role] of [['--host', 'host'], ['--port', 'port'], ['--id', 'id'], ['--name', 'name']] as const) {
    const found = flags.get(flag);
    if (!found) continue;
    if (role === 'name' && !found.required && prompts.some((p) => p.role === 'name')) continue; // asked at the prompt instead
    argv.push(flag, `{${role}}`);
    notes.push(`${client.file}:${found.line} takes the ${role} from ${flag}`);
  }
  const stdin = prompts.map(({ prompt, role }) => {
    notes.push(`${client.file}:${prompt.line} asks ${JSON.stringify(prompt.text)}, typed: {${role}}`);
    return `{${role}}`;
  });
  return { argv, ...(stdin.length > 0 ? { stdin } : {}) };
}

/** Whether a client program is told its id one way or another. */
function toldItsId(program: ProgramJson): boolean {
  return [...program.argv, ...(program.stdin ?? [])].includes('{id}');
}

/** The X or Y a client file is for, from its greeting literal or its file name. */
function fixedIdOf(client: FileFacts): 'X' | 'Y' | undefined {
  if (client.greeting?.fixedId) return client.greeting.fixedId;
  const stem = client.file.replace(/\.py$/, '');
  const m = /(?:^|[_\-\s]|client|Client)([xyXY])$/.exec(stem);
  return m ? (m[1]!.toUpperCase() as 'X' | 'Y') : undefined;
}

/** The server program and its port and ready line. */
function serverProgram(command: string, server: FileFacts, notes: string[], what: string): TargetJson {
  const port = server.bindPort;
  if (!port) unclear(`${server.file}:${server.bind}: binds, but where its port comes from cannot be told`);
  notes.push(`${server.file}:${server.bind} binds ${describePort(port)}${what}`);
  const argv = [command, server.file];
  if (port!.kind === 'argv') {
    for (let index = 1; index < port!.index; index += 1) unclear(`${server.file}: takes the port from sys.argv[${port!.index}]; what is sys.argv[${index}]?`);
    argv.push('{port}');
  }
  if (port!.kind === 'flag') {
    if (server.flags.some((f) => f.flag === '--host')) argv.push('--host', '{host}');
    argv.push('--port', '{port}');
  }
  if (server.ready) notes.push(`${server.file}:${server.ready.line} prints ${JSON.stringify(server.ready.text)} once it listens`);
  else notes.push(`${server.file}: prints nothing before it waits; readiness is seen on the port`);
  return {
    argv,
    port: port!.kind === 'number' ? port!.value : 'free',
    ...(server.ready ? { ready: escapeRegExp(server.ready.text) } : {}),
  };
}

/** The part-1 clients: two files X and Y, or one file told its id. */
function ackClients(command: string, clients: readonly FileFacts[], notes: string[]): { programs: TargetJson; names?: { X: string; Y: string }; lineEnd?: string } {
  if (clients.length === 0) unclear('no client found (no file connects and sends "Client X: ...")');
  let programs: TargetJson;
  let names: { X: string; Y: string } | undefined;
  let sender: FileFacts;
  if (clients.length === 1) {
    const client = clients[0]!;
    sender = client;
    if (client.greeting?.fixedId) unclear(`${client.file}:${client.greeting.line}: always sends Client ${client.greeting.fixedId}; where is the other client?`);
    const program = clientProgram(command, client, notes);
    if (!toldItsId(program)) unclear(`${client.file}: cannot tell how the client is told whether it is X or Y`);
    programs = { client: program };
    const table = client.greeting?.nameTable ? client.nameTables.get(client.greeting.nameTable) : undefined;
    if (table) {
      names = { X: table.X, Y: table.Y };
      notes.push(`${client.file}:${table.line} hard-codes the names X: ${table.X}, Y: ${table.Y}`);
    }
    notes.push(`${client.file}:${client.connect} connects; one client program for X and Y`);
  } else {
    const byId = new Map<string, FileFacts>();
    for (const client of clients) {
      const id = fixedIdOf(client);
      if (!id) unclear(`${client.file}: one of ${clients.length} clients, and whether it is X or Y cannot be told`);
      if (byId.has(id!)) unclear(`${byId.get(id!)!.file} and ${client.file} both look like client ${id}`);
      byId.set(id!, client);
    }
    if (byId.size !== 2) unclear(`${clients.map((c) => c.file).join(', ')}: expected one client X and one client Y`);
    const x = byId.get('X')!;
    const y = byId.get('Y')!;
    sender = x;
    programs = { clients: { X: clientProgram(command, x, notes), Y: clientProgram(command, y, notes) } };
    notes.push(`${x.file}:${x.connect} is client X, ${y.file}:${y.connect} is client Y`);
    if (x.greeting?.fixedName && y.greeting?.fixedName) {
      names = { X: x.greeting.fixedName, Y: y.greeting.fixedName };
      notes.push(`${x.file}:${x.greeting.line} and ${y.file}:${y.greeting.line} hard-code the names ${names.X} and ${names.Y}`);
    }
  }
  const lineEnd = sender.firstSend?.lineEnd;
  if (sender.firstSend) notes.push(`${sender.file}:${sender.firstSend.line} sends the greeting ${lineEnd === 'length' ? 'after its length' : lineEnd ? `ending ${JSON.stringify(lineEnd)}` : 'with no line end'}`);
  return { programs, ...(names ? { names } : {}), ...(lineEnd === undefined ? {} : { lineEnd }) };
}

/** The chat word, when it is not the assignment's Bye. */
function byeOf(server: FileFacts): Record<string, string> {
  const word = server.byeWord?.word;
  return word && word.toLowerCase() !== 'bye' ? { bye: word } : {};
}

/** A chat client program and, when it sends a prompted name first, the join handshake. */
function chatClient(command: string, client: FileFacts, notes: string[]): { program: TargetJson; join?: string[] } {
  const program = clientProgram(command, client, notes);
  const nameVar = client.prompts.find((p) => roleOf(p.variable, client) === 'name')?.variable;
  const join = nameVar !== undefined && client.firstSendArgs !== undefined && new RegExp(`\\b${nameVar}\\b`).test(client.firstSendArgs);
  if (join) notes.push(`${client.file}:${client.firstSend!.line} sends the name first (a join handshake)`);
  return { program: program as unknown as TargetJson, ...(join ? { join: ['{name}'] } : {}) };
}

function infer(facts: readonly FileFacts[], label: string): Described {
  const notes: string[] = [];
  const servers = facts.filter((f) => f.bind !== undefined && (f.listen !== undefined || f.accept !== undefined));
  const connecting = facts.filter((f) => f.connect !== undefined && f.bind === undefined);
  if (servers.length === 0) unclear('no server found (no .py file binds and listens)');
  const chatOnly = servers.filter((s) => s.acknowledges === undefined && s.byeWord !== undefined);
  const ackServers = servers.filter((s) => !chatOnly.includes(s));
  if (ackServers.length > 1) unclear(`two candidate servers: ${ackServers.map((s) => `${s.file}:${s.bind}`).join(' and ')} both bind and listen; which is the server?`);
  const { command, env } = interpreter(facts, notes);
  const ackClientFiles = connecting.filter((c) => c.greeting !== undefined);
  const chatClientFiles = connecting.filter((c) => c.greeting === undefined);
  const target: TargetJson = { name: `${label} (described automatically)`, cwd: '.', ...(env ? { env } : {}) };

  if (ackServers.length === 0) {
    // Chat only: the chat programs are the target's programs.
    if (chatOnly.length > 1) unclear(`two candidate chat servers: ${chatOnly.map((s) => s.file).join(' and ')}`);
    const server = chatOnly[0]!;
    if (chatClientFiles.length !== 1) unclear(`${server.file} is a chat server, but there is not exactly one chat client (${chatClientFiles.map((c) => c.file).join(', ') || 'none'})`);
    const client = chatClient(command, chatClientFiles[0]!, notes);
    const opens = server.literalSends[0];
    if (opens) notes.push(`${server.file}:${opens.line} opens the chat with ${JSON.stringify(opens.text.trim())}`);
    notes.push(`${server.file}:${server.byeWord!.line} ends the chat on ${JSON.stringify(server.byeWord!.word)}; no acknowledgment part (no "received before")`);
    const described = {
      ...target,
      parts: ['chat'],
      server: serverProgram(command, server, notes, ' (chat server)'),
      client: client.program,
      chat: { greets: false, ...byeOf(server), ...(client.join ? { join: client.join } : {}), ...(opens ? { opens: opens.text.trim() } : {}) },
    };
    return finish(described, notes, 'medium: a chat-only submission; check chat.join and chat.opens');
  }

  const server = ackServers[0]!;
  if (server.acknowledges === undefined) notes.push(`${server.file}: no "received before" literal seen; taken as the server anyway`);
  const serverJson = serverProgram(command, server, notes, server.acknowledges ? `, writes the acknowledgment at line ${server.acknowledges}` : '');
  const clients = ackClients(command, ackClientFiles, notes);
  if (server.banner) notes.push(`${server.file}:${server.banner.line} sends ${JSON.stringify(server.banner.text)} right after accept (a banner)`);
  const described: TargetJson = {
    ...target,
    parts: ['ack'],
    ...(clients.names ? { names: clients.names } : {}),
    ...(clients.lineEnd === undefined ? {} : { lineEnd: clients.lineEnd }),
    ...(server.banner ? { banner: server.banner.text } : {}),
    server: serverJson,
    ...clients.programs,
  };
  let sure = 'high';

  const chatFlag = server.flags.find((f) => f.flag === '--chat' && f.boolean);
  if (chatFlag || server.byeWord) {
    // The chat follows the acknowledgment in the same programs.
    const withFlag = (program: ProgramJson): ProgramJson => ({ ...program, argv: [...program.argv.slice(0, 2), '--chat', ...program.argv.slice(2)] });
    const programs = clients.programs as { client?: ProgramJson; clients?: { X: ProgramJson; Y: ProgramJson } };
    notes.push(chatFlag ? `${server.file}:${chatFlag.line} has --chat: the chat is the same programs with --chat` : `${server.file}:${server.byeWord!.line} relays until ${JSON.stringify(server.byeWord!.word)} after the acknowledgment: the chat is in the same programs`);
    described.parts = ['ack', 'chat'];
    described.chat = {
      ...(chatFlag
        ? {
            server: { argv: withFlag(serverJson as unknown as ProgramJson).argv },
            ...(programs.client ? { client: withFlag(programs.client) } : { clients: { X: withFlag(programs.clients!.X), Y: withFlag(programs.clients!.Y) } }),
          }
        : {}),
      greets: true,
      ...byeOf(server),
    };
  } else if (chatOnly.length === 1 && chatClientFiles.length === 1) {
    const chatServer = chatOnly[0]!;
    const client = chatClient(command, chatClientFiles[0]!, notes);
    const opens = chatServer.literalSends[0];
    notes.push(`${chatServer.file}:${chatServer.byeWord!.line} relays until ${JSON.stringify(chatServer.byeWord!.word)}; ${chatClientFiles[0]!.file} sends no greeting`);
    described.parts = ['ack', 'chat'];
    described.chat = {
      server: serverProgram(command, chatServer, notes, ' (chat server)'),
      client: client.program,
      greets: false,
      ...byeOf(chatServer),
      ...(client.join ? { join: client.join } : {}),
      ...(opens ? { opens: opens.text.trim() } : {}),
    };
    sure = 'medium: the chat is separate programs; check chat.greets and chat.bye';
  } else if (chatOnly.length > 0 || chatClientFiles.length > 0) {
    notes.push(`chat left out: ${[...chatOnly, ...chatClientFiles].map((f) => f.file).join(', ')} look like chat programs, but which server goes with which client is unclear`);
    sure = 'low for the chat (left out); high for part 1';
  }
  return finish(described, notes, sure);
}

function finish(target: TargetJson, notes: string[], sure: string): Described {
  const description = `Inferred from the sources: ${notes.join('; ')}. How sure: ${sure}.`;
  const { name, ...rest } = target;
  return { target: { name, description, ...rest }, notes: [...notes, `how sure: ${sure}`] };
}
