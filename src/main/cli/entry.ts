import { join } from 'node:path';
import { main } from './main';

declare const __PEDIGREE_VERSION__: string;

/**
 * The bundled CLI's entry (dist/cli.js). The workers and the renderer are
 * built beside it, so paths are resolved from this file's own folder.
 */
export function run(argv: string[]): Promise<number> {
  return main(argv, { workersDir: join(__dirname, 'workers'), rendererDir: join(__dirname, 'renderer'), version: __PEDIGREE_VERSION__ });
}
