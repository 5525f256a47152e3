#!/usr/bin/env node
// mlv entry point. Two things happen before oclif loads, both for speed and Git-like ergonomics:
//  - `mlv -C <dir> ...` changes directory first (like `git -C`), so the flag works before the command name;
//  - `mlv --version` answers without loading the CLI framework (it is called by scripts and hooks).
import { readFileSync } from 'node:fs';

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
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`mlv/${pkg.version} ${process.platform}-${process.arch} node-${process.version}\n`);
  process.exit(0);
}

const { execute } = await import('@oclif/core');
await execute({ args: argv, dir: import.meta.url });
