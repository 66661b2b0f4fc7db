import type { Severity } from '../../shared/domain';

/**
 * What `verify` works with and returns. Plain data: the CLI prints it, `--json`
 * serialises it as it is.
 */

/**
 * How a declared digest is computed. `md5-dos2unix` is DVC 2.x's MD5 (entries
 * without `hash: md5`): text files are hashed with CRLF turned into LF.
 * `git-sha1` is git's blob id, `sha1("blob <size>\0" + content)`.
 */
export type DigestAlgorithm = 'sha256' | 'md5' | 'md5-dos2unix' | 'git-sha1';

/** One file whose content some file of the store (or its name) declares. */
export interface Declaration {
  /** Store-relative path of the declared file. */
  path: string;
  algorithm: DigestAlgorithm;
  /** Lower-case hex. */
  digest: string;
  /** Declared size in bytes, when the declaration has one. */
  size: number | null;
  /** Who declares it and where, for people: `dvc.lock: stage train, outs`. */
  source: string;
}

export type MismatchCode =
  /** The content differs from the digest the index recorded. */
  | 'digest-changed'
  /** The content differs from a digest the store declares. */
  | 'declared-mismatch'
  /** An indexed file is gone from disk. */
  | 'file-missing'
  /** An indexed or declared file exists but cannot be read. */
  | 'unreadable'
  /** A shard named by a safetensors index is not beside it. */
  | 'shard-missing';

export interface Mismatch {
  storeId: number;
  /** Store-relative. */
  path: string;
  absPath: string;
  code: MismatchCode;
  expected: string | null;
  actual: string | null;
  algorithm: DigestAlgorithm | null;
  /** `index` for the digest of the last scan, else the declaring file and where in it. */
  source: string;
  message: string;
}

export interface VerifyFinding {
  storeId: number;
  /** Store-relative path the finding is about (a declaring file, usually); `.` for the store itself. */
  path: string;
  absPath: string;
  code: string;
  severity: Severity;
  message: string;
}

/** What collecting declarations yields for one store, before anything is hashed. */
export interface Collected {
  declarations: Declaration[];
  mismatches: Omit<Mismatch, 'storeId' | 'absPath'>[];
  findings: Omit<VerifyFinding, 'storeId' | 'absPath'>[];
}

export interface VerifiedStore {
  id: number;
  name: string;
  path: string;
  /** Store-relative folder or file that was verified; null for the whole store. */
  scope: string | null;
}

export interface VerifyResult {
  stores: VerifiedStore[];
  /** Files whose content was read and compared. */
  checked: number;
  /** Checked files without a mismatch. */
  ok: number;
  mismatches: Mismatch[];
  findings: VerifyFinding[];
  seconds: number;
  /** Bytes read to hash. */
  bytes: number;
  /** False when interrupted or when a store could not be reached: absence of mismatches then proves nothing. */
  complete: boolean;
}

export interface VerifyProgress {
  filesToHash: number;
  filesHashed: number;
  bytesToHash: number;
  bytesHashed: number;
  currentFile: string | null;
  elapsedSeconds: number;
}
