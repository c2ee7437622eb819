// The server's state machine (impl/server-machine.ts) driven directly, with
// strings standing for connections: no socket, no process, no timer. Each test
// feeds events and reads the commands the machine returns, its phase, and the
// state of each connection.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ServerMachine, type Command } from '../impl/server-machine.js';

type Conn = string;
const ACK = 'X: Alice received before Y: Bob';
const bytes = (text: string) => Buffer.from(text);

/** A machine with connections `x` and `y` (and any `others`) connected, in that order. */
function connect(chat: boolean, ...conns: Conn[]): ServerMachine<Conn> {
  const machine = new ServerMachine<Conn>({ chat });
  for (const conn of conns) machine.connected(conn, `peer-${conn}`);
  return machine;
}

/** X (Alice) then Y (Bob) greet; returns the commands of Y's greeting. */
function greetBoth(machine: ServerMachine<Conn>): Command<Conn>[] {
  machine.data('x', bytes('Client X: Alice\n'));
  return machine.data('y', bytes('Client Y: Bob\n'));
}

/** Only the console lines among `commands`. */
function printed(commands: readonly Command<Conn>[]): string[] {
  return commands.flatMap((command) =>
    command.kind === 'print' ? [command.line] : command.kind === 'printError' ? [`stderr: ${command.line}`] : [],
  );
}

describe('the exchange', () => {
  test('the second greeting prints it, stops listening, sends the acknowledgment to both in arrival order and prints it', () => {
    const machine = connect(false, 'x', 'y');
    expect(greetBoth(machine)).toEqual([
      { kind: 'print', line: 'Received: Client Y: Bob' },
      { kind: 'stopListening' },
      { kind: 'send', conn: 'x', line: ACK },
      { kind: 'send', conn: 'y', line: ACK },
      { kind: 'print', line: `Sent: ${ACK}` },
    ]);
    expect(machine.phase).toEqual({ kind: 'acknowledging', unsent: 2, failed: false });
  });

  test('the order is that of complete greetings, not of connections', () => {
    const machine = connect(false, 'x', 'y');
    machine.data('x', bytes('Client X: Al'));
    machine.data('y', bytes('Client Y: Bob\n'));
    expect(printed(machine.data('x', bytes('ice\n')))).toEqual([
      'Received: Client X: Alice',
      'Sent: Y: Bob received before X: Alice',
    ]);
  });

  test('a greeting cut at every byte is read whole', () => {
    const greeting = 'Client X: Ali\u00e7e\r\n';
    const encoded = bytes(greeting);
    for (let cut = 1; cut < encoded.length; cut++) {
      const machine = connect(false, 'x');
      expect(machine.data('x', encoded.subarray(0, cut))).toEqual([]);
      expect(printed(machine.data('x', encoded.subarray(cut)))).toEqual(['Received: Client X: Ali\u00e7e']);
    }
  });

  test('once both writes complete, both are closed, the closing line is printed, and the last close ends the run with 0', () => {
    const machine = connect(false, 'x', 'y');
    greetBoth(machine);
    expect(machine.sent('x')).toEqual([]);
    expect(machine.sent('y')).toEqual([
      { kind: 'close', conn: 'x' },
      { kind: 'close', conn: 'y' },
      { kind: 'print', line: 'Sent acknowledgment to both X and Y' },
    ]);
    expect(machine.phase).toEqual({ kind: 'closing' });
    expect(machine.closed('x')).toEqual([]);
    expect(machine.closed('y')).toEqual([{ kind: 'done', exitCode: 0 }]);
    expect(machine.phase).toEqual({ kind: 'closed' });
  });

  test('a failed write is reported, both are closed, there is no closing line, and the run ends with 1', () => {
    const machine = connect(false, 'x', 'y');
    greetBoth(machine);
    expect(printed(machine.sent('x', 'EPIPE'))).toEqual(['stderr: Error: could not send the acknowledgment to X (peer-x): EPIPE']);
    expect(machine.sent('y')).toEqual([
      { kind: 'close', conn: 'x' },
      { kind: 'close', conn: 'y' },
    ]);
    machine.closed('x');
    expect(machine.closed('y')).toEqual([{ kind: 'done', exitCode: 1 }]);
  });

  test('connections still greeting when the pair is complete are told the server is closing', () => {
    const machine = connect(false, 'x', 'silent', 'y');
    expect(greetBoth(machine)).toContainEqual({
      kind: 'close',
      conn: 'silent',
      lastLine: 'Error: the server already has X and Y and is closing',
    });
    expect(machine.stateOf('silent')).toEqual({ kind: 'closing' });
  });
});

