import { writeFileSync } from 'node:fs';

export interface TensorSpec {
  name: string;
  shape: number[];
  /** Values, written as little-endian float32. */
  values: Float32Array;
}

/** Writes a real safetensors file (F32 tensors), with optional `__metadata__`. */
export function writeSafetensors(path: string, tensors: TensorSpec[], metadata: Record<string, string> = {}): void {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    const bytes = t.values.length * 4;
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (8 - (json.length % 8)) % 8; // keep tensor data 8-byte aligned, as the reference writer does
  json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  const data = Buffer.concat(tensors.map((t) => Buffer.from(t.values.buffer, t.values.byteOffset, t.values.byteLength)));
  writeFileSync(path, Buffer.concat([len, json, data]));
}

/** Deterministic pseudo-random floats, so a demo or fixture is the same bytes every time. */
export function seededValues(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = ((x >>> 0) / 0xffffffff - 0.5) * 0.2;
  }
  return out;
}
