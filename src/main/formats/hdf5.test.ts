import { describe, expect, it } from 'vitest';
import { codes, errors, readWith } from '../../../test/fixtures/formats/helpers';
import { buildZip } from '../../../test/fixtures/formats/zip';
import { hdf5Reader } from './hdf5';
import { kerasReader } from './keras';

const SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('HDF5 reader', () => {
  it('reads the superblock version at offset 0 or after a user block', async () => {
    const atZero = Buffer.concat([SIGNATURE, Buffer.from([2]), Buffer.alloc(100)]);
    expect((await readWith(hdf5Reader, 'model.h5', atZero)).summary).toMatchObject({ superblockVersion: 2, userBlockSize: 0 });
    const afterUserBlock = Buffer.concat([Buffer.alloc(1024), SIGNATURE, Buffer.from([0]), Buffer.alloc(100)]);
    const r = await readWith(hdf5Reader, 'data.hdf5', afterUserBlock);
    expect(r.summary).toMatchObject({ superblockVersion: 0, userBlockSize: 1024 });
    expect(r.kind).toBe('dataset');
  });

  it('reports files without a signature', async () => {
    expect(errors(await readWith(hdf5Reader, 'x.h5', Buffer.alloc(5000)))).toEqual(['hdf5-no-signature']);
    expect(errors(await readWith(hdf5Reader, 'x.h5', Buffer.alloc(0)))).toEqual(['hdf5-no-signature']);
  });
});

describe('Keras v3 reader', () => {
  const config = { class_name: 'Sequential', module: 'keras', config: { name: 'classifier', layers: [{ class_name: 'Dense', config: {} }] } };
  const metadata = { keras_version: '3.3.3', date_saved: '2024-05-01@12:00:00' };

  it('reads config.json and metadata.json from the archive', async () => {
    const file = buildZip([
      { name: 'metadata.json', data: Buffer.from(JSON.stringify(metadata)) },
      { name: 'config.json', data: Buffer.from(JSON.stringify(config)), method: 8 },
      { name: 'model.weights.h5', data: Buffer.concat([SIGNATURE, Buffer.alloc(64)]) },
    ]);
    const r = await readWith(kerasReader, 'model.keras', file);
    expect(r.findings).toEqual([]);
    expect(r.summary).toMatchObject({ kerasVersion: '3.3.3', dateSaved: '2024-05-01@12:00:00', className: 'Sequential', module: 'keras', name: 'classifier', hasWeights: true });
  });

  it('warns about Lambda layers and reports archives that are not Keras', async () => {
    const lambda = { ...config, config: { layers: [{ class_name: 'Lambda', config: { function: { __lambda__: true } } }] } };
    const r = await readWith(kerasReader, 'm.keras', buildZip([{ name: 'config.json', data: Buffer.from(JSON.stringify(lambda)) }]));
    expect(codes(r)).toEqual(['keras-lambda-layer']);
    expect(errors(await readWith(kerasReader, 'm.keras', buildZip([{ name: 'other.txt', data: Buffer.from('x') }])))).toEqual(['keras-no-config']);
    expect(errors(await readWith(kerasReader, 'm.keras', buildZip([{ name: 'config.json', data: Buffer.from('{bad') }])))).toEqual(['keras-not-json']);
  });
});
