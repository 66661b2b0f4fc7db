import { defineReader } from './report';
import type { ReportBuilder } from './report';
import { clip, startsWithBytes } from './text';
import type { ByteSource } from './types';
import { readZipDirectory } from './zip';
import type { ZipDirectory, ZipEntry } from './zip';

export const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
export const EMPTY_ZIP_MAGIC = [0x50, 0x4b, 0x05, 0x06];

/** Legit archives of weights compress little; 100x on a big entry is a bomb's signature. */
const SUSPICIOUS_RATIO = 100;
const RATIO_MIN_BYTES = 1024 * 1024;
const SUSPICIOUS_TOTAL = 100 * 1024 ** 3;
const DETAILED_RATIO_FINDINGS = 5;
const LISTED_ENTRIES = 1000;

export function isZip(head: Buffer): boolean {
  return startsWithBytes(head, ZIP_MAGIC) || startsWithBytes(head, EMPTY_ZIP_MAGIC);
}

/** Lists the archive and flags the shapes zip bombs take. */
export async function openZip(src: ByteSource, report: ReportBuilder): Promise<ZipDirectory | undefined> {
  const dir = await readZipDirectory(src, report);
  if (dir) checkForBombs(dir, src.size, report);
  return dir;
}

export function checkForBombs(dir: ZipDirectory, fileSize: number, report: ReportBuilder): void {
  let total = 0;
  let ratios = 0;
  for (const e of dir.entries) {
    total += e.uncompressedSize;
    const ratio = e.compressedSize === 0 ? Infinity : e.uncompressedSize / e.compressedSize;
    if (e.uncompressedSize >= RATIO_MIN_BYTES && ratio > SUSPICIOUS_RATIO) {
      ratios++;
      if (ratios <= DETAILED_RATIO_FINDINGS) {
        report.warning('zip-high-compression-ratio', `entry '${clip(e.name, 120)}' claims ${e.uncompressedSize} bytes from ${e.compressedSize} compressed (over ${SUSPICIOUS_RATIO}x)`);
      }
    }
  }
  if (ratios > DETAILED_RATIO_FINDINGS) {
    report.warning('zip-high-compression-ratio', `${ratios - DETAILED_RATIO_FINDINGS} more entries compress over ${SUSPICIOUS_RATIO}x`);
  }
  // A genuine archive of huge stored checkpoints is as big as it says; a bomb is not.
  if (total > SUSPICIOUS_TOTAL && total > fileSize * SUSPICIOUS_RATIO) {
    report.error('zip-bomb', `the entries claim ${total} bytes uncompressed from a ${fileSize}-byte archive`);
  }
  checkOverlaps(dir, report);
}

/** Overlapping entries are how non-recursive bombs reuse one compressed stream many times. */
function checkOverlaps(dir: ZipDirectory, report: ReportBuilder): void {
  const sorted = [...dir.entries].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
  let overlaps = 0;
  let outside = 0;
  let prev: ZipEntry | undefined;
  for (const e of sorted) {
    // The local header's extra field is unknown here, so this end is a lower bound.
    const end = e.localHeaderOffset + 30 + e.nameBytes + e.compressedSize;
    if (end > dir.directoryOffset) outside++;
    if (prev && e.localHeaderOffset < prev.localHeaderOffset + 30 + prev.nameBytes + prev.compressedSize) {
      overlaps++;
      if (overlaps === 1) report.error('zip-overlapping-entries', `entry '${clip(e.name, 120)}' overlaps entry '${clip(prev.name, 120)}'`);
    }
    prev = e;
  }
  if (overlaps > 1) report.error('zip-overlapping-entries', `${overlaps - 1} more entries overlap their neighbours`);
  if (outside > 0) report.error('zip-entry-out-of-bounds', `${outside} entries claim data that runs into the central directory or past it`);
}

export function zipSummary(dir: ZipDirectory): Record<string, unknown> {
  let uncompressed = 0;
  let compressed = 0;
  for (const e of dir.entries) {
    uncompressed += e.uncompressedSize;
    compressed += e.compressedSize;
  }
  return {
    entryCount: dir.totalEntries,
    zip64: dir.zip64,
    totalUncompressed: uncompressed,
    totalCompressed: compressed,
    entries: dir.entries.slice(0, LISTED_ENTRIES).map((e) => ({
      name: e.name,
      compressedSize: e.compressedSize,
      uncompressedSize: e.uncompressedSize,
      method: e.method,
      offset: e.localHeaderOffset,
      crc32: e.crc32,
    })),
  };
}

/** Any other zip: listed and checked, contents not interpreted. */
export const zipReader = defineReader({
  id: 'zip',
  kind: 'other',
  extensions: ['.zip'],
  sniff: (head) => isZip(head),
  inspect: async (src, report) => {
    const dir = await openZip(src, report);
    if (dir) Object.assign(report.summary, zipSummary(dir));
  },
});
