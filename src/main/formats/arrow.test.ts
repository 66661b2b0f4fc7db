import { describe, expect, it } from 'vitest';
import {
  buildArrowFile, buildArrowStream, field, finish, i16, i32, intType, ref, schema, string, table, u8, utf8Type,
} from '../../../test/fixtures/formats/arrow';
import { codes, errors, readWith } from '../../../test/fixtures/formats/helpers';
import { arrowReader } from './arrow';
import { FbTable } from './flatbuffer';

const expectedFields = [
  { name: 'id', type: 'int64', nullable: true },
  { name: 'text', type: 'utf8', nullable: true },
];

describe('Arrow IPC reader', () => {
  it('reads the file footer: schema, batches and rows from batch headers only', async () => {
    const file = buildArrowFile([5, 7, 11]);
    const r = await readWith(arrowReader, 'data.arrow', file);
    expect(r.findings).toEqual([]);
    expect(r.summary).toMatchObject({
      container: 'file',
      version: 4,
      fields: expectedFields,
      columns: ['id', 'text'],
      metadata: { huggingface: '{"info":{}}' },
      recordBatches: 3,
      rows: 23,
      rowsComplete: true,
    });
  });

  it('reads the stream format that HF datasets caches use', async () => {
    const stream = buildArrowStream([1000, 1000, 24]);
    expect(arrowReader.sniff?.(stream.subarray(0, 64), 'data-00000-of-00001.arrow')).toBe(true);
    const r = await readWith(arrowReader, 'data-00000-of-00001.arrow', stream);
    expect(r.findings).toEqual([]);
    expect(r.summary).toMatchObject({ container: 'stream', fields: expectedFields, recordBatches: 3, rows: 2024, rowsComplete: true });
  });

  it('describes nested and parameterised types', async () => {
    const ts = table(i16(2), ref(string('UTC')));
    const s = schema([
      field('when', 10, ts),
      field('emb', 16, table(i32(4)), [field('item', 3, table(i16(1)))]),
      field('flag', 6, table()),
      field('u', 2, intType(8, false)),
    ]);
    const r = await readWith(arrowReader, 'x.arrow', buildArrowStream([1], s));
    expect(r.summary.fields).toEqual([
      { name: 'when', type: 'timestamp[us, UTC]', nullable: true },
      { name: 'emb', type: 'fixed_size_list[4]', nullable: true, children: [{ name: 'item', type: 'float32', nullable: true }] },
      { name: 'flag', type: 'bool', nullable: true },
      { name: 'u', type: 'uint8', nullable: true },
    ]);
  });

  it('reports truncated files and streams, and empty files', async () => {
    const file = buildArrowFile([5]);
    expect(errors(await readWith(arrowReader, 'x.arrow', file.subarray(0, file.length - 3)))).toEqual(['arrow-truncated']);
    const stream = buildArrowStream([5, 5]);
    expect(errors(await readWith(arrowReader, 'x.arrow', stream.subarray(0, stream.length - 20)))).toEqual(['arrow-truncated']);
    expect(codes(await readWith(arrowReader, 'x.arrow', Buffer.alloc(0)))).toEqual(['arrow-no-end-marker']);
  });

  it('reports a stream that does not start with a schema, and lying lengths', async () => {
    const headless = buildArrowStream([5]).subarray(buildArrowStream([]).length - 8);
    expect(codes(await readWith(arrowReader, 'x.arrow', headless))).toContain('arrow-no-schema');
    const lie = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]);
    expect(errors(await readWith(arrowReader, 'x.arrow', lie))).toEqual(['arrow-bad-message']);
    const badFooter = Buffer.from(buildArrowFile([1]));
    badFooter.writeInt32LE(0x7ffffff0, badFooter.length - 10);
    expect(errors(await readWith(arrowReader, 'x.arrow', badFooter))).toEqual(['arrow-bad-footer']);
  });
});

describe('flatbuffer reader', () => {
  it('bounds-checks every offset', () => {
    const buf = finish(table(u8(1), ref(string('hello')), undefined, i32(-5)));
    const t = FbTable.root(buf);
    expect([t.uint8(0), t.string(1), t.string(2), t.int32(3), t.int32(9, 42)]).toEqual([1, 'hello', undefined, -5, 42]);
    const broken = Buffer.from(buf);
    broken.writeUInt32LE(10_000, 0);
    expect(() => FbTable.root(broken)).toThrow(/outside/);
    expect(() => FbTable.root(Buffer.alloc(2))).toThrow(/outside/);
  });

  it('keeps utf8Type an empty table', () => {
    expect(() => FbTable.root(finish(utf8Type()))).not.toThrow();
  });
});
