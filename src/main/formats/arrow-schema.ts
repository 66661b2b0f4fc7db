import type { FbTable } from './flatbuffer';
import { clip } from './text';

/** Arrow's Schema and Field tables (Schema.fbs), turned into plain descriptions. */

const MAX_FIELDS = 10_000;
const MAX_DEPTH = 32;
const MAX_METADATA = 100;
const UNITS = ['s', 'ms', 'us', 'ns'];

export interface ArrowField {
  name: string;
  type: string;
  nullable: boolean;
  children?: ArrowField[];
}

export interface ArrowSchema {
  fields: ArrowField[];
  metadata: Record<string, string>;
}

export function readSchema(schema: FbTable): ArrowSchema {
  const budget = { fields: MAX_FIELDS };
  return {
    fields: schema.tables(1, MAX_FIELDS).map((f) => readField(f, 0, budget)),
    metadata: readKeyValues(schema, 2),
  };
}

/** custom_metadata: HF `datasets` keeps its features JSON here under 'huggingface'. */
export function readKeyValues(table: FbTable, index: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of table.tables(index, MAX_METADATA)) {
    const key = kv.string(0);
    if (key !== undefined) Object.defineProperty(out, key, { value: clip(kv.string(1) ?? '', 4096), enumerable: true });
  }
  return out;
}

function readField(field: FbTable, depth: number, budget: { fields: number }): ArrowField {
  budget.fields--;
  const out: ArrowField = {
    name: clip(field.string(0) ?? '', 256),
    type: typeName(field.uint8(2), field.table(3)),
    nullable: field.bool(1),
  };
  if (field.table(4)) out.type = `dictionary<${out.type}>`;
  if (depth < MAX_DEPTH && budget.fields > 0) {
    const children: ArrowField[] = [];
    for (const c of field.tables(5, budget.fields)) {
      if (budget.fields <= 0) break;
      children.push(readField(c, depth + 1, budget));
    }
    if (children.length > 0) out.children = children;
  }
  return out;
}

function typeName(kind: number, t: FbTable | undefined): string {
  const unit = (i: number, fallback: number) => UNITS[t?.int16(i, fallback) ?? fallback] ?? 'unit?';
  switch (kind) {
    case 1: return 'null';
    case 2: return `${t?.bool(1) ? 'int' : 'uint'}${t?.int32(0) ?? 0}`;
    case 3: return ['float16', 'float32', 'float64'][t?.int16(0) ?? 0] ?? 'float?';
    case 4: return 'binary';
    case 5: return 'utf8';
    case 6: return 'bool';
    case 7: return `decimal${t?.int32(2, 128) ?? 128}(${t?.int32(0) ?? 0}, ${t?.int32(1) ?? 0})`;
    case 8: return (t?.int16(0, 1) ?? 1) === 0 ? 'date32' : 'date64';
    case 9: return `time${t?.int32(1, 32) ?? 32}[${unit(0, 1)}]`;
    case 10: {
      const tz = t?.string(1);
      return `timestamp[${unit(0, 0)}${tz ? `, ${clip(tz, 64)}` : ''}]`;
    }
    case 11: return 'interval';
    case 12: return 'list';
    case 13: return 'struct';
    case 14: return 'union';
    case 15: return `fixed_size_binary[${t?.int32(0) ?? 0}]`;
    case 16: return `fixed_size_list[${t?.int32(0) ?? 0}]`;
    case 17: return 'map';
    case 18: return `duration[${unit(0, 1)}]`;
    case 19: return 'large_binary';
    case 20: return 'large_utf8';
    case 21: return 'large_list';
    case 22: return 'run_end_encoded';
    case 23: return 'binary_view';
    case 24: return 'utf8_view';
    case 25: return 'list_view';
    case 26: return 'large_list_view';
    default: return `type-${kind}`;
  }
}
