#!/usr/bin/env node
// `mlv diff` of two versions of a 100,000-file folder that differ in 10 files: how many tree objects it
// reads from the cache, and how long it takes (library call and the CLI end to end).
//
//   npm run build && node bench/diff.js [--files 100000] [--changes 10] [--per-dir 1000] [--keep]
//
// The folder's trees are built directly (as `mlv add` would store them: one tree per folder, files
// grouped `per-dir` to a folder) with synthetic file hashes, so the benchmark measures the diff rather
// than hashing 100,000 files; `mlv diff` only reads trees. The two versions are committed as pointers and
// tagged v1 and v2 in a temp Git repo.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dist = (p) => import(new URL(`../dist/${p}`, import.meta.url).href);
const { init } = await dist('core/api/init.js');
const { openRepo } = await dist('core/workspace/repo.js');
const { buildTrees } = await dist('core/workspace/snapshot.js');
const { diff } = await dist('core/api/diff.js');
const { serializePointer } = await dist('core/objects/pointer.js');
const { warmHasher } = await dist('core/objects/hash.js');

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const FILES = arg('files', 100_000);
const CHANGES = arg('changes', 10);
const PER_DIR = arg('per-dir', 1000);
const KEEP = process.argv.includes('--keep');

const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b' };
const git = (dir, ...args) => execFileSync('git', args, { cwd: dir, env, encoding: 'utf8' });
const fakeHex = (s) => createHash('md5').update(s).digest('hex'); // 32 hex digits, like xxh128

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'mlv-bench-diff-')));
try {
  git(dir, 'init', '-q', '-b', 'main');
  await init(dir);
  const repo = openRepo(dir);
  const store = repo.store;
  await warmHasher(store.algo);

  const files = new Map();
  const dirs = new Set();
  for (let i = 0; i < FILES; i++) {
    const d = `part-${String(Math.floor(i / PER_DIR)).padStart(4, '0')}`;
    dirs.add(d);
    files.set(`${d}/img-${String(i).padStart(6, '0')}.png`, { hex: fakeHex(`v1-${i}`), size: 1000 + (i % 5000), exec: false });
  }
  const versions = [];
  const t0 = process.hrtime.bigint();
  for (const v of ['v1', 'v2']) {
    if (v === 'v2') {
      // 10 files spread over 10 different folders.
      const step = Math.floor(FILES / CHANGES);
      for (let k = 0; k < CHANGES; k++) {
        const rel = [...files.keys()][k * step];
        files.set(rel, { hex: fakeHex(`v2-${k}`), size: 4242, exec: false });
      }
    }
    const t = buildTrees(store.algo, files, [...dirs]);
    for (const [hex, bytes] of t.trees) await store.addBytes(bytes, undefined, hex);
    const pointer = { version: 1, kind: 'dir', path: 'images', oid: store.oid(t.hex), size: t.size, files: t.files };
    writeFileSync(join(dir, 'images.mlv'), serializePointer(pointer));
    git(dir, 'add', 'images.mlv');
    git(dir, 'commit', '-qm', v);
    git(dir, 'tag', v);
    versions.push({ v, trees: t.trees.size });
  }
  const setupS = Number(process.hrtime.bigint() - t0) / 1e9;

  const t1 = process.hrtime.bigint();
  const r = await diff(openRepo(dir), ['v1', 'v2'], [], { cwd: dir });
  const libMs = Number(process.hrtime.bigint() - t1) / 1e6;
  const e = r.entries[0];
  const changed = e?.files ? e.files.modified.length + e.files.added.length + e.files.deleted.length + e.files.renamed.length : 0;

  const t2 = process.hrtime.bigint();
  const cli = spawnSync(process.execPath, [join(ROOT, 'bin/run.js'), 'diff', 'v1', 'v2', '--json'], { cwd: dir, env, encoding: 'utf8' });
  const cliMs = Number(process.hrtime.bigint() - t2) / 1e6;
  if (cli.status !== 0) throw new Error(`mlv diff failed: ${cli.stderr}`);
  const cliReads = JSON.parse(cli.stdout).treeReads;

  console.log(`mlv diff benchmark — ${FILES.toLocaleString('en-US')} files in ${dirs.size} folders, ${CHANGES} files changed`);
  console.log(`  trees per version:            ${versions.map((x) => x.trees).join(' / ')} (built and stored in ${setupS.toFixed(1)} s)`);
  console.log(`  changed files found:          ${changed}`);
  console.log(`  tree objects read by the diff: ${r.treeReads} (2 roots + 2 × ${CHANGES} changed folders = ${2 + 2 * Math.min(CHANGES, dirs.size)})`);
  console.log(`  diff, library call:           ${libMs.toFixed(1)} ms`);
  console.log(`  mlv diff v1 v2 --json (CLI):  ${cliMs.toFixed(0)} ms end to end, ${cliReads} tree reads`);
  if (changed !== CHANGES) process.exitCode = 1;
} finally {
  if (KEEP) console.log(`kept ${dir}`);
  else {
    try {
      execFileSync('chmod', ['-R', 'u+w', dir]);
    } catch {
      // ignore
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
