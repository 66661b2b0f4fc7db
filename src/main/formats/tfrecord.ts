import { maskedCrc32c } from './crc32c';
import { ByteCursor } from './cursor';
import { defineReader } from './report';
import type { ReportBuilder } from './report';
import { startsWithBytes } from './text';
import type { ByteSource } from './types';

/** Records are counted only this far in, so a 50 GB shard costs a few MB. */
const COUNT_WINDOW = 4 * 1024 * 1024;
/** The first record's data CRC is checked when it is at most this big. */
const MAX_CHECKED_RECORD = 1024 * 1024;
const GZIP = [0x1f, 0x8b];

/** TFRecord: u64 length, masked CRC-32C of the length, data, masked CRC-32C of the data. */
export const tfrecordReader = defineReader({
  id: 'tfrecord',
  kind: 'dataset',
  extensions: ['.tfrecord', '.tfrecords', '.tfrec', '.tfrecord.gz'],
  inspect: inspectTfrecord,
});

async function inspectTfrecord(src: ByteSource, report: ReportBuilder): Promise<void> {
  if (src.size === 0) {
    report.warning('tfrecord-empty', 'the file holds no records');
    return;
  }
  if (startsWithBytes(await src.read(0, 2), GZIP)) {
    report.info('tfrecord-compressed', 'the records are gzip-compressed, so they were not walked');
    report.summary.compression = 'gzip';
    return;
  }
  const c = new ByteCursor(src);
  let records = 0;
  while (c.pos < src.size && c.pos < COUNT_WINDOW) {
    if (c.remaining < 12) {
      report.error('tfrecord-truncated', `the file ends inside the header of record ${records}`);
      break;
    }
    const header = await c.bytes(12, 'a record header');
    const length = header.readBigUInt64LE(0);
    if (maskedCrc32c(header.subarray(0, 8)) !== header.readUInt32LE(8)) {
      report.error('tfrecord-bad-length-crc', `record ${records}'s length field fails its CRC-32C check, so this is not TFRecord or it is corrupt`);
      break;
    }
    if (length + 4n > BigInt(c.remaining)) {
      report.error('tfrecord-truncated', `record ${records} claims ${length} bytes, past the end of the file`);
      break;
    }
    if (records === 0) {
      report.summary.firstRecordLength = Number(length);
      if (length <= BigInt(MAX_CHECKED_RECORD)) await checkData(c, Number(length), report);
      else c.skip(Number(length) + 4);
    } else c.skip(Number(length) + 4, 'a record');
    records++;
  }
  Object.assign(report.summary, { recordsCounted: records, countComplete: c.pos >= src.size, bytesWalked: c.pos });
}

async function checkData(c: ByteCursor, length: number, report: ReportBuilder): Promise<void> {
  const data = await c.bytes(length, 'the first record');
  const crc = await c.u32('the first record\'s CRC');
  if (maskedCrc32c(data) !== crc) report.error('tfrecord-bad-data-crc', 'the first record\'s data fails its CRC-32C check');
}
