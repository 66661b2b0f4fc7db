#!/usr/bin/env node
'use strict';
// The `pedigree` command. The TypeScript sources are bundled into dist/ by
// `npm run build`, which the install runs (the `prepare` script).
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const cli = join(__dirname, '..', 'dist', 'cli.js');
if (!existsSync(cli)) {
  process.stderr.write(`pedigree: ${cli} is missing; run "npm run build" in ${join(__dirname, '..')} first\n`);
  process.exit(2);
}
// `pedigree files | head` closes the pipe early: that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e && e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}
require(cli)
  .run(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`pedigree: ${e && e.stack ? e.stack : e}\n`);
      process.exitCode = 2;
    },
  );
