import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerifyResult } from '../../src/main/verify/types';
import { isRoot, NEEDS_ROOT, NOBODY } from '../helpers/privileges';
import { dvc2TextMd5, gitBlobId, makeDvc2Project, makeDvc3Project, makeHfCache, makeShardedCheckpoint, md5, sha256, write } from '../fixtures/verify/stores';

const BIN = join(__dirname, '..', '..', 'bin', 'pedigree.js');

/** The real CLI, as a user runs it; PEDIGREE_DB is cleared so that only --db counts. */
function cli(db: string, ...args: string[]): { code: number | null; out: string; err: string } {
  return cliAs(undefined, db, ...args);
}

function cliAs(as: { uid: number; gid: number } | undefined, db: string, ...args: string[]): { code: number | null; out: string; err: string } {
  const env = { ...process.env };
  delete env.PEDIGREE_DB;
  const r = spawnSync(process.execPath, [BIN, ...args, '--db', db], { encoding: 'utf8', env, ...(as ?? {}) });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function index(db: string, dir: string): void {
  const r = cli(db, 'index', dir, '--json');
  expect(r.code, r.err).toBe(0);
}

function verify(db: string, ...args: string[]): { code: number | null; result: VerifyResult } {
  const r = cli(db, 'verify', ...args, '--json');
  expect(r.err).not.toMatch(/internal error/);
  return { code: r.code, result: JSON.parse(r.out) as VerifyResult };
}

/** Same size, one byte different: what bit rot looks like. */
function flipByte(abs: string, content: Buffer, at = 7): Buffer {
  const changed = Buffer.from(content);
  changed[at] = changed[at]! ^ 0xff;
  writeFileSync(abs, changed);
  return changed;
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'pedigree-verify-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('verify: a DVC 3 project', () => {
  let root: string;
  let db: string;
  let p: ReturnType<typeof makeDvc3Project>;
  beforeAll(() => {
    root = join(tmp, 'dvc3');
    db = join(tmp, 'dvc3.db');
    p = makeDvc3Project(root);
    index(db, root);
  });

  it('passes a clean store with exit 0', () => {
    const { code, result } = verify(db);
    expect(result.mismatches).toEqual([]);
    expect(code).toBe(0);
    expect(result.complete).toBe(true);
    expect(result.checked).toBeGreaterThanOrEqual(9);
    expect(result.ok).toBe(result.checked);
    expect(result.findings.filter((f) => f.severity !== 'info')).toEqual([]);
  });

  it('reports a changed stage out against the index and against dvc.lock, with both digests', () => {
    const changed = flipByte(join(root, 'model.bin'), p.model);
    const { code, result } = verify(db);
    expect(code).toBe(1);
    const mine = result.mismatches.filter((m) => m.path === 'model.bin');
    expect(mine).toContainEqual(expect.objectContaining({ code: 'declared-mismatch', algorithm: 'md5', expected: md5(p.model), actual: md5(changed), source: 'dvc.lock: stage train, outs' }));
    expect(mine).toContainEqual(expect.objectContaining({ code: 'digest-changed', algorithm: 'sha256', expected: sha256(p.model), actual: sha256(changed), source: 'index' }));
    const human = cli(db, 'verify');
    expect(human.code).toBe(1);
    expect(human.out).toContain('dvc.lock: stage train, outs');
    expect(human.out).toContain(md5(p.model));
    expect(human.out).toContain(md5(changed));
  });

  it('checks each file of a directory out through its manifest in .dvc/cache/files/md5', () => {
    const changed = flipByte(join(root, 'data/images/a.png'), p.a);
    const { code, result } = verify(db);
    expect(code).toBe(1);
    const m = result.mismatches.find((x) => x.path === 'data/images/a.png' && x.code === 'declared-mismatch');
    expect(m).toMatchObject({ expected: md5(p.a), actual: md5(changed), algorithm: 'md5' });
    expect(m!.source).toContain('dvc.lock: stage prepare, outs');
    expect(m!.source).toContain(`.dvc/cache/files/md5/${p.manifest.md5.slice(0, 2)}/${p.manifest.md5.slice(2)}.dir`);
    expect(result.mismatches.some((x) => x.path === 'data/images/b.png')).toBe(false);
  });

  it('checks outs declared by a .dvc file', () => {
    const changed = flipByte(join(root, 'weights.bin'), p.weights);
    const { result } = verify(db);
    expect(result.mismatches).toContainEqual(expect.objectContaining({ path: 'weights.bin', code: 'declared-mismatch', expected: md5(p.weights), actual: md5(changed), source: 'weights.bin.dvc: outs' }));
  });

  it('verifies only the part of the store it is given', () => {
    const { code, result } = verify(db, join(root, 'data'));
    expect(code).toBe(1);
    expect(result.stores).toEqual([expect.objectContaining({ path: root, scope: 'data' })]);
    expect(result.checked).toBe(2);
    expect(new Set(result.mismatches.map((m) => m.path))).toEqual(new Set(['data/images/a.png']));
  });

  it('reports a file deleted since the scan as file-missing', () => {
    unlinkSync(join(root, 'raw.csv'));
    const { code, result } = verify(db);
    expect(code).toBe(1);
    expect(result.mismatches).toContainEqual(expect.objectContaining({ path: 'raw.csv', code: 'file-missing', expected: sha256(p.raw), actual: null }));
  });

  it('after a rescan: names files added to or removed from a directory out, exit 0 when every digest matches', () => {
    writeFileSync(join(root, 'model.bin'), p.model);
    writeFileSync(join(root, 'weights.bin'), p.weights);
    writeFileSync(join(root, 'raw.csv'), p.raw);
    writeFileSync(join(root, 'data/images/a.png'), p.a);
    unlinkSync(join(root, 'data/images/b.png'));
    write(root, 'data/images/c.png', 'new');
    index(db, root);
    const { code, result } = verify(db);
    expect(result.mismatches).toEqual([]);
    expect(code).toBe(0);
    // data/images is prepare's out and train's dep: reported once.
    expect(result.findings.filter((f) => f.code === 'dvc-dir-unlisted')).toEqual([expect.objectContaining({ path: 'data/images/c.png', severity: 'warning' })]);
    expect(result.findings).toContainEqual(expect.objectContaining({ path: 'data/images/b.png', code: 'declared-missing', severity: 'warning' }));
  });
});

