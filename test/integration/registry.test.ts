import { createHash } from 'node:crypto';
import { mkdirSync, realpathSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../../src/main/core/workspace';
import type { WritableDb } from '../../src/main/db/connection';
import { replaceStoreLineage } from '../../src/main/db/lineage';
import { mergeFragments } from '../../src/main/lineage/merge';
import type { LineageFragment } from '../../src/main/lineage/model';
import { createRegistry, type Registry } from '../../src/main/registry';
import { ApiError } from '../../src/shared/errors';
import { tempDirs } from '../helpers/temp';
import { openWorkspace } from '../helpers/workspace';

const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

/** Every registry row: what "the registry is unchanged" compares. */
function registryState(db: WritableDb): string {
  return JSON.stringify(['registry_models', 'registry_versions', 'registry_aliases', 'registry_audit'].map((t) => db.raw.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all()));
}

/** A training pipeline as a reader would describe it: data, config, code and environment into a run that wrote the checkpoint. */
const pipeline: LineageFragment = {
  reader: 'test',
  nodes: [
    { key: 'file:data/train.csv', kind: 'dataset', label: 'train.csv', props: {}, files: [{ path: 'data/train.csv' }], evidence: [{ file: 'dvc.lock' }] },
    { key: 'file:params.yaml', kind: 'config', label: 'params.yaml', props: { lr: 0.1 }, files: [{ path: 'params.yaml' }], evidence: [{ file: 'dvc.lock' }] },
    { key: 'file:requirements.txt', kind: 'environment', label: 'requirements.txt', props: {}, files: [{ path: 'requirements.txt' }], evidence: [{ file: 'dvc.lock' }] },
    { key: 'git:commit:abc123', kind: 'code', label: 'abc123', props: { commit: 'abc123' }, files: [], evidence: [{ file: '.git/HEAD' }] },
    { key: 'test:run:train', kind: 'run', label: 'train', props: { cmd: 'python train.py' }, files: [], evidence: [{ file: 'dvc.yaml', line: 2 }] },
    { key: 'file:model/model.safetensors', kind: 'checkpoint', label: 'model.safetensors', props: {}, files: [{ path: 'model/model.safetensors' }], evidence: [{ file: 'dvc.lock' }] },
  ],
  edges: [
    { from: 'file:data/train.csv', to: 'test:run:train', relation: 'input', strength: 'declared', evidence: { file: 'dvc.lock', line: 4 } },
    { from: 'file:params.yaml', to: 'test:run:train', relation: 'config', strength: 'declared', evidence: { file: 'dvc.lock', line: 5 } },
    { from: 'file:requirements.txt', to: 'test:run:train', relation: 'environment', strength: 'declared', evidence: { file: 'dvc.lock', line: 6 } },
    { from: 'git:commit:abc123', to: 'test:run:train', relation: 'code', strength: 'declared', evidence: { file: 'dvc.lock' } },
    { from: 'test:run:train', to: 'file:model/model.safetensors', relation: 'output', strength: 'declared', evidence: { file: 'dvc.lock', line: 8 } },
  ],
  findings: [],
};

describe('the registry in a workspace', () => {
  const temp = tempDirs('registry');
  let proj: string;
  let ws: Workspace;
  let storeId: number;
  let r: Registry;
  let tick = 0;
  // after a complete scan the workspace reads the store's lineage again; wait for it before writing our own fragment
  const settle = async () => (ws as unknown as { idle?: () => Promise<void> }).idle?.();
  const rescan = async () => {
    await ws.rescan(storeId).done;
    await settle();
  };

  beforeAll(async () => {
    const dir = temp.make();
    proj = join(dir, 'proj');
    mkdirSync(join(proj, 'data'), { recursive: true });
    mkdirSync(join(proj, 'model'));
    writeFileSync(join(proj, 'data', 'train.csv'), 'x,y\n1,2\n');
    writeFileSync(join(proj, 'params.yaml'), 'lr: 0.1\n');
    writeFileSync(join(proj, 'requirements.txt'), 'torch==2.3.0\n');
    writeFileSync(join(proj, 'model', 'model.safetensors'), 'weights v1');
    writeFileSync(join(proj, 'model', 'README.md'), '# ResNet\n\nTrained on train.csv.\n');
    writeFileSync(join(proj, 'model', 'tokenizer.json'), '{}');
    ws = openWorkspace(join(dir, 'ws.db'));
    const added = ws.addStore({ path: proj });
    await added.scan!.done;
    storeId = added.store.id;
    await settle();
    proj = realpathSync(proj);
    replaceStoreLineage(ws.db, storeId, mergeFragments([pipeline]));
    r = createRegistry(ws.db, { actor: 'alice', now: () => new Date(Date.UTC(2025, 0, 1, 0, 0, tick++)).toISOString() });
  });
  afterAll(async () => {
    await ws.close();
    temp.cleanup();
  });

  it('registers version 1: pins the file, the lineage upstream of it and the model card', () => {
    const v = r.register({ name: 'vision/resnet', paths: [join(proj, 'model', 'model.safetensors')], description: 'an image classifier', tags: { team: 'vision' } });
    expect(v).toMatchObject({ model: 'vision/resnet', number: 1, name: '1', label: 'v1', stage: 'none', source: 'local', registeredBy: 'alice' });
    expect(v.files).toEqual([{ store: proj, path: 'model/model.safetensors', size: 10, sha256: sha256('weights v1') }]);
    expect(v.card).toEqual({ store: proj, path: 'model/README.md', size: 32, sha256: sha256('# ResNet\n\nTrained on train.csv.\n'), text: '# ResNet\n\nTrained on train.csv.\n' });
    expect(v.links.runs).toEqual([expect.objectContaining({ label: 'train', detail: 'cmd python train.py' })]);
    expect(v.links.data).toEqual([expect.objectContaining({ label: 'train.csv', digests: [`sha256:${sha256('x,y\n1,2\n')}`] })]);
    expect(v.links.code).toEqual([expect.objectContaining({ key: 'git:commit:abc123', detail: 'commit abc123' })]);
    expect(v.links.config.map((c) => c.label)).toEqual(['params.yaml']);
    expect(v.links.environment.map((c) => c.label)).toEqual(['requirements.txt']);
    expect(v.integrity.status).toBe('intact');
    const model = r.show('vision/resnet');
    expect(model).toMatchObject({ description: 'an image classifier', tags: { team: 'vision' }, source: 'local', createdBy: 'alice', versionCount: 1 });
    expect(r.log({ name: 'vision/resnet' }).map((e) => [e.action, e.actor, e.version])).toEqual([
      ['model.create', 'alice', null],
      ['version.register', 'alice', '1'],
    ]);
  });

  it('keeps the lineage snapshot when the graph is read again differently', () => {
    replaceStoreLineage(ws.db, storeId, mergeFragments([{ reader: 'test', nodes: [], edges: [], findings: [] }]));
    const [v1] = r.show('vision/resnet').versions;
    expect(v1!.links.runs.map((x) => x.label)).toEqual(['train']);
    expect(v1!.links.data).toHaveLength(1);
    replaceStoreLineage(ws.db, storeId, mergeFragments([pipeline]));
  });

  it('numbers the next version 2 and registers a folder as all its indexed files', () => {
    const v = r.register({ name: 'VISION/ResNet', paths: [join(proj, 'model')] });
    expect(v).toMatchObject({ model: 'vision/resnet', number: 2, label: 'v2' });
    expect(v.files.map((f) => f.path)).toEqual(['model/README.md', 'model/model.safetensors', 'model/tokenizer.json']);
  });

  it('resolves versions by number, v-number, alias and latest', () => {
    r.setAlias({ name: 'vision/resnet', version: 'v1', alias: '@champion' });
    const m = r.show('vision/resnet');
    expect(m.aliases).toEqual([expect.objectContaining({ alias: 'champion', version: '1', setBy: 'alice' })]);
    expect(r.setStage({ name: 'vision/resnet', version: '@champion', stage: 'Staging' }).version.label).toBe('v1');
    expect(r.setStage({ name: 'vision/resnet', version: 'latest', stage: 'none' }).version.label).toBe('v2');
    expect(() => r.setStage({ name: 'vision/resnet', version: 'v9', stage: 'none' })).toThrow(/has no version "v9"; its versions are v1, v2/);
  });

  it('refuses to take an alias from another version unless asked to move it, and then moves it in one audited step', () => {
    const before = registryState(ws.db);
    expect(() => r.setAlias({ name: 'vision/resnet', version: '2', alias: 'champion' })).toThrow(/@champion already points at vision\/resnet v1.*--move/);
    expect(registryState(ws.db)).toBe(before);
    expect(r.setAlias({ name: 'vision/resnet', version: '1', alias: 'champion' })).toMatchObject({ changed: false });
    expect(registryState(ws.db)).toBe(before);
    const moved = r.setAlias({ name: 'vision/resnet', version: '2', alias: 'champion', move: true });
    expect(moved).toMatchObject({ changed: true, movedFrom: '1', version: { label: 'v2', aliases: ['champion'] } });
    const last = r.log({ name: 'vision/resnet', limit: 1 });
    expect(last).toEqual([expect.objectContaining({ action: 'alias.set', alias: 'champion', before: { version: '1' }, after: { version: '2' }, actor: 'alice' })]);
    expect(r.show('vision/resnet').aliases.map((a) => [a.alias, a.version])).toEqual([['champion', '2']]);
  });

  it('sets stages with before and after in the log, and refuses one that does not exist', () => {
    const res = r.setStage({ name: 'vision/resnet', version: '2', stage: 'production' });
    expect(res).toMatchObject({ previous: 'none', changed: true, version: { stage: 'production' } });
    expect(r.log({ limit: 1 })[0]).toMatchObject({ action: 'stage.set', version: '2', before: { stage: 'none' }, after: { stage: 'production' } });
    const before = registryState(ws.db);
    expect(() => r.setStage({ name: 'vision/resnet', version: '2', stage: 'prod' })).toThrow('no stage "prod": the stages are none, staging, production, archived');
    expect(r.setStage({ name: 'vision/resnet', version: '2', stage: 'production' }).changed).toBe(false);
    expect(registryState(ws.db)).toBe(before);
  });

  it('refuses bad aliases and leaves the registry unchanged', () => {
    const before = registryState(ws.db);
    expect(() => r.setAlias({ name: 'vision/resnet', version: '1', alias: 'latest' })).toThrow(/reserved/);
    expect(() => r.setAlias({ name: 'vision/resnet', version: '1', alias: 'Best Model' })).toThrow(/invalid alias "Best Model"/);
    expect(() => r.setAlias({ name: 'no-such-model', version: '1', alias: 'x' })).toThrow(/no registered model "no-such-model"/);
    expect(registryState(ws.db)).toBe(before);
  });

  describe('refuses bad registrations, each with a clear error and no change', () => {
    const refused = (input: { name: string; paths: string[] }, message: RegExp, kind = 'invalid-input') => {
      const before = registryState(ws.db);
      let error: unknown;
      try {
        r.register(input);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).kind).toBe(kind);
      expect((error as ApiError).message).toMatch(message);
      expect(registryState(ws.db)).toBe(before);
    };

    it('a name with invalid characters, naming the character', () => refused({ name: 'my model!', paths: [join(proj, 'params.yaml')] }, /invalid character " " \(a space\) in model name "my model!"/));
    it('a file that does not exist', () => refused({ name: 'm', paths: [join(proj, 'nope.bin')] }, /nope\.bin: no such file or folder/));
    it('a path outside every store', () => refused({ name: 'm', paths: ['/etc/hostname'] }, /not inside any indexed store; add its folder with: pedigree index/));
    it('a file that is not indexed', () => {
      writeFileSync(join(proj, 'model', 'new.bin'), 'fresh');
      try {
        refused({ name: 'm', paths: [join(proj, 'model', 'new.bin')] }, /new\.bin: not indexed; run: pedigree index/);
      } finally {
        unlinkSync(join(proj, 'model', 'new.bin'));
      }
    });
    it('a file changed since it was indexed', () => {
      writeFileSync(join(proj, 'params.yaml'), 'lr: 0.2 # changed\n');
      try {
        refused({ name: 'm', paths: [join(proj, 'params.yaml')] }, /params\.yaml: changed since it was indexed/);
      } finally {
        writeFileSync(join(proj, 'params.yaml'), 'lr: 0.1\n');
      }
    });
    it('a file indexed but not hashed', () => {
      ws.db.raw.prepare(`UPDATE files SET sha256 = NULL WHERE display_path = 'requirements.txt'`).run();
      refused({ name: 'm', paths: [join(proj, 'requirements.txt')] }, /requirements\.txt: indexed but not hashed yet; run: pedigree index/);
    });
    it('every problem at once when several paths are wrong', () => refused({ name: 'm', paths: [join(proj, 'a.bin'), join(proj, 'b.bin')] }, /cannot register:\n {2}.*a\.bin: no such file or folder\n {2}.*b\.bin: no such file or folder/));
  });

  it('flags a version whose file changed on disk, with both digests, without changing the version', async () => {
    await rescan(); // params.yaml and requirements.txt were touched above
    writeFileSync(join(proj, 'model', 'model.safetensors'), 'weights v2, retrained');
    await rescan();
    const m = r.show('vision/resnet');
    const [v1, v2] = m.versions;
    expect(v1!.files[0]!.sha256).toBe(sha256('weights v1'));
    expect(v1!.integrity).toMatchObject({ status: 'modified', files: [{ status: 'modified', registeredSha256: sha256('weights v1'), currentSha256: sha256('weights v2, retrained'), foundElsewhere: [] }] });
    expect(v2!.integrity.status).toBe('modified');
    expect(v2!.integrity.files.map((f) => f.status)).toEqual(['intact', 'modified', 'intact']);
    expect(m.integrity).toEqual({ intact: 0, modified: 2, missing: 0 });
    expect(r.list()[0]!.integrity).toEqual({ intact: 0, modified: 2, missing: 0 });
  });

  it('flags a version whose file is gone as missing, and points at a copy of the registered content', async () => {
    writeFileSync(join(proj, 'model', 'model.safetensors'), 'weights v1');
    writeFileSync(join(proj, 'tokenizer-copy.json'), '{}');
    unlinkSync(join(proj, 'model', 'tokenizer.json'));
    await rescan();
    const [v1, v2] = r.show('vision/resnet').versions;
    expect(v1!.integrity.status).toBe('intact');
    const tok = v2!.integrity.files.find((f) => f.path === 'model/tokenizer.json')!;
    expect(tok).toMatchObject({ status: 'missing', currentSha256: null, foundElsewhere: [join(proj, 'tokenizer-copy.json')] });
    expect(v2!.integrity.status).toBe('missing');
  });

  it('refuses, in SQL, to edit a version or the audit log', () => {
    expect(() => ws.db.raw.prepare(`UPDATE registry_versions SET files = '[]'`).run()).toThrow(/immutable/);
    expect(() => ws.db.raw.prepare(`DELETE FROM registry_audit`).run()).toThrow(/never deleted/);
  });

  it('takes the OS user when no actor is given', () => {
    const plain = createRegistry(ws.db);
    plain.updateModel({ name: 'vision/resnet', description: 'an image classifier (ImageNet)' });
    const last = plain.log({ limit: 1 })[0]!;
    expect(last).toMatchObject({ action: 'model.update', before: { description: 'an image classifier' }, after: { description: 'an image classifier (ImageNet)' } });
    expect(last.actor).toBe(userInfo().username);
  });

  it('keeps its history when the store is forgotten', async () => {
    const extra = join(temp.make(), 'other');
    mkdirSync(extra);
    writeFileSync(join(extra, 'w.bin'), 'other weights');
    const added = ws.addStore({ path: extra });
    await added.scan!.done;
    await settle();
    r.register({ name: 'other', paths: [join(extra, 'w.bin')] });
    await ws.removeStore(added.store.id);
    rmSync(extra, { recursive: true, force: true });
    const m = r.show('other');
    expect(m.versions[0]!.files[0]).toMatchObject({ path: 'w.bin', sha256: sha256('other weights') });
    expect(m.versions[0]!.integrity.status).toBe('missing');
  });
});
