// Bundles the command-line fast path (dist/cli/fast-path.js and everything it imports, the yaml parser
// included) into one file. `mlv status` on a big folder is start-up bound: resolving and compiling ~150
// separate modules took about 40 ms of every run; one bundled file loads in a few. The modules stay
// unbundled in dist/ for the library and the oclif commands.
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const result = await build({
  entryPoints: [`${root}dist/cli/fast-path.js`],
  outfile: `${root}dist/cli/fast-path.bundle.js`,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // hash-wasm's ES module build lets the bundle keep only the xxh128 hasher (its UMD build holds all 25).
  mainFields: ['module', 'main'],
  // CommonJS dependencies (yaml) call require(); give the ES module bundle one.
  banner: { js: "import { createRequire as mlvCreateRequire } from 'node:module'; const require = mlvCreateRequire(import.meta.url);" },
  metafile: true,
  logLevel: 'warning',
});
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.log(`bundled the fast path (${Math.round(bytes / 1024)} KiB)`);
