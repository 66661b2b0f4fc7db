import { describe, expect, it } from 'vitest';
import { diffLines, splitLines, unifiedDiff } from './diff';

describe('diff', () => {
  it('finds a minimal line diff', () => {
    const ops = diffLines(splitLines('a\nb\nc\nd\n'), splitLines('a\nc\nd\ne\n'))!;
    expect(ops.map((o) => `${o.op[0]}${o.line.trim()}`)).toEqual(['ea', 'db', 'ec', 'ed', 'ie']);
  });

  it('renders unified hunks with line numbers', () => {
    const a = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
    const b = a.replace('line 3\n', 'line three\n').replace('line 18\n', '');
    expect(unifiedDiff(a, b, { a: 'a', b: 'b' })).toBe(
      ['--- a', '+++ b', '@@ -1,6 +1,6 @@', ' line 1', ' line 2', '-line 3', '+line three', ' line 4', ' line 5', ' line 6', '@@ -15,6 +15,5 @@', ' line 15', ' line 16', ' line 17', '-line 18', ' line 19', ' line 20', ''].join('\n'),
    );
    expect(unifiedDiff(a, a, { a: 'a', b: 'b' })).toBe('');
  });

  it('gives up past the cap instead of taking quadratic time', () => {
    const a = Array.from({ length: 5000 }, (_, i) => `a${i}\n`).join('');
    const b = Array.from({ length: 5000 }, (_, i) => `b${i}\n`).join('');
    expect(diffLines(splitLines(a), splitLines(b), 100)).toBeUndefined();
    expect(unifiedDiff(a, b, { a: 'x', b: 'y' }, { maxEdits: 100 })).toMatch(/too many lines/);
  });
});
