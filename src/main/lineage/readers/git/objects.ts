import { open, readdir, readFile, type FileHandle } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { inflateSync } from 'node:zlib';

/**
 * Git's object database, read without git: loose objects (zlib-deflated
 * `<type> <size>\0<content>` under `objects/ab/cdef…`) and packs (`.idx`
 * version 1 or 2 to find an object, the `.pack` entry, OFS and REF deltas
 * applied). Only what lineage needs is read: commits, tags and trees, each
 * capped in size; a chain of deltas is capped in depth.
 */

export type ObjectType = 'commit' | 'tree' | 'blob' | 'tag';
export interface GitObject {
  type: ObjectType;
  data: Buffer;
}

/** A missing object is `undefined`; a damaged one throws this. */
export class CorruptObject extends Error {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message);
  }
}

const MAX_OBJECT_BYTES = 64 * 1024 * 1024;
const MAX_DELTA_DEPTH = 512;
const TYPES: Record<number, ObjectType> = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag' };

interface Pack {
  idxPath: string;
  packPath: string;
  /** Sorted object names, `hashBytes` each. */
  names: Buffer;
  offsets: (i: number) => number;
  count: number;
  handle?: FileHandle;
}

export class ObjectStore {
  private packs?: Pack[];
  private readonly cache = new Map<string, GitObject>();
  /** Object directories: the repository's, then its alternates. */
  private readonly dirs: string[];

  constructor(
    objectsDir: string,
    readonly hashBytes: 20 | 32,
    alternates: string[] = [],
  ) {
    this.dirs = [objectsDir, ...alternates];
  }

  static async open(objectsDir: string, hashBytes: 20 | 32): Promise<ObjectStore> {
    const alternates: string[] = [];
    try {
      const text = await readFile(join(objectsDir, 'info', 'alternates'), 'utf8');
      for (const line of text.split('\n').map((l) => l.trim())) {
        if (line && !line.startsWith('#')) alternates.push(isAbsolute(line) ? line : join(objectsDir, line));
      }
    } catch {
      // no alternates
    }
    return new ObjectStore(objectsDir, hashBytes, alternates.slice(0, 8));
  }

  /** The object, or undefined when no loose file or pack has it. Throws CorruptObject. */
  async read(sha: string): Promise<GitObject | undefined> {
    const hit = this.cache.get(sha);
    if (hit) return hit;
    const obj = (await this.readLoose(sha)) ?? (await this.readPacked(sha, 0));
    if (obj && obj.type !== 'blob') {
      if (this.cache.size > 4096) this.cache.clear();
      this.cache.set(sha, obj);
    }
    return obj;
  }

  /** Where an object is stored, without reading it. */
  async locate(sha: string): Promise<'loose' | 'packed' | undefined> {
    for (const dir of this.dirs) {
      try {
        await open(join(dir, sha.slice(0, 2), sha.slice(2)), 'r').then((h) => h.close());
        return 'loose';
      } catch {
        // not loose here
      }
    }
    return (await this.findInPacks(sha)) ? 'packed' : undefined;
  }

  async close(): Promise<void> {
    for (const p of this.packs ?? []) await p.handle?.close().catch(() => undefined);
  }

  private async readLoose(sha: string): Promise<GitObject | undefined> {
    for (const dir of this.dirs) {
      const path = join(dir, sha.slice(0, 2), sha.slice(2));
      let raw: Buffer;
      try {
        raw = await readFile(path);
      } catch {
        continue;
      }
      let data: Buffer;
      try {
        data = inflateSync(raw, { maxOutputLength: MAX_OBJECT_BYTES + 64 });
      } catch (e) {
        throw new CorruptObject(`loose object ${sha} cannot be inflated (${(e as Error).message}): the file is truncated or damaged`, path);
      }
      const nul = data.indexOf(0);
      const header = nul > 0 && nul < 32 ? data.subarray(0, nul).toString('latin1') : '';
      const m = /^(commit|tree|blob|tag) (\d+)$/.exec(header);
      if (!m || Number(m[2]) !== data.length - nul - 1) throw new CorruptObject(`loose object ${sha} has a bad header "${header.slice(0, 40)}"`, path);
      return { type: m[1] as ObjectType, data: data.subarray(nul + 1) };
    }
    return undefined;
  }

