import { constants, crc32, inflateRawSync } from 'node:zlib';
import { readExact } from './report';
import type { ReportBuilder } from './report';
import { clip, decodeUtf8 } from './text';
import type { ByteSource } from './types';

/** Listing stops here; the count in the directory is still reported. */
export const MAX_ZIP_ENTRIES = 100_000;
/** A directory of 100k entries with long names is ~15 MB; more is not a model archive. */
const MAX_DIRECTORY_BYTES = 64 * 1024 * 1024;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;

export interface ZipEntry {
  name: string;
  compressedSize: number;
  uncompressedSize: number;
  /** 0 stored, 8 deflate; others are not read. */
  method: number;
  /** Absolute, already shifted by any bytes prepended to the archive. */
  localHeaderOffset: number;
  crc32: number;
  encrypted: boolean;
  /** Length of the raw name, which the local header repeats. */
  nameBytes: number;
}

export interface ZipDirectory {
  entries: ZipEntry[];
  /** What the end record claims, which may exceed `entries.length`. */
  totalEntries: number;
  zip64: boolean;
  /** Absolute offset where the central directory starts. */
  directoryOffset: number;
  /** Bytes before the archive proper (self-extractors, concatenation). */
  prefixBytes: number;
}

interface EndRecord {
  at: number;
  totalEntries: number;
  directorySize: number;
  directoryOffset: number;
  zip64: boolean;
}

/** Lists the archive from its central directory; problems become 'zip-*' findings. */
export async function readZipDirectory(src: ByteSource, report: ReportBuilder): Promise<ZipDirectory | undefined> {
  const end = await findEndRecord(src, report);
  if (!end) return undefined;
  if (end.directoryOffset + end.directorySize > end.at) {
    report.error('zip-bad-directory', `the central directory (${end.directorySize} bytes at ${end.directoryOffset}) runs past the end record at ${end.at}`);
    return undefined;
  }
  let prefixBytes = 0;
  const slack = end.at - (end.directoryOffset + end.directorySize);
  if (slack > 0 && end.directorySize > 0 && !(await signatureAt(src, end.directoryOffset, SIG_CENTRAL))) {
    if (await signatureAt(src, end.directoryOffset + slack, SIG_CENTRAL)) {
      prefixBytes = slack;
      report.info('zip-prefixed-data', `${slack} bytes precede the archive`);
    }
  }
  if (end.totalEntries > 0 && end.totalEntries * 46 > end.directorySize) {
    report.error('zip-bad-directory', `the end record claims ${end.totalEntries} entries, which cannot fit in a ${end.directorySize}-byte directory`);
    return undefined;
  }
  if (end.totalEntries > MAX_ZIP_ENTRIES) {
    report.warning('zip-too-many-entries', `the archive claims ${end.totalEntries} entries; only the first ${MAX_ZIP_ENTRIES} are listed`);
  }
  let size = end.directorySize;
  if (size > MAX_DIRECTORY_BYTES) {
    report.warning('zip-directory-too-large', `the central directory is ${size} bytes; only the first ${MAX_DIRECTORY_BYTES} are read`);
    size = MAX_DIRECTORY_BYTES;
  }
  const directoryOffset = end.directoryOffset + prefixBytes;
  const buf = await readExact(src, directoryOffset, size, 'the central directory');
  const entries = parseDirectory(buf, Math.min(end.totalEntries, MAX_ZIP_ENTRIES), prefixBytes, report);
  return { entries, totalEntries: end.totalEntries, zip64: end.zip64, directoryOffset, prefixBytes };
}

async function signatureAt(src: ByteSource, offset: number, sig: number): Promise<boolean> {
  if (offset < 0 || offset + 4 > src.size) return false;
  const b = await src.read(offset, 4);
  return b.length === 4 && b.readUInt32LE(0) === sig;
}

async function findEndRecord(src: ByteSource, report: ReportBuilder): Promise<EndRecord | undefined> {
  // Most archives have no comment: look in the last KB before the last 64 KB.
  return (await searchTail(src, Math.min(src.size, 1024), report, false)) ?? searchTail(src, Math.min(src.size, EOCD_SIZE + MAX_COMMENT), report, true);
}

