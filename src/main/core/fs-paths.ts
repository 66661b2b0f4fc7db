import { realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * A path with its parent folder resolved but not the file itself: a Hugging
 * Face snapshot link stays the snapshot path (not its blob), and a path that
 * no longer exists can still be found in the index.
 */
export function realParent(abs: string): string {
  if (dirname(abs) === abs) return abs;
  try {
    return join(realpathSync(dirname(abs)), basename(abs));
  } catch {
    return abs;
  }
}