describe('verify: files it cannot read', () => {
  // As root nothing is unreadable: the CLI runs as nobody, on an index root made.
  it.skipIf(!isRoot)(`an unreadable file is a mismatch; an unreadable dvc.lock is a finding and the rest is still verified (${NEEDS_ROOT})`, () => {
    const base = join(tmp, 'perm');
    const root = join(base, 'proj');
    const db = join(base, 'db', 'perm.db');
    mkdirSync(join(base, 'db'), { recursive: true });
    makeDvc3Project(root);
    index(db, root);
    for (const dir of [tmp, base, join(base, 'db')]) chmodSync(dir, 0o777);
    for (const f of [db, `${db}-wal`, `${db}-shm`]) if (existsSync(f)) chmodSync(f, 0o666);
    chmodSync(join(root, 'model.bin'), 0);
    chmodSync(join(root, 'dvc.lock'), 0);
    const r = cliAs(NOBODY, db, 'verify', '--json');
    expect(r.err).not.toMatch(/internal error/);
    const result = JSON.parse(r.out) as VerifyResult;
    expect(r.code).toBe(1);
    // dvc.lock is an indexed file too: unreadable as a file, and as a declaring file.
    expect(result.mismatches).toEqual([
      expect.objectContaining({ path: 'dvc.lock', code: 'unreadable', source: 'index', actual: null }),
      expect.objectContaining({ path: 'model.bin', code: 'unreadable', source: 'index', actual: null }),
    ]);
    expect(result.findings).toContainEqual(expect.objectContaining({ path: 'dvc.lock', code: 'dvc-lock-invalid', severity: 'error' }));
    expect(result.findings.find((f) => f.code === 'dvc-lock-invalid')!.message).toMatch(/permission denied|EACCES/);
    expect(result.checked).toBeGreaterThanOrEqual(8); // weights.bin.dvc and the rest went on
  });
});

