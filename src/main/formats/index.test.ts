import { mkdtemp, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildArrowStream } from '../../../test/fixtures/formats/arrow';
import { llamaLikeGguf } from '../../../test/fixtures/formats/gguf';
import { float32Npy } from '../../../test/fixtures/formats/npy';
import { buildParquet } from '../../../test/fixtures/formats/parquet';
import { osSystemPickle, torchStateDictPickle } from '../../../test/fixtures/formats/pickle';
import { buildOnnx } from '../../../test/fixtures/formats/protobuf';
import { buildSafetensors } from '../../../test/fixtures/formats/safetensors';
import { buildZip } from '../../../test/fixtures/formats/zip';
import { detectFormat, formatReaders, HEAD_BYTES, inspectFile, inspectSource } from './index';
import { bufferSource } from './types';

const TEN_GB = 10 * 1024 ** 3;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pedigree-formats-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const head = (b: Buffer) => b.subarray(0, HEAD_BYTES);
const torchZip = buildZip([{ name: 'archive/data.pkl', data: torchStateDictPickle([{ name: 'w', storageKey: '0', numel: 1 }]) }]);

describe('detectFormat', () => {
  it.each([
    ['model.safetensors', buildSafetensors([{ name: 'a', dtype: 'F32', shape: [1] }]), 'safetensors'],
    ['weights.bin', buildSafetensors([{ name: 'a', dtype: 'F32', shape: [1] }]), 'safetensors'],
    ['model.gguf', llamaLikeGguf(), 'gguf'],
    ['model.bin', llamaLikeGguf(), 'gguf'],
    ['pytorch_model.bin', torchZip, 'pytorch'],
    ['model.ckpt', torchStateDictPickle([]), 'pytorch'],
    ['archive.zip', torchZip, 'zip'],
    ['arrays.npz', buildZip([{ name: 'a.npy', data: float32Npy([1]) }]), 'npz'],
    ['model.keras', buildZip([{ name: 'config.json', data: Buffer.from('{}') }]), 'keras'],
    ['train.parquet', buildParquet(), 'parquet'],
    ['data.arrow', buildArrowStream([1]), 'arrow'],
    ['a.npy', float32Npy([2]), 'npy'],
    ['model.onnx', buildOnnx({ irVersion: 8 }), 'onnx'],
    ['model.safetensors.index.json', Buffer.from('{}'), 'shard-index'],
    ['pytorch_model.bin.index.json', Buffer.from('{}'), 'shard-index'],
    ['config.json', Buffer.from('{}'), 'json'],
    ['requirements.txt', Buffer.from('torch'), 'requirements'],
    ['environment.yml', Buffer.from('name: x'), 'environment'],
    ['pyproject.toml', Buffer.from(''), 'environment'],
    ['README.md', Buffer.from('# x'), 'card'],
    ['train.jsonl', Buffer.from('{}'), 'jsonl'],
    ['train.yaml', Buffer.from('a: 1'), 'yaml'],
    ['evil.pkl', osSystemPickle(), 'pickle'],
    ['train.py', Buffer.from(''), 'code'],
  ])('%s is read as %s', (name, bytes, format) => {
    expect(detectFormat(name, head(bytes))?.id).toBe(format);
  });

  it('leaves unknown files to the caller', async () => {
    expect(detectFormat('photo.jpg', Buffer.from([0xff, 0xd8, 0xff]))).toBeUndefined();
    expect(await inspectSource(bufferSource('photo.jpg', Buffer.from([0xff, 0xd8])))).toEqual({ format: 'unknown', kind: 'other', summary: { size: 2 }, findings: [] });
  });

  it('has unique reader ids', () => {
    const ids = formatReaders.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('inspectFile', () => {
  it('reads a real file and counts the bytes it read', async () => {
    const path = join(dir, 'evil.pt');
    await writeFile(path, buildZip([{ name: 'archive/data.pkl', data: osSystemPickle() }]));
    const r = await inspectFile(path);
    expect(r.format).toBe('pytorch');
    expect(r.findings.map((f) => f.code)).toEqual(['pickle-dangerous-import']);
    expect(r.bytesRead).toBeGreaterThan(0);
  });

  it('reports a file that cannot be opened instead of throwing', async () => {
    const r = await inspectFile(join(dir, 'missing.safetensors'));
    expect(r.findings.map((f) => f.code)).toEqual(['file-unreadable']);
  });

  it('reports empty files for every extension without throwing', async () => {
    const byName: Record<string, string> = { card: 'README.md', requirements: 'requirements.txt', environment: 'poetry.lock' };
    for (const reader of formatReaders) {
      const name = byName[reader.id] ?? `empty${reader.extensions[0]}`;
      const path = join(dir, name);
      await writeFile(path, Buffer.alloc(0));
      const r = await inspectFile(path);
      expect(r.format, name).toBe(reader.id);
      JSON.stringify(r);
    }
  });

  it.each([
    ['safetensors', 'huge.safetensors', () => buildSafetensors([{ name: 'w', dtype: 'F16', shape: [1024, 1024] }])],
    ['gguf', 'huge.gguf', () => llamaLikeGguf()],
  ])('reads only the header of a 10 GB sparse %s file', async (format, name, build) => {
    const path = join(dir, name);
    await writeFile(path, build());
    await truncate(path, TEN_GB);
    expect((await stat(path)).size).toBe(TEN_GB);
    const r = await inspectFile(path);
    expect(r.format).toBe(format);
    expect(r.bytesRead).toBeLessThan(128 * 1024);
    await rm(path);
  });
});

describe('every reader on hostile bytes', () => {
  const seeds = [llamaLikeGguf(), torchZip, buildParquet(), buildArrowStream([3]), buildOnnx({ irVersion: 7, graph: Buffer.alloc(50) }), float32Npy([4])];

  it('never throws on truncated or bit-flipped inputs', async () => {
    let random = 12345;
    const next = () => (random = (random * 1103515245 + 12345) % 2 ** 31);
    for (const reader of formatReaders) {
      for (const seed of seeds) {
        for (let i = 0; i < 20; i++) {
          const bytes = Buffer.from(seed.subarray(0, next() % (seed.length + 1)));
          for (let k = 0; k < 4 && bytes.length > 0; k++) bytes[next() % bytes.length] = next() % 256;
          const report = await reader.read(bufferSource(`x${reader.extensions[0] ?? ''}`, bytes));
          expect(typeof report.format).toBe('string');
          JSON.stringify(report);
        }
      }
    }
  });
});
