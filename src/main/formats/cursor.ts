import { Truncated } from './report';
import type { ByteSource } from './types';

const DEFAULT_CHUNK = 64 * 1024;

/**
 * Sequential little-endian reads over a ByteSource, fetched in chunks so a
 * header of many small fields costs a few reads, and skipped regions (a GGUF
 * vocabulary we only count, an ONNX graph) cost none.
 */
export class ByteCursor {
  private buf: Buffer = Buffer.alloc(0);
  private bufStart = 0;

  constructor(
    readonly src: ByteSource,
    public pos = 0,
    readonly end = src.size,
    private readonly chunk = DEFAULT_CHUNK,
  ) {}

  get remaining(): number {
    return this.end - this.pos;
  }

  /** Makes [pos, pos + n) available in the buffer, or throws Truncated. */
  async need(n: number, what = 'the next field'): Promise<void> {
    if (this.pos + n > this.end) {
      throw new Truncated(`the file ends before ${what} (needs ${n} bytes at offset ${this.pos}, data ends at ${this.end})`);
    }
    if (this.pos >= this.bufStart && this.pos + n <= this.bufStart + this.buf.length) return;
    const length = Math.min(Math.max(n, this.chunk), this.end - this.pos);
    const buf = await this.src.read(this.pos, length);
    if (buf.length < n) throw new Truncated(`the file ends before ${what} (got ${buf.length} of ${n} bytes at offset ${this.pos})`);
    this.buf = buf;
    this.bufStart = this.pos;
  }

  private at(): number {
    return this.pos - this.bufStart;
  }

  async u8(what?: string): Promise<number> {
    await this.need(1, what);
    const v = this.buf.readUInt8(this.at());
    this.pos += 1;
    return v;
  }
  async i8(what?: string): Promise<number> {
    await this.need(1, what);
    const v = this.buf.readInt8(this.at());
    this.pos += 1;
    return v;
  }
  async u16(what?: string): Promise<number> {
    await this.need(2, what);
    const v = this.buf.readUInt16LE(this.at());
    this.pos += 2;
    return v;
  }
  async i16(what?: string): Promise<number> {
    await this.need(2, what);
    const v = this.buf.readInt16LE(this.at());
    this.pos += 2;
    return v;
  }
  async u32(what?: string): Promise<number> {
    await this.need(4, what);
    const v = this.buf.readUInt32LE(this.at());
    this.pos += 4;
    return v;
  }
  async i32(what?: string): Promise<number> {
    await this.need(4, what);
    const v = this.buf.readInt32LE(this.at());
    this.pos += 4;
    return v;
  }
  async u64(what?: string): Promise<bigint> {
    await this.need(8, what);
    const v = this.buf.readBigUInt64LE(this.at());
    this.pos += 8;
    return v;
  }
  async i64(what?: string): Promise<bigint> {
    await this.need(8, what);
    const v = this.buf.readBigInt64LE(this.at());
    this.pos += 8;
    return v;
  }
  async f32(what?: string): Promise<number> {
    await this.need(4, what);
    const v = this.buf.readFloatLE(this.at());
    this.pos += 4;
    return v;
  }
  async f64(what?: string): Promise<number> {
    await this.need(8, what);
    const v = this.buf.readDoubleLE(this.at());
    this.pos += 8;
    return v;
  }

  /** `n` must already be capped by the caller; the copy outlives the chunk. */
  async bytes(n: number, what?: string): Promise<Buffer> {
    await this.need(n, what);
    const v = Buffer.from(this.buf.subarray(this.at(), this.at() + n));
    this.pos += n;
    return v;
  }

  /** Moves past `n` bytes without reading them. */
  skip(n: number, what = 'the skipped data'): void {
    if (this.pos + n > this.end) {
      throw new Truncated(`the file ends inside ${what} (${n} bytes at offset ${this.pos}, data ends at ${this.end})`);
    }
    this.pos += n;
  }
}
