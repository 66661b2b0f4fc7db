import { Malformed, Truncated } from './report';

/**
 * A generic Thrift compact-protocol decoder: structs become maps from field
 * id to value, so a reader picks the fields it knows and ignores the rest.
 */
export type ThriftValue = boolean | number | bigint | Buffer | ThriftValue[] | ThriftStruct;
export type ThriftStruct = Map<number, ThriftValue>;

const T = {
  BOOL_TRUE: 1, BOOL_FALSE: 2, BYTE: 3, I16: 4, I32: 5, I64: 6, DOUBLE: 7,
  BINARY: 8, LIST: 9, SET: 10, MAP: 11, STRUCT: 12,
} as const;
const MAX_DEPTH = 64;

export class ThriftDecoder {
  private pos = 0;
  private values = 0;

  /** `maxValues` bounds work and memory whatever the counts in the data say. */
  constructor(
    private readonly buf: Buffer,
    private readonly maxValues = 20_000_000,
  ) {}

  struct(depth = 0): ThriftStruct {
    if (depth > MAX_DEPTH) throw new Malformed(`structs nested deeper than ${MAX_DEPTH}`, 'bad-footer');
    const out: ThriftStruct = new Map();
    let lastId = 0;
    for (;;) {
      const header = this.byte();
      if (header === 0) return out;
      const type = header & 0x0f;
      const delta = header >> 4;
      const id = delta !== 0 ? lastId + delta : Number(zigzag(this.varint()));
      lastId = id;
      out.set(id, type === T.BOOL_TRUE ? true : type === T.BOOL_FALSE ? false : this.value(type, depth));
    }
  }

  private value(type: number, depth: number): ThriftValue {
    if (++this.values > this.maxValues) throw new Malformed(`the footer holds more than ${this.maxValues} values`, 'bad-footer');
    switch (type) {
      case T.BOOL_TRUE:
      case T.BOOL_FALSE:
        return this.byte() === 1; // inside lists a bool is one byte
      case T.BYTE:
        return (this.byte() << 24) >> 24;
      case T.I16:
      case T.I32:
        return Number(zigzag(this.varint()));
      case T.I64: {
        const v = zigzag(this.varint());
        return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v;
      }
      case T.DOUBLE:
        return this.take(8).readDoubleLE(0);
      case T.BINARY:
        return this.take(this.length());
      case T.LIST:
      case T.SET: {
        const header = this.byte();
        const size = header >> 4 === 15 ? this.length() : header >> 4;
        return this.items(size, header & 0x0f, depth);
      }
      case T.MAP: {
        const size = this.length();
        if (size === 0) return [];
        const types = this.byte();
        const pairs: ThriftValue[] = [];
        for (let i = 0; i < size; i++) pairs.push([this.value(types >> 4, depth + 1), this.value(types & 0x0f, depth + 1)]);
        return pairs;
      }
      case T.STRUCT:
        return this.struct(depth + 1);
      default:
        throw new Malformed(`unknown Thrift type ${type} at byte ${this.pos}`, 'bad-footer');
    }
  }

  private items(size: number, type: number, depth: number): ThriftValue[] {
    const items: ThriftValue[] = [];
    for (let i = 0; i < size; i++) items.push(this.value(type, depth + 1));
    return items;
  }

  /** A count or byte length: every element takes at least a byte, so it cannot exceed what is left. */
  private length(): number {
    const n = this.varint();
    if (n > BigInt(this.buf.length - this.pos)) throw new Truncated(`a length of ${n} at byte ${this.pos} runs past the end of the footer`);
    return Number(n);
  }

  private byte(): number {
    if (this.pos >= this.buf.length) throw new Truncated('the footer ends inside a Thrift structure');
    return this.buf[this.pos++]!;
  }

  private take(n: number): Buffer {
    if (this.pos + n > this.buf.length) throw new Truncated('the footer ends inside a Thrift value');
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  private varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
    }
    throw new Malformed('a Thrift varint is longer than 10 bytes', 'bad-footer');
  }
}

function zigzag(n: bigint): bigint {
  return (n >> 1n) ^ -(n & 1n);
}

// Typed accessors for reading decoded structs.
export function num(s: ThriftStruct | undefined, id: number): number | undefined {
  const v = s?.get(id);
  return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : undefined;
}
export function str(s: ThriftStruct | undefined, id: number): string | undefined {
  const v = s?.get(id);
  return Buffer.isBuffer(v) ? v.toString('utf8') : undefined;
}
export function list(s: ThriftStruct | undefined, id: number): ThriftValue[] {
  const v = s?.get(id);
  return Array.isArray(v) ? v : [];
}
export function isStruct(v: ThriftValue | undefined): v is ThriftStruct {
  return v instanceof Map;
}
