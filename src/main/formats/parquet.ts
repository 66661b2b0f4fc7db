import { defineReader, readExact } from './report';
import type { ReportBuilder } from './report';
import { clip, startsWithBytes } from './text';
import { isStruct, list, num, str, ThriftDecoder } from './thrift';
import type { ThriftStruct } from './thrift';
import type { ByteSource } from './types';

const PAR1 = [0x50, 0x41, 0x52, 0x31];
const PARE = [0x50, 0x41, 0x52, 0x45]; // encrypted footer
/** Footers of wide tables with many row groups reach tens of MB; more is not a real footer. */
const MAX_FOOTER = 64 * 1024 * 1024;
const MAX_LISTED_SCHEMA = 1000;
const MAX_KEY_VALUES = 100;

const TYPES = ['BOOLEAN', 'INT32', 'INT64', 'INT96', 'FLOAT', 'DOUBLE', 'BYTE_ARRAY', 'FIXED_LEN_BYTE_ARRAY'];
const REPETITIONS = ['REQUIRED', 'OPTIONAL', 'REPEATED'];
const CONVERTED = [
  'UTF8', 'MAP', 'MAP_KEY_VALUE', 'LIST', 'ENUM', 'DECIMAL', 'DATE', 'TIME_MILLIS', 'TIME_MICROS', 'TIMESTAMP_MILLIS',
  'TIMESTAMP_MICROS', 'UINT_8', 'UINT_16', 'UINT_32', 'UINT_64', 'INT_8', 'INT_16', 'INT_32', 'INT_64', 'JSON', 'BSON', 'INTERVAL',
];
/** LogicalType is a union: the id of the field that is set names it. */
const LOGICAL: Record<number, string> = {
  1: 'STRING', 2: 'MAP', 3: 'LIST', 4: 'ENUM', 5: 'DECIMAL', 6: 'DATE', 7: 'TIME', 8: 'TIMESTAMP', 10: 'INTEGER',
  11: 'NULL', 12: 'JSON', 13: 'BSON', 14: 'UUID', 15: 'FLOAT16', 16: 'VARIANT', 17: 'GEOMETRY', 18: 'GEOGRAPHY',
};

export const parquetReader = defineReader({
  id: 'parquet',
  kind: 'dataset',
  extensions: ['.parquet', '.pq'],
  sniff: (head) => startsWithBytes(head, PAR1),
  inspect: inspectParquet,
});

async function inspectParquet(src: ByteSource, report: ReportBuilder): Promise<void> {
  if (src.size < 12) {
    report.error('parquet-truncated', `the file is ${src.size} bytes, too short for a Parquet file`);
    return;
  }
  const head = await readExact(src, 0, 4, 'the magic');
  const tail = await readExact(src, src.size - 8, 8, 'the footer length');
  if (startsWithBytes(tail, PARE, 4)) {
    report.warning('parquet-encrypted', 'the footer is encrypted, so the schema cannot be read');
    return;
  }
  if (!startsWithBytes(head, PAR1) || !startsWithBytes(tail, PAR1, 4)) {
    report.error('parquet-bad-magic', 'the file does not start and end with PAR1 (truncated or not Parquet)');
    return;
  }
  const footerLength = tail.readUInt32LE(0);
  report.summary.footerLength = footerLength;
  if (footerLength > MAX_FOOTER) {
    report.error('parquet-footer-too-large', `the footer claims ${footerLength} bytes, over the ${MAX_FOOTER}-byte limit; it was not read`);
    return;
  }
  if (footerLength > src.size - 12) {
    report.error('parquet-truncated', `the footer claims ${footerLength} bytes but the file has only ${src.size - 12} between its magics`);
    return;
  }
  const footer = await readExact(src, src.size - 8 - footerLength, footerLength, 'the footer');
  const meta = new ThriftDecoder(footer).struct();
  summarise(meta, report);
}

function summarise(meta: ThriftStruct, report: ReportBuilder): void {
  const schema = list(meta, 2).filter(isStruct);
  const rowGroups = list(meta, 4).filter(isStruct);
  const keyValues: Record<string, string> = {};
  for (const kv of list(meta, 5).filter(isStruct).slice(0, MAX_KEY_VALUES)) {
    const key = str(kv, 1);
    if (key !== undefined) Object.defineProperty(keyValues, key, { value: clip(str(kv, 2) ?? '', 4096), enumerable: true });
  }
  const numRows = num(meta, 3);
  const groupRows = rowGroups.reduce((acc, g) => acc + (num(g, 3) ?? 0), 0);
  if (numRows !== undefined && rowGroups.length > 0 && groupRows !== numRows) {
    report.warning('parquet-row-count-mismatch', `the footer says ${numRows} rows but its row groups add up to ${groupRows}`);
  }
  if (schema.length === 0) report.error('parquet-no-schema', 'the footer has no schema');
  Object.assign(report.summary, {
    version: num(meta, 1),
    numRows,
    rowGroups: rowGroups.length,
    createdBy: str(meta, 6),
    columns: leafColumns(schema),
    schema: schema.slice(0, MAX_LISTED_SCHEMA).map(describeElement),
    keyValueMetadata: keyValues,
  });
}

function describeElement(e: ThriftStruct): Record<string, unknown> {
  const type = num(e, 1);
  const repetition = num(e, 3);
  const converted = num(e, 6);
  const logical = e.get(10);
  return {
    name: clip(str(e, 4) ?? '', 256),
    type: type === undefined ? undefined : (TYPES[type] ?? `type-${type}`),
    repetition: repetition === undefined ? undefined : REPETITIONS[repetition],
    convertedType: converted === undefined ? undefined : CONVERTED[converted],
    logicalType: isStruct(logical) ? (LOGICAL[[...logical.keys()][0] ?? 0] ?? 'unknown') : undefined,
    children: num(e, 5),
  };
}

/** Dotted paths of the leaf columns; the schema is a tree flattened depth-first. */
function leafColumns(schema: ThriftStruct[]): string[] {
  const out: string[] = [];
  let i = 1; // element 0 is the root
  const walk = (prefix: string, count: number, depth: number): void => {
    for (let k = 0; k < count && i < schema.length && out.length < MAX_LISTED_SCHEMA; k++) {
      const e = schema[i++]!;
      const name = prefix ? `${prefix}.${str(e, 4) ?? ''}` : (str(e, 4) ?? '');
      const children = num(e, 5) ?? 0;
      if (children > 0 && depth < 64) walk(name, children, depth + 1);
      else out.push(clip(name, 512));
    }
  };
  walk('', num(schema[0], 5) ?? schema.length - 1, 0);
  return out;
}
