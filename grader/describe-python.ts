/**
 * What one Python source file of a submission shows, read with text rules
 * (no Python parser: Python 2 print statements must read as well as
 * Python 3): whether it listens or connects, the port it uses, the prompts it
 * asks, what it takes from `sys.argv` or argparse, how its greeting is built,
 * what it prints before accepting, how its first send ends, and signs of
 * Python 2 or 3 and of a chat. grader/describe.ts turns the facts of a
 * submission's files into a target description.
 */

/** A line of code: comments removed, the contents of triple-quoted strings blanked. */
export interface CodeLine {
  /** 1-based line number in the file. */
  readonly n: number;
  readonly text: string;
  readonly indent: number;
}

/** Where a program gets its port. */
export type PortSource =
  | { readonly kind: 'number'; readonly value: number; readonly line: number }
  | { readonly kind: 'argv'; readonly index: number; readonly line: number }
  | { readonly kind: 'flag'; readonly line: number };

/** A value a program is told: its id, its name or the port. */
export type Role = 'id' | 'name' | 'port';

/** A call of input() or raw_input() that assigns a variable. */
export interface Prompt {
  readonly line: number;
  readonly variable: string;
  readonly text: string;
}

/** An argparse option. */
export interface Flag {
  readonly flag: string;
  readonly line: number;
  readonly required: boolean;
  readonly boolean: boolean;
}

/** How the client's greeting `Client X: <name>` is built. */
export interface Greeting {
  readonly line: number;
  /** The id written into the literal (`'Client X: ' + name`), if any. */
  readonly fixedId?: 'X' | 'Y';
  /** The whole name written into the literal (`'Client X: Alex'`), if any. */
  readonly fixedName?: string;
  /** The variables that fill the id and the name, in order (`args.id` stays dotted). */
  readonly variables: readonly string[];
  /** The dictionary the name is looked up in (`NAMES[my_id]`), if any. */
  readonly nameTable?: string;
}

/** Everything describe.ts needs to know about one file. */
export interface FileFacts {
  readonly file: string;
  readonly lines: readonly CodeLine[];
  readonly bind?: number;
  readonly listen?: number;
  readonly accept?: number;
  readonly connect?: number;
  readonly bindPort?: PortSource;
  readonly connectPort?: PortSource;
  /** Evidence of Python 2 and of Python 3, each `file:line what`. */
  readonly py2: readonly string[];
  readonly py3: readonly string[];
  /** `sys.argv[i]` by index: the variables it is stored in (or '' when used directly), and where. */
  readonly argv: ReadonlyMap<number, { readonly variables: readonly string[]; readonly line: number; readonly comparedToIds: boolean }>;
  readonly prompts: readonly Prompt[];
  readonly flags: readonly Flag[];
  readonly greeting?: Greeting;
  /** `{'X': 'Alice', 'Y': 'Bob'}` literals by the variable they are assigned to. */
  readonly nameTables: ReadonlyMap<string, { readonly X: string; readonly Y: string; readonly line: number }>;
  /** The first text printed to stdout after listen(), before the program waits. */
  readonly ready?: { readonly text: string; readonly line: number };
  /** What the first send of the file puts after its message. */
  readonly firstSend?: { readonly lineEnd: '\n' | '\r\n' | '' | 'length'; readonly line: number };
  /** A text literal sent on a connection right after accept(). */
  readonly banner?: { readonly text: string; readonly line: number };
  /** True when the file writes the acknowledgment (`received before`). */
  readonly acknowledges?: number;
  /** The word a received line is compared with to end a chat (`== 'Bye'`). */
  readonly byeWord?: { readonly word: string; readonly line: number };
  /** A text literal sent whole, not right after accept (a chat opening such as `Chat started`). */
  readonly literalSends: ReadonlyArray<{ readonly text: string; readonly line: number }>;
  /** The arguments of the first send, as written. */
  readonly firstSendArgs?: string;
}

/**
 * Splits Python source into code lines without comments; the contents of
 * triple-quoted strings (docstrings) are blanked so that an example greeting
 * in a docstring is not read as code.
 *
 * @example
 * codeLines("x = 1  # one\n")[0].text; // 'x = 1'
 */
