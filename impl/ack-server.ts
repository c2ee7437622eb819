/**
 * The reference server's engine: waits for one valid client X and one valid
 * client Y, then tells both which greeting arrived first (and, with `chat`,
 * relays their chat).
 *
 * Order is the order in which greetings arrived in full, not the order of
 * connections: X may connect first and still greet second. Everything runs on
 * one event loop, so "arrived" is simply the order in which complete greeting
 * lines come out of the per-connection decoders. Invalid or surplus
 * connections are answered with an `Error:` line and closed; they never block
 * the valid pair. All console output goes through an {@link Output}, and
 * nothing here exits the process, so tests can run it in-process by the
 * thousand (spec/fuzz.test.ts); impl/server.ts is the command line around it.
 */
import net, { type Socket } from 'node:net';
import type { Output } from './output.js';
import { AppError, appError, EXIT } from './errors.js';
import {
  ERROR_PREFIX,
  FINAL_LINE,
  formatAck,
  LineDecoder,
  neutralize,
  parseGreeting,
  RECEIVED_LABEL,
  SENT_LABEL,
  type ClientId,
  type Greeting,
} from './protocol.js';
import { ChatRelay, type RelayParty } from './relay.js';
import { closeGracefully, formatAddress, listenError } from './sockets.js';

/** The server's settings, from the command line. */
export interface ServerOptions {
  readonly host: string;
  readonly port: number;
  /** Relay a chat after the acknowledgment (extra credit). */
  readonly chat: boolean;
}

/** A client whose valid greeting the server holds. */
interface HeldClient {
  readonly socket: Socket;
  readonly greeting: Greeting;
  readonly peer: string;
  /** Chat mode: what the client did before the chat started, replayed into the relay in order. */
  readonly early: Array<(relay: ChatRelay) => void>;
}

/** A running server, as {@link startAckServer} returns it. */
export interface AckServer {
  /** Resolves with the address once listening; rejects with an {@link AppError} if it cannot listen. */
  readonly listening: Promise<net.AddressInfo>;
  /** Resolves with the exit code once the exchange (and chat) is over and every socket is closed. */
  readonly closed: Promise<number>;
  /** Stops at once (SIGINT, SIGTERM): tells every open connection, closes; returns the exit code. */
  interrupt(signal: NodeJS.Signals): number;
}

/**
 * Runs the part-1 exchange (and, with `chat`, the relay after it) until it
 * completes or fails, printing through `output`. No process-wide state is
 * touched, so it runs inside a test as well as behind the command line.
 *
 * @example
 * const server = startAckServer({ host: '127.0.0.1', port: 0, chat: false }, output);
 * const { port } = await server.listening;
 * const exitCode = await server.closed;
 */
