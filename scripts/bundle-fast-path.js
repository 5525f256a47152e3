// Bundles the command-line fast path (dist/cli/fast-path.js and everything it imports, the yaml parser
// included) into dist/fast/. `mlv status` on a big folder is start-up bound: resolving and compiling ~150
// separate modules took about 40 ms of every run; a few bundled files load in a few. The bundle is split
// at each command's dynamic import, so `status` does not compile what only `add` uses (fast-glob and
// its matchers, ~180 KiB). The modules stay unbundled in dist/ for the library and the oclif commands.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const outdir = `${root}dist/fast`; // two levels below the package, as dist/core/ is (native.ts finds build/ from there)
rmSync(outdir, { recursive: true, force: true });
const result = await build({
  entryPoints: [`${root}dist/cli/fast-path.js`],
  outdir,
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // hash-wasm's ES module build lets the bundle keep only the xxh128 hasher (its UMD build holds all 25).
  mainFields: ['module', 'main'],
  // CommonJS dependencies (yaml) call require(); give the ES module bundle one.
  banner: { js: "import { createRequire as mlvCreateRequire } from 'node:module'; const require = mlvCreateRequire(import.meta.url);" },
  metafile: true,
  logLevel: 'warning',
  plugins: [
    {
      // bin/run.js loads prefetch.js (unbundled) to start scans before this bundle loads; the bundle must
      // use that same module instance to take them up, so it imports it rather than holding a copy.
      name: 'shared-prefetch',
      setup(b) {
        b.onResolve({ filter: /\/prefetch\.js$/ }, () => ({ path: '../core/workspace/prefetch.js', external: true }));
      },
    },
  ],
});
const outputs = Object.values(result.metafile.outputs);
const bytes = outputs.reduce((n, o) => n + o.bytes, 0);
console.log(`bundled the fast path (${outputs.length} files, ${Math.round(bytes / 1024)} KiB)`);