export function codeLines(source: string): CodeLine[] {
  let out = '';
  let quote = '';
  for (let i = 0; i < source.length; i += 1) {
    const c = source[i]!;
    if (quote) {
      if (c === '\\' && quote.length === 1) {
        out += source.slice(i, i + 2);
        i += 1;
      } else if (source.startsWith(quote, i)) {
        out += quote;
        i += quote.length - 1;
        quote = '';
      } else if (c === '\n' && quote.length === 1) {
        out += c;
        quote = ''; // an unterminated string ends with its line
      } else {
        out += quote.length === 3 && c !== '\n' ? ' ' : c;
      }
    } else if (c === '#') {
      while (i + 1 < source.length && source[i + 1] !== '\n') i += 1;
    } else if (c === '"' || c === "'") {
      quote = source.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
      out += quote;
      i += quote.length - 1;
    } else {
      out += c;
    }
  }
  return out.split('\n').map((text, index) => ({ n: index + 1, text: text.trimEnd(), indent: /^\s*/.exec(text)![0].length }));
}

/** The string literals of a line, unescaped enough for matching (`\n` stays as a newline). */
export function literals(text: string): string[] {
  return [...text.matchAll(/(?:(?<!\w)[rubfRUBF]{1,2})?(["'])((?:\\.|(?!\1).)*)\1/g)].map((m) => unescape(m[2]!));
}

function unescape(text: string): string {
  return text.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t' })[c] ?? c);
}

const NUMBER_ASSIGN = (name: string): RegExp => new RegExp(`^\\s*${name}\\s*=\\s*(\\d{2,5})\\s*$`);
const ARGV = /sys\.argv\[(\d)\]/;

/** Where the port in an address tuple (`('', serverPort)`) comes from. */
function portOf(expression: string, lines: readonly CodeLine[], at: number): PortSource | undefined {
  const number = /^\s*(\d{2,5})\s*$/.exec(expression);
  if (number) return { kind: 'number', value: Number(number[1]), line: at };
  if (/\bargs\.port\b/.test(expression)) return { kind: 'flag', line: at };
  const argv = ARGV.exec(expression);
  if (argv) return { kind: 'argv', index: Number(argv[1]), line: at };
  const name = /^\s*(\w+)\s*$/.exec(expression)?.[1];
  if (!name) return undefined;
  // The last assignment of the variable above its use (or anywhere, for a function's global).
  const assignments = lines.filter((line) => new RegExp(`^\\s*${name}\\s*=[^=]`).test(line.text));
  const before = assignments.filter((line) => line.n <= at);
  const assignment = before.at(-1) ?? assignments[0];
  // A function's parameter (`def open_listener(host, port)`) in a program with --port: the flag.
  if (!assignment) return lines.some((line) => /add_argument\(\s*["']--port["']/.test(line.text)) ? { kind: 'flag', line: at } : undefined;
  const constant = NUMBER_ASSIGN(name).exec(assignment.text);
  if (constant) return { kind: 'number', value: Number(constant[1]), line: assignment.n };
  const fromArgv = ARGV.exec(assignment.text);
  if (fromArgv) return { kind: 'argv', index: Number(fromArgv[1]), line: assignment.n };
  if (/\bargs\.port\b/.test(assignment.text)) return { kind: 'flag', line: assignment.n };
  return undefined;
}

/** The second element of the first tuple argument of `call(` on the line: the port of `bind((host, port))`. */
function addressPort(text: string, call: RegExp): string | undefined {
  const start = call.exec(text);
  if (!start) return undefined;
  const inner = /\(\s*\(([^()]*(?:\([^()]*\)[^()]*)*)\)/.exec(text.slice(start.index + start[0].length - 1))?.[1];
  if (inner === undefined) return undefined;
  const parts = splitTopLevel(inner);
  return parts[1];
}

/** Splits on commas outside brackets and strings. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = '';
  let current = '';
  for (const c of text) {
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if ('([{'.includes(c)) depth += 1;
    else if (')]}'.includes(c)) depth -= 1;
    else if (c === ',' && depth === 0) {
      parts.push(current);
      current = '';
      continue;
    }
    current += c;
  }
  parts.push(current);
  return parts;
}

const PRINT_TO_STDOUT = /^\s*print\b(?!.*file\s*=\s*sys\.stderr)/;
const SEND = /\.(send|sendall)\s*\(/;

/** Functions whose body prints to stdout (`say(text)`), so their calls print too. */
function printers(lines: readonly CodeLine[]): string[] {
  const names: string[] = [];
  lines.forEach((line, index) => {
    const def = /^def\s+(\w+)\s*\(/.exec(line.text);
    if (!def) return;
    const body = lines.slice(index + 1).filter((l) => l.text.trim() !== '');
    const end = body.findIndex((l) => l.indent === 0);
    if (body.slice(0, end === -1 ? undefined : end).some((l) => PRINT_TO_STDOUT.test(l.text))) names.push(def[1]!);
  });
  return names;
}

/** The `def` line whose body holds `line`, if any: the nearest less-indented line above, then its parents. */
function enclosingDef(lines: readonly CodeLine[], line: CodeLine): CodeLine | undefined {
  let level = line.indent;
  for (let index = line.n - 2; index >= 0 && level > 0; index -= 1) {
    const above = lines[index]!;
    if (above.text.trim() === '' || above.indent >= level) continue;
    if (/^\s*def\s+\w+/.test(above.text)) return above;
    level = above.indent;
  }
  return undefined;
}

/**
 * Where a line runs, roughly: the line itself, or, when it is in a function,
 * the line that calls that function (`listener = open_listener()`), so that
 * "printed after listen() and before accept()" holds for programs in functions.
 */
function calledAt(lines: readonly CodeLine[], listen: CodeLine): number {
  const def = enclosingDef(lines, listen);
  const name = def && /def\s+(\w+)/.exec(def.text)?.[1];
  if (!name) return listen.n;
  const call = lines.find((l) => l.n !== def.n && new RegExp(`\\b${name}\\s*\\(`).test(l.text) && !/^\s*def\s/.test(l.text));
  return call?.n ?? listen.n;
}

/** The text a ready line starts with: the first literal, up to its first format marker. */
function readyText(text: string): string | undefined {
  const first = literals(text)[0];
  if (first === undefined) return undefined;
  const head = first.split(/%|\{/)[0]!.trim();
  return head.length >= 3 ? head : undefined;
}

function python2Evidence(file: string, lines: readonly CodeLine[]): string[] {
  const found: string[] = [];
  for (const { n, text } of lines) {
    if (/^\s*print(\s+[^\s=(]|\s*$)/.test(text)) found.push(`${file}:${n} print statement`);
    if (/\braw_input\s*\(/.test(text)) found.push(`${file}:${n} raw_input()`);
    if (/^\s*except\s+[\w.]+\s*,\s*\w+\s*:/.test(text)) found.push(`${file}:${n} except E, e`);
  }
  // Sending a str is a TypeError in Python 3: a file that sends and never makes bytes is Python 2.
  const code = lines.map((line) => line.text).join('\n');
  const send = lines.find((line) => SEND.test(line.text));
  if (send && !/\.encode\s*\(|\bb["']|\bbytes\s*\(|struct\.pack|bytearray/.test(code)) {
    found.push(`${file}:${send.n} sends a str, never bytes`);
  }
  return found.slice(0, 3);
}

function python3Evidence(file: string, lines: readonly CodeLine[]): string[] {
  const found: string[] = [];
  for (const { n, text } of lines) {
    if (/\bprint\s*\(.*\b(flush|end|sep|file)\s*=/.test(text)) found.push(`${file}:${n} print(..., keyword=)`);
    if (/(^|[^\w.])f["']/.test(text)) found.push(`${file}:${n} f-string`);
    if (/(^|[^\w.])input\s*\(/.test(text)) found.push(`${file}:${n} input()`);
    if (/\bnonlocal\b|daemon\s*=\s*True/.test(text)) found.push(`${file}:${n} Python 3 only keyword`);
  }
  return found.slice(0, 3);
}

/** Splits `a + ': ' + b` or `(a, b)` or an f-string into the names it uses, in order. */
function namesUsed(expression: string): { variables: string[]; table?: string } {
  let table: string | undefined;
  const fString = /\bf(["'])(.*?)\1/.exec(expression);
  const code = fString
    ? [...fString[2]!.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!).join(' , ')
    : expression.replace(/(["'])(?:\\.|(?!\1).)*\1/g, ' ');
  const variables: string[] = [];
  for (const m of code.matchAll(/([A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)?)(\s*\[\s*[\w.]+\s*\])?/g)) {
    if (/^(encode|decode|strip|format|str|int|upper|lower|b|f|r|u)$/.test(m[1]!) || /\.(encode|decode|strip|format|upper|lower)$/.test(m[1]!)) continue;
    if (m[2]) {
      table = m[1]!;
      variables.push(`${m[1]}[]`);
    } else variables.push(m[1]!.replace(/\.(strip|upper|lower)$/, ''));
  }
  return { variables, ...(table ? { table } : {}) };
}

/** The greeting line of a client: the first literal starting `Client `. */
function greetingOf(lines: readonly CodeLine[]): Greeting | undefined {
  for (const { n, text } of lines) {
    const lits = literals(text);
    const lit = lits.find((l) => /^Client\b/.test(l));
    if (lit === undefined || /^\s*(print|if|elif|while|assert|raise)\b/.test(text)) continue;
    const fixed = /^Client ([XY]):\s*(.*)$/.exec(lit);
    const rhs = text.includes('=') && !/^\s*\w+\s*\(/.test(text) ? text.slice(text.indexOf('=') + 1) : text;
    const { variables, table } = namesUsed(rhs);
    const fixedName = fixed && fixed[2] && !/%|\{/.test(fixed[2]) ? fixed[2].trim() : undefined;
    return {
      line: n,
      ...(fixed ? { fixedId: fixed[1] as 'X' | 'Y' } : {}),
      ...(fixedName ? { fixedName } : {}),
      variables: variables.filter((v) => !/^(sock|s|c|socket|clientSocket)\b/.test(v) || v.includes('[')),
      ...(table ? { nameTable: table } : {}),
    };
  }
  return undefined;
}

/**
 * Reads the facts of one Python file.
 *
 * @example
 * const facts = readFacts('Server.py', "serverPort = 12000\nserverSocket.bind(('', serverPort))\n");
 * facts.bindPort; // { kind: 'number', value: 12000, line: 1 }
 */
export function readFacts(file: string, source: string): FileFacts {
  const lines = codeLines(source);
  const first = (pattern: RegExp): CodeLine | undefined => lines.find((line) => pattern.test(line.text));
  const bind = first(/\.bind\s*\(/);
  const listen = first(/\.listen\s*\(/);
  const accept = first(/\.accept\s*\(\s*\)/);
  const connect = first(/\.connect\s*\(|create_connection\s*\(/);
  const bindPortText = bind ? addressPort(bind.text, /\.bind\s*\(/) : undefined;
  const connectPortText = connect ? addressPort(connect.text, /(\.connect|create_connection)\s*\(/) : undefined;

  const argv = new Map<number, { variables: string[]; line: number; comparedToIds: boolean }>();
  for (const { n, text } of lines) {
    for (const m of text.matchAll(/sys\.argv\[(\d)\]/g)) {
      const index = Number(m[1]);
      const entry = argv.get(index) ?? { variables: [], line: n, comparedToIds: false };
      if (/not\s+in\s*\(\s*['"]X['"]\s*,\s*['"]Y['"]|==\s*['"][XY]['"]|not in\s+\w+/.test(text)) entry.comparedToIds = true;
      const tuple = /^\s*([\w\s,]+?)\s*=\s*(.+)$/.exec(text);
      if (tuple && !tuple[1]!.includes('=')) {
        const targets = tuple[1]!.split(',').map((t) => t.trim());
        const values = splitTopLevel(tuple[2]!);
        if (targets.length === values.length && targets.length > 1) {
          values.forEach((value, i) => {
            if (value.includes(m[0])) entry.variables.push(targets[i]!);
          });
        } else if (targets.length === 1) entry.variables.push(targets[0]!);
      }
      argv.set(index, entry);
    }
  }

  const prompts: Prompt[] = [];
  for (const { n, text } of lines) {
    const call = /\b(raw_)?input\s*\(\s*(?:(["'])((?:\\.|(?!\2).)*)\2)?/.exec(text);
    const assigned = /^\s*(\w+)\s*=/.exec(text)?.[1];
    if (call && assigned) prompts.push({ line: n, variable: assigned, text: unescape(call[3] ?? '') });
  }

  const flags: Flag[] = [];
  for (const { n, text } of lines) {
    const m = /add_argument\(\s*["'](--[\w-]+)["'](.*)$/.exec(text);
    if (m) flags.push({ flag: m[1]!, line: n, required: /required\s*=\s*True/.test(m[2]!), boolean: /store_true/.test(m[2]!) });
  }

  const nameTables = new Map<string, { X: string; Y: string; line: number }>();
  for (const { n, text } of lines) {
    const m = /^\s*(\w+)\s*=\s*\{\s*['"]X['"]\s*:\s*['"]([^'"]+)['"]\s*,\s*['"]Y['"]\s*:\s*['"]([^'"]+)['"]\s*\}/.exec(text);
    if (m) nameTables.set(m[1]!, { X: m[2]!, Y: m[3]!, line: n });
  }

  // The ready line: the first stdout print after listen() (a print in a def counts where it is called).
  let ready: FileFacts['ready'];
  if (listen) {
    const say = printers(lines);
    const call = new RegExp(`^\\s*(print\\b|(?:${say.join('|') || '$^'})\\s*\\()`);
    const from = calledAt(lines, listen);
    const until = accept ? calledAt(lines, accept) : Infinity;
    for (const line of lines.filter((l) => l.n > from && (l.n < until || until <= from))) {
      if (!call.test(line.text) || /file\s*=\s*sys\.stderr/.test(line.text)) continue;
      const text = readyText(line.text);
      if (text) ready = { text, line: line.n };
      break;
    }
  }

  let firstSend: FileFacts['firstSend'];
  let firstSendArgs: string | undefined;
  const send = first(SEND);
  if (send) {
    firstSendArgs = send.text.slice(send.text.search(SEND));
    // The literals of the send, and of the line that builds the greeting it sends, but not encode('utf-8').
    const args = send.text.slice(send.text.search(SEND)).replace(/\.(en|de)code\([^)]*\)/g, '');
    const greeting = greetingOf(lines);
    const built = lines.find((l) => l.n === greeting?.line);
    const variable = built && /^\s*(\w+)\s*=/.exec(built.text)?.[1];
    const sent = variable && new RegExp(`\\b${variable}\\b`).test(args) ? [...literals(built.text), ...literals(args)] : literals(args);
    const lits = sent.filter((l) => l !== '').at(-1) ?? '';
    const lineEnd = /struct\.pack/.test(send.text) ? 'length' : lits.endsWith('\r\n') ? '\r\n' : lits.endsWith('\n') ? '\n' : '';
    firstSend = { lineEnd, line: send.n };
  }

  let banner: FileFacts['banner'];
  const literalSends: Array<{ text: string; line: number }> = [];
  const acceptLines = lines.filter((l) => /\.accept\s*\(\s*\)/.test(l.text));
  for (const line of lines.filter((l) => SEND.test(l.text))) {
    const args = line.text.slice(line.text.search(SEND));
    const inner = /\(\s*(?:b?(["'])((?:\\.|(?!\1).)*)\1)\s*(?:\.encode\([^)]*\))?\s*\)\s*$/.exec(args);
    if (!inner) continue;
    const text = unescape(inner[2]!);
    const afterAccept = acceptLines.some((a) => line.n > a.n && line.n <= a.n + 2 && line.indent === a.indent);
    if (afterAccept && !banner) banner = { text, line: line.n };
    else if (!afterAccept) literalSends.push({ text, line: line.n });
  }

  const acknowledges = lines.find((l) => literals(l.text).some((lit) => lit.includes('received before')))?.n;
  let byeWord: FileFacts['byeWord'];
  for (const { n, text } of lines) {
    const m = /==\s*b?["'](bye|quit|exit|end|stop)["']/i.exec(text);
    if (m) {
      byeWord = { word: m[1]!, line: n };
      break;
    }
  }

  return {
    file,
    lines,
    ...(bind ? { bind: bind.n } : {}),
    ...(listen ? { listen: listen.n } : {}),
    ...(accept ? { accept: accept.n } : {}),
    ...(connect ? { connect: connect.n } : {}),
    ...(bind && bindPortText !== undefined ? optional('bindPort', portOf(bindPortText, lines, bind.n)) : {}),
    ...(connect && connectPortText !== undefined ? optional('connectPort', portOf(connectPortText, lines, connect.n)) : {}),
    py2: python2Evidence(file, lines),
    py3: python3Evidence(file, lines),
    argv,
    prompts,
    flags,
    ...optional('greeting', greetingOf(lines)),
    nameTables,
    ...optional('ready', ready),
    ...optional('firstSend', firstSend),
    ...optional('firstSendArgs', firstSendArgs),
    ...optional('banner', banner),
    ...optional('acknowledges', acknowledges),
    ...optional('byeWord', byeWord),
    literalSends,
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
