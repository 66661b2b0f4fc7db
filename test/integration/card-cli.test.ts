import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CardFinding } from '../../src/shared/cards';
import { CORPUS } from '../fixtures/cards/corpus';
import { runCli } from '../helpers/cli';
import { tempDirs } from '../helpers/temp';

describe('pedigree card', () => {
  const temp = tempDirs('card-cli');
  let dir: string;
  const write = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  beforeAll(() => {
    dir = temp.make();
  });
  afterAll(() => temp.cleanup());

  it('show prints metadata and sections; --json is machine-readable', async () => {
    const p = write('show.md', CORPUS[0]!.text);
    const r = await runCli(['card', 'show', p]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/license: apache-2.0/);
    expect(r.stdout).toMatch(/## Model Details {2}\[model-details\]/);
    const j = await runCli(['card', 'show', p, '--json']);
    const v = JSON.parse(j.stdout) as { metadata: Record<string, unknown>; lineEnding: string; sections: { title: string }[] };
    expect(v.metadata.license).toBe('apache-2.0');
    expect(v.lineEnding).toBe('lf');
    expect(v.sections.map((s) => s.title)).toContain('Training Data');
  });

  it('check exits 0 with no findings, 1 with some', async () => {
    const ok = await runCli(['card', 'check', write('ok.md', CORPUS[0]!.text)]);
    expect(ok.stdout).toMatch(/no findings/);
    expect(ok.code).toBe(0);
    const bad = await runCli(['card', 'check', write('bad.md', CORPUS.find((c) => c.name === 'invalid-model-index')!.text), '--json']);
    expect(bad.code).toBe(1);
    const findings = (JSON.parse(bad.stdout) as { findings: CardFinding[] }).findings;
    expect(findings.some((f) => f.code === 'card-model-index' && f.line === 3)).toBe(true);
    const js = await runCli(['card', 'check', write('js.md', CORPUS.find((c) => c.name === 'js-fence')!.text)]);
    expect(js.code).toBe(1);
    expect(js.stdout).toMatch(/never evaluated/);
  });

  it('set edits the keys and keeps every other byte, CRLF included', async () => {
    const text = CORPUS.find((c) => c.name === 'crlf-basic')!.text;
    const p = write('set.md', text);
    const r = await runCli(['card', 'set', p, 'license=apache-2.0', 'library_name=transformers', 'datasets=[imdb]']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const expected = text
      .replace('license: mit\r\n', 'license: apache-2.0\r\n')
      .replace('datasets: [imdb, sst2]\r\n', 'datasets: [imdb]\r\nlibrary_name: transformers\r\n');
    expect(readFileSync(p, 'utf8')).toBe(expected);
    expect(readFileSync(`${p}.bak`, 'utf8')).toBe(text);
  });

  it('set creates front matter in a card that has none', async () => {
    const p = write('none.md', '# Title\n\nText.\n');
    expect((await runCli(['card', 'set', p, 'license=mit'])).code).toBe(0);
    expect(readFileSync(p, 'utf8')).toBe('---\nlicense: mit\n---\n# Title\n\nText.\n');
  });

  it('set refuses, exit 2, leaving the file as it was', async () => {
    const text = CORPUS[0]!.text;
    const p = write('refuse.md', text);
    for (const [args, message] of [
      [['license=not-a-license'], /not one the Hub knows.*--force/],
      [['model-index=[]'], /too complex/],
      [['model-index.0.name=x'], /top-level keys only/],
      [['nokey'], /KEY=VALUE/],
    ] as const) {
      const r = await runCli(['card', 'set', p, ...args]);
      expect(r.stderr).toMatch(message);
      expect(r.code).toBe(2);
      expect(readFileSync(p, 'utf8')).toBe(text);
    }
    const invalid = write('invalid.md', CORPUS.find((c) => c.name === 'invalid-yaml')!.text);
    const r = await runCli(['card', 'set', invalid, 'license=mit']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not valid YAML/);
  });

  it('usage errors exit 2', async () => {
    expect((await runCli(['card'])).code).toBe(2);
    expect((await runCli(['card', 'frob', 'x.md'])).code).toBe(2);
    expect((await runCli(['card', 'show', join(dir, 'missing.md')])).code).toBe(2);
    expect((await runCli(['card', 'set', join(dir, 'missing.md')])).code).toBe(2);
  });
});
