import { join } from 'node:path';
import { readBounded } from '../plain/fragment';

/**
 * Refs kept as reftables (git 2.45+, `extensions.refStorage = reftable`;
 * git's Documentation/technical/reftable.txt). `$GIT_DIR/reftable/tables.list`
 * names the tables of the stack, oldest first; a newer table's record for a
 * name replaces an older one's, and a deletion record removes it. In a table,
 * the ref blocks come first: each is `'r'`, uint24 block_len, prefix-compressed
 * ref records, restart offsets and their count. The first block shares its
 * bytes with the file header (its block_len counts the header). Only the ref
 * blocks are read: logs, object and index blocks say nothing a linear scan
 * needs.
 */

export interface ReftableRef {
  /** The object the ref names (for an annotated tag, the tag object). */
  sha?: string;
  /** The commit an annotated tag peels to. */
  peeled?: string;
  /** A symbolic ref's target (HEAD: `refs/heads/main`). */
  symref?: string;
  /** The table file that holds it. */
  file: string;
}

const MAX_TABLE_BYTES = 256 * 1024 * 1024;
const MAX_TABLES = 1000;
/** git refuses ref names longer than this (refs.c); a longer one is a damaged or hostile table. */
const MAX_NAME_BYTES = 4096;
/** Records read from one table: a million refs is already a very large repository. */
const MAX_RECORDS = 2_000_000;
/**
 * Bytes of ref names one table may spell out: prefix compression lets a few
 * bytes on disk stand for a long name, so a small hostile table could
 * otherwise spell gigabytes.
 */
const MAX_NAME_TOTAL = 128 * 1024 * 1024;

/** The refs of the stack in `dir/reftable`, or why it cannot be read (undefined when there is none). */
export async function readReftableStack(dir: string): Promise<{ refs: Map<string, ReftableRef>; problems: string[] } | undefined> {
  // Read as any store file is: a FIFO or device under these names must not hang or flood the reader.
  const listed = await readBounded(join(dir, 'reftable', 'tables.list'), 1024 * 1024);
  if (!listed.ok) return listed.missing ? undefined : { refs: new Map(), problems: [`tables.list: ${listed.message}`] };
  const refs = new Map<string, ReftableRef>();
  const problems: string[] = [];
  let names = listed.bytes.toString('utf8').split('\n').map((l) => l.trim()).filter(Boolean);
  if (names.length > MAX_TABLES) {
    // The newest tables hold the current values: the oldest are left out.
    problems.push(`tables.list names ${names.length} tables; the oldest ${names.length - MAX_TABLES} were not read`);
    names = names.slice(-MAX_TABLES);
  }
  for (const name of names) {
    if (name.includes('/') || name.startsWith('.')) {
      problems.push(`tables.list names ${JSON.stringify(name.slice(0, 80))}, which is not a table file`);
      continue;
    }
    const file = join(dir, 'reftable', name);
    const read = await readBounded(file, MAX_TABLE_BYTES);
    if (!read.ok) {
      problems.push(`${name}: ${read.message}`);
      continue;
    }
    const table = parseReftable(read.bytes);
    if (typeof table === 'string') {
      problems.push(`${name}: ${table}`);
      continue;
    }
    for (const r of table) {
      if (r.deleted) refs.delete(r.name);
      else refs.set(r.name, { sha: r.sha, peeled: r.peeled, symref: r.symref, file });
    }
  }
  return { refs, problems };
}

export interface ReftableRecord {
  name: string;
  deleted?: true;
  sha?: string;
  peeled?: string;
  symref?: string;
}

