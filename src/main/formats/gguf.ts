import { ByteCursor } from './cursor';
import { fileTypeName, ggmlByteSize, ggmlTypeName } from './gguf-types';
import { GgufValueReader, summarise } from './gguf-values';
import type { GgufValue } from './gguf-values';
import { defineReader, Malformed, plural } from './report';
import type { ReportBuilder } from './report';
import { clip, startsWithBytes } from './text';
import type { ByteSource } from './types';

const MAGIC = [0x47, 0x47, 0x55, 0x46]; // 'GGUF'
/** Real files have a few dozen keys and at most tens of thousands of tensors. */
const MAX_KVS = 65_536;
const MAX_TENSORS = 1_000_000;
const MAX_DIMS = 8;
const MAX_LISTED_TENSORS = 100_000;
/** Smallest possible encodings, to reject counts that cannot fit in the file. */
const MIN_KV_BYTES = 13;
const MIN_TENSOR_INFO_BYTES = 24;
/** Lineage lists (base models, datasets) longer than this are cut. */
const MAX_LINEAGE_ITEMS = 64;

export const ggufReader = defineReader({
  id: 'gguf',
  kind: 'checkpoint',
  extensions: ['.gguf'],
  sniff: (head) => startsWithBytes(head, MAGIC),
  inspect: inspectGguf,
});

interface TensorInfo {
  name: string;
  type: string;
  shape: number[];
  /** Absolute file offsets; `end` is unknown for ggml types we do not know. */
  begin: number;
  end: number | null;
}

async function inspectGguf(src: ByteSource, report: ReportBuilder): Promise<void> {
  const c = new ByteCursor(src);
  if (!startsWithBytes(await c.bytes(4, 'the magic'), MAGIC)) {
    report.error('gguf-bad-magic', 'the file does not start with the GGUF magic');
    return;
  }
  const version = await c.u32('the version');
  if (version === 0x02000000 || version === 0x03000000) {
    report.error('gguf-unsupported', 'the file is big-endian GGUF, which is not supported');
    return;
  }
  report.summary.version = version;
  if (version !== 2 && version !== 3) {
    report.error('gguf-unsupported', `GGUF version ${version} is not supported (only versions 2 and 3)`);
    return;
  }
  const tensorCount = await c.u64('the tensor count');
  const kvCount = await c.u64('the metadata count');
  report.summary.tensorCount = tensorCount <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(tensorCount) : tensorCount.toString();
  report.summary.kvCount = kvCount <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(kvCount) : kvCount.toString();
  if (kvCount > BigInt(MAX_KVS) || kvCount * BigInt(MIN_KV_BYTES) > BigInt(c.remaining)) {
    report.error('gguf-absurd-count', `the header claims ${kvCount} metadata entries, which cannot be real; reading stopped`);
    return;
  }
  if (tensorCount > BigInt(MAX_TENSORS) || tensorCount * BigInt(MIN_TENSOR_INFO_BYTES) > BigInt(c.remaining)) {
    report.error('gguf-absurd-count', `the header claims ${tensorCount} tensors, which cannot be real; reading stopped`);
    return;
  }
  const values = new GgufValueReader(c);
  const metadata = new Map<string, GgufValue>();
  try {
    await readMetadata(Number(kvCount), values, c, metadata);
    const alignment = readAlignment(metadata, report);
    const tensors = await readTensorInfos(Number(tensorCount), values, c, report);
    const dataStart = Math.ceil(c.pos / alignment) * alignment;
    checkTensors(tensors, dataStart, alignment, src.size, report);
    Object.assign(report.summary, { alignment, dataStart, ...tensorSummary(tensors, dataStart) });
  } finally {
    Object.assign(report.summary, {
      metadata: Object.fromEntries([...metadata].map(([k, v]) => [k, summarise(v)])),
      lineage: lineage(metadata),
      quantization: quantization(metadata),
    });
    if (values.text.invalid > 0) report.warning('gguf-invalid-utf8', `${plural(values.text.invalid, 'string')} are not valid UTF-8`);
    if (values.longStrings > 0) report.info('gguf-long-string', `${plural(values.longStrings, 'string')} over 1 MB were skipped`);
  }
}

async function readMetadata(count: number, values: GgufValueReader, c: ByteCursor, into: Map<string, GgufValue>): Promise<void> {
  for (let i = 0; i < count; i++) {
    const key = await values.string('a metadata key');
    const type = await c.u32(`the type of '${clip(key, 80)}'`);
    into.set(key, await values.value(type));
  }
}

function readAlignment(metadata: Map<string, GgufValue>, report: ReportBuilder): number {
  const a = metadata.get('general.alignment');
  if (a === undefined) return 32;
  if (typeof a === 'number' && a > 0 && a <= 1 << 20 && (a & (a - 1)) === 0) return a;
  report.error('gguf-bad-alignment', `general.alignment is ${JSON.stringify(a)}, not a power of two`);
  return 32;
}

interface RawTensor {
  name: string;
  type: number;
  dims: bigint[];
  offset: bigint;
}

