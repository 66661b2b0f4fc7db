import { describe, expect, it } from 'vitest';
import { codes, errors, readWith } from '../../../test/fixtures/formats/helpers';
import { bin, buildParquet, encodeStruct, i32, i64, st, structs } from '../../../test/fixtures/formats/parquet';
import { parquetReader } from './parquet';

const read = (buf: Buffer) => readWith(parquetReader, 'train.parquet', buf);

describe('Parquet reader', () => {
  it('decodes the footer: schema, rows, row groups, key-value metadata', async () => {
    const r = await read(buildParquet());
    expect(r.findings).toEqual([]);
    expect(r.summary).toMatchObject({
      version: 2,
      numRows: 3,
      rowGroups: 1,
      createdBy: 'parquet-cpp-arrow version 14.0.0',
      columns: ['id', 'text'],
      keyValueMetadata: { huggingface: '{"info":{"features":{}}}' },
    });
    expect((r.summary.schema as unknown[])[2]).toMatchObject({ name: 'text', type: 'BYTE_ARRAY', repetition: 'OPTIONAL', convertedType: 'UTF8', logicalType: 'STRING' });
  });

  it('gives nested columns dotted paths and decodes long lists and big field ids', async () => {
    const leaves = Array.from({ length: 20 }, (_, i) => st([1, i32(1)], [4, bin(`c${i}`)]));
    const footer = encodeStruct([
      [2, structs(st([4, bin('root')], [5, i32(2)]), st([4, bin('group')], [5, i32(20)]), ...leaves, st([1, i32(2)], [4, bin('last')]))],
      [3, i64(2n ** 40n)],
      [100, i32(7)], // an unknown field, long-form header
    ]);
    const r = await read(buildParquet(footer));
    expect(r.summary.columns).toHaveLength(21);
    expect((r.summary.columns as string[])[0]).toBe('group.c0');
    expect((r.summary.columns as string[])[20]).toBe('last');
    expect(r.summary.numRows).toBe(2 ** 40);
  });

  it('reports bad magic, huge or truncated footers, garbage footers and empty files', async () => {
    const good = buildParquet();
    expect(errors(await read(good.subarray(0, good.length - 1)))).toEqual(['parquet-bad-magic']);
    const huge = Buffer.from(good);
    huge.writeUInt32LE(0xfffffff0, huge.length - 8);
    expect(errors(await read(huge))).toEqual(['parquet-footer-too-large']);
    const long = Buffer.from(good);
    long.writeUInt32LE(good.length, long.length - 8);
    expect(errors(await read(long))).toEqual(['parquet-truncated']);
    const garbage = buildParquet(Buffer.from([0x19, 0xfc, 0xff, 0xff, 0xff, 0x0f]));
    expect(errors(await read(garbage))).toEqual(['parquet-truncated']);
    expect(errors(await read(buildParquet(Buffer.from([0x1d, 0x00]))))).toEqual(['parquet-bad-footer']);
    expect(errors(await read(Buffer.alloc(0)))).toEqual(['parquet-truncated']);
  });

  it('notices row groups that disagree with the row count', async () => {
    const footer = encodeStruct([
      [2, structs(st([4, bin('schema')], [5, i32(0)]))],
      [3, i64(10)],
      [4, structs(st([3, i64(4)]))],
    ]);
    expect(codes(await read(buildParquet(footer)))).toEqual(['parquet-row-count-mismatch']);
  });
});
