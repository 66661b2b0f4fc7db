import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry, ModelVersion, RegisteredModel, RegisteredModelDetail, RegistryExportDocument } from '../../src/shared/registry';
import { indexStore, runCli } from '../helpers/cli';
import { tempDirs } from '../helpers/temp';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('pedigree registry', () => {
  const temp = tempDirs('registry-cli');
  let dir: string;
  let proj: string;
  let db: string;
  const cli = (...args: string[]) => runCli(['registry', ...args, '--db', db]);
  const json = async <T>(...args: string[]): Promise<{ code: number | null; value: T; stderr: string }> => {
    const r = await cli(...args, '--json');
    try {
      return { code: r.code, value: JSON.parse(r.stdout) as T, stderr: r.stderr };
    } catch {
      throw new Error(`pedigree registry ${args.join(' ')}: no JSON (exit ${r.code}); stderr:\n${r.stderr}\nstdout:\n${r.stdout}`);
    }
  };
  /** A refused command: exit 2, the message on stderr, and the registry exactly as it was. */
  const refused = async (args: string[], message: RegExp) => {
    const before = await cli('export');
    const r = await cli(...args);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
    const after = await cli('export');
    // the export's own time (and so its checksum) differ; everything in the registry must not
    const strip = (s: string) => s.replace(/"exportedAt": "[^"]+",/, '').replace(/"checksum": "[^"]+"/, '');
    expect(strip(after.stdout)).toBe(strip(before.stdout));
  };

  beforeAll(async () => {
    dir = temp.make();
    proj = join(dir, 'proj');
    mkdirSync(join(proj, 'ckpt'), { recursive: true });
    writeFileSync(join(proj, 'ckpt', 'model.safetensors'), 'weights one');
    writeFileSync(join(proj, 'ckpt', 'README.md'), '# Model card\n');
    writeFileSync(join(proj, 'ckpt', 'model-2.safetensors'), 'weights two');
    db = join(dir, 'ws.db');
    const { code } = await indexStore(proj, db);
    expect(code).toBe(0);
    proj = realpathSync(proj);
  });
  afterAll(() => temp.cleanup());

  it('starts empty', async () => {
    const r = await cli('list');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/the registry is empty/);
  });

  it('registers versions 1 and 2 and lists them', async () => {
    const v1 = await json<ModelVersion>('register', 'org/model', join(proj, 'ckpt', 'model.safetensors'), '--description', 'a test model', '--tag', 'team=nlp');
    expect(v1.code).toBe(0);
    expect(v1.value).toMatchObject({ model: 'org/model', number: 1, files: [{ path: 'ckpt/model.safetensors', sha256: sha256('weights one') }], card: { path: 'ckpt/README.md' }, registeredBy: userInfo().username });
    const v2 = await cli('register', 'org/model', join(proj, 'ckpt', 'model-2.safetensors'));
    expect(v2.code).toBe(0);
    expect(v2.stdout).toMatch(/^registered org\/model v2: 1 file, card ckpt\/README\.md/);
    expect(v2.stdout).toContain(sha256('weights two'));
    const list = await json<RegisteredModel[]>('list');
    expect(list.code).toBe(0);
    expect(list.value).toEqual([expect.objectContaining({ name: 'org/model', versionCount: 2, description: 'a test model', tags: { team: 'nlp' }, integrity: { intact: 2, modified: 0, missing: 0 } })]);
  });

  it('sets aliases and stages, refusing a duplicate alias without --move and a stage that does not exist', async () => {
    expect((await cli('alias', 'org/model', 'v1', '@champion')).stdout).toBe('org/model @champion → v1\n');
    await refused(['alias', 'org/model', '2', 'champion'], /@champion already points at org\/model v1.*--move/);
    expect((await cli('alias', 'org/model', '2', 'champion', '--move')).stdout).toBe('org/model @champion → v2 (moved from v1)\n');
    await refused(['alias', 'org/model', '1', 'latest'], /reserved/);
    expect((await cli('stage', 'org/model', '2', 'production')).stdout).toBe('org/model v2: none → production\n');
    await refused(['stage', 'org/model', '2', 'prod'], /no stage "prod": the stages are none, staging, production, archived/);
    await refused(['stage', 'org/model', '7', 'staging'], /org\/model has no version "7"; its versions are v1, v2/);
    const shown = await json<RegisteredModelDetail>('show', 'org/model');
    expect(shown.value.aliases.map((a) => [a.alias, a.version])).toEqual([['champion', '2']]);
    expect(shown.value.versions.map((v) => v.stage)).toEqual(['none', 'production']);
  });

  it('refuses bad registrations with exit 2 and a clear message', async () => {
    await refused(['register', 'bad name', join(proj, 'ckpt', 'model.safetensors')], /invalid character " " \(a space\) in model name "bad name"/);
    await refused(['register', 'org/model', join(proj, 'ckpt', 'missing.bin')], /missing\.bin: no such file or folder/);
    writeFileSync(join(proj, 'ckpt', 'unindexed.bin'), 'new');
    await refused(['register', 'org/model', join(proj, 'ckpt', 'unindexed.bin')], /unindexed\.bin: not indexed; run: pedigree index/);
    await refused(['register', 'org/model'], /expected NAME and at least one PATH/);
    await refused(['frobnicate'], /unknown action "frobnicate"/);
  });

  it('prints the audit log, all of it or one model\'s, with who and what changed', async () => {
    const log = await json<AuditEntry[]>('log', 'org/model');
    expect(log.value.map((e) => e.action)).toEqual(['model.create', 'version.register', 'version.register', 'alias.set', 'alias.set', 'stage.set']);
    expect(new Set(log.value.map((e) => e.actor))).toEqual(new Set([userInfo().username]));
    const text = await cli('log');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/alias\.set\s+org\/model\s+v2\s+@champion moved v1 → v2/);
    expect(text.stdout).toMatch(/stage\.set\s+org\/model\s+v2\s+stage none → production/);
  });

  it('exports to standard output or a file, and imports into another workspace once', async () => {
    const out = await cli('export');
    expect(out.code).toBe(0);
    const doc = JSON.parse(out.stdout) as RegistryExportDocument;
    expect(doc).toMatchObject({ format: 'pedigree-registry', schemaVersion: 1 });
    const file = join(dir, 'registry.json');
    const written = await cli('export', '--out', file);
    expect(written.code).toBe(0);
    expect(written.stdout).toBe('');
    expect(written.stderr).toMatch(/exported 1 model, 2 versions and 6 audit entries to/);
    const other = join(dir, 'other.db');
    const first = await runCli(['registry', 'import', file, '--db', other]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^imported 1 model, 2 versions, 1 alias change, 6 audit entries from/);
    const again = await runCli(['registry', 'import', file, '--db', other]);
    expect(again.stdout).toMatch(/nothing to import: this registry already holds everything/);
    const tampered = join(dir, 'tampered.json');
    writeFileSync(tampered, readFileSync(file, 'utf8').replace('"production"', '"archived"'));
    const bad = await runCli(['registry', 'import', tampered, '--db', other]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/checksum mismatch/);
    const truncated = join(dir, 'truncated.json');
    writeFileSync(truncated, readFileSync(file, 'utf8').slice(0, 500));
    const cut = await runCli(['registry', 'import', truncated, '--db', other]);
    expect(cut.code).toBe(2);
    expect(cut.stderr).toMatch(/not a complete JSON document/);
  });

  it('flags a modified version in list, show and log, with exit 1', async () => {
    writeFileSync(join(proj, 'ckpt', 'model.safetensors'), 'weights one, fine-tuned');
    await indexStore(proj, db);
    const show = await cli('show', 'org/model');
    expect(show.code).toBe(1);
    expect(show.stdout).toMatch(/v1 {2}stage none .*MODIFIED SINCE REGISTRATION/);
    expect(show.stdout).toContain(`registered sha256 ${sha256('weights one')}`);
    expect(show.stdout).toContain(`now        sha256 ${sha256('weights one, fine-tuned')}`);
    const list = await cli('list');
    expect(list.code).toBe(1);
    expect(list.stdout).toMatch(/org\/model .* 1 MODIFIED/);
    const log = await cli('log', 'org/model');
    expect(log.code).toBe(0);
    expect(log.stdout).toMatch(/version\.register .*\[modified since registration\]/);
    const json2 = await json<RegisteredModelDetail>('show', 'org/model');
    expect(json2.code).toBe(1);
    expect(json2.value.versions[0]!.files[0]!.sha256).toBe(sha256('weights one'));
  });

  it('says so when no store holds a registry to import', async () => {
    const r = await cli('import-stores');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/no MLflow registry or GTO tags/);
  });
});
