import { describe, expect, it } from 'vitest';
import type { WordOp } from '../../shared/compare';
import { wordDiff } from './word-diff';

const side = (ops: WordOp[], keep: 'del' | 'ins') => ops.filter((o) => o.op === 'eq' || o.op === keep).map((o) => o.text).join('');

describe('wordDiff', () => {
  it('marks the changed words and keeps both texts recoverable', () => {
    const a = 'A two-layer encoder trained from scratch on the demo corpus.';
    const b = 'A two-layer encoder fine-tuned from the base on the demo corpus.';
    const ops = wordDiff(a, b);
    expect(side(ops, 'del')).toBe(a);
    expect(side(ops, 'ins')).toBe(b);
    expect(ops.filter((o) => o.op === 'del').map((o) => o.text.trim())).toContain('trained');
    expect(ops.filter((o) => o.op === 'ins').map((o) => o.text.trim())).toContain('fine-tuned');
    expect(ops[0]).toEqual({ op: 'eq', text: 'A two-layer encoder ' });
  });

  it('is one equal run for equal texts and handles empty sides', () => {
    expect(wordDiff('same text', 'same text')).toEqual([{ op: 'eq', text: 'same text' }]);
    expect(wordDiff('', 'new words')).toEqual([{ op: 'ins', text: 'new words' }]);
    expect(wordDiff('old words', '')).toEqual([{ op: 'del', text: 'old words' }]);
  });

  it('falls back to one deletion and one insertion past the cell cap', () => {
    const a = Array.from({ length: 300 }, (_, i) => `a${i}`).join(' ');
    const b = Array.from({ length: 300 }, (_, i) => `b${i}`).join(' ');
    const ops = wordDiff(`start ${a} end`, `start ${b} end`, 1000);
    expect(ops.map((o) => o.op)).toEqual(['eq', 'del', 'ins', 'eq']);
  });
});
