import { posix } from 'node:path';
import { baseName, dirOf, joinRel } from '../../shared/rel-path';

/** Store-relative paths, always with `/`, never starting with `./` or `/`. */

/** The part of a store being verified: everything, or one folder or file in it. */
export interface Scope {
  readonly under: string | null;
  /** The path is inside the scope. */
  contains(rel: string): boolean;
  /** The path is inside the scope or is a folder holding it (a directory out that contains the scope). */
  touches(rel: string): boolean;
}

export function scopeOf(under: string | null): Scope {
  const inside = (rel: string, dir: string) => rel === dir || rel.startsWith(`${dir}/`);
  return {
    under,
    contains: (rel) => under === null || inside(rel, under),
    touches: (rel) => under === null || inside(rel, under) || under.startsWith(`${rel}/`) || rel === '',
  };
}

export type Resolved = { ok: true; rel: string } | { ok: false; reason: string };

/**
 * Resolves a path written in a declaring file against a store-relative
 * folder. Absolute paths are accepted when they lie in the store; anything
 * that leaves the store is refused (it is not the store's to verify).
 */
export function resolveDeclaredPath(storeRoot: string, baseDir: string, written: string): Resolved {
  if (written === '') return { ok: false, reason: 'the path is empty' };
  if (written.includes('\0')) return { ok: false, reason: 'the path contains a NUL byte' };
  const p = written.replace(/\\/g, '/');
  let rel: string;
  if (p.startsWith('/')) {
    const root = storeRoot.endsWith('/') ? storeRoot : `${storeRoot}/`;
    const abs = posix.normalize(p);
    if (!abs.startsWith(root)) return { ok: false, reason: `${written} is outside the store` };
    rel = abs.slice(root.length);
  } else {
    rel = posix.normalize(posix.join(baseDir || '.', p));
  }
  rel = rel.replace(/\/+$/, '');
  if (rel === '..' || rel.startsWith('../')) return { ok: false, reason: `${written} leads outside the store` };
  if (rel === '.' || rel === '') return { ok: true, rel: '' };
  return { ok: true, rel };
}

/** A path inside a manifest or index: relative, no `..`, no absolute. */
export function isPlainRelative(p: string): boolean {
  if (p === '' || p.startsWith('/') || p.includes('\0') || p.includes('\\')) return false;
  return p.split('/').every((seg) => seg !== '..' && seg !== '');
}

export { baseName, dirOf, joinRel };
