import { describe, expect, it } from 'vitest';
import { StoreFiles } from './store-files';
import { parseArtifactUri, relocate } from './uri';

const RUN = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';

function storeWith(...paths: string[]): StoreFiles {
  return new StoreFiles({ root: '/nowhere', files: new Map(paths.map((p) => [p, { size: 1, sha256: null, md5: null }])) });
}

describe('parseArtifactUri', () => {
  it('reads the URI forms MLflow records', () => {
    expect(parseArtifactUri(`file:///home/alice/proj/mlruns/1/${RUN}/artifacts`)).toEqual({ kind: 'path', scheme: 'file', segments: ['home', 'alice', 'proj', 'mlruns', '1', RUN, 'artifacts'] });
    expect(parseArtifactUri('/home/alice/mlruns/1')).toEqual({ kind: 'path', scheme: 'local', segments: ['home', 'alice', 'mlruns', '1'] });
    expect(parseArtifactUri('./mlruns/0/../1')).toEqual({ kind: 'path', scheme: 'local', segments: ['mlruns', '1'] });
    expect(parseArtifactUri('mlflow-artifacts:/7/abc/artifacts')).toEqual({ kind: 'path', scheme: 'mlflow-artifacts', segments: ['7', 'abc', 'artifacts'] });
    expect(parseArtifactUri('mlflow-artifacts://server:5000/7/abc')).toEqual({ kind: 'path', scheme: 'mlflow-artifacts', segments: ['7', 'abc'] });
    expect(parseArtifactUri('s3://bucket/mlflow/7/abc')).toEqual({ kind: 'path', scheme: 's3', segments: ['bucket', 'mlflow', '7', 'abc'] });
    expect(parseArtifactUri(`runs:/${RUN}/model`)).toEqual({ kind: 'runs', runId: RUN, path: 'model' });
    expect(parseArtifactUri('models:/m-0123456789abcdef0123456789abcdef')).toEqual({ kind: 'models', modelId: 'm-0123456789abcdef0123456789abcdef' });
    expect(parseArtifactUri('models:/resnet/3')).toEqual({ kind: 'models', name: 'resnet', version: '3' });
    expect(parseArtifactUri('models:/resnet@champion')).toEqual({ kind: 'models', name: 'resnet', alias: 'champion' });
    expect(parseArtifactUri('  ')).toEqual({ kind: 'empty' });
  });

  it('reads Windows paths, bare and as file URIs, with percent-escapes', () => {
    expect(parseArtifactUri('C:\\Users\\bob\\my proj\\mlruns\\1')).toEqual({ kind: 'path', scheme: 'local', segments: ['Users', 'bob', 'my proj', 'mlruns', '1'] });
    expect(parseArtifactUri('file:///C:/Users/bob/my%20proj/mlruns/1')).toEqual({ kind: 'path', scheme: 'file', segments: ['Users', 'bob', 'my proj', 'mlruns', '1'] });
  });
});

describe('relocate', () => {
  const files = storeWith(`mlruns/1/${RUN}/artifacts/model/MLmodel`, `mlartifacts/7/${RUN}/artifacts/x.pt`, 'elsewhere/artifacts/y.pt');

  it('finds a path from another machine by its longest tail present in the store', () => {
    expect(relocate(files, `file:///home/alice/proj/mlruns/1/${RUN}/artifacts`, ['', 'mlruns'])).toEqual({ path: `mlruns/1/${RUN}/artifacts`, how: `relocated from …/mlruns/1/${RUN}/artifacts` });
    expect(relocate(files, `C:\\Users\\bob\\mlruns\\1\\${RUN}\\artifacts\\model\\MLmodel`, [''], { kind: 'file' })?.path).toBe(`mlruns/1/${RUN}/artifacts/model/MLmodel`);
  });

  it('puts proxied mlflow-artifacts URIs under mlartifacts/', () => {
    expect(relocate(files, `mlflow-artifacts:/7/${RUN}/artifacts`, ['', 'mlartifacts'])?.path).toBe(`mlartifacts/7/${RUN}/artifacts`);
  });

  it('never settles for a generic tail without the anchor', () => {
    expect(relocate(files, '/home/alice/proj/mlruns/1/ffffffffffffffffffffffffffffffff/artifacts', ['', 'elsewhere'], { anchor: 'ffffffffffffffffffffffffffffffff' })).toBeUndefined();
    expect(relocate(files, '/x/elsewhere/artifacts', [''])?.path).toBe('elsewhere/artifacts');
    expect(relocate(files, 'runs:/abc/model', [''])).toBeUndefined();
  });
});
