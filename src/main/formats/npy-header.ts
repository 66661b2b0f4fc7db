/**
 * The .npy header is a Python dict literal. numpy itself parses it with
 * ast.literal_eval; this is the same subset (dicts, tuples, lists, strings,
 * integers, True/False/None), parsed by hand and never evaluated.
 */
export type PyLiteral = string | number | boolean | null | PyLiteral[] | { [key: string]: PyLiteral };

const MAX_DEPTH = 32;

export function parsePyLiteral(text: string): PyLiteral {
  const p = new LiteralParser(text);
  const v = p.value(0);
  p.end();
  return v;
}

class LiteralParser {
  private i = 0;
  constructor(private readonly s: string) {}

  end(): void {
    this.space();
    if (this.i < this.s.length) this.fail('unexpected text after the literal');
  }

  value(depth: number): PyLiteral {
    if (depth > MAX_DEPTH) this.fail('nesting too deep');
    this.space();
    const c = this.s[this.i];
    if (c === '{') return this.dict(depth);
    if (c === '(') return this.sequence(')', depth);
    if (c === '[') return this.sequence(']', depth);
    if (c === "'" || c === '"') return this.string();
    if (c !== undefined && /[-+0-9]/.test(c)) return this.number();
    const word = /^[A-Za-z_]+/.exec(this.s.slice(this.i, this.i + 16))?.[0];
    if (word === 'True' || word === 'False' || word === 'None') {
      this.i += word.length;
      return word === 'True' ? true : word === 'False' ? false : null;
    }
    return this.fail(`unexpected ${c === undefined ? 'end' : JSON.stringify(c)}`);
  }

  private dict(depth: number): PyLiteral {
    this.i++;
    const out: { [key: string]: PyLiteral } = {};
    for (;;) {
      this.space();
      if (this.eat('}')) return out;
      const key = this.value(depth + 1);
      this.space();
      if (!this.eat(':')) this.fail("expected ':'");
      // defineProperty, so a key like '__proto__' stays an ordinary key.
      Object.defineProperty(out, String(key), { value: this.value(depth + 1), enumerable: true, writable: true, configurable: true });
      this.space();
      if (!this.eat(',')) {
        this.space();
        if (!this.eat('}')) this.fail("expected ',' or '}'");
        return out;
      }
    }
  }

  private sequence(close: string, depth: number): PyLiteral[] {
    this.i++;
    const out: PyLiteral[] = [];
    for (;;) {
      this.space();
      if (this.eat(close)) return out;
      out.push(this.value(depth + 1));
      this.space();
      if (!this.eat(',')) {
        this.space();
        if (!this.eat(close)) this.fail(`expected ',' or '${close}'`);
        return out;
      }
    }
  }

  private string(): string {
    const quote = this.s[this.i++];
    let out = '';
    for (;;) {
      const c = this.s[this.i++];
      if (c === undefined) return this.fail('unterminated string');
      if (c === quote) return out;
      if (c === '\\') {
        const e = this.s[this.i++];
        out += e === 'n' ? '\n' : e === 't' ? '\t' : (e ?? '');
      } else out += c;
    }
  }

  private number(): number {
    const m = /^[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?L?/.exec(this.s.slice(this.i, this.i + 64));
    if (!m) return this.fail('bad number');
    this.i += m[0].length;
    return Number(m[0].replace(/L$/, ''));
  }

  private space(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
  }
  private eat(c: string): boolean {
    if (this.s[this.i] !== c) return false;
    this.i++;
    return true;
  }
  private fail(why: string): never {
    throw new Error(`the header is not a plain literal: ${why} at character ${this.i}`);
  }
}

/** Bytes per element of a numpy dtype descr, or undefined when it cannot be told. */
export function itemSize(descr: PyLiteral): number | undefined {
  if (typeof descr === 'string') {
    const m = /^[<>|=]?([a-zA-Z?])(\d*)(\[\w+\])?$/.exec(descr);
    if (!m) return undefined;
    const [, kind, digits] = m;
    const n = digits ? Number(digits) : undefined;
    if (kind === 'O') return 8;
    if (kind === '?') return 1;
    if (kind === 'U') return n === undefined ? undefined : 4 * n;
    return n;
  }
  if (!Array.isArray(descr)) return undefined;
  // Structured dtype: [(name, descr), (name, descr, shape), ...]
  let total = 0;
  for (const field of descr) {
    if (!Array.isArray(field) || field.length < 2) return undefined;
    const size = itemSize(field[1] ?? null);
    const shape = field[2];
    const count = Array.isArray(shape) ? shape.reduce<number>((a, d) => a * (typeof d === 'number' ? d : NaN), 1) : 1;
    if (size === undefined || !Number.isFinite(count)) return undefined;
    total += size * count;
  }
  return total;
}

/** True when loading needs pickle: object fields anywhere in the dtype. */
export function hasObjects(descr: PyLiteral): boolean {
  if (typeof descr === 'string') return /^[<>|=]?O/.test(descr);
  return Array.isArray(descr) && descr.some((f) => Array.isArray(f) && hasObjects(f[1] ?? null));
}
