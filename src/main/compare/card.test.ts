import { describe, expect, it } from 'vitest';
import { compareCards, flattenMetadata, parseCard, splitSections } from './card';

const A = ['---', 'license: apache-2.0', 'datasets:', '- local/reviews', 'model-index:', '- name: tiny', '  results:', '  - metrics:', '    - {type: accuracy, value: 0.86}', '---', '# tiny', '', '## Model details', 'A two-layer encoder trained from scratch.', '', '## Intended use', 'Demos only.', ''].join('\n');
const B = ['---', 'license: mit', 'base_model: tiny', 'datasets:', '- local/reviews', 'model-index:', '- name: tiny', '  results:', '  - metrics:', '    - {type: accuracy, value: 0.9}', '---', '# tiny', '', '## Model details', 'A two-layer encoder fine-tuned from tiny.', '', '## Limitations', 'Small.', ''].join('\n');

describe('model cards', () => {
  it('reads the front matter and the body', () => {
    const c = parseCard(A);
    expect(c.metadata.license).toBe('apache-2.0');
    expect(c.body.startsWith('# tiny')).toBe(true);
    expect(parseCard('# no front matter').metadata).toEqual({});
    // After blank lines, as the card readers and huggingface_hub take it.
    const late = parseCard('\n\n---\nlicense: mit\n---\n# body\n');
    expect(late).toMatchObject({ metadata: { license: 'mit' }, body: '# body\n' });
  });

  it('refuses an alias bomb instead of expanding it', () => {
    const bomb = ['---', 'a: &a [x, x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]', 'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]', '---', 'body'].join('\n');
    const c = parseCard(bomb);
    expect(c.problem).toMatch(/not valid YAML/);
    expect(c.body).toBe('body');
  });

  it('flattens metadata: mappings open, scalar lists stay whole, lists of mappings are indexed', () => {
    const flat = flattenMetadata(parseCard(A).metadata);
    expect(flat.get('datasets')).toEqual(['local/reviews']);
    expect(flat.get('model-index[0].results[0].metrics[0].value')).toBe(0.86);
  });

  it('splits sections at headings, not inside fenced code', () => {
    const s = splitSections('intro\n# One\ntext\n```\n# not a heading\n```\n## Two\nmore\n## Two\nagain');
    expect(s.map((x) => x.key)).toEqual(['', 'one', 'two', 'two (2)']);
    expect(s[1]!.text).toContain('# not a heading');
  });

  it('diffs metadata keys and sections word by word', () => {
    const c = compareCards([{ text: A, where: 'a/README.md' }, { text: B, where: 'b/README.md' }]);
    const meta = Object.fromEntries(c.metadata.map((m) => [m.key, m.status]));
    expect(meta).toEqual({ license: 'changed', 'model-index[0].results[0].metrics[0].value': 'changed', base_model: 'added' });
    const byHeading = Object.fromEntries(c.sections.map((s) => [s.heading, s]));
    expect(byHeading['# tiny']!.status).toBe('same');
    expect(byHeading['## Model details']!.status).toBe('changed');
    expect(byHeading['## Model details']!.diffs[1]!.some((o) => o.op === 'ins' && o.text.includes('fine-tuned'))).toBe(true);
    expect(byHeading['## Intended use']!.status).toBe('removed');
    expect(byHeading['## Limitations']!.status).toBe('added');
  });
});