export function startAckServer(options: ServerOptions, output: Output): AckServer {
  const print = (line: string): void => output.print(line);
  const printError = (line: string): void => output.printError(line);
  const server = net.createServer({ allowHalfOpen: true });
  const sockets = new Set<Socket>();
  const ungreeted = new Set<Socket>();
  const held = new Map<ClientId, HeldClient>(); // insertion order = arrival order
  let finished = false;
  let relay: ChatRelay | undefined;
  let exitCode: number = EXIT.FAILURE;
  let markClosed: (code: number) => void = () => {};
  const closed = new Promise<number>((resolve) => {
    markClosed = resolve;
  });
  /** Once the listener is closed, the last socket to close ends the run. */
  const settleIfIdle = (): void => {
    if (finished && sockets.size === 0) markClosed(exitCode);
  };

  /** After its greeting, what a client does goes to the relay, waits for it, or (part 1) is ignored. */
  const afterGreeting = (client: HeldClient, event: (relay: ChatRelay) => void): void => {
    if (relay) event(relay);
    else if (options.chat) client.early.push(event);
  };

  server.on('connection', (socket) => {
    sockets.add(socket);
    const peer = formatAddress(socket.remoteAddress, socket.remotePort);
    const decoder = new LineDecoder();
    let role: ClientId | undefined;
    ungreeted.add(socket);

    const reject = (error: AppError): void => {
      ungreeted.delete(socket);
      printError(`Rejected ${peer}: ${error.message}`);
      closeGracefully(socket, `${ERROR_PREFIX}${error.message}`);
    };

    const onLine = (line: string): void => {
      if (line.trim() === '') return; // a stray Enter before the greeting is harmless
      let greeting: Greeting;
      try {
        greeting = parseGreeting(line);
      } catch (error) {
        reject(error as AppError);
        return;
      }
      if (held.has(greeting.id)) {
        reject(appError('E_DUPLICATE_ID', `client ${greeting.id} is already connected; only one X and one Y are served`));
        return;
      }
      role = greeting.id;
      ungreeted.delete(socket);
      held.set(role, { socket, greeting, peer, early: [] });
      print(`${RECEIVED_LABEL}${neutralize(line)}`);
      if (held.size === 2) acknowledge();
    };

    /** This connection's held client, once it has greeted (and not been replaced). */
    const self = (): HeldClient | undefined => {
      const client = role === undefined ? undefined : held.get(role);
      return client?.socket === socket ? client : undefined;
    };

    const feed = ({ lines, error }: { lines: string[]; error?: AppError }): void => {
      for (const line of lines) {
        const client = self();
        if (client && relay) {
          relay.line(client.greeting.id, line); // the hot path of the chat: no closure per line
        } else if (client) {
          const id = client.greeting.id;
          afterGreeting(client, (chat) => chat.line(id, line));
        } else if (role === undefined && ungreeted.has(socket)) {
          onLine(line);
        }
      }
      const client = self();
      if (error && client) afterGreeting(client, (chat) => chat.invalid(client.greeting.id, error));
      else if (error && role === undefined && ungreeted.has(socket)) reject(error);
    };

    socket.on('data', (chunk: Buffer) => feed(decoder.push(chunk)));
    socket.on('end', () => {
      const client = self();
      if (client) {
        feed(decoder.end());
        afterGreeting(client, (chat) => chat.left(client.greeting.id));
        if (!finished && !options.chat) {
          printError(`Client ${client.greeting.id} closed its sending side; it still gets the acknowledgment`);
        }
        return;
      }
      if (role !== undefined) return;
      feed(decoder.end());
      if (role === undefined && ungreeted.delete(socket)) {
        printError(`Connection from ${peer} closed before sending a greeting`);
        socket.end();
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (!finished) printError(`Connection from ${peer} failed: ${error.code ?? error.message}`);
    });
    socket.on('close', () => {
      sockets.delete(socket);
      ungreeted.delete(socket);
      const client = self();
      if (client && !finished) {
        held.delete(client.greeting.id);
        printError(`Client ${client.greeting.id} disconnected before the acknowledgment; waiting for another client ${client.greeting.id}`);
      } else if (client) {
        afterGreeting(client, (chat) => chat.left(client.greeting.id));
      }
      settleIfIdle();
    });
  });

  /** The acknowledgment is out: start relaying, replaying what each client did meanwhile. */
  const startChat = (first: HeldClient, second: HeldClient): void => {
    const parties = [first, second].map((client) => ({ id: client.greeting.id, socket: client.socket }));
    relay = new ChatRelay(parties as [RelayParty, RelayParty], output, (code) => {
      exitCode = code;
    });
    for (const client of [first, second]) {
      for (const event of client.early.splice(0)) event(relay);
    }
  };

  /** Both greetings are in: acknowledge, report, then close or chat. */
  const acknowledge = (): void => {
    finished = true;
    server.close(settleIfIdle);
    for (const socket of ungreeted) {
      closeGracefully(socket, `${ERROR_PREFIX}the server already has X and Y and is closing`);
    }
    ungreeted.clear();
    const [first, second] = [...held.values()] as [HeldClient, HeldClient];
    const ack = formatAck(first.greeting, second.greeting);
    let unsent = 2;
    let failed = false;
    for (const client of [first, second]) {
      client.socket.write(`${ack}\n`, (error) => {
        if (error) {
          failed = true;
          printError(`Error: could not send the acknowledgment to ${client.greeting.id} (${client.peer}): ${error.message}`);
          exitCode = EXIT.FAILURE;
        }
        if (--unsent > 0) return;
        if (failed || !options.chat) {
          for (const each of [first, second]) closeGracefully(each.socket);
        }
        if (failed) return;
        print(FINAL_LINE);
        exitCode = EXIT.OK;
        if (options.chat) startChat(first, second);
      });
    }
    print(`${SENT_LABEL}${neutralize(ack)}`);
  };

  const listening = new Promise<net.AddressInfo>((resolve, reject) => {
    server.on('error', (error) => reject(listenError(error, formatAddress(options.host, options.port))));
    server.listen({ host: options.host, port: options.port }, () => {
      const address = server.address() as net.AddressInfo;
      print(`Listening on ${formatAddress(address.address, address.port)}`);
      resolve(address);
    });
  });

  const interrupt = (signal: NodeJS.Signals): number => {
    if (relay) {
      if (!relay.over) printError(`Interrupted by ${signal} during the chat; telling both clients`);
      relay.stop();
      return exitCode;
    }
    const open = [...ungreeted, ...[...held.values()].map((client) => client.socket)];
    if (!finished) {
      printError(`Interrupted by ${signal} before both clients greeted; closing ${open.length} connection(s)`);
    }
    for (const socket of open) {
      if (!socket.writableEnded) socket.end(`${ERROR_PREFIX}the server was stopped\n`);
    }
    server.close();
    return finished && exitCode === EXIT.OK ? EXIT.OK : EXIT.FAILURE;
  };

  return { listening, closed, interrupt };
}

