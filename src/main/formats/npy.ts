import { hasObjects, itemSize, parsePyLiteral } from './npy-header';
import type { PyLiteral } from './npy-header';
import { MAX_PICKLE_BYTES, scanPickle } from './pickle';
import { pickleFindings } from './pickle-report';
import { defineReader, hasExtension } from './report';
import type { ReportBuilder } from './report';
import { clip, startsWithBytes } from './text';
import type { ByteSource } from './types';
import { readZipEntry, readZipEntryPrefix } from './zip';
import { isZip, openZip } from './zip-archive';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** numpy writes headers of a few hundred bytes; it refuses over 10 KB unless told otherwise. */
const MAX_HEADER = 1024 * 1024;
/** numpy's own headers fit in this; longer ones cost a second read. */
const FIRST_READ = 4096;
const MAX_NPZ_ARRAYS = 1000;
const MAX_NPZ_OBJECT_SCANS = 8;

export interface NpyHeader {
  version: string;
  descr: PyLiteral;
  shape: number[];
  fortranOrder: boolean;
  /** Offset of the array data. */
  dataStart: number;
  /** Expected data bytes, when the dtype's size is known. */
  dataBytes: number | undefined;
  objects: boolean;
}

/** Parses a header from the first bytes of a .npy; throws a sentence on failure. */
export function parseNpyHeader(buf: Buffer): NpyHeader {
  if (!startsWithBytes(buf, MAGIC)) throw new Error('it does not start with the \\x93NUMPY magic');
  if (buf.length < 10) throw new Error('it ends inside the header length');
  const major = buf[6]!;
  const lengthBytes = major === 1 ? 2 : 4;
  if (major < 1 || major > 3) throw new Error(`format version ${major} is unknown`);
  const headerLength = lengthBytes === 2 ? buf.readUInt16LE(8) : buf.length >= 12 ? buf.readUInt32LE(8) : Infinity;
  const start = 8 + lengthBytes;
  if (headerLength > MAX_HEADER) throw new Error(`the header claims ${headerLength} bytes (limit ${MAX_HEADER})`);
  if (start + headerLength > buf.length) throw new Error('it ends inside the header');
  const text = buf.toString(major === 3 ? 'utf8' : 'latin1', start, start + headerLength);
  const dict = parsePyLiteral(text);
  if (typeof dict !== 'object' || dict === null || Array.isArray(dict)) throw new Error('the header is not a dict');
  const { descr, shape, fortran_order: fortranOrder } = dict;
  if (descr === undefined) throw new Error("the header has no 'descr'");
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
    throw new Error("the header's 'shape' is not a tuple of non-negative integers");
  }
  const size = itemSize(descr);
  const elements = (shape as number[]).reduce((a, d) => a * d, 1);
  return {
    version: `${major}.${buf[7]}`,
    descr,
    shape: shape as number[],
    fortranOrder: fortranOrder === true,
    dataStart: start + headerLength,
    dataBytes: size === undefined ? undefined : elements * size,
    objects: hasObjects(descr),
  };
}

/** Bytes up to the end of the header, capped, from the fixed prefix. */
function headerEnd(buf: Buffer): number {
  if (buf.length < 12) return 12;
  const end = buf[6] === 1 ? 10 + buf.readUInt16LE(8) : 12 + buf.readUInt32LE(8);
  return Math.min(end, MAX_HEADER + 12);
}

function describe(h: NpyHeader): Record<string, unknown> {
  return { dtype: typeof h.descr === 'string' ? h.descr : JSON.stringify(h.descr), shape: h.shape, fortranOrder: h.fortranOrder };
}

export const npyReader = defineReader({
  id: 'npy',
  kind: 'dataset',
  extensions: ['.npy'],
  sniff: (head) => startsWithBytes(head, MAGIC),
  inspect: async (src, report) => {
    let buf = await src.read(0, Math.min(src.size, FIRST_READ));
    const need = headerEnd(buf);
    if (need > buf.length) buf = await src.read(0, Math.min(need, src.size));
    let header: NpyHeader;
    try {
      header = parseNpyHeader(buf);
    } catch (e) {
      report.error('npy-bad-header', `the .npy header cannot be read: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    Object.assign(report.summary, { version: header.version, ...describe(header) });
    if (header.dataBytes !== undefined && !header.objects) {
      const actual = src.size - header.dataStart;
      if (actual < header.dataBytes) report.error('npy-truncated', `the array needs ${header.dataBytes} bytes of data but the file has ${actual}`);
      else if (actual > header.dataBytes) report.warning('npy-trailing-bytes', `${actual - header.dataBytes} bytes follow the array data`);
    }
    if (header.objects) {
      report.warning('npy-object-dtype', 'the array holds Python objects, stored as a pickle: loading it needs allow_pickle=True');
      const data = await src.read(header.dataStart, Math.min(src.size - header.dataStart, MAX_PICKLE_BYTES));
      for (const f of pickleFindings(scanPickle(data))) report.add(f.severity, f.code, f.message);
    }
  },
});

export const npzReader = defineReader({
  id: 'npz',
  kind: 'dataset',
  extensions: ['.npz'],
  sniff: (head, name) => hasExtension(name, ['.npz']) && isZip(head),
  inspect: inspectNpz,
});

async function inspectNpz(src: ByteSource, report: ReportBuilder): Promise<void> {
  const dir = await openZip(src, report);
  if (!dir) return;
  const arrays: Record<string, unknown>[] = [];
  let objectScans = 0;
  const members = dir.entries.filter((e) => e.name.endsWith('.npy'));
  for (const entry of members.slice(0, MAX_NPZ_ARRAYS)) {
    const name = entry.name.slice(0, -4);
    let prefix = await readZipEntryPrefix(src, entry, FIRST_READ);
    if (prefix && headerEnd(prefix) > prefix.length) prefix = await readZipEntryPrefix(src, entry, headerEnd(prefix));
    let header: NpyHeader;
    try {
      if (!prefix) throw new Error('the entry cannot be read');
      header = parseNpyHeader(prefix);
    } catch (e) {
      report.error('npz-bad-member', `array '${clip(name, 120)}': ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    arrays.push({ name, ...describe(header) });
    if (header.objects && objectScans++ < MAX_NPZ_OBJECT_SCANS) {
      report.warning('npy-object-dtype', `array '${clip(name, 120)}' holds Python objects, stored as a pickle: loading it needs allow_pickle=True`);
      const read = await readZipEntry(src, entry, MAX_PICKLE_BYTES);
      if (read.ok) for (const f of pickleFindings(scanPickle(read.data.subarray(header.dataStart)))) report.add(f.severity, f.code, f.message);
    }
  }
  if (members.length > MAX_NPZ_ARRAYS) report.info('npz-array-list-truncated', `only the first ${MAX_NPZ_ARRAYS} of ${members.length} arrays are listed`);
  const others = dir.entries.length - members.length;
  if (others > 0) report.info('npz-extra-members', `${others} archive members are not .npy arrays`);
  Object.assign(report.summary, { entryCount: dir.totalEntries, arrays });
}
