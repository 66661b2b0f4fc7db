import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededValues, writeSafetensors, type TensorSpec } from './safetensors-writer';

/**
 * The demo workspace's store: small but real files of every kind a newcomer
 * should see at once: a dataset, a training config, two checkpoints (a base
 * run and a fine-tune of it), a model card, pinned requirements and the
 * compute environment. Written once; never overwritten.
 */
export function ensureDemoStore(root: string): { created: boolean } {
  const marker = join(root, '.pedigree-demo');
  if (existsSync(marker)) return { created: false };
  const w = (rel: string, text: string) => {
    const p = join(root, rel);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, text);
  };

  // The dataset: a small sentiment corpus, split in two.
  const words = ['good', 'bad', 'great', 'awful', 'fine', 'poor', 'superb', 'dull'];
  const rows = Array.from({ length: 400 }, (_, i) => {
    const a = words[i % words.length]!;
    const b = words[(i * 7 + 3) % words.length]!;
    const label = ['good', 'great', 'fine', 'superb'].includes(a) ? 1 : 0;
    return { id: i, text: `the film was ${a} and the ending ${b}`, label };
  });
  w('data/reviews/train.csv', `id,text,label\n${rows.slice(0, 320).map((r) => `${r.id},"${r.text}",${r.label}`).join('\n')}\n`);
  w('data/reviews/validation.jsonl', `${rows.slice(320).map((r) => JSON.stringify(r)).join('\n')}\n`);
  w('data/reviews/README.md', '---\nlicense: cc-by-4.0\ntask_categories:\n- text-classification\n---\n# reviews\n\nA toy sentiment corpus generated for the Pedigree demo.\n');

  const layers = (seed: number, changed: Set<string>): TensorSpec[] => {
    const spec: [string, number[]][] = [
      ['embed.weight', [64, 16]],
      ['encoder.layer.0.attn.weight', [16, 16]],
      ['encoder.layer.0.mlp.weight', [32, 16]],
      ['encoder.layer.1.attn.weight', [16, 16]],
      ['encoder.layer.1.mlp.weight', [32, 16]],
      ['classifier.weight', [2, 16]],
      ['classifier.bias', [2]],
    ];
    return spec.map(([name, shape], i) => ({ name, shape, values: seededValues(shape.reduce((a, b) => a * b, 1), (changed.has(name) ? seed : 1) * 1000 + i + 1) }));
  };

  const base = {
    model: { name: 'tiny-sentiment', hidden_size: 16, layers: 2, vocab_size: 64 },
    data: { train: 'data/reviews/train.csv', validation: 'data/reviews/validation.jsonl' },
    training: { seed: 1234, learning_rate: 0.0003, batch_size: 32, epochs: 3, optimizer: 'adamw', weight_decay: 0.01, precision: 'bf16' },
  };
  const yaml = (c: typeof base) =>
    [
      'model:',
      ...Object.entries(c.model).map(([k, v]) => `  ${k}: ${v}`),
      'data:',
      ...Object.entries(c.data).map(([k, v]) => `  ${k}: ${v}`),
      'training:',
      ...Object.entries(c.training).map(([k, v]) => `  ${k}: ${v}`),
      '',
    ].join('\n');

  w('runs/2026-03-base/config.yaml', yaml(base));
  writeSafetensors(join(root, 'runs/2026-03-base/model.safetensors'), layers(1, new Set()), { format: 'pt', step: '1200' });
  w('runs/2026-03-base/requirements.txt', 'torch==2.4.1\ntransformers==4.44.2\nsafetensors==0.4.5\nnumpy==1.26.4\n');
  w('runs/2026-03-base/nvidia-smi.txt', 'NVIDIA-SMI 550.54.15    Driver Version: 550.54.15    CUDA Version: 12.4\nGPU 0: NVIDIA A100-SXM4-80GB\n');
  w(
    'runs/2026-03-base/wandb-metadata.json',
    `${JSON.stringify({ program: 'train.py', python: 'CPython 3.11.7', cuda: '12.4', gpu: 'NVIDIA A100-SXM4-80GB', gpu_count: 1, git: { remote: 'https://git.example.org/nlp/tiny-sentiment.git', commit: '9f1c2e4b7a6d5c3b2a1908f7e6d5c4b3a2918f7e' } }, null, 2)}\n`,
  );
  w('runs/2026-03-base/metrics.csv', 'step,loss,accuracy\n200,0.69,0.52\n400,0.55,0.71\n800,0.41,0.82\n1200,0.36,0.86\n');
  w(
    'runs/2026-03-base/README.md',
    [
      '---',
      'license: apache-2.0',
      'library_name: transformers',
      'pipeline_tag: text-classification',
      'datasets:',
      '- local/reviews',
      'model-index:',
      '- name: tiny-sentiment',
      '  results:',
      '  - task: {type: text-classification}',
      '    dataset: {name: reviews, type: local/reviews, split: validation}',
      '    metrics:',
      '    - {type: accuracy, value: 0.86}',
      '---',
      '# tiny-sentiment',
      '',
      '## Model details',
      'A two-layer encoder trained from scratch on the demo reviews corpus.',
      '',
      '## Intended use',
      'Demonstrating Pedigree. Not for real decisions.',
      '',
    ].join('\n'),
  );

  const tuned = { ...base, training: { ...base.training, seed: 99, learning_rate: 0.0001, epochs: 1 } };
  w('runs/2026-04-finetune/config.yaml', `${yaml(tuned)}base_checkpoint: runs/2026-03-base/model.safetensors\n`);
  writeSafetensors(join(root, 'runs/2026-04-finetune/model.safetensors'), layers(2, new Set(['encoder.layer.1.mlp.weight', 'classifier.weight', 'classifier.bias'])), { format: 'pt', step: '300' });
  w('runs/2026-04-finetune/requirements.txt', 'torch==2.5.0\ntransformers==4.46.0\nsafetensors==0.4.5\nnumpy==1.26.4\n');
  w('runs/2026-04-finetune/metrics.csv', 'step,loss,accuracy\n100,0.33,0.87\n200,0.30,0.89\n300,0.29,0.9\n');
  w('.pedigreeignore', '# scratch files the demo training left behind, and the demo marker\n*.tmp\n.pedigree-demo\n');
  w('runs/2026-04-finetune/scratch.tmp', 'ignored by .pedigreeignore\n');
  writeFileSync(marker, 'This folder was generated by Pedigree as its demo store.\n');
  return { created: true };
}
