import { describe, expect, it } from 'vitest';
import { buildGguf, llamaLikeGguf, str, u32, Writer } from '../../../test/fixtures/formats/gguf';
import { codes, errors, readWith } from '../../../test/fixtures/formats/helpers';
import { ggufReader } from './gguf';

const read = (buf: Buffer, name = 'model.gguf') => readWith(ggufReader, name, buf);

describe('GGUF reader', () => {
  it.each([2, 3])('reads version %i metadata, lineage keys and tensors', async (version) => {
    const r = await read(llamaLikeGguf(version));
    expect(r.findings).toEqual([]);
    expect(r.summary).toMatchObject({ version, tensorCount: 2, kvCount: 18, alignment: 32, totalParameters: 64, tensorTypes: { F32: 2 } });
    expect(r.summary.lineage).toEqual({
      name: 'Tiny Llama Finetune',
      architecture: 'llama',
      license: 'apache-2.0',
      baseModelCount: 1,
      baseModels: [{ name: 'Tiny Llama', organization: 'Example Org', repo_url: 'https://example.org/tiny-llama' }],
      datasetCount: 2,
      datasets: [{ name: 'Alpaca' }, { name: 'Dolly' }],
    });
    expect(r.summary.quantization).toEqual({ fileType: 0, fileTypeName: 'ALL_F32', quantizationVersion: 2 });
    const metadata = r.summary.metadata as Record<string, unknown>;
    expect(metadata['tokenizer.ggml.tokens']).toEqual({ type: 'array', itemType: 'string', length: 300, head: ['tok0', 'tok1', 'tok2', 'tok3', 'tok4', 'tok5', 'tok6', 'tok7'] });
    expect(metadata['tokenizer.ggml.scores']).toMatchObject({ itemType: 'float32', length: 300 });
    expect(metadata.nested).toEqual({ type: 'array', itemType: 'array', length: 1, head: [{ type: 'array', itemType: 'int32', length: 1, head: [-5] }] });
    expect(metadata.big).toBe((2n ** 60n).toString());
    const tensors = r.summary.tensors as { name: string; begin: number; end: number }[];
    expect(tensors[1]).toMatchObject({ name: 'output.weight', type: 'F32', shape: [8, 4] });
    expect(tensors[1]!.end).toBe(r.summary.size);
  });

  it('refuses version 1 and unknown versions', async () => {
    const v1 = Buffer.concat([Buffer.from('GGUF'), Buffer.from([1, 0, 0, 0]), Buffer.alloc(16)]);
    expect(codes(await read(v1))).toEqual(['gguf-unsupported']);
    expect(codes(await read(buildGguf({ version: 9 })))).toEqual(['gguf-unsupported']);
  });

  it('stops at absurd counts without allocating', async () => {
    const r = await read(buildGguf({ tensorCount: 2n ** 60n }));
    expect(codes(r)).toEqual(['gguf-absurd-count']);
    expect(codes(await read(buildGguf({ kvCount: 2n ** 40n })))).toEqual(['gguf-absurd-count']);
  });

  it('reports truncation anywhere in the header, keeping what was read', async () => {
    const full = llamaLikeGguf();
    for (const cut of [0, 3, 10, 30, 200, 2000, full.length - 300]) {
      const r = await read(full.subarray(0, cut));
      expect(errors(r).length, `cut at ${cut}`).toBeGreaterThan(0);
    }
    const r = await read(full.subarray(0, 600));
    expect(codes(r)).toContain('gguf-truncated');
    expect((r.summary.metadata as Record<string, unknown>)['general.architecture']).toBe('llama');
  });

  it('reports a wrong magic and tensors past the end of the file', async () => {
    expect(codes(await read(Buffer.from('GGML00000000000000000000')))).toEqual(['gguf-bad-magic']);
    const file = buildGguf({ tensors: [{ name: 'w', dims: [1024, 1024], type: 1, offset: 0 }], dataBytes: 16 });
    expect(codes(await read(file))).toEqual(['gguf-tensor-out-of-bounds']);
  });

  it('caps huge arrays and strings it is told about', async () => {
    const w = new Writer();
    w.push(Buffer.from('GGUF')).u32(3).u64(0).u64(1);
    w.string('tokenizer.ggml.tokens').u32(9).u32(8).u64(2n ** 50n);
    expect(codes(await read(w.toBuffer()))).toEqual(['gguf-absurd-count']);
    const s = new Writer();
    s.push(Buffer.from('GGUF')).u32(3).u64(0).u64(1).u64(2n ** 62n).push(Buffer.alloc(32));
    expect(codes(await read(s.toBuffer()))).toEqual(['gguf-absurd-length']);
  });

  it('flags invalid UTF-8 in keys and values', async () => {
    const w = new Writer();
    w.push(Buffer.from('GGUF')).u32(3).u64(0).u64(1);
    w.string(Buffer.from([0x67, 0xff, 0x2e])).u32(8).string(Buffer.from([0xc3, 0x28]));
    const r = await read(w.toBuffer());
    expect(codes(r)).toEqual(['gguf-invalid-utf8']);
  });

  it('reports an unknown value type and bad alignment', async () => {
    const w = new Writer();
    w.push(Buffer.from('GGUF')).u32(3).u64(0).u64(1).string('x').u32(99);
    expect(codes(await read(w.toBuffer()))).toEqual(['gguf-bad-value-type']);
    const bad = buildGguf({ metadata: [['general.alignment', u32(3)], ['general.name', str('x')]] });
    expect(codes(await read(bad))).toEqual(['gguf-bad-alignment']);
  });

  it('is recognised by magic even when named .bin', () => {
    expect(ggufReader.sniff?.(llamaLikeGguf().subarray(0, 64), 'model.bin')).toBe(true);
  });
});
