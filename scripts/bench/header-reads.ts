import { closeSync, openSync, readFileSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { inspectFile } from '../../src/main/formats/index';

/**
 * Huge checkpoints as sparse files: a real header followed by holes up to the
 * size the header's tensors claim, so the readers see a consistent 100 GB file
 * that costs no disk. What matters is how much of it they read.
 */
export interface HeaderRead {
  format: string;
  fileBytes: number;
  /** Where the tensor data starts: the header is everything before it. */
  headerBytes: number;
  /** The reader's own count (ByteSource.bytesRead). */
  bytesRead: number;
  /** Bytes this process read through system calls meanwhile (/proc/self/io rchar), or null off Linux. */
  osBytesRead: number | null;
  /** Blocks the file really occupies on disk. */
  diskBytes: number;
  ms: number;
  findings: string[];
  summary: Record<string, unknown>;
}

const TENSOR_ROWS = 8192;
const TENSOR_COLS = 8192;
/** 2-byte elements (BF16 / F16): 128 MiB per tensor. */
const TENSOR_BYTES = TENSOR_ROWS * TENSOR_COLS * 2;

function tensorNames(count: number): string[] {
  const parts = ['attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_gate', 'ffn_up', 'ffn_down'];
  return Array.from({ length: count }, (_, i) => `blk.${Math.floor(i / parts.length)}.${parts[i % parts.length]}.weight`);
}

function writeHeaderThenHoles(path: string, header: Buffer, totalBytes: number): void {
  const fd = openSync(path, 'w');
  try {
    let done = 0;
    while (done < header.length) done += writeSync(fd, header, done, header.length - done, done);
  } finally {
    closeSync(fd);
  }
  truncateSync(path, totalBytes);
}

/** A safetensors file: 8-byte length, a JSON header padded to 8 like the reference writer, then data. */
export function writeSparseSafetensors(path: string, targetBytes: number): { headerBytes: number; fileBytes: number } {
  const count = Math.max(1, Math.floor(targetBytes / TENSOR_BYTES));
  const header: Record<string, unknown> = { __metadata__: { format: 'pt', source: 'pedigree bench', base_model: 'example/base-100b' } };
  tensorNames(count).forEach((name, i) => (header[name] = { dtype: 'BF16', shape: [TENSOR_ROWS, TENSOR_COLS], data_offsets: [i * TENSOR_BYTES, (i + 1) * TENSOR_BYTES] }));
  let json = Buffer.from(JSON.stringify(header));
  if (json.length % 8) json = Buffer.concat([json, Buffer.alloc(8 - (json.length % 8), 0x20)]);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  const head = Buffer.concat([length, json]);
  const fileBytes = head.length + count * TENSOR_BYTES;
  writeHeaderThenHoles(path, head, fileBytes);
  return { headerBytes: head.length, fileBytes };
}

/** GGUF v3 as llama.cpp writes it: counts, metadata (with a 32,000-token vocabulary), tensor infos, aligned data. */
export function writeSparseGguf(path: string, targetBytes: number): { headerBytes: number; fileBytes: number } {
  const parts: Buffer[] = [];
  const u32 = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    parts.push(b);
  };
  const u64 = (v: number | bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    parts.push(b);
  };
  const str = (s: string) => {
    const b = Buffer.from(s);
    u64(b.length);
    parts.push(b);
  };
  const f32 = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    parts.push(b);
  };
  type Value = { u32: number } | { f32: number } | { string: string } | { strings: string[] };
  const value = (v: Value) => {
    if ('u32' in v) {
      u32(4);
      u32(v.u32);
    } else if ('f32' in v) {
      u32(6);
      f32(v.f32);
    } else if ('string' in v) {
      u32(8);
      str(v.string);
    } else {
      u32(9); // array
      u32(8); // of strings
      u64(v.strings.length);
      v.strings.forEach(str);
    }
  };
  const count = Math.max(1, Math.floor(targetBytes / TENSOR_BYTES));
  const kvs: [string, Value][] = [
    ['general.architecture', { string: 'llama' }],
    ['general.name', { string: 'Bench 100B' }],
    ['general.alignment', { u32: 32 }],
    ['general.file_type', { u32: 1 }],
    ['general.base_model.count', { u32: 1 }],
    ['general.base_model.0.name', { string: 'Example Base 100B' }],
    ['general.dataset.count', { u32: 1 }],
    ['general.dataset.0.name', { string: 'Example Corpus' }],
    ['llama.block_count', { u32: Math.ceil(count / 7) }],
    ['llama.context_length', { u32: 8192 }],
    ['llama.embedding_length', { u32: TENSOR_COLS }],
    ['llama.rope.freq_base', { f32: 500_000 }],
    ['tokenizer.ggml.model', { string: 'llama' }],
    ['tokenizer.ggml.tokens', { strings: Array.from({ length: 32_000 }, (_, i) => `tok${i}`) }],
  ];
  parts.push(Buffer.from('GGUF'));
  u32(3);
  u64(count);
  u64(kvs.length);
  for (const [key, v] of kvs) {
    str(key);
    value(v);
  }
  tensorNames(count).forEach((name, i) => {
    str(name);
    u32(2);
    u64(TENSOR_COLS); // ggml lists dims fastest-varying first
    u64(TENSOR_ROWS);
    u32(1); // F16
    u64(i * TENSOR_BYTES);
  });
  let head = Buffer.concat(parts);
  head = Buffer.concat([head, Buffer.alloc((32 - (head.length % 32)) % 32)]);
  const fileBytes = head.length + count * TENSOR_BYTES;
  writeHeaderThenHoles(path, head, fileBytes);
  return { headerBytes: head.length, fileBytes };
}

function rchar(): number | null {
  try {
    const m = /^rchar:\s+(\d+)/m.exec(readFileSync('/proc/self/io', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Writes the file, inspects it with the app's reader, deletes it. */
export async function measureHeaderRead(dir: string, format: 'safetensors' | 'gguf', targetBytes: number): Promise<HeaderRead> {
  const path = join(dir, `huge.${format}`);
  try {
    const { headerBytes, fileBytes } = format === 'safetensors' ? writeSparseSafetensors(path, targetBytes) : writeSparseGguf(path, targetBytes);
    const diskBytes = statSync(path).blocks * 512;
    const io0 = rchar();
    const t0 = performance.now();
    const report = await inspectFile(path);
    const ms = performance.now() - t0;
    const io1 = rchar();
    // The /proc read itself counts in rchar: take off the cost of one such read.
    const probe = io1 === null ? 0 : (rchar() ?? io1) - io1;
    return {
      format: report.format,
      fileBytes,
      headerBytes,
      bytesRead: report.bytesRead,
      osBytesRead: io0 === null || io1 === null ? null : io1 - io0 - probe,
      diskBytes,
      ms,
      findings: report.findings.filter((f) => f.severity !== 'info').map((f) => `${f.severity} ${f.code}: ${f.message}`),
      summary: { tensorCount: report.summary.tensorCount, totalParameters: report.summary.totalParameters, dataStart: report.summary.dataStart, kvCount: report.summary.kvCount },
    };
  } finally {
    rmSync(path, { force: true });
  }
}