describe('connection states', () => {
  test.each<[string, string, object]>([
    ['nothing yet', '', { kind: 'greeting' }],
    ['blank lines only', '\n  \r\n', { kind: 'greeting' }],
    ['half a greeting', 'Client X: Al', { kind: 'greeting' }],
    ['a valid greeting', 'Client X: Alice\n', { kind: 'held', id: 'X' }],
    ['a greeting and chatter', 'Client Y: Bob\nhello\n', { kind: 'held', id: 'Y' }],
    ['a line that is not a greeting', 'Alice\n', { kind: 'closing' }],
    ['a line over 1024 bytes', 'x'.repeat(1026), { kind: 'closing' }],
  ])('after %s a connection is %j', (_, sent, state) => {
    const machine = connect(false, 'a');
    machine.data('a', bytes(sent));
    expect(machine.stateOf('a')).toEqual(state);
  });

  test.each([
    ['Alice', 'expected a greeting "Client X: <name>" or "Client Y: <name>"'],
    ['Client X:', 'the name is empty; send "Client X: <name>"'],
    [`Client X: ${'n'.repeat(257)}`, 'the name is 257 bytes long; the limit is 256 bytes of UTF-8'],
  ])('%j is refused with a note on stderr and its reason as the last line', (line, reason) => {
    const machine = connect(false, 'a');
    expect(machine.data('a', bytes(`${line}\n`))).toEqual([
      { kind: 'printError', line: `Rejected peer-a: ${reason}` },
      { kind: 'close', conn: 'a', lastLine: `Error: ${reason}` },
    ]);
  });

  test('bytes that are not UTF-8 are refused', () => {
    const machine = connect(false, 'a');
    expect(printed(machine.data('a', Buffer.from([0x43, 0xff, 0x0a])))).toEqual([
      'stderr: Rejected peer-a: the line is not valid UTF-8; send UTF-8 text',
    ]);
  });

  test('a second X is refused while the first holds its place', () => {
    const machine = connect(false, 'x', 'x2');
    machine.data('x', bytes('Client X: Alice\n'));
    expect(machine.data('x2', bytes('Client X: Eve\n'))).toEqual([
      { kind: 'printError', line: 'Rejected peer-x2: client X is already connected; only one X and one Y are served' },
      { kind: 'close', conn: 'x2', lastLine: 'Error: client X is already connected; only one X and one Y are served' },
    ]);
  });

  test('a held X that closes frees its place, and a new X then completes the exchange', () => {
    const machine = connect(false, 'x', 'y');
    machine.data('x', bytes('Client X: Alice\n'));
    expect(printed(machine.closed('x'))).toEqual([
      'stderr: Client X disconnected before the acknowledgment; waiting for another client X',
    ]);
    machine.connected('x2', 'peer-x2');
    machine.data('x2', bytes('Client X: Carol\n'));
    expect(printed(machine.data('y', bytes('Client Y: Bob\n')))).toContain('Sent: X: Carol received before Y: Bob');
  });

  test('a held X that half-closes keeps its place, with a note', () => {
    const machine = connect(false, 'x');
    machine.data('x', bytes('Client X: Alice\n'));
    expect(printed(machine.ended('x'))).toEqual(['stderr: Client X closed its sending side; it still gets the acknowledgment']);
    expect(machine.stateOf('x')).toEqual({ kind: 'held', id: 'X' });
  });

  test('a greeting without a newline counts when the sender half-closes', () => {
    const machine = connect(false, 'x');
    machine.data('x', bytes('Client X: Alice'));
    expect(printed(machine.ended('x'))).toEqual([
      'Received: Client X: Alice',
      'stderr: Client X closed its sending side; it still gets the acknowledgment',
    ]);
  });

  test('a connection that half-closes before greeting is noted and its side ended', () => {
    const machine = connect(false, 'a');
    expect(machine.ended('a')).toEqual([
      { kind: 'printError', line: 'Connection from peer-a closed before sending a greeting' },
      { kind: 'end', conn: 'a' },
    ]);
    expect(machine.ended('a')).toEqual([]); // closing: nothing more from it matters
  });

  test('a failed connection is noted only while the server is waiting', () => {
    const machine = connect(false, 'x', 'y', 'z');
    expect(printed(machine.failed('z', 'ECONNRESET'))).toEqual(['stderr: Connection from peer-z failed: ECONNRESET']);
    greetBoth(machine);
    expect(machine.failed('x', 'ECONNRESET')).toEqual([]);
  });

  test('events for a connection the machine does not know are ignored', () => {
    const machine = connect(false);
    expect([machine.data('?', bytes('Client X: A\n')), machine.ended('?'), machine.failed('?', 'EPIPE'), machine.closed('?')]).toEqual([
      [],
      [],
      [],
      [],
    ]);
    expect(machine.stateOf('?')).toBeUndefined();
  });
});

