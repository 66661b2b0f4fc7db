import { describe, expect, it } from 'vitest';
import { codes, errors, readWith } from '../../../test/fixtures/formats/helpers';
import { buildSafetensors, withHeader } from '../../../test/fixtures/formats/safetensors';
import { safetensorsReader } from './safetensors';
import { shardIndexReader } from './shard-index';

const read = (buf: Buffer) => readWith(safetensorsReader, 'model.safetensors', buf);

describe('safetensors reader', () => {
  it('lists tensors with absolute offsets, dtypes and parameter count', async () => {
    const file = buildSafetensors(
      [
        { name: 'embed.weight', dtype: 'F16', shape: [4, 8] },
        { name: 'lm_head.weight', dtype: 'F32', shape: [8, 4] },
        { name: 'step', dtype: 'I64', shape: [] },
      ],
      { format: 'pt', base_model: 'tiny' },
    );
    const r = await read(file);
    expect(r.findings).toEqual([]);
    expect(r.format).toBe('safetensors');
    expect(r.kind).toBe('checkpoint');
    expect(r.summary).toMatchObject({ tensorCount: 3, totalParameters: 65, dtypes: { F16: 1, F32: 1, I64: 1 }, metadata: { format: 'pt', base_model: 'tiny' } });
    const tensors = r.summary.tensors as { name: string; begin: number; end: number }[];
    const dataStart = r.summary.dataStart as number;
    expect(tensors[0]).toEqual({ name: 'embed.weight', dtype: 'F16', shape: [4, 8], begin: dataStart, end: dataStart + 64 });
    expect(tensors[2]!.end).toBe(file.length);
  });

  it('refuses a header over 100 MB without reading it', async () => {
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(200_000_000n);
    const r = await read(length);
    expect(codes(r)).toEqual(['safetensors-header-too-large']);
    expect(r.bytesRead).toBe(8);
  });

  it('reports a header that is not JSON', async () => {
    expect(codes(await read(withHeader('{"a": nope')))).toEqual(['safetensors-header-not-json']);
  });

  it('reports a header that is not UTF-8', async () => {
    expect(codes(await read(withHeader(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('latin1'))))).toContain('safetensors-header-not-json');
    const raw = Buffer.concat([Buffer.from([4, 0, 0, 0, 0, 0, 0, 0]), Buffer.from([0x7b, 0xc3, 0x28, 0x7d])]);
    expect(codes(await read(raw))).toEqual(['safetensors-header-invalid-utf8']);
  });

  it('reports offsets out of bounds, size mismatches and overlaps', async () => {
    const header = {
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      b: { dtype: 'F32', shape: [4], data_offsets: [4, 20] },
      c: { dtype: 'F32', shape: [2], data_offsets: [20, 26] },
      d: { dtype: 'F32', shape: [1000], data_offsets: [26, 4026] },
    };
    const r = await read(withHeader(header, Buffer.alloc(26)));
    expect(errors(r)).toEqual(expect.arrayContaining(['safetensors-overlapping-tensors', 'safetensors-size-mismatch', 'safetensors-offsets-out-of-bounds']));
  });

  it('reports bad dtypes, shapes and reversed offsets without throwing', async () => {
    const header = {
      a: { dtype: 'F99', shape: [1], data_offsets: [0, 4] },
      b: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] },
      c: { dtype: 'F32', shape: [1], data_offsets: [8, 4] },
      d: 'not an object',
      __metadata__: { ok: 'yes', bad: 3 },
    };
    const r = await read(withHeader(header, Buffer.alloc(8)));
    expect(codes(r)).toEqual(
      expect.arrayContaining(['safetensors-unknown-dtype', 'safetensors-bad-shape', 'safetensors-offsets-reversed', 'safetensors-bad-tensor', 'safetensors-metadata-not-string']),
    );
    expect(r.summary.metadata).toEqual({ ok: 'yes' });
  });

  it('reports truncation and empty files', async () => {
    expect(codes(await read(Buffer.alloc(0)))).toEqual(['safetensors-truncated']);
    const file = buildSafetensors([{ name: 'a', dtype: 'F32', shape: [2] }]);
    expect(codes(await read(file.subarray(0, 12)))).toEqual(['safetensors-truncated']);
  });

  it('is recognised by content whatever the name', () => {
    const file = buildSafetensors([{ name: 'a', dtype: 'F32', shape: [2] }]);
    expect(safetensorsReader.sniff?.(file.subarray(0, 64), 'weights.bin')).toBe(true);
    expect(safetensorsReader.sniff?.(Buffer.from('PK\x03\x04 something else'), 'weights.bin')).toBe(false);
  });
});

describe('sharded safetensors index', () => {
  const read = (v: unknown) => readWith(shardIndexReader, 'model.safetensors.index.json', Buffer.from(JSON.stringify(v)));

  it('reports shards and tensors per shard', async () => {
    const r = await read({
      metadata: { total_size: 1234 },
      weight_map: { a: 'model-00001-of-00002.safetensors', b: 'model-00002-of-00002.safetensors', c: 'model-00001-of-00002.safetensors' },
    });
    expect(r.findings).toEqual([]);
    expect(r.summary).toMatchObject({
      totalSize: 1234,
      tensorCount: 3,
      shardCount: 2,
      shards: [
        { file: 'model-00001-of-00002.safetensors', tensors: 2 },
        { file: 'model-00002-of-00002.safetensors', tensors: 1 },
      ],
    });
  });

  it('reports a missing weight map, odd shard paths and bad JSON', async () => {
    expect(codes(await read({ metadata: {} }))).toEqual(['shard-index-no-total-size', 'shard-index-no-weight-map']);
    expect(codes(await read({ metadata: { total_size: 1 }, weight_map: { a: '../../etc/passwd', b: 3 } }))).toEqual([
      'shard-index-shard-path',
      'shard-index-bad-shard',
    ]);
    expect(codes(await readWith(shardIndexReader, 'x.safetensors.index.json', Buffer.from('{oops')))).toEqual(['shard-index-not-json']);
  });
});
