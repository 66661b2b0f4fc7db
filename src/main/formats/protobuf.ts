import type { ByteCursor } from './cursor';
import { Malformed, Truncated } from './report';

/** Protobuf wire types we can walk; 3 and 4 (groups) are long deprecated. */
export const Wire = { VARINT: 0, I64: 1, LEN: 2, I32: 5 } as const;

export interface PbField {
  field: number;
  wire: number;
  /** Varints as bigint, fixed-width as their raw bytes, LEN as the payload. */
  value: bigint | Buffer;
}

/** Fields in one in-memory message; messages we decode are small, but a hostile one is not. */
const MAX_FIELDS = 100_000;

export function readVarint(buf: Buffer, pos: number): [bigint, number] {
  let result = 0n;
  for (let shift = 0n, i = pos; shift < 70n; shift += 7n, i++) {
    if (i >= buf.length) throw new Truncated('a protobuf varint runs past the end of its message');
    const b = buf[i]!;
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result, i + 1];
  }
  throw new Malformed('a protobuf varint is longer than 10 bytes', 'not-protobuf');
}

export async function cursorVarint(c: ByteCursor): Promise<bigint> {
  let result = 0n;
  for (let shift = 0n; shift < 70n; shift += 7n) {
    const b = await c.u8('a protobuf varint');
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return result;
  }
  throw new Malformed('a protobuf varint is longer than 10 bytes', 'not-protobuf');
}

/** Splits a tag into field number and wire type, rejecting what protobuf cannot encode. */
export function splitTag(tag: bigint): { field: number; wire: number } {
  const field = Number(tag >> 3n);
  const wire = Number(tag & 7n);
  if (field === 0 || field > 536_870_911) throw new Malformed(`protobuf field number ${field} is invalid`, 'not-protobuf');
  if (wire !== Wire.VARINT && wire !== Wire.I64 && wire !== Wire.LEN && wire !== Wire.I32) {
    throw new Malformed(`protobuf wire type ${wire} (field ${field}) is not supported`, 'not-protobuf');
  }
  return { field, wire };
}

/** Decodes one small message held in memory, without interpreting nested messages. */
export function decodeMessage(buf: Buffer): PbField[] {
  const fields: PbField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    if (fields.length >= MAX_FIELDS) throw new Malformed(`a message has more than ${MAX_FIELDS} fields`, 'not-protobuf');
    const [tag, afterTag] = readVarint(buf, pos);
    const { field, wire } = splitTag(tag);
    pos = afterTag;
    if (wire === Wire.VARINT) {
      const [value, next] = readVarint(buf, pos);
      fields.push({ field, wire, value });
      pos = next;
      continue;
    }
    let length: number;
    if (wire === Wire.LEN) {
      const [len, next] = readVarint(buf, pos);
      pos = next;
      if (len > BigInt(buf.length - pos)) throw new Truncated(`field ${field} claims ${len} bytes, past the end of its message`);
      length = Number(len);
    } else length = wire === Wire.I64 ? 8 : 4;
    if (pos + length > buf.length) throw new Truncated(`field ${field} runs past the end of its message`);
    fields.push({ field, wire, value: buf.subarray(pos, pos + length) });
    pos += length;
  }
  return fields;
}

export function asNumber(v: bigint | Buffer | undefined): number | undefined {
  if (typeof v !== 'bigint') return undefined;
  // int64 fields arrive as two's complement in 64 bits.
  const signed = BigInt.asIntN(64, v);
  return signed <= BigInt(Number.MAX_SAFE_INTEGER) && signed >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(signed) : undefined;
}
