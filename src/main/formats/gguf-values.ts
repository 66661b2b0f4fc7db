import type { ByteCursor } from './cursor';
import { Malformed } from './report';
import { clip, LenientText } from './text';

/** GGUF metadata value types, as numbered in the spec. */
export const GgufType = {
  UINT8: 0, INT8: 1, UINT16: 2, INT16: 3, UINT32: 4, INT32: 5, FLOAT32: 6,
  BOOL: 7, STRING: 8, ARRAY: 9, UINT64: 10, INT64: 11, FLOAT64: 12,
} as const;

const TYPE_NAMES = ['uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32', 'float32', 'bool', 'string', 'array', 'uint64', 'int64', 'float64'];
const FIXED_SIZES: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

/** Chat templates run to tens of KB; a megabyte string is not metadata. */
export const MAX_STRING_BYTES = 1024 * 1024;
/** Vocabularies and merges reach a few hundred thousand items. */
export const MAX_ARRAY_ITEMS = 16 * 1024 * 1024;
const MAX_ARRAY_DEPTH = 4;
/** Array items kept in the summary; the rest are only counted. */
const ARRAY_HEAD = 8;
/** Strings longer than this are cut in the summary (kept whole for lineage keys). */
const SUMMARY_STRING = 1024;

export type GgufScalar = number | string | boolean;
export interface GgufArraySummary {
  type: 'array';
  itemType: string;
  length: number;
  head: GgufValue[];
}
export type GgufValue = GgufScalar | GgufArraySummary;

/** Reads metadata values through a cursor, skipping what it does not keep. */
export class GgufValueReader {
  readonly text = new LenientText();
  longStrings = 0;

  constructor(private readonly cursor: ByteCursor) {}

  async string(what = 'a string'): Promise<string> {
    const length = await this.cursor.u64(`the length of ${what}`);
    if (length > BigInt(MAX_STRING_BYTES)) {
      if (length > BigInt(this.cursor.remaining)) throw new Malformed(`${what} claims ${length} bytes, more than the rest of the file`, 'absurd-length');
      this.longStrings++;
      this.cursor.skip(Number(length), what);
      return `<${length} bytes not read>`;
    }
    return this.text.decode(await this.cursor.bytes(Number(length), what));
  }

  async value(type: number, depth = 0): Promise<GgufValue> {
    const c = this.cursor;
    switch (type) {
      case GgufType.UINT8: return c.u8();
      case GgufType.INT8: return c.i8();
      case GgufType.UINT16: return c.u16();
      case GgufType.INT16: return c.i16();
      case GgufType.UINT32: return c.u32();
      case GgufType.INT32: return c.i32();
      case GgufType.FLOAT32: return c.f32();
      case GgufType.BOOL: return (await c.u8()) !== 0;
      case GgufType.STRING: return this.string();
      case GgufType.UINT64: return bigToJson(await c.u64());
      case GgufType.INT64: return bigToJson(await c.i64());
      case GgufType.FLOAT64: return c.f64();
      case GgufType.ARRAY: return this.array(depth);
      default: throw new Malformed(`unknown metadata value type ${type}`, 'bad-value-type');
    }
  }

  private async array(depth: number): Promise<GgufArraySummary> {
    if (depth >= MAX_ARRAY_DEPTH) throw new Malformed(`arrays nested deeper than ${MAX_ARRAY_DEPTH}`, 'absurd-nesting');
    const itemType = await this.cursor.u32('an array item type');
    const count = await this.cursor.u64('an array length');
    if (count > BigInt(MAX_ARRAY_ITEMS)) throw new Malformed(`an array claims ${count} items (limit ${MAX_ARRAY_ITEMS})`, 'absurd-count');
    const length = Number(count);
    const fixed = FIXED_SIZES[itemType];
    // Every item takes at least one byte (eight for a string's length).
    if (length * (fixed ?? 8) > this.cursor.remaining) {
      throw new Malformed(`an array of ${length} ${typeName(itemType)} items does not fit in the rest of the file`, 'absurd-count');
    }
    const head: GgufValue[] = [];
    for (let i = 0; i < Math.min(length, ARRAY_HEAD); i++) head.push(summarise(await this.value(itemType, depth + 1)));
    const rest = length - head.length;
    if (rest > 0) {
      if (fixed !== undefined) this.cursor.skip(rest * fixed, 'an array');
      else if (itemType === GgufType.STRING) {
        for (let i = 0; i < rest; i++) await this.skipString();
      } else {
        for (let i = 0; i < rest; i++) await this.value(itemType, depth + 1);
      }
    }
    return { type: 'array', itemType: typeName(itemType), length, head };
  }

  /** Vocabulary entries are walked, not decoded. */
  private async skipString(): Promise<void> {
    const length = await this.cursor.u64('the length of an array string');
    if (length > BigInt(this.cursor.remaining)) throw new Malformed(`an array string claims ${length} bytes, more than the rest of the file`, 'absurd-length');
    this.cursor.skip(Number(length), 'an array string');
  }
}

export function typeName(type: number): string {
  return TYPE_NAMES[type] ?? `type-${type}`;
}

function bigToJson(v: bigint): number | string {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString();
}

export function summarise(v: GgufValue): GgufValue {
  return typeof v === 'string' ? clip(v, SUMMARY_STRING) : v;
}
