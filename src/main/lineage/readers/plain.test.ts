import { afterAll, describe, expect, it } from 'vitest';
import { buildHostileRuns, buildRuns, WANDB_COMMIT } from '../../../../test/fixtures/plain/runs';
import { edgesBetween, node, readStore } from '../../../../test/fixtures/plain/context';
import { tempDirs } from '../../../../test/helpers/temp';
import { plainReader } from './plain';
import { flatten, pathRole, seeds } from './plain/config';
import { environmentFacts } from './plain/environment';

const temp = tempDirs('plain-reader');
afterAll(() => temp.cleanup());

const CKPT = 'file:runs/exp1/checkpoints/epoch=3-step=100.safetensors';

describe('plain reader: training runs', async () => {
  const root = temp.make();
  buildRuns(root);
  const f = await readStore(plainReader, root);

  it('makes a checkpoint node per checkpoint file, summarised from its header', () => {
    const c = node(f, CKPT);
    expect(c.kind).toBe('checkpoint');
    expect(c.props).toMatchObject({ format: 'safetensors', tensorCount: 1, totalParameters: 16, dtypes: { F16: 1 }, metadata: { format: 'pt', step: '100' } });
    expect(c.files[0]!.digests?.[0]?.algorithm).toBe('sha256');
  });

  it('links the run config above checkpoints/ with its seed and precision, by inference', () => {
    const cfg = node(f, 'file:runs/exp1/hparams.yaml');
    expect(cfg.kind).toBe('config');
    expect(cfg.props).toMatchObject({ seed: 42, precision: { 'trainer.precision': 'bf16-mixed' } });
    expect((cfg.props.config as Record<string, unknown>)['optimizer.lr']).toBe(0.001);
    expect(edgesBetween(f, 'file:runs/exp1/hparams.yaml', CKPT)[0]).toMatchObject({ relation: 'config', strength: 'inferred', evidence: { detail: 'in the run folder above checkpoints/' } });
    expect(edgesBetween(f, 'file:runs/exp1/hparams.yaml', 'file:runs/exp1/checkpoints/last.safetensors')).toHaveLength(1);
  });

  it('turns paths in the config into input and base-model edges, and leaves outputs alone', () => {
    expect(edgesBetween(f, 'file:data/train.csv', CKPT)[0]).toMatchObject({ relation: 'input', strength: 'inferred', evidence: { file: 'runs/exp1/hparams.yaml', line: 6, detail: 'data.train: data/train.csv' } });
    expect(edgesBetween(f, 'file:data/val', CKPT)[0]?.relation).toBe('input'); // a folder of data
    expect(edgesBetween(f, 'file:pretrained/base.safetensors', CKPT)[0]?.relation).toBe('base-model');
    expect(f.edges.some((e) => e.from === 'file:runs/exp1' || e.from === 'file:runs/exp1/')).toBe(false);
    // relative to the config's own folder
    expect(edgesBetween(f, 'file:pretrained/base.safetensors', 'file:export/model.safetensors')[0]?.relation).toBe('base-model');
  });

  it('reads environment captures: pins, CUDA from the torch build, driver and GPUs from nvidia-smi', () => {
    expect(node(f, 'file:runs/exp1/requirements.txt').props).toMatchObject({ pins: { numpy: '1.26.4', torch: '2.1.0+cu121', mylib: 'file:///tmp/mylib' }, packageCount: 4, torch: '2.1.0+cu121', cuda: '12.1' });
    expect(node(f, 'file:runs/exp1/nvidia-smi.txt').props).toMatchObject({ driver: '535.104.05', cuda: '12.2', gpus: ['NVIDIA A100-SXM4-80GB'] });
    expect(edgesBetween(f, 'file:runs/exp1/nvidia-smi.txt', CKPT)[0]?.relation).toBe('environment');
  });

  it('reads W&B metadata (Python, CUDA, GPUs, the code commit) and a card beside an export', () => {
    expect(node(f, 'file:export/wandb-metadata.json').props).toMatchObject({ python: '3.10.12', cuda: '12.1', gpus: ['NVIDIA H100 80GB HBM3'], gpuCount: 8 });
    expect(edgesBetween(f, `git:commit:${WANDB_COMMIT}`, 'file:export/model.safetensors')[0]?.relation).toBe('code');
    expect(node(f, 'file:export/config.json').props).toMatchObject({ seed: 7, seeds: { 'training.seed': 7, 'training.data_seed': 3 }, precision: { bf16: true, tf32: false } });
    expect(edgesBetween(f, 'card:export/README.md', 'file:export/model.safetensors')[0]).toMatchObject({ relation: 'card', strength: 'inferred' });
    expect(edgesBetween(f, 'hf:model:acme/base', 'file:export/model.safetensors')[0]?.relation).toBe('base-model');
    expect(edgesBetween(f, 'hf:dataset:acme/data', 'file:export/model.safetensors')[0]?.relation).toBe('input');
  });

  it("declares a GGUF file's base model and datasets from its metadata", () => {
    expect(edgesBetween(f, 'hf:model:acme/tiny-llm', 'file:gguf/model-q4.gguf')[0]).toMatchObject({ relation: 'base-model', strength: 'declared', evidence: { detail: 'general.base_model.0' } });
    expect(edgesBetween(f, 'dataset:Alpaca', 'file:gguf/model-q4.gguf')[0]?.relation).toBe('input');
  });

  it('leaves Hugging Face model folders to their reader', () => {
    expect(f.nodes.some((n) => n.key.startsWith('file:hf/'))).toBe(false);
  });
});

