/**
 * Messages between the tensor comparison and its Piscina worker
 * (`src/workers/tensor-hash.ts`). Plain data: they cross a thread boundary.
 */

/** Each read is at most this long, whatever the tensor's size. */
export const TENSOR_READ_CHUNK = 4 * 1024 * 1024;

export interface ByteRange {
  /** Absolute file offsets, end exclusive. */
  begin: number;
  end: number;
}

export interface TensorHashTask {
  path: string;
  ranges: ByteRange[];
  /** Set to non-zero to stop between chunks. */
  cancel?: Int32Array;
}

export type TensorHashResult =
  | { ok: true; digests: string[]; bytes: number }
  | { ok: false; kind: 'io' | 'unstable' | 'out-of-range' | 'cancelled'; message: string };
