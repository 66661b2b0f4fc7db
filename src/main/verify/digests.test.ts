import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DVC_CHUNK, dos2unix, isTextBlock, streamDigests } from './digests';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const dir = mkdtempSync(join(tmpdir(), 'pedigree-digests-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: Buffer) => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};

describe('isTextBlock (DVC istextblock)', () => {
  it('takes empty as text, NUL as binary, and allows up to 30% other bytes', () => {
    expect(isTextBlock(Buffer.alloc(0))).toBe(true);
    expect(isTextBlock(Buffer.from('a\r\nb\t\f\b'))).toBe(true);
    expect(isTextBlock(Buffer.from('abc\0def'))).toBe(false);
    expect(isTextBlock(Buffer.from([0xc3, 0xa9, 0x61, 0x62, 0x63, 0x64, 0x65]))).toBe(true); // 2 of 7: 28%
    expect(isTextBlock(Buffer.from([0xc3, 0xa9, 0x61, 0x62, 0x63, 0x64]))).toBe(false); // 2 of 6: 33%
  });
});

describe('dos2unix', () => {
  it('turns CRLF into LF and leaves lone CR and LF alone', () => {
    expect(dos2unix(Buffer.from('a\r\nb\rc\nd\r\n')).toString()).toBe('a\nb\rc\nd\n');
    expect(dos2unix(Buffer.from('\r\n\r\n')).toString()).toBe('\n\n');
  });
});

describe('streamDigests', () => {
  it("computes git's blob id (the empty blob is e69de29…)", async () => {
    const p = file('empty', Buffer.alloc(0));
    expect((await streamDigests(p, 0, { gitSha1: true })).gitSha1).toBe('e69de29bb2d1d6434b8b29ae775ad8c2e48c5391');
    const hello = Buffer.from('hello\n');
    // `git hash-object` of "hello\n"
    expect((await streamDigests(file('hello', hello), hello.length, { gitSha1: true })).gitSha1).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
  });

  it('gives DVC 2 MD5 of text with CRLF as LF, and none for binary', async () => {
    const text = Buffer.from('x\r\ny\r\n');
    const t = await streamDigests(file('t', text), text.length, { dvcLegacy: true });
    expect(t.dvc2Md5).toBe(md5(Buffer.from('x\ny\n')));
    const bin = Buffer.from([0, 13, 10, 1]);
    const b = await streamDigests(file('b', bin), bin.length, { dvcLegacy: true });
    expect(b.dvc2Md5).toBeNull();
    expect(b.dvc3LegacyMd5).toBe(md5(bin));
  });

  it("normalises within DVC's 1 MiB chunks: a CRLF split across two chunks stays", async () => {
    const content = Buffer.alloc(DVC_CHUNK + 3, 'a');
    content[DVC_CHUNK - 1] = 13;
    content[DVC_CHUNK] = 10;
    content[10] = 13;
    content[11] = 10;
    const s = await streamDigests(file('split', content), content.length, { dvcLegacy: true });
    const expected = md5(Buffer.concat([dos2unix(content.subarray(0, DVC_CHUNK)), dos2unix(content.subarray(DVC_CHUNK))]));
    expect(s.dvc2Md5).toBe(expected);
    expect(s.dvc2Md5).not.toBe(md5(dos2unix(content)));
  });

  it('decides text once per file (DVC 2) or once per chunk (DVC 3 reading legacy entries)', async () => {
    // First chunk binary, second chunk text with a CRLF.
    const content = Buffer.concat([Buffer.alloc(DVC_CHUNK, 0), Buffer.from('a\r\nb')]);
    const s = await streamDigests(file('mixed', content), content.length, { dvcLegacy: true });
    expect(s.dvc2Md5).toBeNull();
    expect(s.dvc3LegacyMd5).toBe(md5(Buffer.concat([Buffer.alloc(DVC_CHUNK, 0), Buffer.from('a\nb')])));
  });

  it('refuses a file whose size is not the one listed', async () => {
    await expect(streamDigests(file('grown', Buffer.from('abc')), 2, { gitSha1: true })).rejects.toThrow(/changed/);
  });
});
