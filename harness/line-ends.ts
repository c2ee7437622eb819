/**
 * Reading a pseudo-terminal's output as the program wrote it. A terminal with
 * its default settings (`onlcr`) ends every line a program prints with CR LF,
 * so a CR LF the program printed itself arrives as CR CR LF. Reading each
 * CR LF as LF undoes exactly that, as `stty -onlcr` in the terminal would,
 * without a process to run it for every program the grader starts.
 */

const CR = 0x0d;
const LF = 0x0a;

/**
 * Reads a terminal's output stream chunk by chunk, each CR LF as LF, the rest
 * as it is. It works on bytes (CR and LF are never part of a UTF-8 sequence),
 * and keeps a CR that ends a chunk until the next chunk shows whether an LF
 * follows it.
 *
 * @example
 * const ends = new TerminalLineEnds();
 * ends.push(Buffer.from('Name: Alice\r')); // 'Name: Alice'
 * ends.push(Buffer.from('\nBye\r\r\n'));   // '\nBye\r\n'
 * ends.end();                              // '' (a last CR would come out here)
 */
export class TerminalLineEnds {
  #heldCr = false;

  /** The bytes of `chunk`, each CR LF read as LF; a CR at its end is held for the next. */
  push(chunk: Buffer): Buffer {
    if (chunk.length === 0 || (!this.#heldCr && !chunk.includes(CR))) return chunk;
    const out: number[] = [];
    if (this.#heldCr && chunk[0] !== LF) out.push(CR);
    this.#heldCr = false;
    for (let at = 0; at < chunk.length; at += 1) {
      const byte = chunk[at]!;
      if (byte !== CR) out.push(byte);
      else if (at === chunk.length - 1) this.#heldCr = true;
      else if (chunk[at + 1] !== LF) out.push(CR);
    }
    return Buffer.from(out);
  }

  /** The CR still held at the end of the stream, if any. */
  end(): Buffer {
    const last = this.#heldCr ? Buffer.from([CR]) : Buffer.alloc(0);
    this.#heldCr = false;
    return last;
  }
}