describe('plain reader: bad side files become findings and the checkpoint is still read', async () => {
  const root = temp.make();
  buildHostileRuns(root);
  const f = await readStore(plainReader, root);
  const on = (path: string) => f.findings.filter((x) => x.path === path).map((x) => x.code);

  it('an alias bomb', () => expect(on('bomb/config.yaml')).toEqual(['plain-config-aliases']));
  it('deep nesting', () => expect(on('deep/hparams.yaml')).toEqual(['plain-config-too-deep']));
  it('invalid UTF-8 (the rest of the config is kept)', () => {
    expect(on('utf/args.json')).toEqual(['plain-config-invalid-utf8']);
    expect(node(f, 'file:utf/args.json').props.seed).toBe(5);
  });
  it('---js front matter, never run', () => {
    expect(on('js/README.md')).toEqual(['card-front-matter-not-yaml']);
    expect(node(f, 'card:js/README.md').props.license).toBeUndefined();
  });
  it('every checkpoint is still there', () => {
    for (const d of ['bomb', 'deep', 'utf', 'js']) expect(node(f, `file:${d}/model.safetensors`).props.format).toBe('safetensors');
  });
});

describe('plain config helpers', () => {
  it('flattens nested configs to dotted keys, keeping scalar lists whole', () => {
    expect(flatten({ a: { b: [1, 2], c: [{ d: 'x' }] } }).entries.map((e) => [e.key, e.value])).toEqual([
      ['a.b', '[1,2]'],
      ['a.c[0].d', 'x'],
    ]);
  });
  it('prefers the top-most seed', () => {
    expect(seeds(flatten({ trainer: { seed: 1 }, seed: 2, args: { random_seed: 3 } }).entries).seed).toBe(2);
  });
  it('tells base checkpoints, inputs and outputs apart by key', () => {
    expect(pathRole('model.init_from')).toBe('base');
    expect(pathRole('model_name_or_path')).toBe('base');
    expect(pathRole('resume_from_checkpoint')).toBe('base');
    expect(pathRole('data.train')).toBe('input');
    expect(pathRole('output_dir')).toBe('output');
    expect(pathRole('trainer.save_dir')).toBe('output');
  });
  it("reads torch's collect_env output", () => {
    const text = 'PyTorch version: 2.3.1+cu118\nCUDA used to build PyTorch: 11.8\nPython version: 3.11.9 (main, Apr 19 2024) [GCC 11.2.0] (64-bit runtime)\nGPU models and configuration: \nGPU 0: NVIDIA GeForce RTX 4090\nNvidia driver version: 550.54.15\n';
    expect(environmentFacts('collect_env.txt', text)).toMatchObject({ torch: '2.3.1+cu118', cuda: '11.8', python: '3.11.9', driver: '550.54.15', gpus: ['NVIDIA GeForce RTX 4090'] });
  });
});
