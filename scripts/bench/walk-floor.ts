import { realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startWalk } from '../../src/main/scan/walk-pool';

export const WALK_FLOOR_FLAG = '--child-walk';

/**
 * Runs in a fresh Node process (dist/bench.js --child-walk TREE THREADS): the
 * first index's walker threads list and hash every small file of the tree
 * exactly as a scan does, and the results are thrown away. No database, no
 * lineage: what is left is Node's own cost of opening, stat-ing, reading and
 * hashing each file, the floor under any first index Pedigree can do.
 * Prints the files and bytes hashed as JSON.
 */
export async function walkFloorChild(root: string, threads: number, workersDir: string): Promise<void> {
  const st = statSync(root, { bigint: true });
  let files = 0;
  let hashed = 0;
  const walk = startWalk(
    { root, rootReal: realpathSync(root), rootKey: `${st.dev}:${st.ino}`, followSymlinks: false, hashSmall: true, threads, workerFile: join(workersDir, 'walk.js'), batchSize: 2000, window: 2 },
    {
      onBatch: ({ files: b }) => {
        files += b.count;
        for (let i = 0; i < b.count; i++) if (b.flags[i]! & 8) hashed++;
      },
      onFindings: () => {},
      hasRoom: () => true,
    },
  );
  const error = await walk.done;
  if (error) throw new Error(error);
  process.stdout.write(`${JSON.stringify({ files, hashed })}\n`);
}