describe('verify: a DVC 2 project (no hash field: MD5 of text with CRLF as LF)', () => {
  let root: string;
  let db: string;
  let p: ReturnType<typeof makeDvc2Project>;
  beforeAll(() => {
    root = join(tmp, 'dvc2');
    db = join(tmp, 'dvc2.db');
    p = makeDvc2Project(root);
    index(db, root);
  });

  it('accepts the normalised MD5 of CRLF text and the raw MD5 of binary files', () => {
    expect(dvc2TextMd5(p.labels)).not.toBe(md5(p.labels)); // the fixture means something
    const { code, result } = verify(db);
    expect(result.mismatches).toEqual([]);
    expect(code).toBe(0);
    expect(result.checked).toBeGreaterThanOrEqual(6);
  });

  it('reports bad declaring files as findings and goes on', () => {
    const { result } = verify(db);
    expect(result.findings).toContainEqual(expect.objectContaining({ path: 'broken.dvc', code: 'dvc-file-invalid', severity: 'error' }));
    expect(result.findings).toContainEqual(expect.objectContaining({ path: 'future/dvc.lock', code: 'dvc-lock-schema-unknown', severity: 'error' }));
    expect(result.findings.find((f) => f.code === 'dvc-lock-schema-unknown')!.message).toContain('3.0');
  });

  it('finds a change in a text file listed by a DVC 2 manifest (old cache layout)', () => {
    const changed = Buffer.from('one\r\ntwo\r\nsix\r\n');
    writeFileSync(join(root, 'corpus/notes.txt'), changed);
    const { code, result } = verify(db);
    expect(code).toBe(1);
    const m = result.mismatches.find((x) => x.path === 'corpus/notes.txt' && x.code === 'declared-mismatch');
    expect(m).toMatchObject({ algorithm: 'md5-dos2unix', expected: dvc2TextMd5(p.notes), actual: dvc2TextMd5(changed) });
    expect(m!.source).toContain(`.dvc/cache/${p.manifest.md5.slice(0, 2)}/${p.manifest.md5.slice(2)}.dir`);
    writeFileSync(join(root, 'corpus/notes.txt'), p.notes);
  });

  it('reads the DVC 1 lock (no schema key, stages at the top level)', () => {
    const changed = flipByte(join(root, 'old/table.csv'), p.old, 0);
    const { result } = verify(db);
    expect(result.mismatches).toContainEqual(expect.objectContaining({ path: 'old/table.csv', code: 'declared-mismatch', source: 'old/dvc.lock: stage build, outs', expected: dvc2TextMd5(p.old), actual: dvc2TextMd5(changed) }));
  });
});

describe('verify: a DVC project below the store root', () => {
  it('records the MD5 the index lacked once the SHA-256 is confirmed', () => {
    const root = join(tmp, 'outer');
    const db = join(tmp, 'outer.db');
    const p = makeDvc3Project(join(root, 'proj'));
    index(db, root);
    const { code, result } = verify(db);
    expect(result.mismatches).toEqual([]);
    expect(code).toBe(0);
    const files = JSON.parse(cli(db, 'files', root, '--json', '--search', 'model.bin').out) as { path: string; md5: string | null }[];
    expect(files.find((f) => f.path === 'proj/model.bin')?.md5).toBe(md5(p.model));
  });
});

