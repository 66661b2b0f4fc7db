import { describe, expect, it } from 'vitest';
import { codes, errors, readWith } from '../../../test/fixtures/formats/helpers';
import { binInt1, global, OP, osSystemPickle, pickle, proto, torchStateDictPickle } from '../../../test/fixtures/formats/pickle';
import { buildZip } from '../../../test/fixtures/formats/zip';
import { pickleReader, pytorchReader } from './pytorch';

const stateDict = torchStateDictPickle([
  { name: 'fc.weight', storageKey: '0', numel: 6 },
  { name: 'fc.bias', storageKey: '1', numel: 2 },
]);

function torchZip(dataPkl: Buffer, method: 0 | 8 = 0): Buffer {
  return buildZip([
    { name: 'archive/data.pkl', data: dataPkl, method },
    { name: 'archive/byteorder', data: Buffer.from('little') },
    { name: 'archive/data/0', data: Buffer.alloc(24) },
    { name: 'archive/data/1', data: Buffer.alloc(8) },
    { name: 'archive/version', data: Buffer.from('3\n') },
  ]);
}

describe('pytorch checkpoint reader', () => {
  it('scans data.pkl in a torch.save zip and counts storages and tensors', async () => {
    const r = await readWith(pytorchReader, 'model.pt', torchZip(stateDict));
    expect(r.findings).toEqual([]);
    expect(r.summary).toMatchObject({ container: 'zip', entryCount: 5, storages: 2, version: '3', byteorder: 'little', tensors: 2 });
    expect(r.summary.globals).toEqual(
      expect.arrayContaining([
        { name: 'collections.OrderedDict', safety: 'safe', imports: 3, calls: 3 },
        { name: 'torch._utils._rebuild_tensor_v2', safety: 'safe', imports: 2, calls: 2 },
        { name: 'torch.FloatStorage', safety: 'safe', imports: 2, calls: 0 },
      ]),
    );
    const deflated = await readWith(pytorchReader, 'model.pt', torchZip(stateDict, 8));
    expect(deflated.findings).toEqual([]);
  });

  it('reports a dangerous import inside the archive', async () => {
    const r = await readWith(pytorchReader, 'evil.pth', torchZip(osSystemPickle()));
    expect(errors(r)).toEqual(['pickle-dangerous-import']);
    expect(r.findings[0]!.message).toContain('os.system');
  });

  it('scans a legacy pickle checkpoint, following its back-to-back pickles', async () => {
    const magic = pickle(proto(2), binInt1(119), OP.STOP);
    const legacy = Buffer.concat([magic, pickle(proto(2), binInt1(1001), OP.STOP), stateDict, Buffer.alloc(64, 0x41)]);
    const r = await readWith(pytorchReader, 'old.bin', legacy);
    expect(codes(r)).toEqual(['pickle-legacy-format']);
    expect(r.summary).toMatchObject({ container: 'legacy-pickle', pickle: { storages: 2, tensors: 2 } });
    const evil = Buffer.concat([magic, osSystemPickle()]);
    expect(errors(await readWith(pytorchReader, 'old.bin', evil))).toEqual(['pickle-dangerous-import']);
  });

  it('reports archives without data.pkl, non-checkpoints and empty files', async () => {
    const noPkl = buildZip([{ name: 'archive/version', data: Buffer.from('3') }]);
    expect(errors(await readWith(pytorchReader, 'x.pt', noPkl))).toEqual(['pytorch-no-data-pkl']);
    expect(codes(await readWith(pytorchReader, 'x.bin', Buffer.from('just some bytes')))).toEqual(['pytorch-unrecognised']);
    expect(codes(await readWith(pytorchReader, 'x.bin', Buffer.alloc(0)))).toEqual(['pytorch-unrecognised']);
    const truncated = torchZip(stateDict).subarray(0, 100);
    expect(errors(await readWith(pytorchReader, 'x.pt', truncated))).toEqual(['zip-no-end-record']);
  });

  it('claims zips and pickles only under checkpoint names', () => {
    const zipHead = torchZip(stateDict).subarray(0, 64);
    expect(pytorchReader.sniff?.(zipHead, 'model.pt')).toBe(true);
    expect(pytorchReader.sniff?.(zipHead, 'data.zip')).toBe(false);
    expect(pytorchReader.sniff?.(stateDict.subarray(0, 64), 'model.ckpt')).toBe(true);
  });
});

describe('plain pickle reader', () => {
  it('scans .pkl files for dangerous imports', async () => {
    expect(errors(await readWith(pickleReader, 'x.pkl', osSystemPickle()))).toEqual(['pickle-dangerous-import']);
    const sklearn = pickle(proto(4), global('sklearn.linear_model._base', 'LinearRegression'), OP.EMPTY_TUPLE, OP.REDUCE, OP.STOP);
    const r = await readWith(pickleReader, 'model.pkl', sklearn);
    expect(codes(r)).toEqual(['pickle-unknown-import']);
    expect(codes(await readWith(pickleReader, 'x.pkl', Buffer.alloc(0)))).toEqual(['pickle-empty']);
  });
});
