/**
 * Tar archives (POSIX ustar, gzip-compressed with node's zlib) written and
 * read back without the system `tar`. Deterministic: every entry gets the
 * same date (1980-01-01, as in scripts/zip.ts), owner 0:0 with no user or
 * group names, and the gzip header carries no date or file name, so the same
 * entries always give the same bytes. Used by `scripts/handin.ts`.
 *
 * Regular files only (folders are implied by the names; GNU tar, bsdtar and
 * Python's tarfile create them on extraction). A path longer than ustar's
 * name and prefix fields hold is written with a PAX `path` record, which
 * every tar since 2001 reads.
 *
 * Why not a library: tar-stream writes ustar but leaves the gzip layer, its
 * dates and the reading back to the caller, and node-tar walks the file
 * system rather than taking entries from memory; what the hand-in needs (a
 * fixed date, fixed owner, modes, read back in the specs) is these hundred
 * lines over Node's zlib, with no package at run time.
 */
import { gunzipSync, gzipSync } from 'node:zlib';

/** A file in a tar archive. */
export interface TarEntry {
  /** The path inside the archive, with `/` separators, e.g. `handin/impl/server.ts`. */
  readonly name: string;
  readonly data: Buffer;
  /** Unix permission bits, e.g. 0o755 for a script, 0o644 otherwise. */
  readonly mode: number;
}

/** The modification time of every entry: 1980-01-01T00:00:00Z, in seconds since the epoch. */
export const TAR_MTIME = 315_532_800;

const BLOCK = 512;
/** Tar writes whole records of 20 blocks; the end is padded with zeros to one. */
const RECORD = 20 * BLOCK;
/** The largest size an 11-digit octal field holds. */
const MAX_SIZE = 0o77777777777;

/** Writes `value` as zero-padded octal in a field of `width` bytes ending in NUL. */
function octal(header: Buffer, offset: number, width: number, value: number): void {
  header.write(`${value.toString(8).padStart(width - 1, '0')}\0`, offset, width, 'latin1');
}

/** Splits a path into ustar's prefix (≤155 bytes) and name (≤100 bytes) at a `/`, or undefined if it cannot be. */
function splitName(path: Buffer): { prefix: Buffer; name: Buffer } | undefined {
  if (path.length <= 100) return { prefix: Buffer.alloc(0), name: path };
  for (let slash = path.indexOf(0x2f); slash !== -1; slash = path.indexOf(0x2f, slash + 1)) {
    if (slash > 155) break;
    const name = path.subarray(slash + 1);
    if (name.length > 0 && name.length <= 100) return { prefix: path.subarray(0, slash), name };
  }
  return undefined;
}

/** A 512-byte ustar header. */
function header(fields: { name: Buffer; prefix: Buffer; mode: number; size: number; type: string }): Buffer {
  const block = Buffer.alloc(BLOCK);
  fields.name.copy(block, 0, 0, 100);
  octal(block, 100, 8, fields.mode & 0o7777);
  octal(block, 108, 8, 0); // uid
  octal(block, 116, 8, 0); // gid
  octal(block, 124, 12, fields.size);
  octal(block, 136, 12, TAR_MTIME);
  block.write(fields.type, 156, 1, 'latin1');
  block.write('ustar\0', 257, 6, 'latin1');
  block.write('00', 263, 2, 'latin1');
  fields.prefix.copy(block, 345, 0, 155);
  block.fill(0x20, 148, 156); // the checksum is computed with its own field as spaces
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return block;
}

/** The data padded with zeros to a whole number of blocks. */
function padded(data: Buffer): Buffer[] {
  const rest = data.length % BLOCK;
  return rest === 0 ? [data] : [data, Buffer.alloc(BLOCK - rest)];
}

/** A PAX extended header record, `"<length> <key>=<value>\n"`, whose length counts itself. */
function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  const bytes = Buffer.byteLength(body, 'utf8');
  let length = bytes + 1;
  while (String(length).length + bytes !== length) length = String(length).length + bytes;
  return Buffer.from(`${length}${body}`, 'utf8');
}

/**
 * An uncompressed ustar archive of `entries`, in the order given (sort them
 * first for an archive that does not depend on the order files were found
 * in). Every entry is dated {@link TAR_MTIME} and owned by 0:0.
 *
 * @throws Error if an entry is larger than 8 GiB (ustar's size field).
 *
 * @example
 * import { tarArchive } from './tar.js';
 *
 * const tar = tarArchive([{ name: 'top/run.sh', mode: 0o755, data: Buffer.from('#!/bin/sh\n') }]);
 * tar.length % 10240; // 0: whole records
 */
