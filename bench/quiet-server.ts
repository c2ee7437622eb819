/**
 * The reference server with `--chat`, started for the benchmark: like the
 * harness's `launch`, but its stdout — one line per relayed line — is read
 * and dropped (only counted) once the ready line has been seen, so a long run
 * does not pile up megabytes of output in this process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Resource, Scene } from '../harness/scene.js';
import { formatExit, type ExitStatus } from '../harness/process.js';
import { REPO_ROOT } from '../harness/repo-root.js';

const READY = /^Listening on .*:(\d+)$/m;
const KEEP_CHARS = 4096;
const STOP_GRACE_MS = 3000;

/** A running reference server whose printed lines are discarded. */
export class QuietServer implements Resource {
  readonly label = 'reference server';
  readonly #child: ChildProcess;
  readonly #closed: Promise<ExitStatus>;
  #head = ''; // the start of stdout, up to and including the ready line
  #stderr = ''; // the last KEEP_CHARS characters of stderr
  #stdoutBytes = 0;
  #stderrBytes = 0;
  #exit: ExitStatus | undefined;

  private constructor(nodeArgs: readonly string[]) {
    this.#child = spawn(process.execPath, [...nodeArgs, 'dist/impl/server.js', '--chat', '--host', '127.0.0.1', '--port', '0'], {
      cwd: REPO_ROOT,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child.stdout?.on('data', (chunk: Buffer) => {
      this.#stdoutBytes += chunk.length;
      if (this.#head.length < KEEP_CHARS) this.#head += chunk.toString('utf8', 0, KEEP_CHARS);
    });
    this.#child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderrBytes += chunk.length;
      this.#stderr = (this.#stderr + chunk.toString('utf8')).slice(-KEEP_CHARS);
    });
    this.#closed = new Promise((resolve) => {
      this.#child.on('error', (error) => {
        this.#stderr += `[bench] could not start the server: ${error.message}\n`;
        resolve((this.#exit = { code: null, signal: null }));
      });
      this.#child.on('close', (code, signal) => resolve((this.#exit = { code, signal })));
    });
  }

  /**
   * Starts the server (with `nodeArgs` before the script, e.g. `--cpu-prof`),
   * owned by `scene`, and resolves with it once it prints its port.
   */
  static async start(scene: Scene, nodeArgs: readonly string[] = [], timeoutMs = 10_000): Promise<QuietServer> {
    const server = scene.adopt(new QuietServer(nodeArgs));
    const deadline = Date.now() + timeoutMs;
    while (server.port === undefined) {
      if (server.#exit) throw new Error(`the server exited (${formatExit(server.#exit)}) before it listened\n${server.transcript()}`);
      if (Date.now() > deadline) throw new Error(`the server did not print its port within ${timeoutMs} ms\n${server.transcript()}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return server;
  }

  /** The port from the ready line, once printed. */
  get port(): number | undefined {
    const match = READY.exec(this.#head);
    return match ? Number(match[1]) : undefined;
  }

  /** The operating system's process id. */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** How many bytes the server has printed on stdout (read and dropped). */
  get stdoutBytes(): number {
    return this.#stdoutBytes;
  }

  /** How many bytes the server has printed on stderr, and the last line of it. */
  get stderr(): { readonly bytes: number; readonly lastLine: string } {
    return { bytes: this.#stderrBytes, lastLine: this.#stderr.trimEnd().split('\n').at(-1) ?? '' };
  }

  /** Waits up to `timeoutMs` for the server to exit by itself; throws if it does not or fails. */
  async waitForExit(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the server did not exit within ${timeoutMs} ms\n${this.transcript()}`)), timeoutMs);
    });
    try {
      const exit = await Promise.race([this.#closed, late]);
      if (exit.code !== 0) throw new Error(`the server exited with ${formatExit(exit)}\n${this.transcript()}`);
    } finally {
      clearTimeout(timer);
    }
  }

  transcript(): string {
    const state = this.#exit === undefined ? 'running' : `exited: ${formatExit(this.#exit)}`;
    return [
      `── ${this.label} (pid ${this.pid ?? '?'}, ${state}, ${this.#stdoutBytes} bytes printed and dropped)`,
      `stdout (start): ${JSON.stringify(this.#head.slice(0, 300))}`,
      `stderr (end): ${JSON.stringify(this.#stderr)}`,
    ].join('\n');
  }

  /** Stops the server (SIGTERM, then SIGKILL after a grace period) and waits until it is gone. */
  async dispose(): Promise<void> {
    if (this.#exit !== undefined) return;
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), STOP_GRACE_MS);
    await this.#closed;
    clearTimeout(timer);
  }
}