/** The ref records of one table, in order; a string says what is wrong with it. */
export function parseReftable(buf: Buffer): ReftableRecord[] | string {
  if (buf.length < 24 || buf.toString('latin1', 0, 4) !== 'REFT') return 'not a reftable (no REFT magic)';
  const version = buf[4]!;
  if (version !== 1 && version !== 2) return `reftable version ${version} is not one this reader knows (1, 2)`;
  const headerLen = version === 1 ? 24 : 28;
  const footerLen = version === 1 ? 68 : 72;
  if (buf.length < headerLen + footerLen) return 'the table is shorter than its header and footer';
  let hashBytes = 20;
  if (version === 2) {
    const id = buf.toString('latin1', 24, 28);
    if (id === 's256') hashBytes = 32;
    else if (id !== 'sha1') return `unknown hash id ${JSON.stringify(id)}`;
  }
  const blockSize = buf.readUIntBE(5, 3);
  const end = buf.length - footerLen;
  const out: ReftableRecord[] = [];
  const spelled = { bytes: 0 };
  let blockStart = 0;
  let at = headerLen;
  for (let blocks = 0; at < end && buf[at] === 0x72 /* 'r' */; blocks++) {
    if (blocks > 1_000_000) return 'too many ref blocks';
    const blockLen = buf.readUIntBE(at + 1, 3);
    const blockEnd = blockStart + blockLen;
    if (blockLen < 6 || blockEnd > end) return `a ref block at ${at} claims ${blockLen} bytes, past the end of the table`;
    const restarts = buf.readUInt16BE(blockEnd - 2);
    const recordsEnd = blockEnd - 2 - 3 * restarts;
    if (restarts === 0 || recordsEnd < at + 4) return `the ref block at ${at} has a bad restart table`;
    const problem = readRecords(buf, at + 4, recordsEnd, hashBytes, out, spelled);
    if (problem) return `ref block at ${at}: ${problem}`;
    // Aligned tables pad each block to block_size (the first counts the header); unaligned ones follow on at once.
    // An aligned block not padded out is the last of the refs (log blocks are never aligned).
    if (blockSize > 0 && blockEnd < blockStart + blockSize && blockEnd < end && buf[blockEnd] !== 0) break;
    blockStart = blockSize > 0 ? blockStart + blockSize : blockEnd;
    at = blockStart;
  }
  return out;
}

function readRecords(buf: Buffer, start: number, end: number, hashBytes: number, out: ReftableRecord[], spelled: { bytes: number }): string | undefined {
  let pos = start;
  let prior = Buffer.alloc(0);
  const varint = (): number => {
    if (pos >= end) throw new Error('a record runs past its block');
    let byte = buf[pos++]!;
    let val = byte & 0x7f;
    while (byte & 0x80) {
      if (pos >= end || val > 2 ** 40) throw new Error('a varint runs past its block');
      byte = buf[pos++]!;
      val = (val + 1) * 128 + (byte & 0x7f);
    }
    return val;
  };
  const take = (n: number): Buffer => {
    if (pos + n > end) throw new Error('a record runs past its block');
    const b = buf.subarray(pos, pos + n);
    pos += n;
    return b;
  };
  try {
    while (pos < end) {
      const prefix = varint();
      const suffixAndType = varint();
      const suffixLen = Math.floor(suffixAndType / 8);
      const type = suffixAndType % 8;
      if (prefix > prior.length) return 'a name shares more bytes with the one before than it has';
      if (prefix + suffixLen > MAX_NAME_BYTES) return `a ref name of ${prefix + suffixLen} bytes (git allows ${MAX_NAME_BYTES})`;
      if (out.length >= MAX_RECORDS) return `more than ${MAX_RECORDS} records`;
      spelled.bytes += prefix + suffixLen;
      if (spelled.bytes > MAX_NAME_TOTAL) return `ref names spelling out more than ${MAX_NAME_TOTAL} bytes`;
      const name = Buffer.concat([prior.subarray(0, prefix), take(suffixLen)]);
      prior = name;
      varint(); // update_index_delta
      const rec: ReftableRecord = { name: name.toString('utf8') };
      if (type === 0) rec.deleted = true;
      else if (type === 1) rec.sha = take(hashBytes).toString('hex');
      else if (type === 2) {
        rec.sha = take(hashBytes).toString('hex');
        rec.peeled = take(hashBytes).toString('hex');
      } else if (type === 3) rec.symref = take(varint()).toString('utf8');
      else return `value type ${type} of ${rec.name} is reserved`;
      out.push(rec);
    }
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
}
