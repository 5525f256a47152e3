#!/usr/bin/env node
// History-wide resolution benchmark (issue 4): a Git repo of N commits × P pointers built with
// `git fast-import`, then the time to resolve `--all-commits` into distinct artifact versions, in-process
// (the core function every history-wide command calls) and end to end (`mlv gc --all-commits --dry-run`
// and `mlv status --remote --all-commits` against an empty folder remote, through the built CLI).
//
//   npm run build && node bench/history.js [--commits 1000] [--pointers 100] [--reps 5] [--keep]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');
const BIN = join(ROOT, 'bin', 'run.js');
const { values: opt } = parseArgs({
  options: {
    commits: { type: 'string', default: '1000' },
    pointers: { type: 'string', default: '100' },
    reps: { type: 'string', default: '5' },
    keep: { type: 'boolean', default: false },
  },
});
const COMMITS = Number(opt.commits);
const POINTERS = Number(opt.pointers);
const REPS = Number(opt.reps);

const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@x', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@x' };
const hex = (i, j) => (BigInt(i) * 1000003n + BigInt(j) * 7919n + 0x9e3779b97f4a7c15n).toString(16).padStart(32, '0').slice(-32);
const pointer = (name, oid, size) => `# mlv pointer — the content lives in the mlv cache and remotes.\n# \`mlv pull\` fetches it, \`mlv checkout\` restores it.\n\nversion: 1\nkind: file\npath: ${name}\noid: xxh128:${oid}\nsize: ${size}\n`;

function buildRepo(dir) {
  execFileSync('git', ['init', '-q', '-b', 'main', dir], { env });
  const dirs = Math.max(1, Math.round(Math.sqrt(POINTERS)));
  const pathOf = (p) => `data/d${p % dirs}/f${p}.bin`;
  let s = '';
  const blob = (text) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  const version = new Array(POINTERS).fill(0);
  for (let c = 1; c <= COMMITS; c++) {
    const msg = `commit ${c}`;
    s += `commit refs/heads/main\nmark :${c}\ncommitter b <b@x> ${1700000000 + c} +0000\n${blob(msg)}`;
    if (c > 1) s += `from :${c - 1}\n`;
    if (c === 1) {
      s += `M 100644 inline .mlv/config.yaml\n${blob('core:\n  hash: xxh128\n')}`;
      s += `M 100644 inline .mlv/.gitignore\n${blob('/config.local.yaml\n/cache/\n/tmp/\n')}`;
      for (let p = 0; p < POINTERS; p++) s += `M 100644 inline ${pathOf(p)}.mlv\n${blob(pointer(`f${p}.bin`, hex(p, 0), 1000 + p))}`;
    } else {
      const p = (c - 2) % POINTERS; // each commit changes one pointer: distinct versions = P + C - 1
      version[p]++;
      s += `M 100644 inline ${pathOf(p)}.mlv\n${blob(pointer(`f${p}.bin`, hex(p, version[p]), 1000 + p + version[p]))}`;
    }
    s += '\n';
    if (c % 100 === 0) s += `reset refs/tags/v${c / 100}\nfrom :${c}\n\n`;
  }
  execFileSync('git', ['fast-import', '--quiet'], { cwd: dir, input: s, env, maxBuffer: 1 << 28 });
  execFileSync('git', ['checkout', '-q', '-f', 'main'], { cwd: dir, env });
  mkdirSync(join(dir, 'remote'));
  execFileSync('git', ['gc', '-q'], { cwd: dir, env }); // a packed repo, as a clone would be
  return POINTERS + COMMITS - 1;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const work = mkdtempSync(join(os.tmpdir(), 'mlv-bench-history-'));
try {
  const repo = join(work, 'repo');
  const t0 = Date.now();
  const expected = buildRepo(repo);
  writeFileSync(join(repo, '.mlv/config.local.yaml'), `remotes:\n  store:\n    url: ${join(repo, 'remote')}\n`);
  console.log(`built ${COMMITS} commits × ${POINTERS} pointers (${expected} distinct versions) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const { historySelections } = await import(pathToFileURL(join(ROOT, 'dist/core/workspace/history-selection.js')).href);
  const { openRepo } = await import(pathToFileURL(join(ROOT, 'dist/core/workspace/repo.js')).href);
  const inProc = [];
  let count = 0;
  for (let i = 0; i < REPS; i++) {
    const start = process.hrtime.bigint();
    const sel = await historySelections(openRepo(repo), { allCommits: true }, [], repo);
    inProc.push(Number(process.hrtime.bigint() - start) / 1e6);
    count = sel.length;
  }
  if (count !== expected) throw new Error(`expected ${expected} versions, got ${count}`);
  console.log(`in-process historySelections(--all-commits): median ${median(inProc).toFixed(0)} ms (runs: ${inProc.map((x) => x.toFixed(0)).join(', ')}) → ${count} versions`);

  for (const args of [['gc', '--all-commits', '--dry-run'], ['status', '--remote', '--all-commits', '--json']]) {
    const times = [];
    for (let i = 0; i < REPS; i++) {
      const start = process.hrtime.bigint();
      const r = spawnSync(process.execPath, [BIN, ...args], { cwd: repo, env, encoding: 'utf8', maxBuffer: 1 << 26 });
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
      if (r.status !== 0) throw new Error(`mlv ${args.join(' ')} failed:\n${r.stderr}`);
    }
    console.log(`mlv ${args.join(' ')} (whole process): median ${median(times).toFixed(0)} ms (runs: ${times.map((x) => x.toFixed(0)).join(', ')})`);
  }
  if (opt.keep) console.log(`kept ${work}`);
} finally {
  if (!opt.keep) rmSync(work, { recursive: true, force: true });
}
