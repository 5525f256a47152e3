#!/usr/bin/env node
// mlv entry point. Three things happen before oclif loads, for speed and Git-like ergonomics:
//  - `mlv -C <dir> ...` changes directory first (like `git -C`), so the flag works before the command name;
//  - `mlv --version` answers without loading the CLI framework (it is called by scripts and hooks);
//  - `mlv status|add|commit|checkout` with only targets and simple flags run through src/cli/fast-path.ts,
//    also without it (anything else falls through to the full oclif command). It is bundled into one
//    file per command by the build (scripts/bundle-fast-path.js) and loaded with a V8 code cache
//    (src/cli/load-bundle.ts: ~10 ms instead of ~18). Plain `status` and `add` first start scanning the
//    tracked folders and listing pointers with Git (src/core/workspace/prefetch.ts, in dist/fast/start.cjs).
// This file is CommonJS (bin/package.json says so): an ES module entry costs Node ~5 ms more at every
// start than a CommonJS one (measured: `node empty.mjs` 71.5 ms vs `node empty.cjs` 65.0, and mlv status
// 106 vs 101 ms, 60 interleaved runs). The fast path requires dist/fast/start.cjs and compiles its
// command's bundle with loadBundle, without the ES module loader; only the oclif path imports ES modules.
'use strict';
const { join } = require('node:path');

async function main() {
  const argv = process.argv.slice(2);
  while (argv[0] === '-C' && argv.length > 1) {
    try {
      process.chdir(argv[1]);
    } catch (err) {
      process.stderr.write(`mlv: cannot change to directory '${argv[1]}': ${err.code ?? err.message}\n`);
      process.exit(2);
    }
    argv.splice(0, 2);
  }

  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v' || argv[0] === 'version')) {
    const pkg = require('../package.json');
    process.stdout.write(`mlv/${pkg.version} ${process.platform}-${process.arch} node-${process.version}\n`);
    process.exit(0);
  }

  // The everyday commands skip loading the CLI framework when they have only targets and simple flags.
  let handled = false;
  if (argv[0] === 'status' || argv[0] === 'add' || argv[0] === 'commit' || argv[0] === 'checkout') {
    // Plain `status` and `add <targets>` (output flags aside): list pointers with Git and scan tracked folders
    // while the command loads.
    const outputFlags = argv[0] === 'status' ? ['-q', '--quiet', '--verbose', '--json'] : ['-q', '--quiet', '--verbose'];
    const targets = argv.slice(1).filter((a) => !outputFlags.includes(a));
    const start = require('../dist/fast/start.cjs');
    if ((argv[0] === 'status' && targets.length === 0) || (argv[0] === 'add' && targets.length > 0 && !targets.some((t) => t.startsWith('-')))) {
      start.prefetch.prefetchForCommand(process.cwd(), argv[0] === 'add' ? targets : undefined);
    }
    const bundle = start.loadBundle(require.resolve(`../dist/fast/${argv[0]}.cjs`), { 'mlv:prefetch': start.prefetch, 'mlv:git-process': start.gitProcess });
    handled = await bundle.exports.runFast(argv);
    if (handled) bundle.saveCodeCache();
  }

  if (!handled) {
    const { execute } = await import('@oclif/core');
    await execute({ args: argv, dir: join(__dirname, '..') });
  }
}

main().catch((err) => {
  // as an uncaught error would end it (the commands report their own errors, so this is a bug in mlv)
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});
