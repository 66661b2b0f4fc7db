import type { HashPool } from './hash-pool';
import { contentKey, SMALL_FILE, type FileJob } from './file-job';
import type { HashJob, HashOutcome } from './protocol';

/** Files per hash task: small files cost little to hash, so a task's message overhead matters. */
const TASK_FILES = 256;
const TASK_BYTES = 16 * 1024 * 1024;

export interface HashQueueOptions {
  pool(): HashPool;
  /** Tasks in flight at once. */
  maxInFlight: number;
  /** The store root with a trailing slash, as bytes: a job's path is this and the file's relative path. */
  rootBytes: Buffer;
  /** Shared flag: non-zero asks the workers to stop between chunks. */
  cancelFlag: Int32Array;
  /** Shared counter of bytes read, for progress inside big files. */
  readBytes: BigInt64Array;
  throttleMs?: number;
  /** Each file's outcome; for files sharing an inode, once per name. */
  apply(q: FileJob, o: HashOutcome): void;
  /** A task came back: the queue may have room again. */
  onTaskDone(): void;
}

/**
 * The files a scan hashes in the pool: a queue with a moving head (Array#shift
 * is linear on big arrays), packed into tasks of many small files or one big
 * one. Hard links and the Hugging Face cache's snapshot links name one inode
 * many times: it is read once and its outcome serves every name.
 */
export class HashQueue {
  private queue: FileJob[] = [];
  /** Absolute paths of queued files, beside them (the queue's objects live on with their rows). */
  private paths: Uint8Array[] = [];
  private head = 0;
  private inFlight = 0;
  private cancelled = false;
  private drainResolve: (() => void) | null = null;
  private readonly byInode = new Map<string, { sha256: string; md5: string | null; head: Uint8Array }>();
  private readonly inodeWaiters = new Map<string, FileJob[]>();
  /** Bytes that count as hashed without being read (further names of an inode hashed in this scan). */
  freeBytes = 0;

  constructor(private readonly opts: HashQueueOptions) {}

  get queued(): number {
    return this.queue.length - this.head;
  }

  enqueue(q: FileJob): void {
    if (!q.tracked) {
      this.push(q);
      this.pump();
      return;
    }
    const key = contentKey(q);
    const known = this.byInode.get(key);
    if (known && (!q.md5 || known.md5)) {
      this.freeBytes += q.seen.size;
      this.opts.apply(q, { ok: true, sha256: known.sha256, md5: known.md5, head: known.head, bytes: 0 });
      return;
    }
    const waiting = this.inodeWaiters.get(key);
    if (waiting) {
      waiting.push(q);
      return;
    }
    this.inodeWaiters.set(key, []);
    this.push(q);
    this.pump();
  }

  /** Resolves when nothing is queued or in flight (or, once cancelled, nothing in flight). */
  drained(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.drainResolve = resolve;
      this.checkDrained();
    });
  }

  cancel(): void {
    this.cancelled = true;
    Atomics.store(this.opts.cancelFlag, 0, 1);
    this.queue.length = 0;
    this.paths.length = 0;
    this.head = 0;
    this.checkDrained();
  }

  private push(q: FileJob): void {
    this.queue.push(q);
    this.paths.push(Buffer.concat([this.opts.rootBytes, q.seen.relPath]));
  }

  private pump(): void {
    while (!this.cancelled && this.inFlight < this.opts.maxInFlight && this.queued > 0) {
      const batch: FileJob[] = [];
      const jobs: HashJob[] = [];
      let bytes = 0;
      while (this.queued > 0 && batch.length < TASK_FILES) {
        const next = this.queue[this.head]!;
        if (batch.length > 0 && (next.seen.size > SMALL_FILE || bytes + next.seen.size > TASK_BYTES)) break;
        const path = this.paths[this.head]!;
        this.head++;
        if (next.dropped) continue;
        batch.push(next);
        const { size, mtimeNs, ctimeNs } = next.seen;
        jobs.push(next.md5 ? { path, size, mtimeNs, ctimeNs, md5: true } : { path, size, mtimeNs, ctimeNs });
        bytes += size;
        if (size > SMALL_FILE) break;
      }
      if (this.head > 4096 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.paths = this.paths.slice(this.head);
        this.head = 0;
      }
      if (batch.length === 0) continue;
      this.inFlight++;
      this.opts
        .pool()
        .hash(jobs, { md5: false, cancel: this.opts.cancelFlag, readBytes: this.opts.readBytes, throttleMs: this.opts.throttleMs })
        .then(
          (outcomes) => batch.forEach((q, i) => this.settle(q, outcomes[i]!)),
          (e: unknown) => batch.forEach((q) => this.settle(q, { ok: false, kind: 'io', message: `hash worker failed: ${e instanceof Error ? e.message : String(e)}` })),
        )
        .finally(() => {
          this.inFlight--;
          this.pump();
          this.opts.onTaskDone();
          this.checkDrained();
        });
    }
    this.checkDrained();
  }

  /** One outcome serves every name of the inode that waited for it; after a failure they are read themselves. */
  private settle(q: FileJob, o: HashOutcome): void {
    if (o.ok && q.tracked && (!q.md5 || o.md5)) this.byInode.set(contentKey(q), { sha256: o.sha256, md5: o.md5, head: o.head });
    this.opts.apply(q, o);
    if (!q.tracked) return;
    const key = contentKey(q);
    const waiting = this.inodeWaiters.get(key) ?? [];
    this.inodeWaiters.delete(key);
    const known = this.byInode.get(key);
    for (const w of waiting) {
      if (known && (!w.md5 || known.md5)) {
        this.freeBytes += w.seen.size;
        this.opts.apply(w, { ok: true, sha256: known.sha256, md5: known.md5, head: known.head, bytes: 0 });
      } else if (!this.cancelled) {
        this.push(w);
        this.pump();
      }
    }
  }

  private checkDrained(): void {
    if (this.drainResolve && this.inFlight === 0 && (this.queued === 0 || this.cancelled)) {
      const r = this.drainResolve;
      this.drainResolve = null;
      r();
    }
  }
}
