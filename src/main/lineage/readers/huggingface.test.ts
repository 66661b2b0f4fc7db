import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildHubCache, buildModelFolders, CARD, COMMIT, CONFIG, gitBlobId, OLD_COMMIT, sha256, WEIGHTS } from '../../../../test/fixtures/huggingface/cache';
import { edgesBetween, node, readStore } from '../../../../test/fixtures/plain/context';
import { tempDirs } from '../../../../test/helpers/temp';
import { huggingFaceReader } from './huggingface';
import { parseRepoFolder } from './huggingface/cache';
import { hubRepoId } from './huggingface/folder';

const temp = tempDirs('hf-reader');
afterAll(() => temp.cleanup());

const SNAP = `hf:model:acme/tiny-llm@${COMMIT}`;

describe('huggingface reader: the hub cache', async () => {
  const root = temp.make();
  buildHubCache(root);
  const f = await readStore(huggingFaceReader, root);

  it('names repositories from their cache folders', () => {
    expect(parseRepoFolder('models--acme--tiny-llm')).toEqual({ type: 'model', id: 'acme/tiny-llm' });
    expect(parseRepoFolder('datasets--squad')).toEqual({ type: 'dataset', id: 'squad' });
    expect(parseRepoFolder('models--')).toBeUndefined();
  });

  it('makes a checkpoint node per snapshot with repo id, revision, refs, config and card metadata', () => {
    const snap = node(f, SNAP);
    expect(snap.kind).toBe('checkpoint');
    expect(snap.props).toMatchObject({ repoId: 'acme/tiny-llm', commit: COMMIT, revision: 'main', refs: ['main'], architectures: ['LlamaForCausalLM'], model_type: 'llama', torch_dtype: 'bfloat16', knownMissing: ['adapter_config.json'] });
    expect(snap.props).toMatchObject({ tensorCount: 2, totalParameters: 256, dtypes: { BF16: 2 } });
    expect(snap.props.card).toMatchObject({ license: 'apache-2.0', base_model: 'meta-llama/Llama-2-7b-hf', base_model_relation: 'finetune', pipeline_tag: 'text-generation' });
    expect((snap.props.card as { evalResults: unknown[] }).evalResults[0]).toMatchObject({ task: 'text-generation', dataset: 'acme/eval', metrics: [{ type: 'accuracy', value: 0.42 }] });
    expect(node(f, `hf:model:acme/tiny-llm@${OLD_COMMIT}`).props.refs).toEqual(['pr/1']);
  });

  it('takes digests from blob names: SHA-256 for LFS files, git blob ids for the rest', () => {
    const files = node(f, SNAP).files;
    expect(files.find((x) => x.path.endsWith('model.safetensors'))?.digests).toEqual([{ algorithm: 'sha256', value: sha256(WEIGHTS) }]);
    expect(files.find((x) => x.path.endsWith('config.json'))?.digests).toEqual([{ algorithm: 'git-sha1', value: gitBlobId(CONFIG) }]);
    expect(files.find((x) => x.path.endsWith('README.md'))?.digests).toEqual([{ algorithm: 'git-sha1', value: gitBlobId(CARD) }]);
  });

  it('links snapshots to their repository, and the card to its base model and datasets', () => {
    expect(edgesBetween(f, SNAP, 'hf:model:acme/tiny-llm')[0]).toMatchObject({ relation: 'version-of', strength: 'declared' });
    const card = `card:hub/models--acme--tiny-llm/snapshots/${COMMIT}/README.md`;
    expect(edgesBetween(f, card, SNAP)[0]?.relation).toBe('card');
    expect(edgesBetween(f, 'hf:model:meta-llama/Llama-2-7b-hf', SNAP)[0]).toMatchObject({ relation: 'base-model', strength: 'declared', evidence: { line: 3, detail: 'base_model (finetune)' } });
    expect(node(f, 'hf:model:meta-llama/Llama-2-7b-hf').props.present).toBe(false);
    // A dataset the cache holds is present; one it does not is declared only.
    expect(node(f, 'hf:dataset:acme/instructions').props.present).toBe(true);
    expect(node(f, 'hf:dataset:tatsu-lab/alpaca').props.present).toBe(false);
    expect(edgesBetween(f, 'hf:dataset:tatsu-lab/alpaca', SNAP)[0]?.relation).toBe('input');
    expect(node(f, 'hf:dataset:acme/instructions@da7a000000000000000000000000000000000001').kind).toBe('dataset');
  });

  it('reports an unfinished download and a symbolic link loop, and reads on', () => {
    const codes = f.findings.map((x) => `${x.code} ${x.path}`);
    expect(codes.some((c) => c.startsWith('hf-incomplete-download'))).toBe(true);
    expect(codes).toContain(`hf-symlink-loop hub/models--acme--loopy/snapshots/${COMMIT}/config.json`);
    expect(codes).toContain(`hf-symlink-loop hub/models--acme--loopy/snapshots/${COMMIT}/a.bin`);
    expect(node(f, `hf:model:acme/loopy@${COMMIT}`).files).toEqual([]);
  });
});