async function searchTail(src: ByteSource, tailLength: number, report: ReportBuilder, last: boolean): Promise<EndRecord | undefined> {
  const tailStart = src.size - tailLength;
  const tail = await src.read(tailStart, tailLength);
  let found = -1;
  let loose = -1;
  for (let i = tail.length - EOCD_SIZE; i >= 0; i--) {
    if (tail.readUInt32LE(i) !== SIG_EOCD) continue;
    if (i + EOCD_SIZE + tail.readUInt16LE(i + 20) === tail.length) {
      found = i;
      break;
    }
    if (loose < 0) loose = i;
  }
  if (found < 0 && !last) return undefined;
  if (found < 0 && loose >= 0) {
    report.warning('zip-trailing-data', 'the end-of-central-directory comment length does not match the end of the file');
    found = loose;
  }
  if (found < 0) {
    report.error('zip-no-end-record', 'no end-of-central-directory record: the archive is truncated or not a zip');
    return undefined;
  }
  const at = tailStart + found;
  const record: EndRecord = {
    at,
    totalEntries: tail.readUInt16LE(found + 10),
    directorySize: tail.readUInt32LE(found + 12),
    directoryOffset: tail.readUInt32LE(found + 16),
    zip64: false,
  };
  if (tail.readUInt16LE(found + 4) !== 0 || tail.readUInt16LE(found + 6) !== 0) {
    report.warning('zip-multi-disk', 'the archive claims to span several disks; only this file is read');
  }
  return (await readZip64End(src, at, report)) ?? record;
}

async function readZip64End(src: ByteSource, eocdAt: number, report: ReportBuilder): Promise<EndRecord | undefined> {
  if (eocdAt < 20 || !(await signatureAt(src, eocdAt - 20, SIG_ZIP64_LOCATOR))) return undefined;
  const locator = await readExact(src, eocdAt - 20, 20, 'the ZIP64 locator');
  const offset = locator.readBigUInt64LE(8);
  if (offset + 56n > BigInt(eocdAt - 20)) {
    report.error('zip-bad-directory', `the ZIP64 end record offset ${offset} is out of bounds`);
    return undefined;
  }
  const rec = await readExact(src, Number(offset), 56, 'the ZIP64 end record');
  if (rec.readUInt32LE(0) !== SIG_ZIP64_EOCD) {
    report.error('zip-bad-directory', 'the ZIP64 locator does not point at a ZIP64 end record');
    return undefined;
  }
  const big = (o: number) => rec.readBigUInt64LE(o);
  const limit = BigInt(Number.MAX_SAFE_INTEGER);
  if (big(32) > limit || big(40) > limit || big(48) > limit) {
    report.error('zip-bad-directory', 'the ZIP64 end record has sizes no real file can have');
    return undefined;
  }
  return { at: Number(offset), totalEntries: Number(big(32)), directorySize: Number(big(40)), directoryOffset: Number(big(48)), zip64: true };
}

function parseDirectory(buf: Buffer, count: number, prefixBytes: number, report: ReportBuilder): ZipEntry[] {
  const entries: ZipEntry[] = [];
  let p = 0;
  let badNames = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== SIG_CENTRAL) {
      report.error('zip-bad-directory', `central directory entry ${i} is missing or truncated`);
      break;
    }
    const flags = buf.readUInt16LE(p + 8);
    const nameLength = buf.readUInt16LE(p + 28);
    const extraLength = buf.readUInt16LE(p + 30);
    const commentLength = buf.readUInt16LE(p + 32);
    const next = p + 46 + nameLength + extraLength + commentLength;
    if (next > buf.length) {
      report.error('zip-bad-directory', `central directory entry ${i} runs past the directory`);
      break;
    }
    const rawName = buf.subarray(p + 46, p + 46 + nameLength);
    let name = flags & 0x800 ? decodeUtf8(rawName) : isAscii(rawName) ? rawName.toString('latin1') : undefined;
    if (name === undefined) {
      // Bit 11 clear means CP437; latin1 is close enough for display, and UTF-8 claimed but broken is flagged.
      if (flags & 0x800) badNames++;
      name = flags & 0x800 ? rawName.toString('utf8') : rawName.toString('latin1');
    }
    const entry: ZipEntry = {
      name,
      method: buf.readUInt16LE(p + 10),
      crc32: buf.readUInt32LE(p + 16),
      compressedSize: buf.readUInt32LE(p + 20),
      uncompressedSize: buf.readUInt32LE(p + 24),
      localHeaderOffset: buf.readUInt32LE(p + 42),
      encrypted: (flags & 1) !== 0,
      nameBytes: nameLength,
    };
    applyZip64Extra(entry, buf.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength), report);
    entry.localHeaderOffset += prefixBytes;
    entries.push(entry);
    p = next;
  }
  if (badNames > 0) report.warning('zip-invalid-utf8-name', `${badNames} entry name(s) are flagged UTF-8 but are not valid UTF-8`);
  return entries;
}

