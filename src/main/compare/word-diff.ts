import type { WordOp } from '../../shared/compare';

/** Above this many LCS cells (after the common ends are trimmed) the middle is shown as one deletion and one insertion. */
export const MAX_LCS_CELLS = 4_000_000;

/** Words and the whitespace between them, so that joining the tokens gives the text back. */
export function tokenize(text: string): string[] {
  return text.match(/\s+|[^\s]+/g) ?? [];
}

function push(out: WordOp[], op: WordOp['op'], text: string): void {
  if (!text) return;
  const last = out[out.length - 1];
  if (last && last.op === op) last.text += text;
  else out.push({ op, text });
}

/**
 * A word-level diff of two texts as `eq`/`del`/`ins` runs: the longest common
 * subsequence of tokens, with the common prefix and suffix trimmed first and
 * the table capped, so a rewritten 100-page card costs bounded memory.
 */
export function wordDiff(a: string, b: string, maxCells = MAX_LCS_CELLS): WordOp[] {
  const x = tokenize(a);
  const y = tokenize(b);
  let start = 0;
  while (start < x.length && start < y.length && x[start] === y[start]) start++;
  let endX = x.length;
  let endY = y.length;
  while (endX > start && endY > start && x[endX - 1] === y[endY - 1]) {
    endX--;
    endY--;
  }
  const out: WordOp[] = [];
  push(out, 'eq', x.slice(0, start).join(''));
  const mx = x.slice(start, endX);
  const my = y.slice(start, endY);
  const n = mx.length;
  const m = my.length;
  if (n * m > maxCells) {
    push(out, 'del', mx.join(''));
    push(out, 'ins', my.join(''));
  } else if (n > 0 || m > 0) {
    // lcs[i][j]: length of the LCS of mx[i..] and my[j..]
    const w = m + 1;
    const lcs = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * w + j] = mx[i] === my[j] ? lcs[(i + 1) * w + j + 1]! + 1 : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (mx[i] === my[j]) {
        push(out, 'eq', mx[i++]!);
        j++;
      } else if (lcs[(i + 1) * w + j]! >= lcs[i * w + j + 1]!) push(out, 'del', mx[i++]!);
      else push(out, 'ins', my[j++]!);
    }
    while (i < n) push(out, 'del', mx[i++]!);
    while (j < m) push(out, 'ins', my[j++]!);
  }
  push(out, 'eq', x.slice(endX).join(''));
  return out;
}
