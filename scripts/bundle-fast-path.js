// Bundles the command-line fast path into dist/fast/: one file per command (dist/cli/fast/<command>.js and
// everything it imports, the yaml parser included). `mlv status` on a big folder is start-up bound:
// resolving and compiling ~150 separate modules took about 40 ms of every run; one file loads in a few,
// and a file per command means `status` does not compile what only `add` or `checkout` use (a bundle
// split into shared chunks loaded ~10 files, each costing the ES module loader time). The modules stay
// unbundled in dist/ for the library and the oclif commands.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const outdir = `${root}dist/fast`; // two levels below the package, as dist/core/ is (native.ts finds build/ from there)
rmSync(outdir, { recursive: true, force: true });
const result = await build({
  entryPoints: ['status', 'add', 'commit', 'checkout'].map((c) => `${root}dist/cli/fast/${c}.js`),
  outdir,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // hash-wasm's ES module build lets the bundle keep only the xxh128 hasher (its UMD build holds all 25).
  mainFields: ['module', 'main'],
  // add loads fast-glob (~180 KiB with its matchers) only for glob targets: from the package, not the bundle.
  external: ['fast-glob'],
  // CommonJS dependencies (yaml) call require(); give the ES module bundle one.
  banner: { js: "import { createRequire as mlvCreateRequire } from 'node:module'; const require = mlvCreateRequire(import.meta.url);" },
  metafile: true,
  logLevel: 'warning',
  plugins: [
    {
      // bin/run.js loads prefetch.js and git-process.js (unbundled) to start scans and Git before this
      // bundle loads; the bundle must use those same module instances to take them up, so it imports
      // them rather than holding copies.
      name: 'shared-prefetch',
      setup(b) {
        b.onResolve({ filter: /\/workspace\/prefetch\.js$|^\.\/prefetch\.js$/ }, () => ({ path: '../core/workspace/prefetch.js', external: true }));
        b.onResolve({ filter: /\/git-process\.js$/ }, () => ({ path: '../core/git/git-process.js', external: true }));
      },
    },
  ],
});
const outputs = Object.values(result.metafile.outputs);
const bytes = outputs.reduce((n, o) => n + o.bytes, 0);
console.log(`bundled the fast path (${outputs.length} files, ${Math.round(bytes / 1024)} KiB)`);
