import { describe, expect, it } from 'vitest';
import { FragmentBuilder } from './fragment';
import { jsonSafe, parseYamlText } from './safe-text';

function parse(text: string) {
  const out = new FragmentBuilder('t');
  const value = parseYamlText(text, out, 'meta.yaml');
  return { value, codes: out.build().findings.map((f) => f.code) };
}

describe('parseYamlText', () => {
  it('reads what PyYAML safe_dump writes, with its implicit types', () => {
    expect(parse("experiment_id: '0'\nstatus: 3\nlifecycle_stage: active\ntags: []\nend_time: null\nvalue: 1.0e-05\nok: true\n").value).toEqual({ experiment_id: '0', status: 3, lifecycle_stage: 'active', tags: [], end_time: null, value: 1e-5, ok: true });
  });

  it('leaves plain scalars PyYAML reads as strings as strings: digests like 12345e67, y/n, dates', () => {
    expect(parse('digest: 12345e67\nname: n\nother: Y\nwhen: 2024-01-02\n').value).toEqual({ digest: '12345e67', name: 'n', other: 'Y', when: '2024-01-02' });
  });

  it('refuses alias bombs before they expand', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]', 'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]'].join('\n');
    expect(parse(bomb)).toEqual({ value: undefined, codes: ['mlflow-yaml-aliases'] });
  });

  it('refuses deep nesting, in flow and in block style, without overflowing the stack', () => {
    expect(parse(`a: ${'['.repeat(10_000)}${']'.repeat(10_000)}`).codes).toEqual(['mlflow-yaml-too-deep']);
    let block = '';
    for (let i = 0; i < 300; i++) block += `${' '.repeat(i)}k:\n`;
    expect(parse(block).codes).toEqual(['mlflow-yaml-too-deep']);
    let moderate = '';
    for (let i = 0; i < 80; i++) moderate += `${' '.repeat(i)}k:\n`;
    expect(parse(moderate).codes).toEqual(['mlflow-yaml-too-deep']);
  });

  it('never runs python tags, and reports broken YAML', () => {
    expect(parse('x: !!python/object/apply:os.system ["echo hi"]\n').codes).toEqual([]);
    expect(parse('a: 1\n  b: [\n').codes).toEqual(['mlflow-yaml-invalid']);
  });

  it('turns dates and non-finite numbers into JSON-safe props', () => {
    expect(jsonSafe({ d: new Date(Date.UTC(2024, 0, 2)), ...(parse('nan: .nan\ni: -.inf\n').value as object) })).toEqual({ d: '2024-01-02T00:00:00.000Z', nan: 'NaN', i: '-Infinity' });
  });
});
