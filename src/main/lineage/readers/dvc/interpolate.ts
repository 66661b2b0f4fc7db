import { isRecord, PyFloat } from '../plain/safe-yaml';

/**
 * The part of DVC's templating (`dvc/parsing`) lineage needs: `${a.b[0]}`
 * substitution from params files and `vars`, and the names `foreach` and
 * `matrix` give the stages they generate. Values are looked up, never
 * evaluated; an expression that is not a plain lookup stays unresolved.
 */

export type Scope = Record<string, unknown>;

/** A stage group expands to at most this many stages; more is a finding, not a hang. */
export const MAX_GENERATED = 1000;

const EXPR = /(\\)?\$\{\s*([^}]*?)\s*\}/g;
const WHOLE = /^\$\{\s*([^}]*?)\s*\}$/;

/** `a.b[0].c` → ['a', 'b', 0, 'c']; null for anything else (arithmetic, calls, quotes). */
export function parseLookup(expr: string): (string | number)[] | null {
  if (!/^[A-Za-z_][\w-]*(\.[\w-]+|\[\d+\])*$/.test(expr)) return null;
  const parts: (string | number)[] = [];
  for (const m of expr.matchAll(/([\w-]+)|\[(\d+)\]/g)) parts.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return parts;
}

export function lookup(scope: Scope, expr: string): { found: true; value: unknown } | { found: false } {
  const path = parseLookup(expr);
  if (!path) return { found: false };
  let v: unknown = scope;
  for (const p of path) {
    if (typeof p === 'number' ? !Array.isArray(v) || p >= v.length : !isRecord(v) || !Object.hasOwn(v, p)) return { found: false };
    v = (v as Record<string | number, unknown>)[p];
  }
  return { found: true, value: v };
}

/** Python's `str()` of a YAML value, as DVC's `to_str` writes it into names and strings. */
export function toStr(v: unknown): string {
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'string') return v;
  if (v instanceof PyFloat) return pyFloat(v.value);
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : pyFloat(v);
  return JSON.stringify(v);
}

/** A value no `${}` can look into: a leaf of the scope. */
const isScalar = (v: unknown) => typeof v !== 'object' || v === null || v instanceof PyFloat;

