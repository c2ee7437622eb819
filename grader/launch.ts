/**
 * Starting a target's programs: its server on the port its description says
 * (free, zero or fixed), waited for until it is ready, and its clients
 * against a given address, with their stdin typed. A server that dies or
 * never listens is the submission's doing and fails the scenario with its
 * output as evidence; a port held by another program is the machine's
 * (a {@link HarnessError}).
 */
import getPort from 'get-port';
import { tryCommand } from '../harness/commands.js';
import { HarnessError } from '../harness/errors.js';
import { waitForListener, waitForPortFree } from '../harness/kernel.js';
import { launch, type Child } from '../harness/process.js';
import type { Scene } from '../harness/scene.js';
import { confinedUser } from './confine.js';
import { QUIET_BOUNDS } from './timing.js';
import { expandArgv, isPython, type ClientId, type ServerDescription, type Target } from './target.js';

/** The environment a program of `target` gets: PYTHONUNBUFFERED=1 for Python unless the target says otherwise. */
function programEnv(target: Target, argv: readonly string[]): Record<string, string> {
  const terminal: Record<string, string> = useTerminal(target) ? { SHELL: '/bin/sh' } : {};
  return isPython(argv[0] ?? '') ? { PYTHONUNBUFFERED: '1', ...terminal, ...target.env } : { ...terminal, ...target.env };
}

/**
 * Set by a grading worker's parent (grader/worker.ts) to `1` or `0`: whether
 * util-linux `script` is here. The worker sees the same files, so it takes
 * the answer instead of running `script --version` again: one process fewer
 * for every worker, and a class starts one for every target.
 */
export const SCRIPT_ENV = 'ACK_GRADER_SCRIPT';

let scriptWorks: boolean | undefined;

/**
 * Whether util-linux `script` is here to make the programs' terminal: as
 * {@link SCRIPT_ENV} says where it is set, else asked once per process.
 *
 * @example
 * const env = { [SCRIPT_ENV]: scriptAvailable() ? '1' : '0' }; // what a worker is told
 */
export function scriptAvailable(): boolean {
  const told = process.env[SCRIPT_ENV];
  if (told === '1' || told === '0') return told === '1';
  scriptWorks ??= tryCommand(['script', '--version']).said.includes('util-linux');
  return scriptWorks;
}

/**
 * Whether the target's programs run in a pseudo-terminal: when the target
 * asks for one (the grader does for every target whose description does not
 * say `"terminal": false`) and util-linux `script` is here. The specs drive
 * the reference through plain pipes.
 */
function useTerminal(target: Target): boolean {
  return target.terminal === true && scriptAvailable();
}