  private async loadPacks(): Promise<Pack[]> {
    if (this.packs) return this.packs;
    this.packs = [];
    for (const dir of this.dirs) {
      let names: string[];
      try {
        names = await readdir(join(dir, 'pack'));
      } catch {
        continue;
      }
      for (const name of names.filter((n) => n.endsWith('.idx')).sort()) {
        const idxPath = join(dir, 'pack', name);
        const pack = parseIdx(await readFile(idxPath).catch(() => Buffer.alloc(0)), this.hashBytes, idxPath);
        if (pack) this.packs.push(pack);
        else throw new CorruptObject(`pack index ${name} is not a version 1 or 2 index`, idxPath);
      }
    }
    return this.packs;
  }

  private async findInPacks(sha: string): Promise<{ pack: Pack; offset: number } | undefined> {
    const want = Buffer.from(sha, 'hex');
    for (const pack of await this.loadPacks()) {
      let lo = 0;
      let hi = pack.count - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const cmp = pack.names.compare(want, 0, this.hashBytes, mid * this.hashBytes, (mid + 1) * this.hashBytes);
        if (cmp === 0) return { pack, offset: pack.offsets(mid) };
        if (cmp > 0) hi = mid - 1;
        else lo = mid + 1;
      }
    }
    return undefined;
  }

  private async readPacked(sha: string, depth: number): Promise<GitObject | undefined> {
    const where = await this.findInPacks(sha);
    return where ? this.readAt(where.pack, where.offset, depth) : undefined;
  }

  private async readAt(pack: Pack, offset: number, depth: number): Promise<GitObject> {
    if (depth > MAX_DELTA_DEPTH) throw new CorruptObject(`a delta chain in ${pack.packPath} is deeper than ${MAX_DELTA_DEPTH}`, pack.packPath);
    pack.handle ??= await open(pack.packPath, 'r');
    const head = await readBytes(pack.handle, offset, 32 + this.hashBytes);
    let i = 0;
    // Every header byte is checked: a truncated pack must not turn into NaN sizes or offsets.
    const next = () => {
      if (i >= head.length) throw new CorruptObject(`the entry at ${offset} in ${pack.packPath} is cut short`, pack.packPath);
      return head[i++]!;
    };
    let b = next();
    const typeCode = (b >> 4) & 7;
    let size = b & 15;
    let shift = 4;
    while (b & 0x80) {
      if (shift > 35) throw new CorruptObject(`bad entry header at ${offset} in ${pack.packPath}`, pack.packPath);
      b = next();
      size += (b & 0x7f) * 2 ** shift;
      shift += 7;
    }
    if (size > MAX_OBJECT_BYTES) throw new CorruptObject(`an object at ${offset} in ${pack.packPath} is ${size} bytes, over the ${MAX_OBJECT_BYTES}-byte limit`, pack.packPath);
    let base: GitObject | undefined;
    if (typeCode === 6) {
      b = next();
      let rel = b & 0x7f;
      while (b & 0x80) {
        b = next();
        rel = (rel + 1) * 128 + (b & 0x7f);
      }
      if (rel <= 0 || rel > offset) throw new CorruptObject(`a delta at ${offset} in ${pack.packPath} points before the pack`, pack.packPath);
      base = await this.readAt(pack, offset - rel, depth + 1);
    } else if (typeCode === 7) {
      if (i + this.hashBytes > head.length) throw new CorruptObject(`the entry at ${offset} in ${pack.packPath} is cut short`, pack.packPath);
      const baseSha = head.subarray(i, i + this.hashBytes).toString('hex');
      i += this.hashBytes;
      base = (await this.readLoose(baseSha)) ?? (await this.readPacked(baseSha, depth + 1));
      if (!base) throw new CorruptObject(`the base ${baseSha} of a delta in ${pack.packPath} is missing`, pack.packPath);
    } else if (!TYPES[typeCode]) {
      throw new CorruptObject(`unknown object type ${typeCode} at ${offset} in ${pack.packPath}`, pack.packPath);
    }
    const data = await inflateAt(pack, offset + i, size);
    if (!base) return { type: TYPES[typeCode]!, data };
    return { type: base.type, data: applyDelta(base.data, data, pack.packPath) };
  }
}