async function readTensorInfos(count: number, values: GgufValueReader, c: ByteCursor, report: ReportBuilder): Promise<RawTensor[]> {
  const tensors: RawTensor[] = [];
  for (let i = 0; i < count; i++) {
    const name = await values.string('a tensor name');
    const nDims = await c.u32(`the dimension count of '${clip(name, 80)}'`);
    if (nDims > MAX_DIMS) throw new Malformed(`tensor '${clip(name, 80)}' claims ${nDims} dimensions (limit ${MAX_DIMS})`, 'bad-tensor');
    const dims: bigint[] = [];
    for (let d = 0; d < nDims; d++) dims.push(await c.u64('a tensor dimension'));
    const type = await c.u32('a tensor type');
    const offset = await c.u64('a tensor offset');
    tensors.push({ name, type, dims, offset });
  }
  if (tensors.length > MAX_LISTED_TENSORS) report.info('gguf-tensor-list-truncated', `only the first ${MAX_LISTED_TENSORS} tensors are listed`);
  return tensors;
}

function checkTensors(tensors: RawTensor[], dataStart: number, alignment: number, size: number, report: ReportBuilder): void {
  const spans: [bigint, bigint, string][] = [];
  for (const t of tensors) {
    const label = `tensor '${clip(t.name, 120)}'`;
    if (t.offset % BigInt(alignment) !== 0n) report.warning('gguf-misaligned-tensor', `${label} starts at data offset ${t.offset}, not a multiple of ${alignment}`);
    const bytes = ggmlByteSize(t.type, elements(t.dims));
    if (bytes === undefined) {
      report.info('gguf-unknown-tensor-type', `${label} has ggml type ${t.type}, whose size is unknown here`);
      continue;
    }
    const begin = BigInt(dataStart) + t.offset;
    if (begin + bytes > BigInt(size)) {
      report.error('gguf-tensor-out-of-bounds', `${label} needs bytes ${begin}..${begin + bytes}, past the end of the ${size}-byte file`);
    }
    spans.push([begin, begin + bytes, t.name]);
  }
  spans.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (let i = 1; i < spans.length; i++) {
    const [begin, , name] = spans[i]!;
    const [, prevEnd, prevName] = spans[i - 1]!;
    if (begin < prevEnd) report.error('gguf-overlapping-tensors', `tensor '${clip(name, 120)}' overlaps tensor '${clip(prevName, 120)}'`);
  }
}

function elements(dims: bigint[]): bigint {
  return dims.reduce((acc, d) => acc * d, 1n);
}

function tensorSummary(tensors: RawTensor[], dataStart: number): Record<string, unknown> {
  const tensorTypes: Record<string, number> = {};
  let parameters = 0n;
  const listed: TensorInfo[] = [];
  for (const t of tensors) {
    const type = ggmlTypeName(t.type);
    tensorTypes[type] = (tensorTypes[type] ?? 0) + 1;
    const n = elements(t.dims);
    parameters += n;
    if (listed.length >= MAX_LISTED_TENSORS) continue;
    const begin = dataStart + Number(t.offset);
    const bytes = ggmlByteSize(t.type, n);
    listed.push({ name: t.name, type, shape: t.dims.map(Number), begin, end: bytes === undefined ? null : begin + Number(bytes) });
  }
  return { totalParameters: Number(parameters), tensorTypes, tensors: listed };
}

function text(v: GgufValue | undefined): string | undefined {
  return typeof v === 'string' ? clip(v, 4096) : undefined;
}

/** `general.base_model.N.*` and `general.dataset.N.*` become lists of objects. */
function numbered(metadata: Map<string, GgufValue>, prefix: string): Record<string, GgufValue>[] {
  const count = metadata.get(`${prefix}.count`);
  if (typeof count !== 'number' || count <= 0) return [];
  const items: Record<string, GgufValue>[] = [];
  for (let i = 0; i < Math.min(count, MAX_LINEAGE_ITEMS); i++) {
    const itemPrefix = `${prefix}.${i}.`;
    const item = new Map<string, GgufValue>();
    for (const [k, v] of metadata) if (k.startsWith(itemPrefix)) item.set(k.slice(itemPrefix.length), summarise(v));
    items.push(Object.fromEntries(item));
  }
  return items;
}

function lineage(metadata: Map<string, GgufValue>): Record<string, unknown> {
  return {
    name: text(metadata.get('general.name')),
    architecture: text(metadata.get('general.architecture')),
    license: text(metadata.get('general.license')),
    organization: text(metadata.get('general.organization')),
    baseModelCount: metadata.get('general.base_model.count'),
    baseModels: numbered(metadata, 'general.base_model'),
    datasetCount: metadata.get('general.dataset.count'),
    datasets: numbered(metadata, 'general.dataset'),
  };
}

function quantization(metadata: Map<string, GgufValue>): Record<string, unknown> {
  const fileType = metadata.get('general.file_type');
  return {
    fileType: typeof fileType === 'number' ? fileType : undefined,
    fileTypeName: typeof fileType === 'number' ? fileTypeName(fileType) : undefined,
    quantizationVersion: metadata.get('general.quantization_version'),
  };
}
