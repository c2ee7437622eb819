/**
 * The reference server's engine: waits for one valid client X and one valid
 * client Y, then tells both which greeting arrived first (and, with `chat`,
 * relays their chat).
 *
 * The decisions are made by the state machine in impl/server-machine.ts; this
 * module is the socket code around it: it turns each socket event into a call
 * of the machine and carries out the commands it returns. All console output
 * goes through an {@link Output}, and nothing here exits the process, so tests
 * run it in-process by the thousand (spec/fuzz.test.ts); impl/server.ts is the
 * command line around it.
 */
import net, { type Socket } from 'node:net';
import type { Output } from './output.js';
import type { ClientId } from './protocol.js';
import { ChatRelay, type RelayParty } from './relay.js';
import { ServerMachine, type ChatEvent, type Command, type Party } from './server-machine.js';
import { closeGracefully, formatAddress, listenError } from './sockets.js';

/** The server's settings, from the command line. */
export interface ServerOptions {
  readonly host: string;
  readonly port: number;
  /** Relay a chat after the acknowledgment (extra credit). */
  readonly chat: boolean;
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
  const server = net.createServer({ allowHalfOpen: true });
  const machine = new ServerMachine<Socket>({ chat: options.chat });
  let relay: ChatRelay | undefined;
  let markClosed: (code: number) => void = () => {};
  const closed = new Promise<number>((resolve) => {
    markClosed = resolve;
  });

  /** Hands one client's event to the relay; lines one by one, the hot path of the chat. */
  const toRelay = (chat: ChatRelay, from: ClientId, event: ChatEvent): void => {
    if (event.kind === 'lines') for (const line of event.lines) chat.line(from, line);
    else if (event.kind === 'invalid') chat.invalid(from, event.error);
    else chat.left(from);
  };

  /** Opens the chat, then replays what each client did before it opened, first client first. */
  const startRelay = (parties: readonly [Party<Socket>, Party<Socket>]): void => {
    const relayed = parties.map(({ id, conn }) => ({ id, socket: conn })) as [RelayParty, RelayParty];
    const chat = new ChatRelay(relayed, output, (code) => apply(machine.chatOver(code)));
    relay = chat;
    for (const party of parties) for (const event of party.early) toRelay(chat, party.id, event);
  };

  /** Carries out the machine's commands, in order. */
  const apply = (commands: readonly Command<Socket>[]): void => {
    for (const command of commands) {
      switch (command.kind) {
        case 'print':
          output.print(command.line);
          break;
        case 'printError':
          output.printError(command.line);
          break;
        case 'send':
          command.conn.write(`${command.line}\n`, (error) => apply(machine.sent(command.conn, error?.message)));
          break;
        case 'close':
          closeGracefully(command.conn, command.lastLine);
          break;
        case 'end':
          if (command.lastLine === undefined) command.conn.end();
          else command.conn.end(`${command.lastLine}\n`);
          break;
        case 'stopListening':
          server.close();
          break;
        case 'startRelay':
          startRelay(command.parties);
          break;
        case 'relay':
          toRelay(relay as ChatRelay, command.from, command.event);
          break;
        case 'stopRelay':
          (relay as ChatRelay).stop();
          break;
        case 'done':
          markClosed(command.exitCode);
          break;
      }
    }
  };

  server.on('connection', (socket) => {
    apply(machine.connected(socket, formatAddress(socket.remoteAddress, socket.remotePort)));
    socket.on('data', (chunk: Buffer) => apply(machine.data(socket, chunk)));
    socket.on('end', () => apply(machine.ended(socket)));
    socket.on('error', (error: NodeJS.ErrnoException) => apply(machine.failed(socket, error.code ?? error.message)));
    socket.on('close', () => apply(machine.closed(socket)));
  });

  const listening = new Promise<net.AddressInfo>((resolve, reject) => {
    server.on('error', (error) => reject(listenError(error, formatAddress(options.host, options.port))));
    server.listen({ host: options.host, port: options.port }, () => {
      const address = server.address() as net.AddressInfo;
      output.print(`Listening on ${formatAddress(address.address, address.port)}`);
      resolve(address);
    });
  });

  const interrupt = (signal: NodeJS.Signals): number => {
    apply(machine.interrupt(signal));
    return machine.exitCode;
  };

  return { listening, closed, interrupt };
}
