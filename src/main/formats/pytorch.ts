import { MAX_PICKLE_BYTES, scanPickle } from './pickle';
import { pickleFindings, pickleSummary } from './pickle-report';
import type { PickleScan } from './pickle';
import { defineReader, hasExtension } from './report';
import type { ReportBuilder } from './report';
import { clip } from './text';
import type { ByteSource } from './types';
import { readZipEntry, readZipEntryPrefix } from './zip';
import type { ZipDirectory, ZipEntry } from './zip';
import { isZip, openZip } from './zip-archive';

const EXTENSIONS = ['.pt', '.pth', '.bin', '.ckpt', '.pt2'];
/** TorchScript archives hold several pickles (constants.pkl, per-module ones). */
const MAX_PICKLES_SCANNED = 16;
/** torch's legacy format writes five pickles back to back, then raw storage bytes. */
const LEGACY_PICKLES = 5;

/** A pickle protocol byte followed by a protocol number we know. */
export function isPickleHead(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x80 && (head[1] ?? 9) <= 5;
}

export const pytorchReader = defineReader({
  id: 'pytorch',
  kind: 'checkpoint',
  extensions: EXTENSIONS,
  // PK and 0x80 are shared with other formats, so the name has to agree too.
  sniff: (head, name) => hasExtension(name, EXTENSIONS) && (isZip(head) || isPickleHead(head)),
  inspect: async (src, report) => {
    const head = await src.read(0, 4);
    if (isZip(head)) return inspectZipCheckpoint(src, report);
    if (isPickleHead(head)) {
      report.summary.container = 'legacy-pickle';
      report.info('pickle-legacy-format', 'the checkpoint uses torch\'s legacy (pre-1.6) pickle format, not the zip format');
      return inspectPickleFile(src, report, LEGACY_PICKLES);
    }
    report.warning('pytorch-unrecognised', 'the file is neither a zip nor a pickle, so it is not a torch.save checkpoint');
  },
});

/** Plain `.pkl` files: only the opcode scan. */
export const pickleReader = defineReader({
  id: 'pickle',
  kind: 'other',
  extensions: ['.pkl', '.pickle'],
  inspect: (src, report) => inspectPickleFile(src, report, 1),
});

async function inspectPickleFile(src: ByteSource, report: ReportBuilder, maxPickles: number): Promise<void> {
  if (src.size === 0) {
    report.error(`${report.format}-empty`, 'the file is empty');
    return;
  }
  const data = await src.read(0, Math.min(src.size, MAX_PICKLE_BYTES));
  const scan = scanPickle(data, maxPickles);
  if (src.size > MAX_PICKLE_BYTES && !scan.complete) {
    report.info('pickle-scan-truncated', `only the first ${MAX_PICKLE_BYTES} bytes of the pickle were scanned`);
  }
  addScan(scan, report);
  report.summary.pickle = pickleSummary(scan);
}

function addScan(scan: PickleScan, report: ReportBuilder): void {
  for (const f of pickleFindings(scan)) report.add(f.severity, f.code, f.message);
}

async function inspectZipCheckpoint(src: ByteSource, report: ReportBuilder): Promise<void> {
  report.summary.container = 'zip';
  const dir = await openZip(src, report);
  if (!dir) return;
  const pickles = dir.entries.filter((e) => e.name.endsWith('.pkl'));
  const main = pickles.find((e) => /(^|\/)data\.pkl$/.test(e.name));
  report.summary.entryCount = dir.totalEntries;
  report.summary.storages = dir.entries.filter((e) => /(^|\/)data\/\d+$/.test(e.name)).length;
  report.summary.version = await smallText(src, dir, /(^|\/)version$/);
  report.summary.byteorder = await smallText(src, dir, /(^|\/)byteorder$/);
  if (dir.entries.some((e) => /(^|\/)code\//.test(e.name))) {
    report.info('pytorch-torchscript', 'the archive holds TorchScript code, which torch.jit.load compiles and runs');
  }
  if (!main) {
    report.error('pytorch-no-data-pkl', 'the zip has no data.pkl, so it is not a torch.save checkpoint');
  }
  const ordered = main ? [main, ...pickles.filter((e) => e !== main)] : pickles;
  const scanned: Record<string, unknown>[] = [];
  for (const entry of ordered.slice(0, MAX_PICKLES_SCANNED)) {
    const scan = await scanEntry(src, entry, report);
    if (!scan) continue;
    addScan(scan, report);
    scanned.push({ entry: entry.name, ...pickleSummary(scan) });
  }
  if (ordered.length > MAX_PICKLES_SCANNED) {
    report.warning('pickle-not-all-scanned', `only ${MAX_PICKLES_SCANNED} of ${ordered.length} pickles in the archive were scanned`);
  }
  report.summary.pickles = scanned;
  // The main pickle's counts, where lineage looks first.
  const first = scanned[0];
  if (main && first) {
    report.summary.tensors = first.tensors;
    report.summary.globals = first.globals;
  }
}

async function scanEntry(src: ByteSource, entry: ZipEntry, report: ReportBuilder): Promise<PickleScan | undefined> {
  if (entry.uncompressedSize > MAX_PICKLE_BYTES && entry.method === 0) {
    report.info('pickle-scan-truncated', `only the first ${MAX_PICKLE_BYTES} bytes of '${clip(entry.name, 120)}' were scanned`);
    const prefix = await readZipEntryPrefix(src, entry, MAX_PICKLE_BYTES);
    return prefix ? scanPickle(prefix) : undefined;
  }
  const read = await readZipEntry(src, entry, MAX_PICKLE_BYTES);
  if (!read.ok) {
    report.error(read.code, `the pickle could not be read: ${read.message}`);
    return undefined;
  }
  if (!read.crcMatches) report.warning('zip-crc-mismatch', `entry '${clip(entry.name, 120)}' does not match its CRC-32`);
  return scanPickle(read.data);
}

/** `version` and `byteorder` are a few bytes of text. */
async function smallText(src: ByteSource, dir: ZipDirectory, pattern: RegExp): Promise<string | undefined> {
  const entry = dir.entries.find((e) => pattern.test(e.name));
  if (!entry) return undefined;
  const read = await readZipEntry(src, entry, 64);
  return read.ok ? clip(read.data.toString('latin1').trim(), 64) : undefined;
}