describe('verify: a Hugging Face hub cache', () => {
  let root: string;
  let db: string;
  let h: ReturnType<typeof makeHfCache>;
  beforeAll(() => {
    root = join(tmp, 'hub');
    db = join(tmp, 'hub.db');
    h = makeHfCache(root);
    index(db, root);
  });

  it('passes when blob names match their content (SHA-256 and git blob id)', () => {
    const { code, result } = verify(db, root);
    expect(result.mismatches).toEqual([]);
    expect(code).toBe(0);
    expect(result.checked).toBe(5); // two blobs, two snapshot links, refs/main
  });

  it('warns about a ref whose snapshot is absent', () => {
    write(root, `${h.repo}/refs/dev`, 'b'.repeat(40));
    index(db, root);
    const { code, result } = verify(db, root);
    expect(code).toBe(0);
    expect(result.findings).toContainEqual(expect.objectContaining({ path: `${h.repo}/refs/dev`, code: 'hf-ref-dangling' }));
  });

  it('reports an LFS blob whose SHA-256 is not its name', () => {
    const changed = flipByte(join(root, h.repo, 'blobs', h.lfs), h.weights);
    const { code, result } = verify(db, root);
    expect(code).toBe(1);
    expect(result.mismatches).toContainEqual(expect.objectContaining({ path: `${h.repo}/blobs/${h.lfs}`, code: 'declared-mismatch', algorithm: 'sha256', expected: h.lfs, actual: sha256(changed), source: `Hugging Face cache ${h.repo}: blob name` }));
    writeFileSync(join(root, h.repo, 'blobs', h.lfs), h.weights);
  });

  it('reports a regular blob whose git blob id is not its name, also when only its snapshot path is verified', () => {
    const changed = flipByte(join(root, h.repo, 'blobs', h.git), h.config, 2);
    const all = verify(db, root);
    expect(all.result.mismatches).toContainEqual(expect.objectContaining({ path: `${h.repo}/blobs/${h.git}`, code: 'declared-mismatch', algorithm: 'git-sha1', expected: h.git, actual: gitBlobId(changed) }));
    const snapshot = `${h.repo}/snapshots/${h.commit}/config.json`;
    const one = verify(db, join(root, snapshot));
    expect(one.code).toBe(1);
    expect(one.result.checked).toBe(1);
    expect(one.result.mismatches).toContainEqual(expect.objectContaining({ path: snapshot, code: 'declared-mismatch', algorithm: 'git-sha1', expected: h.git, source: `Hugging Face cache ${h.repo}: snapshot link to blobs/${h.git}` }));
    writeFileSync(join(root, h.repo, 'blobs', h.git), h.config);
  });
});

describe('verify: a folder downloaded with local_dir (huggingface_hub metadata)', () => {
  it('checks each file against the etag its metadata recorded, whatever the file times', () => {
    const root = join(tmp, 'local-dir');
    const db = join(tmp, 'local-dir.db');
    const weights = Buffer.from('weights of a model');
    const config = Buffer.from('{"model_type":"llama"}');
    write(root, 'model.safetensors', weights);
    write(root, 'config.json', config);
    write(root, 'tokenizer.json', '{}');
    const later = Date.now() / 1000 + 60;
    const meta = (file: string, etag: string, time = later) => write(root, `.cache/huggingface/download/${file}.metadata`, `${'c'.repeat(40)}\n${etag}\n${time}\n`);
    meta('model.safetensors', sha256(weights));
    meta('config.json', gitBlobId(config));
    // Metadata older than its file (the folder copied without its times): the content still is the download.
    meta('tokenizer.json', sha256(Buffer.from('{}')), Date.now() / 1000 - 3600);
    index(db, root);
    const clean = verify(db, root);
    expect(clean.result.mismatches).toEqual([]);
    expect(clean.result.checked).toBeGreaterThanOrEqual(3);
    expect(clean.code).toBe(0);

    const changed = flipByte(join(root, 'model.safetensors'), weights);
    utimesSync(join(root, 'model.safetensors'), new Date(), new Date(Date.now() - 120_000)); // as old as a file the download wrote
    cli(db, 'index', root, '--json');
    const bad = verify(db, join(root, 'model.safetensors'));
    expect(bad.code).toBe(1);
    expect(bad.result.mismatches).toContainEqual(expect.objectContaining({ path: 'model.safetensors', code: 'declared-mismatch', algorithm: 'sha256', expected: sha256(weights), actual: sha256(changed), source: 'Hugging Face download metadata .cache/huggingface/download/model.safetensors.metadata (commit cccccccccc)' }));
  });
});