export function tarArchive(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    if (entry.data.length > MAX_SIZE) throw new Error(`${entry.name} is larger than a ustar entry holds (8 GiB)`);
    const path = Buffer.from(entry.name, 'utf8');
    let split = splitName(path);
    if (split === undefined) {
      const pax = paxRecord('path', entry.name);
      parts.push(header({ name: Buffer.from('PaxHeader', 'latin1'), prefix: Buffer.alloc(0), mode: 0o644, size: pax.length, type: 'x' }));
      parts.push(...padded(pax));
      split = { prefix: Buffer.alloc(0), name: path.subarray(0, 100) }; // readers take the path from the PAX record
    }
    parts.push(header({ ...split, mode: entry.mode, size: entry.data.length, type: '0' }));
    parts.push(...padded(entry.data));
  }
  const length = parts.reduce((total, part) => total + part.length, 0) + 2 * BLOCK; // two zero blocks end the archive
  parts.push(Buffer.alloc(2 * BLOCK + ((RECORD - (length % RECORD)) % RECORD)));
  return Buffer.concat(parts);
}

/**
 * A gzip-compressed ustar archive (`.tar.gz`) of `entries`, in the order
 * given. The gzip header has no date and no file name and names Unix as its
 * system, so the same entries give the same bytes on any machine.
 *
 * @example
 * import { writeFileSync } from 'node:fs';
 * import { tarGz } from './tar.js';
 *
 * writeFileSync('bundle.tar.gz', tarGz([
 *   { name: 'bundle/run.sh', mode: 0o755, data: Buffer.from('#!/bin/sh\necho hi\n') },
 *   { name: 'bundle/README.md', mode: 0o644, data: Buffer.from('# Hi\n') },
 * ]));
 * // tar -xzf bundle.tar.gz  →  bundle/run.sh (executable), bundle/README.md
 */
export function tarGz(entries: readonly TarEntry[]): Buffer {
  const gz = gzipSync(tarArchive(entries), { level: 9 });
  gz[9] = 3; // OS: Unix, whatever zlib was built for
  return gz;
}

/** A NUL-terminated string field. */
function field(block: Buffer, offset: number, width: number): string {
  const raw = block.subarray(offset, offset + width);
  const end = raw.indexOf(0);
  return raw.toString('utf8', 0, end === -1 ? width : end);
}

/** An octal number field (spaces and NULs around it allowed). */
function octalField(block: Buffer, offset: number, width: number, what: string): number {
  const text = field(block, offset, width).trim();
  if (!/^[0-7]*$/.test(text)) throw new Error(`tar header: ${what} is not an octal number (${JSON.stringify(text)})`);
  return text === '' ? 0 : parseInt(text, 8);
}

/**
 * The files of an uncompressed tar archive (ustar or PAX, as
 * {@link tarArchive} writes them), each header's checksum checked. Folders
 * and PAX global headers are skipped; links and other special entries are
 * refused.
 *
 * @throws Error naming the first thing that is not as a tar should be.
 *
 * @example
 * import { tarArchive, readTar } from './tar.js';
 *
 * readTar(tarArchive([{ name: 'a.txt', mode: 0o644, data: Buffer.from('a') }]));
 * // [{ name: 'a.txt', mode: 0o644, data: <Buffer 61> }]
 */
export function readTar(tar: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  let pax: Record<string, string> = {};
  for (let at = 0; at + BLOCK <= tar.length; ) {
    const block = tar.subarray(at, at + BLOCK);
    if (block.every((byte) => byte === 0)) return entries; // the end
    let sum = 0;
    for (let index = 0; index < BLOCK; index += 1) sum += index >= 148 && index < 156 ? 0x20 : block[index]!;
    if (octalField(block, 148, 8, 'checksum') !== sum) throw new Error(`tar header at byte ${at}: checksum does not match`);
    const size = octalField(block, 124, 12, 'size');
    const type = String.fromCharCode(block[156]!);
    const data = tar.subarray(at + BLOCK, at + BLOCK + size);
    if (data.length !== size) throw new Error(`tar entry at byte ${at}: the archive ends inside its data`);
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'x') {
      pax = {};
      for (const record of data.toString('utf8').split('\n')) {
        const match = /^\d+ ([^=]+)=(.*)$/s.exec(record);
        if (match) pax[match[1]!] = match[2]!;
      }
      continue;
    }
    const prefix = field(block, 345, 155);
    const name = pax.path ?? (prefix ? `${prefix}/${field(block, 0, 100)}` : field(block, 0, 100));
    pax = {};
    if (type === '5' || type === 'g') continue;
    if (type !== '0' && type !== '\0') throw new Error(`tar entry ${name}: type ${JSON.stringify(type)} is not a regular file`);
    entries.push({ name, mode: octalField(block, 100, 8, 'mode') & 0o7777, data: Buffer.from(data) });
  }
  throw new Error('tar archive ends without its two zero blocks');
}

/**
 * The files of a gzip-compressed tar archive; see {@link readTar}.
 *
 * @example
 * import { readFileSync } from 'node:fs';
 * import { readTarGz } from './tar.js';
 *
 * const names = readTarGz(readFileSync('bundle.tar.gz')).map((entry) => entry.name);
 */
export function readTarGz(tarGzip: Buffer): TarEntry[] {
  return readTar(gunzipSync(tarGzip));
}
