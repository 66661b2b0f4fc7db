#!/usr/bin/env node
'use strict';
// The `pedigree` command. The TypeScript sources are bundled into dist/ by
// `npm run build`, which the install runs (the `prepare` script).
const { createHash } = require('node:crypto');
const { existsSync, readFileSync, renameSync, unlinkSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname, join } = require('node:path');
const vm = require('node:vm');

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
/**
 * Loads the bundle as `require` would, with V8's code cache: compiling the
 * 2 MB bundle is a third of a short command's start-up. The cache is written
 * next to the bundle when a run ends (so it holds the functions that run
 * compiled, and those it loaded from the cache), keyed by Node's version and a
 * hash of the bundle's text (V8 itself checks only the source's length: a
 * rebuilt bundle of the same length would otherwise run the old code). Its
 * second line names the commands whose runs it holds: the first run of each
 * other command writes it again, so a first `pedigree --version` does not leave
 * `index` compiling from scratch for ever. A folder we cannot write to just
 * means no cache.
 */
function loadBundle(file, command) {
  const source = readFileSync(file, 'utf8');
  const key = `${process.version} ${process.arch} ${createHash('sha256').update(source).digest('hex')}\n`;
  const cacheFile = join(dirname(file), '.cli.js.v8-cache');
  let cachedData;
  let commands = [];
  try {
    const bytes = readFileSync(cacheFile);
    const eol = bytes.indexOf(10, key.length);
    if (bytes.subarray(0, key.length).toString() === key && eol >= 0) {
      commands = bytes.subarray(key.length, eol).toString().split(' ').filter(Boolean);
      cachedData = bytes.subarray(eol + 1);
    }
  } catch {
    // no cache yet
  }
  const script = new vm.Script(Module.wrap(source), {
    filename: file,
    cachedData,
    // A dynamic import() in the bundle resolves as it would under require (Node 21+; Node 20 has none to give).
    ...(vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER ? { importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER } : {}),
  });
  const m = new Module(file, module);
  m.filename = file;
  m.paths = Module._nodeModulePaths(dirname(file));
  script.runInThisContext().call(m.exports, m.exports, Module.createRequire(file), m, file, dirname(file));
  m.loaded = true;
  if (script.cachedDataRejected) commands = [];
  if (!cachedData || script.cachedDataRejected || !commands.includes(command)) {
    process.once('exit', () => {
      const tmp = `${cacheFile}.${process.pid}`;
      try {
        writeFileSync(tmp, Buffer.concat([Buffer.from(`${key}${[...commands, command].join(' ')}\n`), script.createCachedData()]));
        renameSync(tmp, cacheFile);
      } catch {
        // a read-only install or a full disk: no cache
        try {
          unlinkSync(tmp);
        } catch {
          // never written
        }
      }
    });
  }
  return m.exports;
}

/** The command a run's cache is kept for: its first word that is not an option (`--version`, `--help` have none). */
const command = process.argv.slice(2).find((a) => /^[a-z][a-z-]*$/.test(a)) ?? '-';
loadBundle(cli, command)
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