describe('the chat', () => {
  test('lines, a bad line and a departure before the chat opens are kept as data and handed over in order when it opens', () => {
    const machine = connect(true, 'x', 'y');
    machine.data('x', bytes('Client X: Alice\nearly one\n'));
    machine.data('x', bytes('early two\n'));
    greetBoth(machine); // X's greeting again is ignored: it already holds its place
    machine.data('y', bytes(`${'y'.repeat(1030)}`));
    machine.sent('x');
    const commands = machine.sent('y');
    expect(commands.at(-1)).toEqual({
      kind: 'startRelay',
      parties: [
        {
          id: 'X',
          conn: 'x',
          early: [
            { kind: 'lines', lines: ['early one'] },
            { kind: 'lines', lines: ['early two'] },
            { kind: 'lines', lines: ['Client X: Alice'] },
          ],
        },
        { id: 'Y', conn: 'y', early: [{ kind: 'invalid', error: expect.objectContaining({ code: 'E_LINE_TOO_LONG' }) }] },
      ],
    });
    expect([machine.phase, machine.stateOf('x')]).toEqual([{ kind: 'relaying' }, { kind: 'relaying', id: 'X' }]);
  });

  test('a client that closes while the acknowledgment is being sent is handed over as having left', () => {
    const machine = connect(true, 'x', 'y');
    greetBoth(machine);
    machine.ended('x');
    machine.closed('x');
    machine.sent('x');
    const start = machine.sent('y').at(-1);
    expect(start).toEqual({ kind: 'startRelay', parties: [{ id: 'X', conn: 'x', early: [{ kind: 'left' }, { kind: 'left' }] }, { id: 'Y', conn: 'y', early: [] }] });
  });

  test('in the chat, each burst of lines, a FIN and a close go to the relay as they come', () => {
    const machine = connect(true, 'x', 'y');
    greetBoth(machine);
    machine.sent('x');
    machine.sent('y');
    expect(machine.data('x', bytes('one\ntwo\nthr'))).toEqual([{ kind: 'relay', from: 'X', event: { kind: 'lines', lines: ['one', 'two'] } }]);
    expect(machine.ended('x')).toEqual([
      { kind: 'relay', from: 'X', event: { kind: 'lines', lines: ['thr'] } },
      { kind: 'relay', from: 'X', event: { kind: 'left' } },
    ]);
    expect(machine.closed('y')).toEqual([{ kind: 'relay', from: 'Y', event: { kind: 'left' } }]);
  });

  test('once the relay is over, the connections are closing and the last close ends the run with its exit code', () => {
    const machine = connect(true, 'x', 'y');
    greetBoth(machine);
    machine.sent('x');
    machine.sent('y');
    expect(machine.chatOver(0)).toEqual([]);
    expect([machine.phase, machine.stateOf('x'), machine.data('x', bytes('late\n'))]).toEqual([{ kind: 'closing' }, { kind: 'closing' }, []]);
    machine.closed('x');
    expect(machine.closed('y')).toEqual([{ kind: 'done', exitCode: 0 }]);
  });
});

