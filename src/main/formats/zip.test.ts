import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { codes, errors, readWith } from '../../../test/fixtures/formats/helpers';
import { buildZip } from '../../../test/fixtures/formats/zip';
import { ReportBuilder } from './report';
import { bufferSource } from './types';
import { readZipDirectory, readZipEntry, readZipEntryPrefix } from './zip';
import { zipReader } from './zip-archive';

const read = (buf: Buffer) => readWith(zipReader, 'archive.zip', buf);

async function directory(buf: Buffer) {
  const src = bufferSource('a.zip', buf);
  const report = new ReportBuilder('zip', 'other');
  const dir = await readZipDirectory(src, report);
  return { src, dir: dir!, report };
}

describe('zip central directory', () => {
  it('lists stored and deflated entries and reads them back', async () => {
    const text = Buffer.from('hello '.repeat(100));
    const zip = buildZip([
      { name: 'a.txt', data: Buffer.from('stored bytes') },
      { name: 'dir/b.txt', data: text, method: 8 },
    ]);
    const { src, dir, report } = await directory(zip);
    expect(report.findings).toEqual([]);
    expect(dir.entries.map((e) => [e.name, e.method, e.uncompressedSize])).toEqual([
      ['a.txt', 0, 12],
      ['dir/b.txt', 8, 600],
    ]);
    const b = await readZipEntry(src, dir.entries[1]!, 1024);
    expect(b).toEqual({ ok: true, data: text, crcMatches: true });
    expect((await readZipEntryPrefix(src, dir.entries[1]!, 5))?.toString()).toBe('hello');
  });

  it('caps inflated output even when the claimed size lies', async () => {
    const zeros = Buffer.alloc(1024 * 1024);
    const zip = buildZip([{ name: 'z', data: zeros, method: 8, claimUncompressed: 10 }]);
    const { src, dir } = await directory(zip);
    const r = await readZipEntry(src, dir.entries[0]!, 4096);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.code).toBe('zip-bad-entry');
    const big = await readZipEntry(src, { ...dir.entries[0]!, uncompressedSize: 1e9 }, 4096);
    expect(big.ok ? '' : big.code).toBe('zip-entry-too-large');
  });

  it('reads ZIP64 records, archive comments and prefixed data', async () => {
    const z64 = await directory(buildZip([{ name: 'x', data: Buffer.from('abc') }], { zip64: true }));
    expect(z64.report.findings).toEqual([]);
    expect(z64.dir.zip64).toBe(true);
    expect(z64.dir.entries[0]).toMatchObject({ name: 'x', uncompressedSize: 3, compressedSize: 3, localHeaderOffset: 0 });
    expect((await readZipEntry(z64.src, z64.dir.entries[0]!, 10)).ok).toBe(true);

    const commented = await directory(buildZip([{ name: 'x', data: Buffer.from('abc') }], { comment: 'PK\x05\x06 fake' }));
    expect(commented.dir.entries).toHaveLength(1);

    const prefixed = await directory(buildZip([{ name: 'x', data: Buffer.from('abc') }], { prefix: Buffer.alloc(100, 1) }));
    expect(prefixed.report.findings.map((f) => f.code)).toEqual(['zip-prefixed-data']);
    expect((await readZipEntry(prefixed.src, prefixed.dir.entries[0]!, 10)).ok).toBe(true);
  });

  it('flags names that claim UTF-8 but are not', async () => {
    const { report } = await directory(buildZip([{ name: Buffer.from([0x61, 0xff]), utf8: true, data: Buffer.alloc(1) }]));
    expect(report.findings.map((f) => f.code)).toEqual(['zip-invalid-utf8-name']);
  });
});

describe('zip reader bomb checks', () => {
  it('flags claimed sizes no archive this small can hold', async () => {
    const r = await read(buildZip([{ name: 'bomb.bin', data: Buffer.alloc(10), claimUncompressed: 0xfffffff0 }], { zip64: false }));
    expect(codes(r)).toContain('zip-high-compression-ratio');
    const many = Array.from({ length: 30 }, (_, i) => ({ name: `b${i}`, data: Buffer.alloc(10), claimUncompressed: 0xfffffff0 }));
    const total = await read(buildZip(many));
    expect(errors(total)).toContain('zip-bomb');
  });

  it('flags overlapping entries (one stream referenced many times)', async () => {
    const data = deflateRawSync(Buffer.alloc(1000));
    const r = await read(buildZip([{ name: 'a', data }, { name: 'b', data, sameLocalAs: 0 }]));
    expect(errors(r)).toContain('zip-overlapping-entries');
  });

  it('reports entries claiming data beyond the directory', async () => {
    const r = await read(buildZip([{ name: 'a', data: Buffer.alloc(10), claimCompressed: 5000 }]));
    expect(errors(r)).toContain('zip-entry-out-of-bounds');
  });

  it('reports truncated archives, garbage and empty files without throwing', async () => {
    const zip = buildZip([{ name: 'a', data: Buffer.alloc(100) }]);
    expect(errors(await read(zip.subarray(0, 60)))).toEqual(['zip-no-end-record']);
    expect(errors(await read(Buffer.alloc(0)))).toEqual(['zip-no-end-record']);
    const lying = Buffer.from(zip);
    lying.writeUInt16LE(5000, lying.length - 12); // total entries
    expect(errors(await read(lying))).toEqual(['zip-bad-directory']);
  });

  it('summarises entries', async () => {
    const r = await read(buildZip([{ name: 'a', data: Buffer.alloc(100), method: 8 }]));
    expect(r.summary).toMatchObject({ entryCount: 1, totalUncompressed: 100, entries: [{ name: 'a', method: 8, uncompressedSize: 100 }] });
  });
});
