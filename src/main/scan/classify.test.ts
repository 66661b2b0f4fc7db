import { describe, expect, it } from 'vitest';
import { classifyByName, refineByMagic } from './classify';

const head = (...bytes: (number | string)[]) => Uint8Array.from(bytes.flatMap((b) => (typeof b === 'string' ? Array.from(b, (c) => c.charCodeAt(0)) : [b])));

describe('classification', () => {
  it('takes .bin for a checkpoint only when its name or its first bytes say so', () => {
    expect(classifyByName('pytorch_model.bin')).toEqual({ kind: 'checkpoint', format: 'pytorch' });
    expect(classifyByName('model-00001-of-00002.bin').kind).toBe('checkpoint');
    expect(classifyByName('f000123.bin')).toEqual({ kind: 'other', format: null });
    expect(refineByMagic('f000123.bin', head('PK', 3, 4, 0, 0), { kind: 'other', format: null })).toEqual({ kind: 'checkpoint', format: 'pytorch' });
    expect(refineByMagic('f000123.bin', head(0x80, 2, 0x7d), { kind: 'other', format: null })).toEqual({ kind: 'checkpoint', format: 'pickle' });
    expect(refineByMagic('f000123.bin', head(1, 2, 3), { kind: 'other', format: null })).toBeNull();
    expect(refineByMagic('legacy.pt', head(0x80, 2, 0x8a, 0x0a), { kind: 'checkpoint', format: 'pytorch' })).toEqual({ kind: 'checkpoint', format: 'pickle' }); // torch.save before 1.6
    expect(refineByMagic('state.pkl', head(0x80, 4, 0x95, 1, 0, 0), { kind: 'other', format: null })).toEqual({ kind: 'checkpoint', format: 'pickle' });
    expect(refineByMagic('f000124.bin', head(0x80, 4, 0x00), { kind: 'other', format: null })).toBeNull(); // random bytes that start like a pickle
    expect(refineByMagic('f000125.bin', head(0x80, 3, 0xff), { kind: 'other', format: null })).toBeNull();
    expect(refineByMagic('weights.pkl', head(0x80, 2, 0x47), { kind: 'other', format: null })).toMatchObject({ format: 'pickle' }); // a float first
    expect(refineByMagic('blob.pkl', head(0x80, 5, 0x8e), { kind: 'other', format: null })).toMatchObject({ format: 'pickle' }); // big bytes, unframed
  });

  it('lets content win over the name', () => {
    expect(refineByMagic('model.bin', head('GGUF', 3, 0, 0, 0), { kind: 'checkpoint', format: 'pytorch' })).toEqual({ kind: 'checkpoint', format: 'gguf' });
    expect(refineByMagic('x.safetensors', head(2, 0, 0, 0, 0, 0, 0, 0, 0x7b), { kind: 'checkpoint', format: 'safetensors' })).toEqual({ kind: 'checkpoint', format: 'safetensors' });
    expect(refineByMagic('x.safetensors', head(2, 0, 0, 0, 0, 0, 0, 0, 0x00), { kind: 'checkpoint', format: 'safetensors' })).toEqual({ kind: 'other', format: null });
  });

  it('knows model cards, lockfiles, requirements and DVC files by name', () => {
    expect(classifyByName('README.md').kind).toBe('card');
    expect(classifyByName('requirements-dev.txt')).toEqual({ kind: 'environment', format: 'requirements' });
    expect(classifyByName('uv.lock').kind).toBe('environment');
    expect(classifyByName('data.csv.dvc')).toEqual({ kind: 'config', format: 'dvc-file' });
    expect(classifyByName('model.safetensors.index.json')).toEqual({ kind: 'checkpoint', format: 'shard-index' });
  });
});