function parseIdx(buf: Buffer, hashBytes: number, path: string): Pack | undefined {
  const v2 = buf.length >= 8 && buf.readUInt32BE(0) === 0xff744f63;
  if (v2 && buf.readUInt32BE(4) !== 2) return undefined;
  const fanout = v2 ? 8 : 0;
  if (buf.length < fanout + 1024) return undefined;
  const count = buf.readUInt32BE(fanout + 255 * 4);
  const packPath = path.replace(/\.idx$/, '.pack');
  if (!v2) {
    const start = fanout + 1024;
    const stride = 4 + hashBytes;
    if (buf.length < start + count * stride) return undefined;
    const names = Buffer.alloc(count * hashBytes);
    for (let i = 0; i < count; i++) buf.copy(names, i * hashBytes, start + i * stride + 4, start + (i + 1) * stride);
    return { idxPath: path, packPath, names, count, offsets: (i) => buf.readUInt32BE(start + i * stride) };
  }
  const namesAt = fanout + 1024;
  const offsetsAt = namesAt + count * hashBytes + count * 4;
  const largeAt = offsetsAt + count * 4;
  if (buf.length < largeAt) return undefined;
  return {
    idxPath: path,
    packPath,
    names: buf.subarray(namesAt, namesAt + count * hashBytes),
    count,
    offsets: (i) => {
      const o = buf.readUInt32BE(offsetsAt + i * 4);
      if (!(o & 0x80000000)) return o;
      const at = largeAt + (o & 0x7fffffff) * 8;
      return Number(buf.readBigUInt64BE(at));
    },
  };
}

async function readBytes(h: FileHandle, at: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await h.read(buf, 0, length, at);
  return buf.subarray(0, bytesRead);
}

/** The compressed length is not stored: read a window, and widen it while zlib says the stream goes on. */
async function inflateAt(pack: Pack, at: number, size: number): Promise<Buffer> {
  let window = Math.max(256, size + 1024);
  for (;;) {
    const chunk = await readBytes(pack.handle!, at, window);
    try {
      const out = inflateSync(chunk, { maxOutputLength: MAX_OBJECT_BYTES + 64 });
      if (out.length !== size) throw new CorruptObject(`an object at ${at} in ${pack.packPath} inflates to ${out.length} bytes, not ${size}`, pack.packPath);
      return out;
    } catch (e) {
      if (e instanceof CorruptObject) throw e;
      const short = (e as NodeJS.ErrnoException).code === 'Z_BUF_ERROR' && chunk.length === window;
      if (!short || window > 4 * MAX_OBJECT_BYTES) throw new CorruptObject(`an object at ${at} in ${pack.packPath} cannot be inflated: ${(e as Error).message}`, pack.packPath);
      window *= 4;
    }
  }
}

/** Git's delta format: base and result sizes, then copy (from the base) and insert instructions. */
export function applyDelta(base: Buffer, delta: Buffer, file: string): Buffer {
  let i = 0;
  const varint = () => {
    let v = 0;
    let shift = 0;
    let b: number;
    do {
      if (i >= delta.length) throw new CorruptObject('a delta ends inside its header', file);
      b = delta[i++]!;
      v += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return v;
  };
  const baseSize = varint();
  const resultSize = varint();
  if (baseSize !== base.length) throw new CorruptObject(`a delta expects a base of ${baseSize} bytes, not ${base.length}`, file);
  if (resultSize > MAX_OBJECT_BYTES) throw new CorruptObject(`a delta result of ${resultSize} bytes is over the limit`, file);
  const out = Buffer.alloc(resultSize);
  let o = 0;
  while (i < delta.length) {
    const op = delta[i++]!;
    if (op & 0x80) {
      let off = 0;
      let len = 0;
      for (let bit = 0; bit < 4; bit++) if (op & (1 << bit)) off += delta[i++]! * 2 ** (8 * bit);
      for (let bit = 0; bit < 3; bit++) if (op & (16 << bit)) len += delta[i++]! * 2 ** (8 * bit);
      if (len === 0) len = 0x10000;
      if (off + len > base.length || o + len > resultSize) throw new CorruptObject('a delta copies outside its base or result', file);
      base.copy(out, o, off, off + len);
      o += len;
    } else if (op > 0) {
      if (i + op > delta.length || o + op > resultSize) throw new CorruptObject('a delta inserts past its end', file);
      delta.copy(out, o, i, i + op);
      i += op;
      o += op;
    } else throw new CorruptObject('a delta has the reserved instruction 0', file);
  }
  if (o !== resultSize) throw new CorruptObject(`a delta produced ${o} of ${resultSize} bytes`, file);
  return out;
}
