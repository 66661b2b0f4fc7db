// `npm test`: typecheck, lint, unit and integration tests, end-to-end tests.
// Each vitest run also writes a JSON report; the last line printed sums them
// up as "Tests: N passed, N failed, N skipped" so any CI can read it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const results = join(root, 'test-results');
mkdirSync(results, { recursive: true });
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const steps = [
  { name: 'typecheck', cmd: npm, args: ['run', '--silent', 'typecheck'] },
  { name: 'lint', cmd: npm, args: ['run', '--silent', 'lint'] },
  { name: 'unit and integration', cmd: npm, args: ['run', '--silent', 'test:unit', '--', '--reporter=default', '--reporter=json', `--outputFile.json=${join(results, 'unit.json')}`], report: join(results, 'unit.json') },
  { name: 'end-to-end', cmd: npm, args: ['run', '--silent', 'test:e2e', '--', '--reporter=verbose', '--reporter=json', `--outputFile.json=${join(results, 'e2e.json')}`], report: join(results, 'e2e.json') },
];

const totals = { passed: 0, failed: 0, skipped: 0 };
let failedSteps = [];
for (const step of steps) {
  console.log(`\n=== ${step.name} ===`);
  if (step.report) rmSync(step.report, { force: true });
  const t0 = Date.now();
  const res = spawnSync(step.cmd, step.args, { cwd: root, stdio: 'inherit' });
  console.log(`=== ${step.name}: ${res.status === 0 ? 'ok' : `failed (exit ${res.status ?? res.signal})`} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  if (step.report && existsSync(step.report)) {
    const r = JSON.parse(readFileSync(step.report, 'utf8'));
    totals.passed += r.numPassedTests ?? 0;
    totals.failed += r.numFailedTests ?? 0;
    totals.skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  } else if (res.status !== 0) {
    totals.failed += 1; // a step with no test report (typecheck, lint, a crash) counts as one failure
  }
  if (res.status !== 0) failedSteps.push(step.name);
}
if (failedSteps.length) console.log(`\nfailed steps: ${failedSteps.join(', ')}`);
console.log(`\nTests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failedSteps.length ? 1 : 0);
