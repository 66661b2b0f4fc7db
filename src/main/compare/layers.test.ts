import { describe, expect, it } from 'vitest';
import { compareLayers, layerOf } from './layers';

describe('layerOf', () => {
  it.each([
    ['model.layers.12.mlp.down_proj.weight', '12'],
    ['encoder.layer.0.attn.weight', 'encoder.layer.0'],
    ['transformer.h.3.attn.c_attn.weight', '3'],
    ['model.encoder.layers.2.fc1.weight', 'encoder.layers.2'],
    ['model.embed_tokens.weight', 'embed_tokens'],
    ['lm_head.weight', 'lm_head'],
    ['classifier.bias', 'classifier'],
    ['bias', 'bias'],
  ])('%s → %s', (name, layer) => expect(layerOf(name)).toBe(layer));

  it('orders embeddings, then numbered layers by number, then the rest', () => {
    expect(['lm_head', '10', 'norm', '2', 'embed_tokens', '1'].sort(compareLayers)).toEqual(['embed_tokens', '1', '2', '10', 'lm_head', 'norm']);
  });
});