describe('huggingface reader: model folders', async () => {
  const root = temp.make();
  buildModelFolders(root);
  const f = await readStore(huggingFaceReader, root);

  it('makes a checkpoint node for a save_pretrained folder, with its shard index and tokenizer', () => {
    const m = node(f, 'file:finetuned');
    expect(m.props).toMatchObject({ directory: true, model_type: 'llama', torch_dtype: 'float16', shards: { count: 2, totalSize: 512 }, tokenizerFiles: ['tokenizer.json'] });
    expect(f.findings.some((x) => x.code === 'hf-shard-missing' && x.path === 'finetuned/model.safetensors.index.json')).toBe(true);
    expect(edgesBetween(f, 'hf:model:acme/tiny-llm', 'file:finetuned')[0]).toMatchObject({ relation: 'base-model', strength: 'inferred' });
  });

  it('never evaluates ---js front matter, and reports it', () => {
    expect((globalThis as { pwned?: boolean }).pwned).toBeUndefined();
    expect(f.findings.find((x) => x.path === 'finetuned/README.md')?.code).toBe('card-front-matter-not-yaml');
    expect(node(f, 'card:finetuned/README.md').props.hasMetadata).toBe(false);
  });

  it("declares an adapter's base model, and every base_model of a list", () => {
    expect(node(f, 'file:adapter').props.adapter).toMatchObject({ peft_type: 'LORA', r: 8 });
    expect(edgesBetween(f, 'hf:model:acme/tiny-llm', 'file:adapter')[0]?.strength).toBe('declared');
    expect(edgesBetween(f, 'hf:model:acme/other', 'file:adapter')[0]?.evidence.detail).toBe('base_model[1] (adapter)');
  });

  it('reports a card whose front matter is an alias bomb, and keeps the model', () => {
    expect(f.findings.find((x) => x.path === 'bomb/README.md')?.code).toBe('card-front-matter-aliases');
    expect(node(f, 'file:bomb').props.model_type).toBe('bert');
  });
});

describe('huggingface reader: where a model was loaded from', () => {
  it('takes Hub ids, and not the local paths from_pretrained was given', () => {
    for (const id of ['gpt2', 'meta-llama/Llama-2-7b-hf', 'acme/tiny_llm.v2']) expect(hubRepoId(id)).toBe(id);
    for (const path of ['output/checkpoint-500', '/home/me/models/llama-7b', './out', '../base', 'C:\\models\\llama', 'runs/exp1/step_2000', 'a/b/c', 'acme/-x', 'acme--x/y', '~/models/llama']) expect(hubRepoId(path)).toBeNull();
  });
});