/** A deep copy of plain data, leaving each PyFloat as it is (structuredClone would make it a record). */
export function cloneScope<T>(v: T, depth = 0): T {
  if (isScalar(v) || depth > 64) return v;
  if (Array.isArray(v)) return v.map((x) => cloneScope(x, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) Object.defineProperty(out, k, { value: cloneScope(x, depth + 1), enumerable: true, writable: true, configurable: true });
  return out as T;
}

/** The value with every PyFloat a plain number again: what leaves the templating. */
export function plainValues(v: unknown, depth = 0): unknown {
  if (v instanceof PyFloat) return v.value;
  if (isScalar(v) || depth > 64) return v;
  if (Array.isArray(v)) return v.map((x) => plainValues(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) Object.defineProperty(out, k, { value: plainValues(x, depth + 1), enumerable: true, writable: true, configurable: true });
  return out;
}

/**
 * Python's `repr` of a float (what `str` gives since Python 3.2): the
 * shortest digits that read back as the same double, as JavaScript finds
 * them, but fixed notation only while the decimal point falls within 16
 * digits of the first and at most 4 zeros after it, else `1e-05`, `1e+16`.
 * A float with no fraction (YAML `1.0`) parses to the same number as `1`, so
 * it is written as the integer.
 */
export function pyFloat(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  const sign = v < 0 ? '-' : '';
  const [mantissa, exponent] = Math.abs(v).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const point = Number(exponent) + 1; // the value is 0.<digits> × 10^point
  if (point > -4 && point <= 16) {
    if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
    if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}.0`;
    return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
  }
  const e = point - 1;
  return `${sign}${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ''}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

export interface Interpolated {
  value: unknown;
  /** Expressions that could not be looked up. */
  unresolved: string[];
}

/** Substitutes `${…}` in every string (keys included) of a value. `\${` stays literal. */
export function interpolate(value: unknown, scope: Scope): Interpolated {
  const unresolved: string[] = [];
  const walk = (v: unknown, depth: number): unknown => {
    if (depth > 64) return v;
    if (typeof v === 'string') return substitute(v, scope, unresolved);
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    if (isRecord(v)) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) Object.defineProperty(out, toStr(substitute(k, scope, unresolved)), { value: walk(x, depth + 1), enumerable: true, writable: true, configurable: true });
      return out;
    }
    return v;
  };
  return { value: walk(value, 0), unresolved };
}

function substitute(s: string, scope: Scope, unresolved: string[]): unknown {
  if (!s.includes('${')) return s;
  const whole = WHOLE.exec(s);
  if (whole) {
    // A string that is one expression takes the value itself (a list for foreach, a number for a param).
    const hit = lookup(scope, whole[1]!);
    if (hit.found) return hit.value;
    unresolved.push(whole[1]!);
    return s;
  }
  return s.replace(EXPR, (all, escaped: string | undefined, expr: string) => {
    if (escaped) return all.slice(1);
    const hit = lookup(scope, expr);
    if (hit.found && isScalar(hit.value)) return toStr(hit.value);
    unresolved.push(expr);
    return all;
  });
}

export interface Generated {
  /** `name@key` */
  name: string;
  /** Values for `${item}` and `${key}`. */
  scope: Scope;
}

/** `foreach`: a dict gives its keys; a list of simple values gives the values; a list with any composite value gives indexes. */
export function expandForeach(group: string, data: unknown): Generated[] | string {
  if (isRecord(data)) {
    return Object.entries(data).map(([key, item]) => ({ name: `${group}@${key}`, scope: { key, item } }));
  }
  if (!Array.isArray(data)) return `foreach of stage ${group} is not a list or a mapping`;
  const composite = data.some((x) => !isScalar(x));
  return data.map((item, i) => ({ name: `${group}@${composite ? String(i) : toStr(item)}`, scope: { item } }));
}

/** `matrix`: every combination; each part of the name is the value, or `<key><index>` for a composite value. */
export function expandMatrix(group: string, data: unknown): Generated[] | string {
  if (!isRecord(data)) return `matrix of stage ${group} is not a mapping`;
  const axes = Object.entries(data);
  if (axes.some(([, v]) => !Array.isArray(v))) return `an axis of the matrix of stage ${group} is not a list`;
  const lists = axes.map(([k, v]) => [k, v as unknown[]] as const);
  const count = lists.reduce((n, [, v]) => n * v.length, 1);
  if (count > MAX_GENERATED) return `the matrix of stage ${group} makes ${count} stages (limit ${MAX_GENERATED})`;
  let combos: { parts: string[]; item: Record<string, unknown> }[] = [{ parts: [], item: {} }];
  for (const [axis, values] of lists) {
    const next: typeof combos = [];
    for (const c of combos) {
      values.forEach((v, i) => {
        const part = isScalar(v) ? toStr(v) : `${axis}${i}`;
        next.push({ parts: [...c.parts, part], item: { ...c.item, [axis]: v } });
      });
    }
    combos = next;
  }
  return combos.map((c) => {
    const key = c.parts.join('-');
    return { name: `${group}@${key}`, scope: { key, item: c.item } };
  });
}

/** Merges `vars` into a scope the way DVC does: mappings merge, a clash of leaves keeps the first. */
export function mergeScope(into: Scope, add: unknown, depth = 0): void {
  if (!isRecord(add) || depth > 32) return;
  for (const [k, v] of Object.entries(add)) {
    const cur = into[k];
    if (isRecord(cur) && isRecord(v)) mergeScope(cur, v, depth + 1);
    else if (!Object.hasOwn(into, k)) Object.defineProperty(into, k, { value: cloneScope(v), enumerable: true, writable: true, configurable: true });
  }
}
