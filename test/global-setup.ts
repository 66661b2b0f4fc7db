import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Tests run the real workers and the real CLI, so the Node side is built
 * first (a second or two). End-to-end runs build the renderer as well.
 */
export default function setup({ config }: { config: { include: string[] } }): void {
  const e2e = config.include.some((p) => p.includes('e2e'));
  execFileSync(process.execPath, [join(__dirname, '..', 'scripts', 'build.mjs'), ...(e2e ? [] : ['node'])], { stdio: 'inherit' });
}
