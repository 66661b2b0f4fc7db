import { arrowReader } from './arrow';
import { cardReader } from './card';
import { jsonReader, tomlReader, yamlReader } from './config';
import { codeReader, environmentReader, requirementsReader } from './environment';
import { ggufReader } from './gguf';
import { hdf5Reader } from './hdf5';
import { kerasReader } from './keras';
import { msgpackReader } from './msgpack';
import { npyReader, npzReader } from './npy';
import { onnxReader } from './onnx';
import { parquetReader } from './parquet';
import { pickleReader, pytorchReader } from './pytorch';
import { safetensorsReader } from './safetensors';
import { shardIndexReader } from './shard-index';
import { csvReader, jsonlReader } from './text-dataset';
import { tfrecordReader } from './tfrecord';
import { openByteSource } from './types';
import type { ByteSource, FormatReader, FormatReport } from './types';
import { zipReader } from './zip-archive';

/** Bytes read before choosing a reader. */
export const HEAD_BYTES = 64;

/**
 * Every reader, in the order they are asked. Within each pass the first
 * match wins, so specific readers come before general ones: the zip-based
 * formats before plain zip, `*.safetensors.index.json` and named
 * environment files before the generic JSON, YAML and TOML readers.
 */
export const formatReaders: readonly FormatReader[] = [
  // Readers that recognise their magic bytes.
  ggufReader,
  safetensorsReader,
  pytorchReader,
  npzReader,
  kerasReader,
  zipReader,
  parquetReader,
  arrowReader,
  npyReader,
  hdf5Reader,
  // Readers that go by name alone.
  shardIndexReader,
  pickleReader,
  onnxReader,
  tfrecordReader,
  msgpackReader,
  requirementsReader,
  environmentReader,
  cardReader,
  jsonlReader,
  csvReader,
  jsonReader,
  yamlReader,
  tomlReader,
  codeReader,
];

/**
 * Content first, name second: a GGUF file named `model.bin` is GGUF, and a
 * `.safetensors` file that is really a zip is read as a zip.
 */
export function detectFormat(name: string, head: Buffer): FormatReader | undefined {
  return formatReaders.find((r) => r.sniff?.(head, name) ?? false) ?? formatReaders.find((r) => r.match(name, head));
}

/** Reads one file's report through an existing source; never throws. */
export async function inspectSource(src: ByteSource, name = src.path): Promise<FormatReport> {
  const head = await src.read(0, Math.min(HEAD_BYTES, src.size));
  const reader = detectFormat(name, head);
  if (reader) return reader.read(src);
  return { format: 'unknown', kind: 'other', summary: { size: src.size }, findings: [] };
}

export async function inspectFile(path: string): Promise<FormatReport & { bytesRead: number }> {
  let src: Awaited<ReturnType<typeof openByteSource>>;
  try {
    src = await openByteSource(path);
  } catch (e) {
    return { ...failure(e, 'the file cannot be opened'), bytesRead: 0 };
  }
  try {
    return { ...(await inspectSource(src)), bytesRead: src.bytesRead };
  } catch (e) {
    // Readers catch their own errors; this is an I/O failure on the head read.
    return { ...failure(e, 'the file cannot be read'), bytesRead: src.bytesRead };
  } finally {
    await src.close().catch(() => undefined);
  }
}

function failure(e: unknown, what: string): FormatReport {
  const message = `${what}: ${e instanceof Error ? e.message : String(e)}`;
  return { format: 'unknown', kind: 'other', summary: {}, findings: [{ severity: 'error', code: 'file-unreadable', message }] };
}

export type { ByteSource, FileKind, FormatFinding, FormatReader, FormatReport, Severity } from './types';
export { bufferSource, openByteSource } from './types';
