import { describe, expect, it } from 'vitest';
import { codes, errors, readWith } from '../../../test/fixtures/formats/helpers';
import { buildNpy, float32Npy } from '../../../test/fixtures/formats/npy';
import { osSystemPickle } from '../../../test/fixtures/formats/pickle';
import { buildZip } from '../../../test/fixtures/formats/zip';
import { itemSize, parsePyLiteral } from './npy-header';
import { npyReader, npzReader } from './npy';

describe('npy header literal parser', () => {
  it('parses the dict subset numpy writes, and nothing more', () => {
    expect(parsePyLiteral("{'descr': [('x', '<f4'), ('y', '<i8', (2,))], 'fortran_order': True, 'shape': (), 'n': None}")).toEqual({
      descr: [['x', '<f4'], ['y', '<i8', [2]]],
      fortran_order: true,
      shape: [],
      n: null,
    });
    expect(parsePyLiteral('{"a": "q\\"uote", \'__proto__\': 1}')).toEqual(Object.defineProperty({ a: 'q"uote' }, '__proto__', { value: 1, enumerable: true }));
    for (const bad of ["__import__('os').system('ls')", "{'a': f(1)}", "{'a': 1", '{1: 2} extra', '[' .repeat(100)]) {
      expect(() => parsePyLiteral(bad)).toThrow(/not a plain literal/);
    }
  });

  it('knows item sizes, including structured and string dtypes', () => {
    expect([itemSize('<f4'), itemSize('|b1'), itemSize('<U10'), itemSize('|S3'), itemSize('<M8[ns]'), itemSize('|O')]).toEqual([4, 1, 40, 3, 8, 8]);
    expect(itemSize([['x', '<f4'], ['y', '<i8', [2]]])).toBe(20);
  });
});

describe('npy reader', () => {
  it('reads dtype, shape and order', async () => {
    const r = await readWith(npyReader, 'x.npy', float32Npy([3, 4]));
    expect(r.findings).toEqual([]);
    expect(r.summary).toMatchObject({ version: '1.0', dtype: '<f4', shape: [3, 4], fortranOrder: false });
    const v2 = buildNpy("{'descr': '>i2', 'fortran_order': True, 'shape': (2,), }", Buffer.alloc(4), 2);
    expect((await readWith(npyReader, 'y.npy', v2)).summary).toMatchObject({ version: '2.0', dtype: '>i2', fortranOrder: true });
  });

  it('reports missing data, bad headers and empty files', async () => {
    const file = float32Npy([100]);
    expect(errors(await readWith(npyReader, 'x.npy', file.subarray(0, file.length - 4)))).toEqual(['npy-truncated']);
    const evalHeader = buildNpy("{'descr': __import__('os').system('ls'), 'shape': (1,)}", Buffer.alloc(4));
    expect(errors(await readWith(npyReader, 'x.npy', evalHeader))).toEqual(['npy-bad-header']);
    expect(errors(await readWith(npyReader, 'x.npy', Buffer.alloc(0)))).toEqual(['npy-bad-header']);
    const huge = Buffer.from(file.subarray(0, 12));
    huge[6] = 2;
    huge.writeUInt32LE(0xffffffff, 8);
    expect(errors(await readWith(npyReader, 'x.npy', huge))).toEqual(['npy-bad-header']);
  });

  it('scans object arrays, which are pickles, for dangerous imports', async () => {
    const objects = buildNpy("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", osSystemPickle());
    expect(codes(await readWith(npyReader, 'x.npy', objects))).toEqual(['npy-object-dtype', 'pickle-dangerous-import']);
  });
});

describe('npz reader', () => {
  it('lists arrays with their headers, stored or deflated', async () => {
    const npz = buildZip([
      { name: 'weights.npy', data: float32Npy([2, 2]) },
      { name: 'bias.npy', data: float32Npy([100_000]), method: 8 },
      { name: 'big.npy', data: float32Npy([250_000]) },
    ]);
    const r = await readWith(npzReader, 'arrays.npz', npz);
    expect(r.findings).toEqual([]);
    expect(r.summary.arrays).toEqual([
      { name: 'weights', dtype: '<f4', shape: [2, 2], fortranOrder: false },
      { name: 'bias', dtype: '<f4', shape: [100_000], fortranOrder: false },
      { name: 'big', dtype: '<f4', shape: [250_000], fortranOrder: false },
    ]);
    // Headers only: the megabyte of stored floats is not read.
    expect(r.bytesRead).toBeLessThan(20_000);
  });

  it('reports broken members and dangerous object arrays', async () => {
    const npz = buildZip([
      { name: 'bad.npy', data: Buffer.from('not numpy') },
      { name: 'obj.npy', data: buildNpy("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", osSystemPickle()) },
    ]);
    expect(codes(await readWith(npzReader, 'x.npz', npz))).toEqual(['npz-bad-member', 'npy-object-dtype', 'pickle-dangerous-import']);
    expect(errors(await readWith(npzReader, 'x.npz', Buffer.alloc(0)))).toEqual(['zip-no-end-record']);
  });
});
