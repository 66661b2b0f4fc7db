import { describe, expect, it } from 'vitest';
import { configCacheDir } from '../lineage/readers/dvc/cache';
import { mergeDeclarations } from './declared';
import { isPlainRelative, resolveDeclaredPath, scopeOf } from './paths';

describe('resolveDeclaredPath', () => {
  const root = '/stores/proj';
  it('resolves against the declaring folder and normalises', () => {
    expect(resolveDeclaredPath(root, 'sub', 'data/x.csv')).toEqual({ ok: true, rel: 'sub/data/x.csv' });
    expect(resolveDeclaredPath(root, 'sub', '../top.bin')).toEqual({ ok: true, rel: 'top.bin' });
    expect(resolveDeclaredPath(root, '', './a/')).toEqual({ ok: true, rel: 'a' });
    expect(resolveDeclaredPath(root, 'sub', 'data\\win.csv')).toEqual({ ok: true, rel: 'sub/data/win.csv' });
    expect(resolveDeclaredPath(root, '', '/stores/proj/abs.bin')).toEqual({ ok: true, rel: 'abs.bin' });
  });
  it('refuses what leaves the store', () => {
    expect(resolveDeclaredPath(root, '', '../x').ok).toBe(false);
    expect(resolveDeclaredPath(root, 'a', '../../x').ok).toBe(false);
    expect(resolveDeclaredPath(root, '', '/stores/project-other/x').ok).toBe(false);
    expect(resolveDeclaredPath(root, '', '').ok).toBe(false);
  });
});

describe('scopeOf', () => {
  it('contains paths below the scope and touches the folders above it', () => {
    const s = scopeOf('data/images');
    expect(s.contains('data/images/a.png')).toBe(true);
    expect(s.contains('data/images2/a.png')).toBe(false);
    expect(s.touches('data')).toBe(true);
    expect(s.touches('model.bin')).toBe(false);
    expect(scopeOf(null).contains('anything')).toBe(true);
  });
});

describe('isPlainRelative', () => {
  it('accepts plain relative paths only', () => {
    expect(isPlainRelative('a/b.txt')).toBe(true);
    expect(isPlainRelative('../b')).toBe(false);
    expect(isPlainRelative('/etc/passwd')).toBe(false);
    expect(isPlainRelative('a//b')).toBe(false);
  });
});

describe('configCacheDir', () => {
  it('reads [cache] dir, ignoring other sections', () => {
    expect(configCacheDir("[core]\n    remote = s\n['remote \"s\"']\n    url = /x\n[cache]\n    dir = ../../shared-cache\n")).toBe('../../shared-cache');
    expect(configCacheDir("['cache']\ndir = '/mnt/cache'\n")).toBe('/mnt/cache');
    expect(configCacheDir('[core]\ndir = nope\n')).toBeNull();
  });
});

describe('mergeDeclarations', () => {
  it('checks one digest declared twice once, naming both sources', () => {
    const d = { path: 'a', algorithm: 'md5' as const, digest: 'x', size: null };
    const merged = mergeDeclarations([
      { ...d, source: 'dvc.lock: stage a, outs' },
      { ...d, source: 'dvc.lock: stage b, deps' },
      { ...d, digest: 'y', source: 'other.dvc: outs' },
    ]);
    expect(merged).toHaveLength(2);
    expect(merged[0]!.source).toBe('dvc.lock: stage a, outs; dvc.lock: stage b, deps');
  });
});