/** Sizes and offsets of 0xFFFFFFFF mean "see the ZIP64 extra field", in this order. */
function applyZip64Extra(entry: ZipEntry, extra: Buffer, report: ReportBuilder): void {
  for (let q = 0; q + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(q);
    const size = extra.readUInt16LE(q + 2);
    const body = extra.subarray(q + 4, Math.min(extra.length, q + 4 + size));
    q += 4 + size;
    if (id !== 0x0001) continue;
    let r = 0;
    const take = (): number | undefined => {
      if (r + 8 > body.length) return undefined;
      const v = body.readBigUInt64LE(r);
      r += 8;
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
        report.error('zip-bad-directory', `entry '${clip(entry.name, 120)}' has a ZIP64 size no real file can have`);
        return undefined;
      }
      return Number(v);
    };
    if (entry.uncompressedSize === 0xffffffff) entry.uncompressedSize = take() ?? entry.uncompressedSize;
    if (entry.compressedSize === 0xffffffff) entry.compressedSize = take() ?? entry.compressedSize;
    if (entry.localHeaderOffset === 0xffffffff) entry.localHeaderOffset = take() ?? entry.localHeaderOffset;
  }
}

function isAscii(b: Buffer): boolean {
  for (const byte of b) if (byte >= 0x80) return false;
  return true;
}

export type EntryData = { ok: true; data: Buffer; crcMatches: boolean } | { ok: false; code: string; message: string };

/** Where an entry's compressed bytes start, from its local header. */
async function dataOffset(src: ByteSource, entry: ZipEntry): Promise<number | string> {
  if (entry.localHeaderOffset + 30 > src.size) return 'its local header is past the end of the file';
  const local = await src.read(entry.localHeaderOffset, 30);
  if (local.length < 30 || local.readUInt32LE(0) !== SIG_LOCAL) return 'its local header is missing';
  const start = entry.localHeaderOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  if (start + entry.compressedSize > src.size) return 'its data runs past the end of the file';
  return start;
}

/**
 * One entry's bytes, never more than `maxBytes` of output: the claimed size
 * is checked first and inflate is capped too, since the claim may lie.
 */
export async function readZipEntry(src: ByteSource, entry: ZipEntry, maxBytes: number): Promise<EntryData> {
  const label = `entry '${clip(entry.name, 120)}'`;
  if (entry.encrypted) return { ok: false, code: 'zip-encrypted-entry', message: `${label} is encrypted` };
  if (entry.method !== 0 && entry.method !== 8) {
    return { ok: false, code: 'zip-unsupported-method', message: `${label} uses compression method ${entry.method}` };
  }
  if (entry.uncompressedSize > maxBytes || entry.compressedSize > maxBytes + (maxBytes >> 6) + 65536) {
    return { ok: false, code: 'zip-entry-too-large', message: `${label} is ${entry.uncompressedSize} bytes, over the ${maxBytes}-byte limit for reading` };
  }
  const start = await dataOffset(src, entry);
  if (typeof start === 'string') return { ok: false, code: 'zip-bad-entry', message: `${label}: ${start}` };
  const raw = await readExact(src, start, entry.compressedSize, `the data of ${label}`);
  let data: Buffer;
  if (entry.method === 0) data = raw;
  else {
    try {
      data = inflateRawSync(raw, { maxOutputLength: maxBytes });
    } catch (e) {
      return { ok: false, code: 'zip-bad-entry', message: `${label} does not inflate within ${maxBytes} bytes: ${e instanceof Error ? e.message : String(e)}` };
    }
  }
  return { ok: true, data, crcMatches: data.length === entry.uncompressedSize && crc32(data) === entry.crc32 };
}

/**
 * The first bytes of an entry (a .npy header inside an .npz) without reading
 * the rest: a deflate stream can be decoded from a prefix.
 */
export async function readZipEntryPrefix(src: ByteSource, entry: ZipEntry, length: number): Promise<Buffer | undefined> {
  if (entry.encrypted || (entry.method !== 0 && entry.method !== 8)) return undefined;
  const start = await dataOffset(src, entry);
  if (typeof start === 'string') return undefined;
  if (entry.method === 0) return src.read(start, Math.min(length, entry.compressedSize));
  // Deflate expands at most ~1032x, so 8 KB of input stays under the output cap.
  const raw = await src.read(start, Math.min(8192, entry.compressedSize));
  try {
    return inflateRawSync(raw, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: 16 * 1024 * 1024 }).subarray(0, length);
  } catch {
    return undefined;
  }
}
