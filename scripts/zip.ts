/**
 * Zip archives written (and read back) with nothing but node's zlib: deflate
 * or store per entry, UTF-8 names, Unix permission bits, and a fixed date, so
 * the same entries always give the same bytes. Used by
 * `scripts/bundle-gradescope.ts` (Gradescope's autograder) and
 * `scripts/handin.ts` (the hand-in).
 *
 * Why not a library: yazl (or fflate) would write the same archive, but the
 * specs also read the archives back with each entry's Unix mode (a hand-in
 * whose scripts lost their execute bit is a bug we test for): that takes a
 * second package (yauzl; fflate's reader does not give the mode). Both
 * directions are about a hundred lines over Node's own deflate and CRC-32
 * (zlib.crc32), so the archives need no package at run time.
 *
 * Limits: no zip64, so at most 65,535 entries and 4 GiB in all; regular files
 * only (folders are implied by the names, as unzip and every other reader
 * accept).
 */
import { crc32 as zlibCrc32, deflateRawSync, inflateRawSync } from 'node:zlib';

/** A file in a zip. */
export interface ZipEntry {
  /** The path inside the archive, with `/` separators, e.g. `handin/impl/server.ts`. */
  readonly name: string;
  readonly data: Buffer;
  /** Unix permission bits, e.g. 0o755 for a script, 0o644 otherwise. */
  readonly mode: number;
}

/**
 * The CRC-32 (IEEE 802.3, as zip and gzip use it) of `data`: Node's own.
 *
 * @example
 * crc32(Buffer.from('123456789')); // 0xcbf43926
 */
export function crc32(data: Uint8Array): number {
  return zlibCrc32(data);
}

/** MS-DOS date of 1980-01-01 (the earliest a zip can hold), so the same input gives the same zip. */
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const DOS_TIME = 0;

const LOCAL_SIGNATURE = 0x04034b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const END_SIGNATURE = 0x06054b50;

/**
 * A zip archive (deflate where it is smaller, otherwise stored; no zip64) of
 * `entries`, in the order given, with each entry's Unix permissions in its
 * external attributes so that unzip restores executable bits. Every entry is
 * dated 1980-01-01 00:00, so the same entries give the same bytes.
 *
 * @throws Error if there are more than 65,535 entries or the archive would pass 4 GiB.
 *
 * @example
 * import { writeFileSync } from 'node:fs';
 * import { zipArchive } from './zip.js';
 *
 * writeFileSync('bundle.zip', zipArchive([
 *   { name: 'run.sh', mode: 0o755, data: Buffer.from('#!/bin/sh\necho hi\n') },
 *   { name: 'docs/README.md', mode: 0o644, data: Buffer.from('# Hi\n') },
 * ]));
 */
export function zipArchive(entries: readonly ZipEntry[]): Buffer {
  if (entries.length > 0xffff) throw new Error(`a zip without zip64 holds at most 65535 entries, not ${entries.length}`);
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const deflated = deflateRawSync(entry.data, { level: 9 });
    const deflate = deflated.length < entry.data.length;
    const body = deflate ? deflated : entry.data;
    const crc = crc32(entry.data);
    if (offset + 30 + name.length + body.length > 0xffffffff || entry.data.length > 0xffffffff) {
      throw new Error(`a zip without zip64 holds at most 4 GiB; ${entry.name} goes past that`);
    }
    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL_SIGNATURE, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0
    local.writeUInt16LE(0x0800, 6); // names are UTF-8
    local.writeUInt16LE(deflate ? 8 : 0, 8); // deflate or store
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(CENTRAL_SIGNATURE, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, 2.0
    local.copy(central, 6, 4, 30); // version needed .. name length are the same fields
    central.writeUInt16LE(0, 30); // extra
    central.writeUInt16LE(0, 32); // comment
    central.writeUInt16LE(0, 34); // disk
    central.writeUInt16LE(0, 36); // internal attributes
    central.writeUInt32LE(((0o100000 | (entry.mode & 0o7777)) << 16) >>> 0, 38); // regular file + permissions
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END_SIGNATURE, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/**
 * The files of a zip as {@link zipArchive} writes them (stored or deflated
 * entries, no zip64, no archive comment), in the order of its central
 * directory, each checked against its CRC-32. Entries whose names end in `/`
 * (folders other writers add) are left out.
 *
 * @throws Error naming the first thing that is not as a zip should be.
 *
 * @example
 * import { readFileSync } from 'node:fs';
 * import { readZip } from './zip.js';
 *
 * for (const { name, mode, data } of readZip(readFileSync('bundle.zip'))) {
 *   console.log(name, mode.toString(8), data.length);
 * }
 */
export function readZip(zip: Buffer): ZipEntry[] {
  const end = zip.length - 22;
  if (end < 0 || zip.readUInt32LE(end) !== END_SIGNATURE) throw new Error('not a zip (no end of central directory record at the end)');
  const entries: ZipEntry[] = [];
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  for (let index = 0; index < count; index += 1) {
    if (zip.readUInt32LE(at) !== CENTRAL_SIGNATURE) throw new Error(`zip central directory entry ${index} is damaged`);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const mode = (zip.readUInt32LE(at + 38) >>> 16) & 0o7777;
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    if (name.endsWith('/')) continue;
    if (zip.readUInt32LE(local) !== LOCAL_SIGNATURE) throw new Error(`zip entry ${name}: local header is damaged`);
    if (method !== 0 && method !== 8) throw new Error(`zip entry ${name}: compression method ${method} is neither store nor deflate`);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const body = zip.subarray(start, start + size);
    const data = method === 8 ? inflateRawSync(body) : Buffer.from(body);
    if (crc32(data) !== crc) throw new Error(`zip entry ${name}: CRC-32 does not match its contents`);
    entries.push({ name, mode, data });
  }
  return entries;
}
