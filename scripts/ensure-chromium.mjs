// End-to-end tests drive Debian's chromium (a browser download is not
// possible here). On a fresh machine, where we are root with apt-get, install
// it; elsewhere say exactly what is missing.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const chromium = process.env.PEDIGREE_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || !existsSync('/usr/bin/apt-get')) {
    console.error(`end-to-end tests need Chromium at ${chromium}: install Debian's "chromium" package, or set PEDIGREE_CHROMIUM to a Chromium binary`);
    process.exit(1);
  }
  console.log(`installing Debian's chromium for the end-to-end tests (${chromium} is missing)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], { stdio: 'inherit', env });
}