describe('huggingface reader: folders downloaded with local_dir', async () => {
  const root = temp.make();
  const COMMIT_DL = 'c'.repeat(40);
  const at = Date.now() / 1000 + 60; // written after the files, as huggingface_hub does
  const put = (rel: string, content: string | Buffer) => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), content);
  };
  const meta = (dir: string, file: string, etag: string, time = at) => put(`${dir}/.cache/huggingface/download/${file}.metadata`, `${COMMIT_DL}\n${etag}\n${time}\n`);
  put('llm/config.json', CONFIG);
  put('llm/model.safetensors', WEIGHTS);
  put('llm/README.md', '# tiny\n');
  meta('llm', 'config.json', gitBlobId(CONFIG));
  meta('llm', 'model.safetensors', sha256(WEIGHTS));
  meta('llm', 'README.md', sha256(Buffer.from('something else'))); // declares another content
  put(`llm/.cache/huggingface/download/tokenizer.json.${'a'.repeat(64)}.incomplete`, 'partial');
  put('squad/plain_text/train-00000-of-00001.parquet', 'PAR1');
  meta('squad', 'plain_text/train-00000-of-00001.parquet', sha256(Buffer.from('PAR1')));
  put('bad/.cache/huggingface/download/x.bin.metadata', 'not a commit\n\n');
  const f = await readStore(huggingFaceReader, root);

  it('records the commit and each file’s etag as a declared digest: SHA-256 for LFS files, git blob id for others', () => {
    const llm = node(f, 'file:llm');
    expect(llm.kind).toBe('checkpoint');
    expect(llm.props.download).toMatchObject({ commit: COMMIT_DL, files: 3, incomplete: ['tokenizer.json'] });
    const files = new Map(llm.files.map((x) => [x.path, x]));
    expect(files.get('llm/model.safetensors')!.digests![0]).toEqual({ algorithm: 'sha256', value: sha256(WEIGHTS) });
    expect(files.get('llm/config.json')!.digests!.map((d) => d.algorithm)).toEqual(['git-sha1', 'sha256']);
    expect(files.get('llm/README.md')!.digests![0]).toEqual({ algorithm: 'sha256', value: sha256(Buffer.from('something else')) });
  });

  it('makes a dataset node of a downloaded dataset, its files in subfolders included', () => {
    const ds = node(f, 'file:squad');
    expect(ds.kind).toBe('dataset');
    expect(ds.files.map((x) => x.path)).toContain('squad/plain_text/train-00000-of-00001.parquet');
  });

  it('reports an unfinished download and metadata huggingface_hub would discard', () => {
    expect(f.findings.find((x) => x.code === 'hf-download-incomplete')?.message).toMatch(/llm\/tokenizer.json was being downloaded/);
    expect(f.findings.find((x) => x.code === 'hf-download-metadata-invalid')).toMatchObject({ path: 'bad/.cache/huggingface/download/x.bin.metadata', severity: 'warning' });
  });
});

describe("huggingface reader: transformers' cache before huggingface_hub (< 4.22)", async () => {
  const root = temp.make();
  const put = (rel: string, content: string | Buffer) => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), content);
  };
  const hex = (s: string) => createHash('sha256').update(s).digest('hex');
  /** transformers' url_to_filename: sha256(url).sha256(etag), `.h5` kept. */
  const cached = (url: string, etag: string, content: string | Buffer) => {
    const name = `${hex(url)}.${hex(etag)}${url.endsWith('.h5') ? '.h5' : ''}`;
    put(`transformers/${name}`, content);
    put(`transformers/${name}.json`, JSON.stringify({ url, etag }));
    return `transformers/${name}`;
  };
  const config = cached('https://huggingface.co/bert-base-uncased/resolve/main/config.json', `"${gitBlobId(CONFIG)}"`, CONFIG);
  const weights = cached('https://huggingface.co/bert-base-uncased/resolve/main/model.safetensors', `"${sha256(WEIGHTS)}"`, WEIGHTS);
  const old = cached('https://s3.amazonaws.com/models.huggingface.co/bert/gpt2-vocab.json', '"0cc175b9c0f1b6a831c399e269772661"', 'a');
  put('transformers/broken.json.lock', '');
  const f = await readStore(huggingFaceReader, root);

  it('groups the downloads by repository and revision, with the etags as digests', () => {
    const snap = node(f, 'hf:model:bert-base-uncased@main');
    expect(snap.props).toMatchObject({ repoId: 'bert-base-uncased', revision: 'main', legacyCache: true, files: { 'config.json': config, 'model.safetensors': weights }, model_type: 'llama' });
    const files = new Map(snap.files.map((x) => [x.path, x]));
    expect(files.get(weights)!.digests).toEqual([{ algorithm: 'sha256', value: sha256(WEIGHTS) }]);
    expect(files.get(config)!.digests).toEqual([{ algorithm: 'git-sha1', value: gitBlobId(CONFIG) }]);
    expect(edgesBetween(f, 'hf:model:bert-base-uncased@main', 'hf:model:bert-base-uncased')).toHaveLength(1);
  });

  it("reads transformers 2.x's S3 names, whose etag is the file's MD5", () => {
    const gpt2 = node(f, 'hf:model:gpt2@legacy-cache');
    expect(gpt2.props).toMatchObject({ files: { 'vocab.json': old } });
    expect(gpt2.files[0]!.digests).toEqual([{ algorithm: 'md5', value: '0cc175b9c0f1b6a831c399e269772661' }]);
  });
});