/** Quotes one argument for sh. */
const shellQuote = (arg: string): string => `'${arg.replaceAll("'", `'\\''`)}'`;

/**
 * The argv that runs `argv` in a pseudo-terminal, so a program prints as it
 * would for the student (a program that buffers its own output when it is not
 * on a terminal prints line by line here too). util-linux `script` makes the
 * terminal, with echo off (`-E never`), so typed lines stay out of the
 * verdicts; stdout goes through it, its CR LF line ends read as LF
 * (LaunchOptions.terminal), and stderr stays apart, on the pipe the harness
 * gives as fd 3. No shell or `stty` runs around it: each is a process
 * more for every program of every scenario. Inside the sandbox the wrapper
 * is confined with its program: it starts as the program's uid and inherits
 * the worker's limits (grader/confine.ts).
 */
function inTerminal(target: Target, argv: readonly string[]): string[] {
  if (!useTerminal(target)) return [...argv];
  const resolved = argv.map((arg, index) => (index === 0 && arg === 'node' ? process.execPath : arg));
  // script runs this with $SHELL -c. fd 3 is closed once copied to 2: a daemon the program leaves behind must
  // not hold our stderr pipe open.
  const inner = `exec ${resolved.map(shellQuote).join(' ')} 2>&3 3>&-`;
  return ['script', '-q', '-E', 'never', '-e', '-c', inner, '/dev/null'];
}

/** The launch option that starts a program as the sandbox's uid for it (grader/confine.ts), where there is one. */
function asConfinedUser(): { user?: { uid: number; gid: number } } {
  const user = confinedUser();
  return user === undefined ? {} : { user };
}

/** A started server and the port its clients should use. */
export interface RunningServer {
  readonly child: Child;
  readonly host: string;
  readonly port: number;
}

const ADDRESS_IN_USE = /EADDRINUSE|already in use|address in use/i;
const PORT_TRIES = 5;

/** Linux keeps a closed connection in TIME_WAIT for 60 s; a server without SO_REUSEADDR cannot bind until then. */
const TIME_WAIT_MS = 65_000;

/** Options for {@link startServer}. */
export interface StartServerOptions {
  readonly label?: string;
  readonly outputLimit?: number;
  /** Told when the harness must wait for a fixed port to leave TIME_WAIT. */
  readonly onWait?: (message: string) => void;
  /** How long the server may take to be ready (default {@link QUIET_BOUNDS}'s, 10 s). */
  readonly readyMs?: number;
  /** How long to wait for a prompt before typing a stdin line anyway (default 2 s). */
  readonly promptMs?: number;
}

/** Waits until the server is ready: its ready line, or (without one) the kernel showing the port listening. */
async function waitUntilReady(child: Child, server: ServerDescription, port: number, label: string, readyMs: number): Promise<number> {
  if (server.ready !== undefined) {
    const ready = new RegExp(server.ready);
    const line = await child.waitForLine(ready, 'stdout', readyMs);
    const shown = server.port === 'zero' ? Number(ready.exec(line)?.groups?.port) : port;
    if (!Number.isInteger(shown) || shown <= 0) {
      throw new Error(`${label}: its ready line ${JSON.stringify(line)} holds no port number for the (?<port>) group`);
    }
    return shown;
  }
  const listening = await waitForListener(port, readyMs, () => child.exit !== undefined);
  if (!listening) {
    const why = child.exit
      ? `exited (${child.exit.signal ?? `code ${child.exit.code}`}) before listening on port ${port}`
      : `was still not listening on port ${port} after ${readyMs / 1000} s`;
    throw new Error(`${label} ${why}.\n\n${child.transcript()}`);
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
      argv: inTerminal(target, expandArgv(target.server.argv, { host: target.host, port: String(port) })),
      cwd: target.cwd,
      env: programEnv(target, target.server.argv),
      terminal: useTerminal(target),
      ...asConfinedUser(),
      ...(options.outputLimit === undefined ? {} : { outputLimit: options.outputLimit }),
    });
    typeIn(child, target.server.stdin, { host: target.host, port: String(port) }, options.promptMs ?? QUIET_BOUNDS.prompt);
    try {
      return { child, host: target.host, port: await waitUntilReady(child, target.server, port, label, options.readyMs ?? QUIET_BOUNDS.ready) };
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

/** Output that ends in a prompt: `Name: `, `Your id? `, `> ` (on stdout, or stderr where Python's input() puts it on a terminal). */
const PROMPT = /[:?>] ?$/;

/**
 * Types `lines` (placeholders expanded) on a program's standard input, each
 * after the program shows a new prompt, as a person would; a program that
 * reads without a prompt gets the line after `promptMs`. Runs in the
 * background; a program that exits ends it.
 */
function typeIn(child: Child, lines: readonly string[] | undefined, values: Readonly<Record<string, string>>, promptMs: number): void {
  const expanded = expandArgv(lines ?? [], values);
  if (expanded.length === 0) return;
  void (async () => {
    let shown = -1; // how much output there was when the last line was typed
    for (const line of expanded) {
      await child.waitForOutput((stdout, stderr) => stdout.length + stderr.length > shown && (PROMPT.test(stdout) || PROMPT.test(stderr)), promptMs);
      if (child.exit !== undefined) return;
      shown = child.output('stdout').length + child.output('stderr').length;
      child.write(`${line}\n`);
    }
  })();
}

/** Starts one of the target's clients against `host:port`, typing its `stdin` lines. */
export function startClient(
  scene: Scene,
  target: Target,
  server: { readonly host: string; readonly port: number },
  who: { readonly id: ClientId; readonly name: string; readonly label?: string },
  options: { readonly promptMs?: number } = {},
): Child {
  const program = target.clients[who.id];
  const values = { host: server.host, port: String(server.port), id: who.id, name: who.name };
  const child = launch(scene, {
    label: who.label ?? `client ${who.id}`,
    argv: inTerminal(target, expandArgv(program.argv, values)),
    cwd: target.cwd,
    env: programEnv(target, program.argv),
    terminal: useTerminal(target),
    ...asConfinedUser(),
  });
  typeIn(child, program.stdin, values, options.promptMs ?? QUIET_BOUNDS.prompt);
  return child;
}
