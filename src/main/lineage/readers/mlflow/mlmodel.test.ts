import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { addConda, addPythonEnv, addRequirementsText, emptyEnvironment, summarizeMlmodel } from './mlmodel';

describe('summarizeMlmodel', () => {
  it('keeps flavors, their versions and where the weights are', () => {
    const doc = parse(`artifact_path: final_model
flavors:
  python_function:
    data: data
    env: conda.yaml
    loader_module: mlflow.pytorch
    pickle_module_name: mlflow.pytorch.pickle_module
    python_version: 3.8.12
  pytorch:
    model_data: data
    pytorch_version: 1.11.0a0+bfe5ad2
model_uuid: 6cf6d11600204707bfb1373170c6c137
run_id: c7b62c88595843d3a404368c87df5607
utc_time_created: '2022-04-19 14:50:01.769881'
signature:
  inputs: '[{"type": "tensor", "tensor-spec": {"dtype": "uint8", "shape": [-1, 300, 300, 3]}}]'
`);
    const s = summarizeMlmodel(doc)!;
    expect(s.flavors).toEqual(['python_function', 'pytorch']);
    expect(s.flavorDetails.pytorch).toEqual({ model_data: 'data', pytorch_version: '1.11.0a0+bfe5ad2' });
    expect(s.flavorDetails.python_function).toMatchObject({ loader_module: 'mlflow.pytorch', python_version: '3.8.12' });
    expect(s).toMatchObject({ runId: 'c7b62c88595843d3a404368c87df5607', artifactPath: 'final_model', hasSignature: true, dataPaths: ['data'] });
    expect(s.signature?.inputs).toContain('tensor-spec');
  });

  it("finds TensorFlow's SavedModel folder and a custom pyfunc model's artifacts", () => {
    const tf = summarizeMlmodel(parse(`flavors:
  python_function:
    loader_module: mlflow.tensorflow
  tensorflow:
    saved_model_dir: tfmodel
    meta_graph_tags: null
    signature_def_key: serving_default
    code: null
`))!;
    expect(tf.dataPaths).toEqual(['tfmodel']);
    const custom = summarizeMlmodel(parse(`flavors:
  python_function:
    artifacts:
      tokenizer:
        path: artifacts/tokenizer
        uri: /home/alice/tok
      weights:
        path: artifacts/model.safetensors
        uri: s3://bucket/model.safetensors
    cloudpickle_version: 3.0.0
    python_model: python_model.pkl
    loader_module: mlflow.pyfunc.model
`))!;
    expect(custom.dataPaths.sort()).toEqual(['artifacts/model.safetensors', 'artifacts/tokenizer', 'python_model.pkl']);
    expect(custom.flavorDetails.python_function!.artifacts).toEqual({ tokenizer: '/home/alice/tok', weights: 's3://bucket/model.safetensors' });
  });

  it('is undefined for anything but a mapping', () => {
    expect(summarizeMlmodel(['x'])).toBeUndefined();
    expect(summarizeMlmodel('flavors')).toBeUndefined();
  });
});

describe('environment files', () => {
  it('pins exact requirements and lists the rest', () => {
    const env = emptyEnvironment();
    addRequirementsText(env, 'mlflow==2.9.2\n# comment\nTorch[cuda] == 2.1.0 ; python_version>"3.8"\nnumpy>=1.24\n-r base.txt\n--index-url https://x\n');
    expect(env.pinned).toEqual({ mlflow: '2.9.2', torch: '2.1.0' });
    expect(env.unpinned).toEqual(['numpy>=1.24']);
    expect(env.includes).toEqual(['base.txt']);
  });

  it('reads conda.yaml and python_env.yaml as MLflow writes them', () => {
    const env = emptyEnvironment();
    addConda(env, parse('channels:\n- conda-forge\ndependencies:\n- python=3.10.12\n- pip<=23.3\n- pip:\n  - mlflow==2.9.2\n  - scikit-learn==1.3.0\nname: mlflow-env\n'));
    addPythonEnv(env, parse('build_dependencies:\n- pip==23.3\ndependencies:\n- -r requirements.txt\npython: 3.10.12\n'));
    expect(env).toMatchObject({ python: '3.10.12', channels: ['conda-forge'], pinned: { mlflow: '2.9.2', 'scikit-learn': '1.3.0' }, includes: ['requirements.txt'], buildDependencies: ['pip==23.3'] });
  });
});