describe("verify: transformers' cache before huggingface_hub", () => {
  it('checks each download against the etag its .json recorded', () => {
    const root = join(tmp, 'legacy-cache');
    const db = join(tmp, 'legacy-cache.db');
    const weights = Buffer.from('legacy weights');
    const url = 'https://huggingface.co/gpt2/resolve/main/pytorch_model.bin';
    const name = `${createHash('sha256').update(url).digest('hex')}.${'e'.repeat(64)}`;
    write(root, name, weights);
    write(root, `${name}.json`, JSON.stringify({ url, etag: `"${sha256(weights)}"` }));
    cli(db, 'index', root, '--json');
    expect(verify(db, root)).toMatchObject({ code: 0, result: { mismatches: [] } });
    const changed = flipByte(join(root, name), weights);
    utimesSync(join(root, name), new Date(), new Date(Date.now() - 120_000));
    cli(db, 'index', root, '--json');
    const bad = verify(db, root);
    expect(bad.code).toBe(1);
    expect(bad.result.mismatches).toContainEqual(expect.objectContaining({ path: name, algorithm: 'sha256', expected: sha256(weights), actual: sha256(changed), source: `transformers cache ${name}.json: etag of ${url}` }));
  });
});

describe('verify: a sharded safetensors checkpoint', () => {
  let root: string;
  let db: string;
  beforeAll(() => {
    root = join(tmp, 'ckpt');
    db = join(tmp, 'ckpt.db');
    makeShardedCheckpoint(root);
    index(db, root);
  });

  it('reports a shard named in weight_map but not beside the index, with exit 1', () => {
    const { code, result } = verify(db, root);
    expect(code).toBe(1);
    expect(result.mismatches).toEqual([
      expect.objectContaining({ path: 'ckpt/model-00002-of-00002.safetensors', code: 'shard-missing', source: 'ckpt/model.safetensors.index.json: weight_map', expected: null, actual: null }),
    ]);
    expect(cli(db, 'verify', root).out).toContain('shard-missing');
  });

  it('warns when metadata.total_size is more than the shards hold', () => {
    write(root, 'ckpt/model-00002-of-00002.safetensors', Buffer.alloc(16));
    write(root, 'ckpt/model.safetensors.index.json', JSON.stringify({ metadata: { total_size: 1e9 }, weight_map: { a: 'model-00001-of-00002.safetensors', b: 'model-00002-of-00002.safetensors' } }));
    index(db, root);
    const { code, result } = verify(db, root);
    expect(result.mismatches).toEqual([]);
    expect(code).toBe(0);
    expect(result.findings).toContainEqual(expect.objectContaining({ path: 'ckpt/model.safetensors.index.json', code: 'safetensors-total-size', severity: 'warning' }));
  });
});

describe('verify: naming what to verify', () => {
  let db: string;
  let root: string;
  beforeAll(() => {
    db = join(tmp, 'usage.db');
    root = join(tmp, 'usage');
    write(root, 'a.txt', 'a');
  });

  it('exits 2 when there is no store at all', () => {
    expect(cli(db, 'verify').code).toBe(2);
  });

  it('accepts a store id and a store path; exits 2 for an unknown id, a path outside every store, a missing path, or two arguments', () => {
    index(db, root);
    const stores = JSON.parse(cli(db, 'stores', '--json').out) as { id: number; path: string }[];
    const id = stores.find((s) => s.path === root)!.id;
    expect(verify(db, String(id)).code).toBe(0);
    expect(verify(db, root).code).toBe(0);
    expect(cli(db, 'verify', '987654').code).toBe(2);
    expect(cli(db, 'verify', tmpdir()).code).toBe(2);
    expect(cli(db, 'verify', join(root, 'no-such-file')).code).toBe(2);
    const two = cli(db, 'verify', root, root);
    expect(two.code).toBe(2);
    expect(two.err).toContain('Usage: pedigree verify');
  });
});
