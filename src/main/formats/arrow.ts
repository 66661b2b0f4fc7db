import { readSchema } from './arrow-schema';
import type { ArrowSchema } from './arrow-schema';
import { FbTable } from './flatbuffer';
import { defineReader, Malformed, readExact } from './report';
import type { ReportBuilder } from './report';
import { startsWithBytes } from './text';
import type { ByteSource } from './types';

const ARROW1 = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31];
const CONTINUATION = 0xffffffff;
const MAX_FOOTER = 64 * 1024 * 1024;
/** Schemas with HF metadata run to a few hundred KB; batch headers are tiny. */
const MAX_SCHEMA_MESSAGE = 16 * 1024 * 1024;
const MAX_BATCH_MESSAGE = 1024 * 1024;
/** Batches whose headers are read for the row count; past this the count is partial. */
const MAX_COUNTED_BATCHES = 10_000;
const HEADER = { SCHEMA: 1, DICTIONARY_BATCH: 2, RECORD_BATCH: 3 } as const;

export const arrowReader = defineReader({
  id: 'arrow',
  kind: 'dataset',
  extensions: ['.arrow', '.feather', '.ipc', '.arrows'],
  // The file format starts with ARROW1; a stream with the continuation marker.
  sniff: (head) => startsWithBytes(head, ARROW1) || (head.length >= 8 && head.readUInt32LE(0) === CONTINUATION && head.readInt32LE(4) > 0),
  inspect: async (src, report) => {
    const head = await src.read(0, 8);
    if (startsWithBytes(head, ARROW1)) return inspectFile(src, report);
    return inspectStream(src, report);
  },
});

interface Counts {
  recordBatches: number;
  dictionaryBatches: number;
  rows: number;
  rowsComplete: boolean;
}

async function inspectFile(src: ByteSource, report: ReportBuilder): Promise<void> {
  report.summary.container = 'file';
  if (src.size < 18) throw new Malformed(`the file is ${src.size} bytes, too short for an Arrow file`, 'truncated');
  const tail = await readExact(src, src.size - 10, 10, 'the footer length');
  if (!startsWithBytes(tail, ARROW1, 4)) {
    report.error('arrow-truncated', 'the file starts with ARROW1 but does not end with it (truncated?)');
    return;
  }
  const footerLength = tail.readInt32LE(0);
  if (footerLength <= 0 || footerLength > MAX_FOOTER || footerLength > src.size - 18) {
    report.error('arrow-bad-footer', `the footer length ${footerLength} is impossible for a ${src.size}-byte file`);
    return;
  }
  const footer = FbTable.root(await readExact(src, src.size - 10 - footerLength, footerLength, 'the footer'));
  report.summary.version = footer.int16(0);
  const schema = footer.table(1);
  if (schema) putSchema(readSchema(schema), report);
  else report.error('arrow-no-schema', 'the footer has no schema');
  const dictionaries = footer.vector(2, 24);
  const batches = footer.vector(3, 24);
  const counts: Counts = { recordBatches: batches?.length ?? 0, dictionaryBatches: dictionaries?.length ?? 0, rows: 0, rowsComplete: true };
  if (batches) {
    for (let i = 0; i < batches.length; i++) {
      if (i >= MAX_COUNTED_BATCHES) {
        counts.rowsComplete = false;
        break;
      }
      const at = batches.start + 24 * i;
      const offset = Number(footer.buf.readBigInt64LE(at));
      const length = footer.buf.readInt32LE(at + 8);
      counts.rows += await batchRows(src, offset, length, report);
    }
  }
  Object.assign(report.summary, counts);
}

/** Rows in one record batch, from its Message header alone; the body is not read. */
async function batchRows(src: ByteSource, offset: number, length: number, report: ReportBuilder): Promise<number> {
  if (offset < 0 || length <= 0 || length > MAX_BATCH_MESSAGE || offset + length > src.size) {
    report.error('arrow-bad-block', `a record batch block (${length} bytes at ${offset}) is out of bounds`);
    return 0;
  }
  const buf = await readExact(src, offset, length, 'a record batch header');
  const start = buf.readUInt32LE(0) === CONTINUATION ? 8 : 4;
  const message = FbTable.root(buf.subarray(start));
  return message.uint8(1) === HEADER.RECORD_BATCH ? (message.table(2)?.int64(0) ?? 0) : 0;
}

/** The stream format (HF `datasets` caches): messages back to back until an end marker. */
async function inspectStream(src: ByteSource, report: ReportBuilder): Promise<void> {
  report.summary.container = 'stream';
  const counts: Counts = { recordBatches: 0, dictionaryBatches: 0, rows: 0, rowsComplete: true };
  let pos = 0;
  let sawSchema = false;
  try {
    for (let messages = 0; ; messages++) {
      if (pos + 4 > src.size) {
        report.warning('arrow-no-end-marker', 'the stream ends without its end-of-stream marker');
        break;
      }
      if (counts.recordBatches >= MAX_COUNTED_BATCHES) {
        counts.rowsComplete = false;
        break;
      }
      let prefix = await readExact(src, pos, 8 <= src.size - pos ? 8 : 4, 'a message length');
      let length = prefix.readUInt32LE(0);
      let headerBytes = 4;
      if (length === CONTINUATION) {
        prefix = await readExact(src, pos, 8, 'a message length');
        length = prefix.readUInt32LE(4);
        headerBytes = 8;
      }
      if (length === 0) break; // end of stream
      const cap = sawSchema ? MAX_BATCH_MESSAGE : MAX_SCHEMA_MESSAGE;
      if (length > cap) throw new Malformed(`message ${messages} claims ${length} bytes of metadata (limit ${cap})`, 'bad-message');
      const message = FbTable.root(await readExact(src, pos + headerBytes, length, `message ${messages}`));
      const type = message.uint8(1);
      const bodyLength = message.int64(3);
      if (bodyLength < 0) throw new Malformed(`message ${messages} has a negative body length`, 'bad-message');
      if (type === HEADER.SCHEMA) {
        const schema = message.table(2);
        if (schema && !sawSchema) putSchema(readSchema(schema), report);
        sawSchema = true;
      } else if (type === HEADER.RECORD_BATCH) {
        counts.recordBatches++;
        counts.rows += message.table(2)?.int64(0) ?? 0;
      } else if (type === HEADER.DICTIONARY_BATCH) counts.dictionaryBatches++;
      if (messages === 0 && type !== HEADER.SCHEMA) report.error('arrow-no-schema', 'the stream does not start with a schema message');
      pos += headerBytes + length + bodyLength;
      if (pos > src.size) {
        report.error('arrow-truncated', `message ${messages} has a body past the end of the file`);
        counts.rowsComplete = false;
        break;
      }
    }
  } finally {
    Object.assign(report.summary, counts);
  }
}

function putSchema(schema: ArrowSchema, report: ReportBuilder): void {
  report.summary.fields = schema.fields;
  report.summary.columns = schema.fields.map((f) => f.name);
  report.summary.metadata = schema.metadata;
}
