import { describe, expect, it } from 'vitest';
import { modelNameProblem, parseAlias, parseStage, versionLabel } from './registry';

describe('registered-model names', () => {
  it('accept Hub- and MLflow-style names with namespaces', () => {
    for (const ok of ['resnet', 'org/resnet-50', 'bert_base.v2', 'A/b/c', 'x'.repeat(200)]) expect(modelNameProblem(ok)).toBeNull();
  });
  it('name the first bad character', () => {
    expect(modelNameProblem('my model')).toMatch(/invalid character " "|U\+0020/);
    expect(modelNameProblem('a:b')).toContain('":"');
    expect(modelNameProblem('naïve')).toContain('U+00EF');
    expect(modelNameProblem('tab\there')).toContain('U+0009');
  });
  it('refuse empty, too long, and malformed namespaces', () => {
    expect(modelNameProblem('')).toMatch(/empty/);
    expect(modelNameProblem('x'.repeat(201))).toMatch(/at most 200/);
    for (const bad of ['/a', 'a/', 'a//b', 'a/../b', '.']) expect(modelNameProblem(bad)).not.toBeNull();
  });
});

describe('aliases', () => {
  it('take an optional @ and keep MLflow\'s reserved latest', () => {
    expect(parseAlias('@champion')).toEqual({ ok: true, alias: 'champion' });
    expect(parseAlias('candidate-2_b')).toEqual({ ok: true, alias: 'candidate-2_b' });
    expect(parseAlias('latest')).toMatchObject({ ok: false, message: expect.stringContaining('reserved') });
    for (const bad of ['Champion', '2nd', '@', 'a b', '-x', 'a.b']) expect(parseAlias(bad).ok).toBe(false);
  });
});

describe('stages and labels', () => {
  it('know the four stages, in any case, and list them when one is unknown', () => {
    expect(parseStage('Production')).toEqual({ ok: true, stage: 'production' });
    expect(parseStage('prod')).toMatchObject({ ok: false, message: 'no stage "prod": the stages are none, staging, production, archived' });
  });
  it('show numbered versions as v3 and source names as they are', () => {
    expect(versionLabel('3')).toBe('v3');
    expect(versionLabel('v1.2.0')).toBe('v1.2.0');
  });
});
