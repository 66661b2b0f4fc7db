import { Malformed } from './report';

/**
 * Just enough of FlatBuffers to read Arrow's schema and footer: tables with
 * vtables, scalars, strings, vectors of tables and of structs. Every offset is
 * bounds-checked, because a hostile file controls all of them.
 */
export class FbTable {
  private readonly vtable: number;
  private readonly vtableSize: number;

  constructor(
    readonly buf: Buffer,
    readonly pos: number,
  ) {
    check(buf, pos, 4);
    this.vtable = pos - buf.readInt32LE(pos);
    check(buf, this.vtable, 4);
    this.vtableSize = buf.readUInt16LE(this.vtable);
    if (this.vtableSize < 4 || this.vtableSize % 2 !== 0) throw new Malformed(`a flatbuffer vtable at ${this.vtable} has size ${this.vtableSize}`, 'bad-flatbuffer');
    check(buf, this.vtable, this.vtableSize);
  }

  /** The table a buffer's leading offset points at. */
  static root(buf: Buffer, at = 0): FbTable {
    check(buf, at, 4);
    return new FbTable(buf, at + buf.readUInt32LE(at));
  }

  private field(i: number): number | undefined {
    const slot = 4 + 2 * i;
    if (slot + 2 > this.vtableSize) return undefined;
    const off = this.buf.readUInt16LE(this.vtable + slot);
    return off === 0 ? undefined : this.pos + off;
  }

  private scalar(i: number, size: number, read: (at: number) => number, fallback: number): number {
    const at = this.field(i);
    if (at === undefined) return fallback;
    check(this.buf, at, size);
    return read(at);
  }

  uint8(i: number, fallback = 0): number {
    return this.scalar(i, 1, (at) => this.buf.readUInt8(at), fallback);
  }
  bool(i: number): boolean {
    return this.uint8(i) !== 0;
  }
  int16(i: number, fallback = 0): number {
    return this.scalar(i, 2, (at) => this.buf.readInt16LE(at), fallback);
  }
  int32(i: number, fallback = 0): number {
    return this.scalar(i, 4, (at) => this.buf.readInt32LE(at), fallback);
  }
  int64(i: number, fallback = 0): number {
    return this.scalar(i, 8, (at) => Number(this.buf.readBigInt64LE(at)), fallback);
  }

  /** Where an offset field points: a table, string or vector. */
  private target(i: number): number | undefined {
    const at = this.field(i);
    if (at === undefined) return undefined;
    check(this.buf, at, 4);
    return at + this.buf.readUInt32LE(at);
  }

  table(i: number): FbTable | undefined {
    const at = this.target(i);
    return at === undefined ? undefined : new FbTable(this.buf, at);
  }

  string(i: number): string | undefined {
    const at = this.target(i);
    if (at === undefined) return undefined;
    check(this.buf, at, 4);
    const length = this.buf.readUInt32LE(at);
    check(this.buf, at + 4, length);
    return this.buf.toString('utf8', at + 4, at + 4 + length);
  }

  /** Start and length of a vector; elements are checked against the buffer. */
  vector(i: number, elementSize: number): { start: number; length: number } | undefined {
    const at = this.target(i);
    if (at === undefined) return undefined;
    check(this.buf, at, 4);
    const length = this.buf.readUInt32LE(at);
    check(this.buf, at + 4, length * elementSize);
    return { start: at + 4, length };
  }

  /** Up to `max` tables of a vector of tables. */
  tables(i: number, max: number): FbTable[] {
    const v = this.vector(i, 4);
    if (!v) return [];
    const out: FbTable[] = [];
    for (let k = 0; k < Math.min(v.length, max); k++) {
      const at = v.start + 4 * k;
      out.push(new FbTable(this.buf, at + this.buf.readUInt32LE(at)));
    }
    return out;
  }
}

function check(buf: Buffer, at: number, length: number): void {
  if (at < 0 || length < 0 || at + length > buf.length) {
    throw new Malformed(`a flatbuffer reference (${length} bytes at ${at}) points outside its ${buf.length}-byte buffer`, 'bad-flatbuffer');
  }
}
