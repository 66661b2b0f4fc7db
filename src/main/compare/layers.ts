/**
 * Which layer a tensor belongs to, for the per-layer strip: the name up to its
 * first numeric segment (`encoder.layer.0.attn.weight` → `encoder.layer.0`),
 * with the usual wrappers and block-list names dropped so that decoder stacks
 * read as numbers (`model.layers.12.mlp.down_proj.weight` → `12`). Names with
 * no number group by their first meaningful segment (`lm_head`, `embed`).
 */

const WRAPPERS = new Set(['model', 'module', 'transformer', 'base_model', '_orig_mod']);
const BLOCK_LISTS = new Set(['layers', 'h', 'blocks', 'block', 'layer']);

export function layerOf(name: string): string {
  const parts = name.split('.');
  let i = 0;
  while (i < parts.length - 1 && WRAPPERS.has(parts[i]!)) i++;
  const rest = parts.slice(i);
  const num = rest.findIndex((p) => /^\d+$/.test(p));
  if (num >= 0) {
    const head = rest.slice(0, num);
    if (head.length === 1 && BLOCK_LISTS.has(head[0]!)) return rest[num]!;
    if (head.length === 0) return rest[num]!;
    return rest.slice(0, num + 1).join('.');
  }
  return rest.length > 1 ? rest[0]! : (rest[0] ?? name);
}

const EMBEDDING = /(^|[._])(embed|embeddings|embed_tokens|wte|wpe|tok_embeddings|word_embeddings|patch_embed)([._]|$)/i;

/** Embeddings first, numbered layers in numeric order, then the rest (norms, heads) by name. */
export function compareLayers(a: string, b: string): number {
  const rank = (l: string) => (EMBEDDING.test(l) ? 0 : /\d/.test(l) ? 1 : 2);
  return rank(a) - rank(b) || a.localeCompare(b, 'en', { numeric: true });
}
