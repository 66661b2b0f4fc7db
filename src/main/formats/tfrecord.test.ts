import { describe, expect, it } from 'vitest';
import { codes, errors, readWith } from '../../../test/fixtures/formats/helpers';
import { crc32c, maskedCrc32c } from './crc32c';
import { msgpackReader } from './msgpack';
import { tfrecordReader } from './tfrecord';

function record(data: Buffer): Buffer {
  const header = Buffer.alloc(12);
  header.writeBigUInt64LE(BigInt(data.length));
  header.writeUInt32LE(maskedCrc32c(header.subarray(0, 8)), 8);
  const footer = Buffer.alloc(4);
  footer.writeUInt32LE(maskedCrc32c(data));
  return Buffer.concat([header, data, footer]);
}

describe('CRC-32C', () => {
  it('matches the standard check value', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
  });
});

describe('TFRecord reader', () => {
  it('verifies the first record and counts records', async () => {
    const file = Buffer.concat([record(Buffer.from('example one')), record(Buffer.alloc(300)), record(Buffer.alloc(0))]);
    const r = await readWith(tfrecordReader, 'train.tfrecord', file);
    expect(r.findings).toEqual([]);
    expect(r.summary).toMatchObject({ firstRecordLength: 11, recordsCounted: 3, countComplete: true });
  });

  it('counts only within the first few MB of a big file', async () => {
    const one = record(Buffer.alloc(1024 * 1024 - 16));
    const file = Buffer.concat(Array.from({ length: 8 }, () => one));
    const r = await readWith(tfrecordReader, 'big.tfrecord', file);
    expect(r.summary).toMatchObject({ recordsCounted: 4, countComplete: false });
    expect(r.bytesRead).toBeLessThan(2 * 1024 * 1024);
  });

  it('reports corrupt lengths, bad data CRCs, truncation and empty files', async () => {
    const good = record(Buffer.from('abc'));
    const badLength = Buffer.from(good);
    badLength[8] = badLength[8]! ^ 1;
    expect(errors(await readWith(tfrecordReader, 'x.tfrecord', badLength))).toEqual(['tfrecord-bad-length-crc']);
    const badData = Buffer.from(good);
    badData[12] = badData[12]! ^ 1;
    expect(errors(await readWith(tfrecordReader, 'x.tfrecord', badData))).toEqual(['tfrecord-bad-data-crc']);
    expect(errors(await readWith(tfrecordReader, 'x.tfrecord', good.subarray(0, 14)))).toEqual(['tfrecord-truncated']);
    expect(errors(await readWith(tfrecordReader, 'x.tfrecord', good.subarray(0, 5)))).toEqual(['tfrecord-truncated']);
    expect(codes(await readWith(tfrecordReader, 'x.tfrecord', Buffer.alloc(0)))).toEqual(['tfrecord-empty']);
    expect(codes(await readWith(tfrecordReader, 'x.tfrecord', Buffer.from([0x1f, 0x8b, 8, 0])))).toEqual(['tfrecord-compressed']);
  });
});

describe('msgpack reader', () => {
  it('reports the top-level map of a Flax checkpoint', async () => {
    expect((await readWith(msgpackReader, 'flax_model.msgpack', Buffer.from([0x82, 0xa1, 0x61]))).summary).toMatchObject({ topLevel: 'map', entries: 2 });
    expect((await readWith(msgpackReader, 'f.msgpack', Buffer.from([0xde, 0x01, 0x00]))).summary).toMatchObject({ topLevel: 'map', entries: 256 });
    expect(codes(await readWith(msgpackReader, 'f.msgpack', Buffer.from([0x92])))).toEqual(['msgpack-not-map']);
    expect(codes(await readWith(msgpackReader, 'f.msgpack', Buffer.alloc(0)))).toEqual(['msgpack-empty']);
  });
});
