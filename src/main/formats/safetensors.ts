import { defineReader, readExact, toSafeNumber } from './report';
import type { ReportBuilder } from './report';
import { isRecord } from './json-file';
import { clip, decodeUtf8 } from './text';
import type { ByteSource } from './types';

/** The reference implementation refuses headers over 100 MB; so do we, before reading them. */
export const MAX_HEADER_BYTES = 100_000_000;
/** Tensors listed in the summary (all are still checked and counted). */
export const MAX_LISTED_TENSORS = 100_000;

/** Bits per element; sub-byte types (F4, F6) are why this is not bytes. */
const DTYPE_BITS: Record<string, number> = {
  BOOL: 8, U8: 8, I8: 8, F8_E5M2: 8, F8_E4M3: 8, F8_E8M0: 8,
  I16: 16, U16: 16, F16: 16, BF16: 16,
  I32: 32, U32: 32, F32: 32,
  I64: 64, U64: 64, F64: 64, C64: 64,
  F4: 4, F6_E2M3: 6, F6_E3M2: 6,
};

export interface SafetensorsTensor {
  name: string;
  dtype: string;
  shape: number[];
  /** Absolute file offsets, so a later step can hash each tensor's bytes. */
  begin: number;
  end: number;
}

export const safetensorsReader = defineReader({
  id: 'safetensors',
  kind: 'checkpoint',
  extensions: ['.safetensors'],
  // No magic: a little-endian length whose high bytes are zero, then '{'.
  sniff: (head) => head.length >= 10 && head[8] === 0x7b && head.readUInt16LE(6) === 0 && (head[9] === 0x22 || head[9] === 0x7d),
  inspect: inspectSafetensors,
});

async function inspectSafetensors(src: ByteSource, report: ReportBuilder): Promise<void> {
  const headerLength = (await readExact(src, 0, 8, 'the 8-byte header length')).readBigUInt64LE(0);
  report.summary.headerLength = headerLength.toString();
  if (headerLength > BigInt(MAX_HEADER_BYTES)) {
    report.error('safetensors-header-too-large', `the JSON header claims ${headerLength} bytes, over the ${MAX_HEADER_BYTES}-byte limit; it was not read`);
    return;
  }
  const length = toSafeNumber(headerLength, 'the header length');
  const dataStart = 8 + length;
  const raw = await readExact(src, 8, length, 'the end of the JSON header');
  const text = decodeUtf8(raw);
  if (text === undefined) {
    report.error('safetensors-header-invalid-utf8', 'the JSON header is not valid UTF-8');
    return;
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    report.error('safetensors-header-not-json', `the header is not JSON: ${e instanceof Error ? e.message : String(e)}`);
    return;
  }
  if (!isRecord(header)) {
    report.error('safetensors-header-not-object', 'the JSON header is not an object of tensors');
    return;
  }
  report.summary.dataStart = dataStart;
  report.summary.metadata = readMetadata(header.__metadata__, report);
  checkTensors(header, dataStart, src.size, report);
}

function readMetadata(value: unknown, report: ReportBuilder): Record<string, string> {
  const metadata: Record<string, string> = {};
  if (value === undefined) return metadata;
  if (!isRecord(value)) {
    report.warning('safetensors-metadata-not-object', '__metadata__ is not an object');
    return metadata;
  }
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'string') metadata[k] = clip(v, 4096);
    else report.warning('safetensors-metadata-not-string', `__metadata__ value '${clip(k, 80)}' is not a string`);
  }
  return metadata;
}

