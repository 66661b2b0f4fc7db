import { createHash } from 'node:crypto';

/**
 * Canonical JSON: object keys sorted (by code unit, recursively), no
 * whitespace, `undefined` members dropped as JSON.stringify drops them. Two
 * values that mean the same serialise to the same bytes, which is what a
 * checksum needs and what comparisons of stored JSON need.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : sortKeys(x)));
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
}

/** Orders by UTF-16 code unit, as the canonical form does: the same order on every machine and locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sameJson(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** `sha256:<hex>` of the canonical JSON of everything in the document but its checksum. */
export function documentChecksum(doc: Record<string, unknown>): string {
  const { checksum: _checksum, ...rest } = doc;
  return `sha256:${createHash('sha256').update(canonicalJson(rest)).digest('hex')}`;
}
