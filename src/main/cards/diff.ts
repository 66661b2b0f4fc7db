/**
 * A small line diff (Myers' O(ND) algorithm) and its unified rendering, to
 * show what changed on disk behind an open card. Capped: past `maxEdits`
 * differing lines the diff gives up and says so, rather than spend quadratic
 * time on a file that was replaced wholesale.
 */

export type DiffOp = { op: 'equal' | 'delete' | 'insert'; line: string };

/** Lines with their line endings, so that a CRLF→LF change shows as a change. */
export function splitLines(text: string): string[] {
  return text === '' ? [] : text.split(/(?<=\n)/);
}

export function diffLines(a: readonly string[], b: readonly string[], maxEdits = 2000): DiffOp[] | undefined {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const mid = myers(a.slice(start, endA), b.slice(start, endB), maxEdits);
  if (!mid) return undefined;
  return [...a.slice(0, start).map((line) => ({ op: 'equal' as const, line })), ...mid, ...a.slice(endA).map((line) => ({ op: 'equal' as const, line }))];
}

function myers(a: readonly string[], b: readonly string[], maxEdits: number): DiffOp[] | undefined {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, maxEdits);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(trace, a, b, offset, d);
    }
  }
  return undefined;
}

function backtrack(trace: Int32Array[], a: readonly string[], b: readonly string[], offset: number, dEnd: number): DiffOp[] {
  const ops: DiffOp[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = dEnd; d > 0; d--) {
    const v = trace[d]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? k + 1 : k - 1;
    const prevX = v[offset + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push({ op: 'equal', line: a[--x]! });
      y--;
    }
    if (x === prevX) ops.push({ op: 'insert', line: b[--y]! });
    else ops.push({ op: 'delete', line: a[--x]! });
  }
  while (x > 0 && y > 0) {
    ops.push({ op: 'equal', line: a[--x]! });
    y--;
  }
  return ops.reverse();
}

/** `--- a`/`+++ b` and `@@` hunks with `context` lines around each change; '' when the texts are equal. */
export function unifiedDiff(before: string, after: string, labels: { a: string; b: string }, opts: { context?: number; maxEdits?: number; maxLines?: number } = {}): string {
  if (before === after) return '';
  const context = opts.context ?? 3;
  const maxLines = opts.maxLines ?? 400;
  const ops = diffLines(splitLines(before), splitLines(after), opts.maxEdits);
  const out = [`--- ${labels.a}`, `+++ ${labels.b}`];
  if (!ops) return `${[...out, '@@ the files differ in too many lines to show @@'].join('\n')}\n`;
  // line numbers (1-based) in a and b at which each op sits
  const atA: number[] = [];
  const atB: number[] = [];
  let la = 1;
  let lb = 1;
  for (const o of ops) {
    atA.push(la);
    atB.push(lb);
    if (o.op !== 'insert') la++;
    if (o.op !== 'delete') lb++;
  }
  const changes = ops.flatMap((o, i) => (o.op === 'equal' ? [] : [i]));
  // a carriage return is shown, so that a change of line endings is visible
  const show = (line: string) => line.replace(/\r?\n$/, (nl) => (nl === '\r\n' ? '\u240d' : ''));
  let h = 0;
  while (h < changes.length) {
    let last = h;
    while (last + 1 < changes.length && changes[last + 1]! - changes[last]! <= 2 * context + 1) last++;
    const from = Math.max(0, changes[h]! - context);
    const to = Math.min(ops.length, changes[last]! + context + 1);
    const slice = ops.slice(from, to);
    const na = slice.filter((o) => o.op !== 'insert').length;
    const nb = slice.filter((o) => o.op !== 'delete').length;
    out.push(`@@ -${na === 0 ? atA[from]! - 1 : atA[from]},${na} +${nb === 0 ? atB[from]! - 1 : atB[from]},${nb} @@`);
    for (const o of slice) out.push(`${o.op === 'equal' ? ' ' : o.op === 'delete' ? '-' : '+'}${show(o.line)}`);
    if (out.length > maxLines) {
      out.length = maxLines;
      out.push('@@ ... the diff goes on; cut here @@');
      break;
    }
    h = last + 1;
  }
  return `${out.join('\n')}\n`;
}
