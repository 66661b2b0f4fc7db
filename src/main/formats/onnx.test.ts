import { describe, expect, it } from 'vitest';
import { codes, errors, readWith } from '../../../test/fixtures/formats/helpers';
import { buildOnnx, bytesField, tag, varint } from '../../../test/fixtures/formats/protobuf';
import { onnxReader } from './onnx';

const read = (buf: Buffer) => readWith(onnxReader, 'model.onnx', buf);

describe('ONNX reader', () => {
  it('reads the model header and skips the graph without reading it', async () => {
    const graph = Buffer.alloc(2 * 1024 * 1024, 0xee); // not a valid GraphProto: decoding it would fail
    const file = buildOnnx({
      irVersion: 8,
      producerName: 'pytorch',
      producerVersion: '2.1.0',
      domain: 'ai.example',
      modelVersion: 3,
      docString: 'a tiny model',
      graph,
      opsets: [
        { domain: '', version: 17 },
        { domain: 'com.microsoft', version: 1 },
      ],
      metadata: { base_model: 'tiny-llama', license: 'mit' },
    });
    const r = await read(file);
    expect(r.findings).toEqual([]);
    expect(r.summary).toMatchObject({
      irVersion: 8,
      producerName: 'pytorch',
      producerVersion: '2.1.0',
      domain: 'ai.example',
      modelVersion: 3,
      docString: 'a tiny model',
      graphBytes: graph.length,
      opsetImport: [
        { domain: '', version: 17 },
        { domain: 'com.microsoft', version: 1 },
      ],
      metadata: { base_model: 'tiny-llama', license: 'mit' },
    });
    expect(r.bytesRead).toBeLessThan(16 * 1024);
  });

  it('reports truncation, non-protobuf bytes and empty files', async () => {
    const file = buildOnnx({ irVersion: 8, graph: Buffer.alloc(1000) });
    expect(errors(await read(file.subarray(0, 500)))).toEqual(['onnx-truncated']);
    expect(errors(await read(Buffer.from([0x0f, 0x01])))).toEqual(['onnx-not-protobuf']); // wire type 7
    expect(errors(await read(Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])))).toEqual(['onnx-not-protobuf']);
    expect(codes(await read(Buffer.alloc(0)))).toEqual(['onnx-empty']);
  });

  it('warns when the basics are missing and flags invalid UTF-8', async () => {
    const r = await read(Buffer.concat([bytesField(2, Buffer.from([0xff, 0xfe]))]));
    expect(codes(r)).toEqual(['onnx-invalid-utf8', 'onnx-no-ir-version', 'onnx-no-graph']);
  });

  it('rejects a length that runs past the end of the file', async () => {
    const lie = Buffer.concat([tag(7, 2), varint(2n ** 40n)]);
    expect(errors(await read(lie))).toEqual(['onnx-truncated']);
  });
});