describe('interruption', () => {
  test('while waiting: a note with the count, every open connection told, listening stopped, exit code 1', () => {
    const machine = connect(false, 'x', 'a', 'refused');
    machine.data('x', bytes('Client X: Alice\n'));
    machine.data('refused', bytes('nonsense\n'));
    expect(machine.interrupt('SIGTERM')).toEqual([
      { kind: 'printError', line: 'Interrupted by SIGTERM before both clients greeted; closing 2 connection(s)' },
      { kind: 'stopListening' },
      { kind: 'end', conn: 'x', lastLine: 'Error: the server was stopped' },
      { kind: 'end', conn: 'a', lastLine: 'Error: the server was stopped' },
    ]);
    expect(machine.exitCode).toBe(1);
    for (const conn of ['x', 'a']) machine.closed(conn);
    expect(machine.closed('refused')).toEqual([{ kind: 'done', exitCode: 1 }]);
  });

  test('with no connection at all, the run ends at once', () => {
    const machine = connect(false);
    expect(machine.interrupt('SIGINT').at(-1)).toEqual({ kind: 'done', exitCode: 1 });
  });

  test('while the acknowledgment is being sent: both told, and no closing line once the writes complete', () => {
    const machine = connect(false, 'x', 'y');
    greetBoth(machine);
    expect(machine.interrupt('SIGINT')).toEqual([
      { kind: 'end', conn: 'x', lastLine: 'Error: the server was stopped' },
      { kind: 'end', conn: 'y', lastLine: 'Error: the server was stopped' },
    ]);
    expect([machine.sent('x'), machine.sent('y'), machine.exitCode]).toEqual([[], [], 1]);
  });

  test('in the chat: a note, and the relay is stopped', () => {
    const machine = connect(true, 'x', 'y');
    greetBoth(machine);
    machine.sent('x');
    machine.sent('y');
    expect(machine.interrupt('SIGINT')).toEqual([
      { kind: 'printError', line: 'Interrupted by SIGINT during the chat; telling both clients' },
      { kind: 'stopRelay' },
    ]);
  });

  test('after the exchange completed, the exit code stays 0 and nothing is done', () => {
    const machine = connect(false, 'x', 'y');
    greetBoth(machine);
    machine.sent('x');
    machine.sent('y');
    machine.closed('x');
    machine.closed('y');
    expect([machine.interrupt('SIGTERM'), machine.exitCode]).toEqual([[], 0]);
  });
});

test('1,000 cases of arbitrary bytes on other connections, in arbitrary order around the greetings, never keep the pair from its acknowledgment', () => {
  const junk = fc.record({
    chunks: fc.array(fc.uint8Array({ maxLength: 48 }), { maxLength: 4 }),
    end: fc.constantFrom('none', 'ended', 'failed', 'closed'),
    at: fc.nat({ max: 2 }), // before X greets, between, or after Y
  });
  fc.assert(
    fc.property(fc.array(junk, { maxLength: 5 }), fc.boolean(), (junks, chat) => {
      const machine = new ServerMachine<string>({ chat });
      const commands: Command<string>[] = [];
      const sendJunk = (at: number) =>
        junks.forEach((each, i) => {
          if (each.at !== at || Buffer.concat(each.chunks).includes('Client ')) return;
          const conn = `junk${i}`;
          commands.push(...machine.connected(conn, conn));
          for (const chunk of each.chunks) commands.push(...machine.data(conn, chunk));
          if (each.end === 'ended') commands.push(...machine.ended(conn));
          if (each.end === 'failed') commands.push(...machine.failed(conn, 'ECONNRESET'));
          if (each.end === 'failed' || each.end === 'closed') commands.push(...machine.closed(conn));
        });
      sendJunk(0);
      commands.push(...machine.connected('x', 'x'), ...machine.data('x', bytes('Client X: Alice\n')));
      sendJunk(1);
      commands.push(...machine.connected('y', 'y'), ...machine.data('y', bytes('Client Y: Bob\n')));
      sendJunk(2);
      expect(commands.filter((command) => command.kind === 'send')).toEqual([
        { kind: 'send', conn: 'x', line: ACK },
        { kind: 'send', conn: 'y', line: ACK },
      ]);
      // eslint-disable-next-line no-control-regex
      expect(printed(commands).filter((line) => /[\u0000-\u001f\u007f-\u009f]/.test(line))).toEqual([]);
    }),
    { numRuns: 1000 },
  );
});
