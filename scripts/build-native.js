// Builds mlv's optional native helper (native/*.c → build/Release/mlv_native.node) with node-gyp.
// mlv works without it — its JavaScript code gives the same results, more slowly on big folders — so a
// failed build warns and exits 0, unless MLV_REQUIRE_NATIVE=1 (CI sets it so the native path is tested).
//   node scripts/build-native.js            build when the addon is missing or older than its sources
//   node scripts/build-native.js --rebuild  always build (the `install` script)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const addon = join(root, 'build/Release/mlv_native.node');
// Every file in native/ and binding.gyp: a source added later counts without being listed here too.
const nativeDir = join(root, 'native');
const sources = [...(existsSync(nativeDir) ? readdirSync(nativeDir).map((f) => join(nativeDir, f)) : []), join(root, 'binding.gyp')];
const required = process.env.MLV_REQUIRE_NATIVE === '1';

function skip(reason) {
  const line = `mlv: native helper not built (${reason}); mlv works without it, more slowly on big folders (status, add, checkout, push)`;
  if (required) {
    console.error(`${line}\nMLV_REQUIRE_NATIVE=1 is set, so this is an error`);
    process.exit(1);
  }
  console.warn(line);
  process.exit(0);
}

if (process.env.MLV_NATIVE === '0') skip('MLV_NATIVE=0');
if (process.platform === 'win32') skip('not supported on Windows yet');
if (sources.length < 2 || !sources.every((f) => existsSync(f))) skip('its sources are not in this package');
const upToDate = () => existsSync(addon) && sources.every((f) => statSync(f).mtimeMs <= statSync(addon).mtimeMs);
if (!process.argv.includes('--rebuild') && upToDate()) process.exit(0);

// node-gyp: the one npm gives its scripts, else the one bundled with npm next to this node, else on PATH.
const bundled = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
const gypJs = [process.env.npm_config_node_gyp, bundled].find((f) => f && existsSync(f));
const command = gypJs ? [process.execPath, gypJs] : ['node-gyp'];
const args = ['rebuild'];
// Build against the headers installed with this node when there are some, instead of downloading them.
const prefix = dirname(dirname(process.execPath));
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);

const r = spawnSync(command[0], [...command.slice(1), ...args], { cwd: root, encoding: 'utf8' });
if (r.error || r.status !== 0) {
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').filter((l) => /error|ERR!/i.test(l)).slice(0, 8).join('\n');
  if (out) console.error(out);
  skip(r.error ? `${command[0]}: ${r.error.message}` : `node-gyp exited with ${r.status}`);
}
console.log('built the native helper (build/Release/mlv_native.node)');