function checkTensors(header: Record<string, unknown>, dataStart: number, fileSize: number, report: ReportBuilder): void {
  const dataLength = fileSize - dataStart;
  const tensors: SafetensorsTensor[] = [];
  const dtypes: Record<string, number> = {};
  let count = 0;
  let parameters = 0n;
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    count++;
    const tensor = parseTensor(name, entry, report);
    if (!tensor) continue;
    dtypes[tensor.dtype] = (dtypes[tensor.dtype] ?? 0) + 1;
    parameters += tensor.elements;
    const [begin, end] = tensor.offsets;
    const expected = (tensor.elements * BigInt(DTYPE_BITS[tensor.dtype] ?? 8) + 7n) / 8n;
    if (end > dataLength) {
      report.error('safetensors-offsets-out-of-bounds', `tensor '${clip(name, 120)}' ends at data offset ${end}, past the ${dataLength} bytes of data`);
    } else if (BigInt(end - begin) !== expected) {
      report.error('safetensors-size-mismatch', `tensor '${clip(name, 120)}' has ${end - begin} bytes but ${tensor.dtype}${JSON.stringify(tensor.shape)} needs ${expected}`);
    }
    if (tensors.length < MAX_LISTED_TENSORS) {
      tensors.push({ name, dtype: tensor.dtype, shape: tensor.shape, begin: dataStart + begin, end: dataStart + end });
    }
  }
  if (count > MAX_LISTED_TENSORS) {
    report.info('safetensors-tensor-list-truncated', `only the first ${MAX_LISTED_TENSORS} of ${count} tensors are listed`);
  }
  checkLayout(tensors, dataStart, dataLength, count, report);
  Object.assign(report.summary, {
    tensorCount: count,
    totalParameters: Number(parameters),
    dtypes,
    tensors,
  });
}

interface ParsedTensor {
  dtype: string;
  shape: number[];
  elements: bigint;
  offsets: [number, number];
}

function parseTensor(name: string, entry: unknown, report: ReportBuilder): ParsedTensor | undefined {
  const label = `tensor '${clip(name, 120)}'`;
  if (!isRecord(entry)) {
    report.error('safetensors-bad-tensor', `${label} is not an object`);
    return undefined;
  }
  const { dtype, shape, data_offsets: offsets } = entry;
  if (typeof dtype !== 'string' || !(dtype in DTYPE_BITS)) {
    report.error('safetensors-unknown-dtype', `${label} has unknown dtype ${clip(JSON.stringify(dtype) ?? 'undefined', 40)}`);
    return undefined;
  }
  if (!Array.isArray(shape) || shape.length > 64 || !shape.every(isDimension)) {
    report.error('safetensors-bad-shape', `${label} has a shape that is not a list of non-negative integers`);
    return undefined;
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isDimension)) {
    report.error('safetensors-bad-offsets', `${label} has data_offsets that are not two non-negative integers`);
    return undefined;
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) {
    report.error('safetensors-offsets-reversed', `${label} ends (${end}) before it begins (${begin})`);
    return undefined;
  }
  const elements = (shape as number[]).reduce((acc, d) => acc * BigInt(d), 1n);
  return { dtype, shape: shape as number[], elements, offsets: [begin, end] };
}

/** Tensors must tile the data region: no overlaps (two names, one buffer) and, per the spec, no holes. */
function checkLayout(tensors: SafetensorsTensor[], dataStart: number, dataLength: number, count: number, report: ReportBuilder): void {
  const sorted = [...tensors].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = dataStart;
  let gaps = 0;
  for (const t of sorted) {
    if (t.begin < cursor) {
      report.error('safetensors-overlapping-tensors', `tensor '${clip(t.name, 120)}' starts at ${t.begin}, inside the previous tensor (which ends at ${cursor})`);
    } else if (t.begin > cursor) {
      gaps++;
    }
    cursor = Math.max(cursor, t.end);
  }
  if (gaps > 0) report.warning('safetensors-gap', `the data region has ${gaps} unindexed gap(s) between tensors`);
  if (count === tensors.length && cursor < dataStart + dataLength && tensors.length > 0) {
    report.warning('safetensors-trailing-bytes', `${dataStart + dataLength - cursor} bytes after the last tensor are not indexed`);
  }
}

function isDimension(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
