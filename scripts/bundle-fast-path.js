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
// Shared by both builds below.
const common = {
  outdir,
  bundle: true,
  platform: 'node',
  // CommonJS: bin/run.js requires start.cjs without the ES module loader, and compiles a command's bundle
  // through node:vm with a V8 code cache (src/cli/load-bundle.ts); Node 20 has no code cache for ES modules.
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  // Modules that find files relative to themselves (native.ts: build/Release/) get the bundle's own URL.
  define: { 'import.meta.url': 'mlvBundleUrl' },
  banner: { js: "const mlvBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  target: 'node20',
  metafile: true,
  logLevel: 'warning',
};
// start.cjs: the prefetch (scans, Git runs) and the bundle loader, loaded before any command's code.
const start = await build({ ...common, entryPoints: [`${root}dist/cli/fast/start.js`] });
// One bundle per command.
const commands = await build({
  ...common,
  entryPoints: ['status', 'add', 'commit', 'checkout'].map((c) => `${root}dist/cli/fast/${c}.js`),
  // hash-wasm's ES module build lets the bundle keep only the xxh128 hasher (its UMD build holds all 25).
  mainFields: ['module', 'main'],
  // add loads fast-glob (~180 KiB with its matchers) only for glob targets: from the package, not the bundle.
  external: ['fast-glob'],
  plugins: [
    {
      // start.cjs has started scans and Git runs before this bundle loads; the bundle must use the same
      // module instances to take them up, so it requires them by these names (load-bundle.ts hands it
      // start.cjs's modules) rather than holding copies.
      name: 'shared-with-start',
      setup(b) {
        b.onResolve({ filter: /\/workspace\/prefetch\.js$|^\.\/prefetch\.js$/ }, () => ({ path: 'mlv:prefetch', external: true }));
        b.onResolve({ filter: /\/git-process\.js$/ }, () => ({ path: 'mlv:git-process', external: true }));
      },
    },
  ],
});
const outputs = [...Object.values(start.metafile.outputs), ...Object.values(commands.metafile.outputs)];
const bytes = outputs.reduce((n, o) => n + o.bytes, 0);
console.log(`bundled the fast path (${outputs.length} files, ${Math.round(bytes / 1024)} KiB)`);
