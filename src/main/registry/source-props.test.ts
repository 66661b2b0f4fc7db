import { describe, expect, it } from 'vitest';
import { compareSourceVersions, localModelName, mapStage, readSourceModel, readSourceVersion, registryOf } from './source-props';

describe('reading registry facts from lineage nodes', () => {
  it('tells MLflow from GTO by an explicit prop, the reader or the key', () => {
    expect(registryOf({ key: 'mlflow:model-version:m/1', readers: ['x'], props: {} })).toBe('mlflow');
    expect(registryOf({ key: 'x:1', readers: ['mlflow-sqlite'], props: {} })).toBe('mlflow');
    expect(registryOf({ key: 'gto:version:m@v1', readers: ['git'], props: {} })).toBe('gto');
    expect(registryOf({ key: 'a', readers: ['b'], props: { registry: 'gto' } })).toBe('gto');
    expect(registryOf({ key: 'hf:model:x', readers: ['huggingface'], props: {} })).toBeNull();
  });

  it('accepts camelCase and the source\'s own snake_case names', () => {
    const camel = readSourceVersion({ label: 'x', props: { version: 3, currentStage: 'Production', runId: 'r1', aliases: ['champion'], status: 'READY', creationTime: 5 } });
    const snake = readSourceVersion({ label: 'x', props: { version: '3', current_stage: 'Production', run_id: 'r1', aliases: ['champion'], status: 'READY', creation_timestamp: 5 } });
    expect(camel).toEqual(snake);
    expect(camel).toMatchObject({ version: '3', stages: ['Production'], runId: 'r1', aliases: ['champion'], createdAt: 5 });
  });

  it('reads GTO stage lists, deprecation records and commit', () => {
    const v = readSourceVersion({ label: 'v1.0.0', props: { stages: ['dev', { stage: 'prod' }], deprecated: { at: '2024-01-01' }, commit: 'abc', created_at: '2024-01-01T00:00:00Z' } });
    expect(v).toMatchObject({ version: 'v1.0.0', stages: ['dev', 'prod'], deprecated: true, commit: 'abc', createdAt: Date.parse('2024-01-01T00:00:00Z') });
  });

  it('reads a registered model\'s tags and aliases in either shape', () => {
    expect(readSourceModel({ label: 'l', props: { name: 'm', tags: [{ key: 'team', value: 'vision' }], aliases: [{ alias: 'champion', version: 2 }] } })).toEqual({ name: 'm', description: '', tags: { team: 'vision' }, aliases: { champion: '2' }, deprecated: false });
    expect(readSourceModel({ label: 'l', props: { tags: { team: 'vision' }, aliases: { champion: '2' } } })).toMatchObject({ name: 'l', tags: { team: 'vision' }, aliases: { champion: '2' } });
  });
});

describe('stages from a source', () => {
  it('map MLflow stages one to one and GTO spellings where known', () => {
    expect(mapStage({ stages: ['Staging'], deprecated: false })).toEqual({ stage: 'staging', unmapped: [] });
    expect(mapStage({ stages: ['dev', 'prod'], deprecated: false })).toEqual({ stage: 'production', unmapped: ['dev'] });
    expect(mapStage({ stages: ['None'], deprecated: false }).stage).toBe('none');
    expect(mapStage({ stages: ['prod'], deprecated: true }).stage).toBe('archived');
  });
});

describe('ordering and names', () => {
  it('orders numbers and semantic versions by value', () => {
    const vs = ['v1.10.0', 'v1.2.0', 'v1.2.0-rc', '2', '10'].map((version) => ({ version, createdAt: null }));
    expect(vs.filter((v) => /^\d+$/.test(v.version)).sort(compareSourceVersions).map((v) => v.version)).toEqual(['2', '10']);
    expect([vs[0]!, vs[1]!].sort(compareSourceVersions).map((v) => v.version)).toEqual(['v1.2.0', 'v1.10.0']);
  });
  it('makes a source name valid here', () => {
    expect(localModelName('My Model: v2')).toBe('My-Model--v2');
    expect(localModelName('/team//m/')).toBe('team/m');
  });
});
