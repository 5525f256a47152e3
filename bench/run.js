#!/usr/bin/env node
// mlv benchmark: mlv against git-lfs and git-annex (and plain Git for status) on the same data, in the
// same run, with a warm page cache. See bench/README.md, or `node bench/run.js --help`.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, symlinkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { countFiles, warm, writeBigFile, writeFolder } from './lib/data.js';
import { cleanupProc, median, run, TIME_BIN, timeRepeated, which } from './lib/proc.js';
import { fmtMiB, fmtRatio, fmtS, mdTable, textTable } from './lib/report.js';
import { benchRemotes } from './lib/remotes.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');
// The mlv under test: a snapshot of bin/ + dist/ taken at start (others may rebuild dist/ during the run).
let MLV_BIN = join(ROOT, 'bin', 'run.js');
const NODE = process.execPath;

const HELP = `Usage: npm run bench -- [options]      (or: node bench/run.js [options] after npm run build)

Data (defaults: a 1 GiB file and 20,000 × 4 KiB files, in a temp folder removed at the end)
  --scale <x>            multiply both sizes (also env MLV_BENCH_SCALE), e.g. --scale 0.1
  --big-mib <n>          size of the big file in MiB (overrides --scale for it)
  --files <n>            number of small files (overrides --scale for them), e.g. --files 100000
  --file-kib <n>         size of each small file in KiB (default 4)
  --tmp <dir>            where to build the data (default: os.tmpdir(); env MLV_BENCH_TMP)
  --keep                 keep the temp folder

What to run
  --reps <n>             timed repetitions of the fast commands (median; default 7, plus 1 warm-up)
  --rounds <n>           run the mlv and git-lfs suites n times, alternating (mlv, lfs, mlv, lfs…), and
                         report each figure's median over the rounds (default 1; git-annex runs once).
                         On a disk whose speed drifts, this gives both tools the same luck
  --checkout-reps <n>    timed repetitions of mlv checkout (default 3)
  --skip-lfs, --skip-annex, --skip-plain-git
  --skip-annex-folder    skip \`git annex add\` of the folder (~7 min for 20k files on 2 cores);
                         skipped automatically above 20,000 files unless --annex-folder is given
  --annex-folder         run it even above 20,000 files
  --timeout <s>          kill any single command after this many seconds (default 1200)
  --delete-wait <s>      before a timed command, wait until this many seconds have passed since the bench
                         last deleted files (default 0; 370 on ext4 for steady figures, see "Deletes")
  --scaling              also time mlv alone on 25k/50k/100k-file folders (linear growth, peak memory)
  --scaling-files <list> comma-separated file counts for --scaling (default 25000,50000,100000)
  --no-main              skip the peer comparison (e.g. with --scaling only)
  --remotes              also time mlv push/pull to a local-folder remote (and an s3rver S3 server)
                         against rclone copy of the same bytes, when mlv has push/pull
  --remote-rounds <n>    repeat the remotes part n times (fresh targets each round, alternating which tool
                         goes first) and report medians (default: --rounds)

Deletes
  ext4 without a journal (as on this VM) checks every freed inode it passes when it allocates a new one
  and skips those freed in the last 60 s, or 6 minutes while their inode table block is unwritten (new
  files make it so; per the kernel's recently_deleted). Creating files is 2-3x slower meanwhile: 20,000
  files copied in 0.7-1.2 s on a quiet disk took 2.4-3.4 s right after 60,000 files were deleted, 2.3 s
  65 s later and 1.6 s 130 s later. The bench deletes a lot (each round's repos, checkout's restored files), which both tools pay
  for alike. --delete-wait <s> syncs and waits before each timed command until <s> seconds have passed
  since the bench last deleted anything (a checkout's own delete, part of what it measures, is not
  waited out): steadier figures, at ~6 minutes a wait.

Output
  --md                   print the tables as Markdown
  --json <file>          where to write results (default bench/results/latest.json)
  --no-snapshot          run ./bin/run.js in place instead of a copy of bin/ + dist/ taken at start
`;

function parseOptions() {
  const { values } = parseArgs({
    options: {
      scale: { type: 'string' },
      'big-mib': { type: 'string' },
      files: { type: 'string' },
      'file-kib': { type: 'string' },
      tmp: { type: 'string' },
      keep: { type: 'boolean' },
      reps: { type: 'string' },
      rounds: { type: 'string' },
      'remote-rounds': { type: 'string' },
      'checkout-reps': { type: 'string' },
      'skip-lfs': { type: 'boolean' },
      'skip-annex': { type: 'boolean' },
      'skip-plain-git': { type: 'boolean' },
      'skip-annex-folder': { type: 'boolean' },
      'annex-folder': { type: 'boolean' },
      timeout: { type: 'string' },
      'delete-wait': { type: 'string' },
      scaling: { type: 'boolean' },
      'scaling-files': { type: 'string' },
      'no-main': { type: 'boolean' },
      remotes: { type: 'boolean' },
      md: { type: 'boolean' },
      json: { type: 'string' },
      'no-snapshot': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const num = (v, name, { zero = false } = {}) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0 || (n === 0 && !zero)) throw new Error(`--${name} needs a ${zero ? 'non-negative' : 'positive'} number, got ${v}`);
    return n;
  };
  const scale = values.scale != null ? num(values.scale, 'scale') : process.env.MLV_BENCH_SCALE ? num(process.env.MLV_BENCH_SCALE, 'MLV_BENCH_SCALE') : 1;
  const files = values.files != null ? Math.round(num(values.files, 'files')) : Math.max(1, Math.round(20000 * scale));
  const o = {
    scale,
    bigMiB: values['big-mib'] != null ? Math.round(num(values['big-mib'], 'big-mib')) : Math.max(1, Math.round(1024 * scale)),
    files,
    fileKiB: values['file-kib'] != null ? num(values['file-kib'], 'file-kib') : 4,
    tmp: values.tmp ?? process.env.MLV_BENCH_TMP ?? os.tmpdir(),
    keep: !!values.keep,
    reps: values.reps != null ? Math.round(num(values.reps, 'reps')) : 7,
    rounds: values.rounds != null ? Math.max(1, Math.round(num(values.rounds, 'rounds'))) : 1,
    remoteRounds: values['remote-rounds'] != null ? Math.max(1, Math.round(num(values['remote-rounds'], 'remote-rounds'))) : undefined,
    checkoutReps: values['checkout-reps'] != null ? Math.round(num(values['checkout-reps'], 'checkout-reps')) : 3,
    skipLfs: !!values['skip-lfs'],
    skipAnnex: !!values['skip-annex'],
    skipPlainGit: !!values['skip-plain-git'],
    skipAnnexFolder: !!values['skip-annex-folder'] || (files > 20000 && !values['annex-folder']),
    annexFolderAuto: !values['skip-annex-folder'] && files > 20000 && !values['annex-folder'],
    timeoutS: values.timeout != null ? num(values.timeout, 'timeout') : 1200,
    deleteWaitS: values['delete-wait'] != null ? num(values['delete-wait'], 'delete-wait', { zero: true }) : 0,
    scaling: !!values.scaling,
    scalingFiles: (values['scaling-files'] ?? '25000,50000,100000').split(',').map((s) => Math.round(num(s.trim(), 'scaling-files'))),
    main: !values['no-main'],
    remotes: !!values.remotes,
    md: !!values.md,
    json: values.json ?? join(HERE, 'results', 'latest.json'),
    snapshot: !values['no-snapshot'],
  };
  o.remoteRounds ??= o.rounds;
  return o;
}

// ---------------------------------------------------------------------------------------------------------

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'mlv bench',
  GIT_AUTHOR_EMAIL: 'bench@example.invalid',
  GIT_COMMITTER_NAME: 'mlv bench',
  GIT_COMMITTER_EMAIL: 'bench@example.invalid',
  GIT_TERMINAL_PROMPT: '0',
  LC_ALL: 'C',
};

function log(msg) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)} load ${os.loadavg()[0].toFixed(2)}] ${msg}\n`);
}

function sh(cwd, cmd, args, extra = {}) {
  return run(cmd, args, { cwd, env: GIT_ENV, ...extra });
}

/** When the bench last deleted files (see "Deletes" in the help). */
let lastDelete = 0;

function rmrf(p) {
  if (!existsSync(p)) return;
  lastDelete = Date.now();
  try {
    rmSync(p, { recursive: true, force: true });
  } catch {
    // git-annex makes its object folders read-only
    run('chmod', ['-R', 'u+w', p], { allowFail: true });
    rmSync(p, { recursive: true, force: true });
  }
}

function toolVersion(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0].trim();
  } catch {
    return null;
  }
}

/** Copy the generated data into a repo, flush it to disk, and read it once so the page cache is warm. */
function placeData(ctx, repo, { folder = true } = {}) {
  cpSync(join(ctx.src, 'big.bin'), join(repo, 'big.bin'));
  if (folder) cpSync(join(ctx.src, 'images'), join(repo, 'images'), { recursive: true });
  settle(repo);
}

/** sync, then read everything under repo's data so the page cache is warm for the next timed command. */
function settle(repo) {
  run('sync', []);
  if (existsSync(join(repo, 'big.bin'))) warm(join(repo, 'big.bin'));
  if (existsSync(join(repo, 'images'))) warm(join(repo, 'images'));
}

/**
 * Waits, after a sync, until `ctx.o.deleteWaitS` seconds have passed since the bench last deleted files:
 * ext4 without a journal creates files 2-3x slower for minutes after deletes (see "Deletes" in the help).
 */
function waitOutDeletes(ctx) {
  const left = lastDelete + ctx.o.deleteWaitS * 1000 - Date.now();
  if (left <= 0) return;
  run('sync', []);
  log(`waiting ${(left / 1000).toFixed(0)} s: files were deleted ${((Date.now() - lastDelete) / 1000).toFixed(0)} s ago (--delete-wait)`);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, left);
  ctx.deleteWaits = (ctx.deleteWaits ?? 0) + left / 1000;
}

/**
 * One timed run of a slow command (with peak memory when GNU time is there). `ownDelete`: the files
 * just deleted belong to what is measured (a checkout after deleting), so that delete is not waited out.
 */
function timeOnce(ctx, cwd, cmd, args, label, env = GIT_ENV, { ownDelete = false } = {}) {
  if (!ownDelete) waitOutDeletes(ctx);
  run('sync', []);
  log(`${label} …`);
  const r = run(cmd, args, { cwd, env, rss: true, timeoutS: ctx.o.timeoutS });
  const out = { seconds: r.seconds, rssKiB: r.rssKiB, reps: 1, load1: os.loadavg()[0] };
  if (r.timedOut) out.timedOut = true;
  log(`${label}: ${fmtS(out)} s${r.rssKiB ? `, max RSS ${fmtMiB(r.rssKiB)}` : ''}`);
  return out;
}

/** Median of several interleaved rounds of fast commands ([key, label, cwd, cmd, args]), plus a run each for peak memory. */
function timeInterleaved(ctx, cmds) {
  waitOutDeletes(ctx);
  const times = Object.fromEntries(cmds.map(([k]) => [k, []]));
  const opts = (cwd) => ({ cwd, env: GIT_ENV, timeoutS: ctx.o.timeoutS });
  for (const [, , cwd, cmd, args] of cmds) run(cmd, args, opts(cwd)); // warm-up
  for (let i = 0; i < ctx.o.reps; i++) for (const [k, , cwd, cmd, args] of cmds) times[k].push(run(cmd, args, opts(cwd)).seconds);
  const out = {};
  for (const [k, label, cwd, cmd, args] of cmds) {
    const m = run(cmd, args, { ...opts(cwd), rss: true });
    out[k] = { seconds: median(times[k]), runs: times[k], reps: ctx.o.reps, rssKiB: m.rssKiB, load1: os.loadavg()[0] };
    log(`${label}: median ${fmtS(out[k])} s of ${ctx.o.reps} (${times[k].map(fmtS).join(' ')})`);
  }
  return out;
}

/** Median of several runs of a fast command, plus one extra run for peak memory. */
function timeFast(ctx, cwd, cmd, args, label, extra = {}) {
  waitOutDeletes(ctx);
  const t = timeRepeated(cmd, args, { cwd, env: GIT_ENV, reps: ctx.o.reps, warmup: 1, timeoutS: ctx.o.timeoutS, ...extra });
  const m = run(cmd, args, { cwd, env: GIT_ENV, rss: true, timeoutS: ctx.o.timeoutS });
  const out = { seconds: t.seconds, runs: t.runs, reps: t.reps, rssKiB: m.rssKiB, load1: os.loadavg()[0] };
  log(`${label}: median ${fmtS(out)} s of ${t.reps} (${t.runs.map(fmtS).join(' ')})`);
  return out;
}

/**
 * One result from several rounds of a suite: each timed figure becomes the median of its rounds (its
 * per-round seconds kept in `rounds`, peak memory the highest); anything else is the first round's.
 */
function medianOfRounds(list) {
  if (list.length === 1) return list[0];
  const out = { ...list[0] };
  for (const [key, first] of Object.entries(list[0])) {
    if (!first || typeof first !== 'object' || typeof first.seconds !== 'number') continue;
    const all = list.map((r) => r[key]).filter((x) => x && typeof x.seconds === 'number');
    const rss = all.map((x) => x.rssKiB).filter((x) => typeof x === 'number');
    out[key] = { ...first, seconds: median(all.map((x) => x.seconds)), rounds: all.map((x) => x.seconds), rssKiB: rss.length ? Math.max(...rss) : first.rssKiB };
  }
  return out;
}

function mlv(...args) {
  return [NODE, [MLV_BIN, ...args]];
}

function initRepo(dir) {
  mkdirSync(dir, { recursive: true });
  sh(dir, 'git', ['init', '-q', '-b', 'main']);
}

function commitAll(repo, msg) {
  sh(repo, 'git', ['add', '-A']);
  sh(repo, 'git', ['commit', '-q', '--allow-empty', '-m', msg]);
}

function checkRestored(ctx, repo, label, { folder = true } = {}) {
  const big = join(repo, 'big.bin');
  if (!existsSync(big) || statSync(big).size !== ctx.o.bigMiB * 1048576) throw new Error(`${label}: big.bin was not restored`);
  if (folder) {
    const n = countFiles(join(repo, 'images'));
    if (n !== ctx.o.files) throw new Error(`${label}: ${n} of ${ctx.o.files} files restored`);
  }
}

// --- the suites ----------------------------------------------------------------------------------------------

function suiteMlv(ctx, plain, round = 1) {
  const repo = join(ctx.tmp, `mlv-${round}`);
  initRepo(repo);
  sh(repo, ...mlv('init', '-q'));
  commitAll(repo, 'init');
  placeData(ctx, repo);
  const r = {};
  r.addBig = timeOnce(ctx, repo, ...mlv('add', '-q', 'big.bin'), 'mlv add big.bin');
  r.addFolder = timeOnce(ctx, repo, ...mlv('add', '-q', 'images'), 'mlv add images');
  commitAll(repo, 'track data');
  settle(repo);
  // Interleaved rounds (node, mlv --version, mlv status, mlv re-add, plain git status) so that the load of
  // a shared machine drifts over all of them alike.
  const fast = [
    ['nodeStart', 'node -e 0', repo, NODE, ['-e', '0']],
    ['version', 'mlv --version', repo, ...mlv('--version')],
    ['status', 'mlv status', repo, ...mlv('status')],
    ['readd', 'mlv add (unchanged)', repo, ...mlv('add', '-q', 'big.bin', 'images')],
  ];
  if (plain) fast.push(['plainStatus', 'plain git: git status', plain.repo, 'git', ['status']]);
  Object.assign(r, timeInterleaved(ctx, fast));
  const st = run(...mlv('status'), { cwd: repo, env: GIT_ENV, capture: true });
  r.statusOutput = st.stdout.trim().split('\n').slice(0, 5).join('\n');
  const clear = () => {
    rmrf(join(repo, 'big.bin'));
    rmrf(join(repo, 'images'));
    run('sync', []);
  };
  log(`mlv checkout × ${ctx.o.checkoutReps} …`);
  const before = () => {
    waitOutDeletes(ctx); // (the previous run's delete)
    clear();
  };
  const co = timeRepeated(...mlv('checkout', '-q'), { cwd: repo, env: GIT_ENV, reps: ctx.o.checkoutReps, warmup: 0, before, rss: true, timeoutS: ctx.o.timeoutS });
  r.checkout = { seconds: co.seconds, runs: co.runs, reps: co.reps, rssKiB: co.rssKiB, load1: os.loadavg()[0] };
  log(`mlv checkout: median ${fmtS(r.checkout)} s (${co.runs.map(fmtS).join(' ')})`);
  checkRestored(ctx, repo, 'mlv checkout');
  const cfg = existsSync(join(repo, '.mlv', 'config.yaml')) ? readFileSync(join(repo, '.mlv', 'config.yaml'), 'utf8') : '';
  const link = /^\s*link:\s*([^#\n]*)/m.exec(cfg)?.[1]?.trim();
  r.linkMode = link ?? 'default ([reflink, copy])';
  ctx.mlvRepo = repo;
  return r;
}

function suiteLfs(ctx, round = 1) {
  const repo = join(ctx.tmp, `git-lfs-${round}`);
  initRepo(repo);
  sh(repo, 'git', ['lfs', 'install', '--local']);
  sh(repo, 'git', ['lfs', 'track', 'big.bin', 'images/**']);
  commitAll(repo, 'init');
  placeData(ctx, repo);
  const r = {};
  r.addBig = timeOnce(ctx, repo, 'git', ['add', 'big.bin'], 'git-lfs: git add big.bin');
  r.addFolder = timeOnce(ctx, repo, 'git', ['add', 'images'], 'git-lfs: git add images');
  sh(repo, 'git', ['commit', '-q', '-m', 'track data']);
  settle(repo);
  r.status = timeFast(ctx, repo, 'git', ['status'], 'git-lfs: git status');
  r.readd = timeFast(ctx, repo, 'git', ['add', 'big.bin', 'images'], 'git-lfs: git add (unchanged)');
  waitOutDeletes(ctx);
  rmrf(join(repo, 'big.bin'));
  rmrf(join(repo, 'images'));
  r.checkout = timeOnce(ctx, repo, 'git', ['checkout', '--', '.'], 'git-lfs: git checkout -- .', GIT_ENV, { ownDelete: true });
  checkRestored(ctx, repo, 'git-lfs checkout');
  rmrf(repo);
  return r;
}

function suiteAnnex(ctx) {
  const repo = join(ctx.tmp, 'git-annex');
  const folder = !ctx.o.skipAnnexFolder;
  initRepo(repo);
  sh(repo, 'git', ['annex', 'init', '-q', 'bench']);
  commitAll(repo, 'init');
  placeData(ctx, repo, { folder });
  const r = { folder };
  r.addBig = timeOnce(ctx, repo, 'git', ['annex', 'add', '-q', 'big.bin'], 'git-annex: git annex add big.bin');
  if (folder) r.addFolder = timeOnce(ctx, repo, 'git', ['annex', 'add', '-q', 'images'], 'git-annex: git annex add images');
  sh(repo, 'git', ['commit', '-q', '-m', 'track data']);
  const targets = folder ? ['big.bin', 'images'] : ['big.bin'];
  r.status = timeFast(ctx, repo, 'git', ['status'], 'git-annex: git status');
  r.readd = timeFast(ctx, repo, 'git', ['annex', 'add', '-q', ...targets], 'git-annex: git annex add (unchanged)');
  waitOutDeletes(ctx);
  for (const t of targets) rmrf(join(repo, t));
  r.checkout = timeOnce(ctx, repo, 'git', ['checkout', '--', '.'], 'git-annex: git checkout -- . (symlinks)', GIT_ENV, { ownDelete: true });
  rmrf(repo);
  return r;
}

/** A plain Git repo with the same files committed, for the `git status` reference (timed beside mlv status). */
function preparePlainGit(ctx) {
  const repo = join(ctx.tmp, 'plain-git');
  initRepo(repo);
  placeData(ctx, repo);
  // zlib level 0 so storing 1 GiB in Git does not dominate the run; only `git status` is compared.
  const addAll = timeOnce(ctx, repo, 'git', ['-c', 'core.compression=0', '-c', 'core.loosecompression=0', 'add', '-A'], 'plain git: git add -A (compression 0)');
  sh(repo, 'git', ['commit', '-q', '-m', 'data']);
  settle(repo);
  return { repo, addAll };
}

// --- scaling (mlv alone) -------------------------------------------------------------------------------------

function suiteScaling(ctx) {
  const rows = [];
  const node0 = timeRepeated(NODE, ['-e', '0'], { reps: ctx.o.reps, warmup: 1 }).seconds;
  for (const n of ctx.o.scalingFiles) {
    const repo = join(ctx.tmp, `scaling-${n}`);
    initRepo(repo);
    sh(repo, ...mlv('init', '-q'));
    commitAll(repo, 'init');
    log(`scaling: writing ${n} files …`);
    writeFolder(join(repo, 'images'), n, ctx.o.fileKiB * 1024, `scaling-${n}`);
    settle(repo);
    const row = { files: n };
    row.add = timeOnce(ctx, repo, ...mlv('add', '-q', 'images'), `scaling ${n}: mlv add images`);
    commitAll(repo, 'track');
    settle(repo);
    const reps = Math.max(3, Math.min(ctx.o.reps, 5));
    const fast = (args, label) => {
      const t = timeRepeated(NODE, [MLV_BIN, ...args], { cwd: repo, env: GIT_ENV, reps, warmup: 1 });
      const m = run(NODE, [MLV_BIN, ...args], { cwd: repo, env: GIT_ENV, rss: true });
      log(`scaling ${n}: ${label}: median ${fmtS(t.seconds)} s, max RSS ${fmtMiB(m.rssKiB)}`);
      return { seconds: t.seconds, runs: t.runs, rssKiB: m.rssKiB };
    };
    row.status = fast(['status'], 'mlv status');
    row.readd = fast(['add', '-q', 'images'], 'mlv add (unchanged)');
    waitOutDeletes(ctx);
    rmrf(join(repo, 'images'));
    row.checkout = timeOnce(ctx, repo, ...mlv('checkout', '-q'), `scaling ${n}: mlv checkout`, GIT_ENV, { ownDelete: true });
    const restored = countFiles(join(repo, 'images'));
    if (restored !== n) throw new Error(`scaling ${n}: checkout restored ${restored} files`);
    row.peakRssKiB = Math.max(...[row.add, row.status, row.readd, row.checkout].map((x) => x.rssKiB ?? 0)) || null;
    rows.push(row);
    rmrf(repo);
  }
  return { node0, rows };
}

// --- evaluation and output -----------------------------------------------------------------------------------

const s = (x) => (x && !x.timedOut ? x.seconds : null);
const ratio = (peer, mine) => (peer && mine ? (peer.timedOut ? null : peer.seconds / mine.seconds) : null);

function mainRows(ctx, R) {
  const m = R.mlv ?? {};
  const l = R.lfs;
  const a = R.annex;
  const g = R.plainGit;
  const node0 = s(m.nodeStart);
  const star = a && !a.folder ? ' †' : '';
  const rows = [];
  const targets = [];
  const pass = (ok) => (ok == null ? 'n/a' : ok ? 'PASS' : 'FAIL');
  const addTarget = (name, ok, detail) => {
    targets.push({ name, ok, detail });
    return `${pass(ok)} (${detail})`;
  };
  const big = `${ctx.o.bigMiB >= 1024 ? `${(ctx.o.bigMiB / 1024).toFixed(ctx.o.bigMiB % 1024 ? 2 : 0)} GiB` : `${ctx.o.bigMiB} MiB`}`;
  const folder = `${ctx.o.files.toLocaleString('en-US')} × ${ctx.o.fileKiB} KiB`;

  {
    const rl = ratio(l?.addBig, m.addBig);
    const ra = ratio(a?.addBig, m.addBig);
    const ok = rl == null && ra == null ? null : (rl == null || rl >= 8) && (ra == null || ra >= 4);
    rows.push([`add ${big} file`, fmtS(m.addBig), fmtS(l?.addBig), fmtS(a?.addBig), '', fmtRatio(rl), fmtRatio(ra),
      addTarget('add big file', ok, 'lfs ≥ 8×, annex ≥ 4×')]);
  }
  {
    const rl = ratio(l?.addFolder, m.addFolder);
    const ra = ratio(a?.addFolder, m.addFolder);
    rows.push([`add folder ${folder}`, fmtS(m.addFolder), fmtS(l?.addFolder), a ? (a.folder ? fmtS(a.addFolder) : 'skipped') : '—', '', fmtRatio(rl), fmtRatio(ra),
      addTarget('add folder', rl == null ? null : rl >= 7, 'lfs ≥ 7×')]);
  }
  for (const [key, label, tname] of [['status', 'status, nothing changed', 'status'], ['readd', 're-add, nothing changed', 're-add']]) {
    const mine = s(m[key]);
    const gs = s(g?.status);
    const above = mine != null && node0 != null ? mine - node0 : null;
    const ok = above != null && gs != null ? above <= 1.5 * gs : null;
    const detail = above != null && gs != null
      ? `${fmtS(mine)}−${fmtS(node0)} = ${fmtS(above)} s vs 1.5 × git status ${fmtS(gs)} = ${fmtS(1.5 * gs)} s`
      : 'needs plain git status';
    rows.push([label, fmtS(m[key]), fmtS(l?.[key]), `${fmtS(a?.[key])}${a ? star : ''}`, key === 'status' ? fmtS(g?.status) : '',
      fmtRatio(ratio(l?.[key], m[key])), fmtRatio(ratio(a?.[key], m[key])),
      addTarget(tname, ok, `mlv − node ≤ 1.5 × git status: ${detail}`)]);
  }
  {
    const rl = ratio(l?.checkout, m.checkout);
    rows.push([`checkout after deleting both`, fmtS(m.checkout), fmtS(l?.checkout), `${fmtS(a?.checkout)}${a ? ' ‡' : ''}${a ? star : ''}`, '',
      fmtRatio(rl), fmtRatio(ratio(a?.checkout, m.checkout)), addTarget('checkout', rl == null ? null : rl >= 8, 'lfs ≥ 8×')]);
  }
  {
    const v = s(m.version);
    const d = v != null && node0 != null ? v - node0 : null;
    rows.push(['mlv --version', fmtS(m.version), '', '', '', '', '',
      addTarget('--version', d == null ? null : d <= 0.06, `${fmtS(v)}−${fmtS(node0)} = ${d == null ? '—' : `${(d * 1000).toFixed(0)} ms`} ≤ 60 ms`)]);
    rows.push(['node -e 0 (bare Node start-up)', fmtS(m.nodeStart), '', '', '', '', '', '']);
  }
  if (g?.addAll) rows.push(['(plain git add -A of both, zlib 0)', '', '', '', fmtS(g.addAll), '', '', '']);
  return { rows, targets };
}

function scalingRows(ctx, S) {
  const rows = S.rows.map((r) => [
    r.files.toLocaleString('en-US'),
    fmtS(r.add), `${(((r.add.seconds - S.node0) / r.files) * 1e6).toFixed(0)} µs`,
    fmtS(r.status), fmtS(r.readd), fmtS(r.checkout), `${(((r.checkout.seconds - S.node0) / r.files) * 1e6).toFixed(0)} µs`,
    fmtMiB(r.peakRssKiB),
  ]);
  const targets = [];
  if (S.rows.length >= 2) {
    const first = S.rows[0];
    const last = S.rows[S.rows.length - 1];
    for (const op of ['add', 'status', 'checkout']) {
      const per = (r) => (r[op].seconds - S.node0) / r.files;
      const growth = per(last) / per(first);
      targets.push({ name: `linear ${op}`, ok: growth <= 1.5, detail: `time per file at ${last.files} ÷ at ${first.files} = ${growth.toFixed(2)} (≤ 1.5 counts as linear)` });
    }
  }
  const big = S.rows.filter((r) => r.files >= 100000);
  const peak = Math.max(...big.map((r) => r.peakRssKiB ?? 0));
  if (big.length && peak > 0) targets.push({ name: 'peak memory at 100k files', ok: peak < 300 * 1024, detail: `${fmtMiB(peak)} < 300 MB` });
  return { rows, targets };
}

/** Copy bin/, dist/ and the package files to the temp folder so a concurrent rebuild cannot change mlv mid-run. */
function snapshotBuild(o, tmp) {
  const git = (...args) => {
    try {
      return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return null;
    }
  };
  const info = {
    commit: git('rev-parse', '--short', 'HEAD'),
    uncommittedSrcFiles: (git('status', '--porcelain', '--', 'src') ?? '').split('\n').filter(Boolean).length,
    nativeHelper: existsSync(join(ROOT, 'build', 'Release', 'mlv_native.node')) && process.env.MLV_NATIVE !== '0',
    snapshot: null,
  };
  if (!o.snapshot) return info;
  const dir = join(tmp, 'mlv-build');
  mkdirSync(dir);
  for (const name of ['bin', 'dist']) cpSync(join(ROOT, name), join(dir, name), { recursive: true });
  for (const name of ['package.json', 'oclif.manifest.json']) if (existsSync(join(ROOT, name))) cpSync(join(ROOT, name), join(dir, name));
  // The native helper, found by dist/ at ../../build.
  const addon = join(ROOT, 'build', 'Release', 'mlv_native.node');
  if (existsSync(addon)) {
    mkdirSync(join(dir, 'build', 'Release'), { recursive: true });
    cpSync(addon, join(dir, 'build', 'Release', 'mlv_native.node'));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  MLV_BIN = join(dir, 'bin', 'run.js');
  info.snapshot = dir;
  return info;
}

function machineInfo(ctx) {
  const fsType = (() => {
    try {
      return execFileSync('df', ['-T', ctx.o.tmp], { encoding: 'utf8' }).split('\n')[1].split(/\s+/)[1];
    } catch {
      return null;
    }
  })();
  return {
    date: new Date().toISOString(),
    host: os.hostname(),
    cpu: `${os.cpus()[0]?.model ?? '?'} × ${os.cpus().length}`,
    memGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    tmpFs: fsType,
    versions: {
      mlv: toolVersion(NODE, [MLV_BIN, '--version']),
      git: toolVersion('git', ['--version']),
      gitLfs: ctx.have.lfs ? toolVersion('git', ['lfs', 'version']) : null,
      gitAnnex: ctx.have.annex ? toolVersion('git', ['annex', 'version', '--raw']) : null,
      rclone: ctx.have.rclone ? toolVersion('rclone', ['version']) : null,
    },
    memoryMeasuredWith: TIME_BIN ? 'GNU time %M (max RSS)' : 'process.resourceUsage().maxRSS of the mlv process',
  };
}

async function main() {
  const o = parseOptions();
  const have = {
    lfs: run('git', ['lfs', 'version'], { allowFail: true }).status === 0,
    annex: !!which('git-annex'),
    rclone: !!which('rclone'),
  };
  if (!existsSync(join(ROOT, 'dist', 'cli', 'commands', 'add.js'))) throw new Error('mlv is not built: run `npm run build` (or use `npm run bench`)');
  mkdirSync(o.tmp, { recursive: true });
  const tmp = mkdtempSync(join(o.tmp, 'mlv-bench-'));
  const ctx = { o, have, tmp, skipped: [], notes: [], loadSamples: [] };
  const build = snapshotBuild(o, tmp);
  const cleanup = () => {
    if (!o.keep) rmrf(tmp);
    cleanupProc();
  };
  process.on('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  const results = { machine: machineInfo(ctx), build, options: o, load: { start: os.loadavg() } };
  if (o.deleteWaitS > 0) log(`waiting out deletes: ${o.deleteWaitS} s (--delete-wait)`);
  const t0 = Date.now();
  log(`temp folder ${tmp}${o.keep ? ' (kept)' : ''}`);
  try {
    if (o.main) {
      ctx.src = join(tmp, 'src');
      mkdirSync(ctx.src);
      log(`writing ${o.bigMiB} MiB file and ${o.files} × ${o.fileKiB} KiB files …`);
      const g0 = Date.now();
      writeBigFile(join(ctx.src, 'big.bin'), o.bigMiB);
      writeFolder(join(ctx.src, 'images'), o.files, o.fileKiB * 1024);
      log(`data written in ${((Date.now() - g0) / 1000).toFixed(1)} s`);
      const R = {};
      let plain = null;
      if (o.skipPlainGit) ctx.skipped.push('plain git status (--skip-plain-git): status/re-add targets not evaluated');
      else plain = preparePlainGit(ctx);
      const lfs = !o.skipLfs && have.lfs;
      if (o.skipLfs) ctx.skipped.push('git-lfs (--skip-lfs)');
      else if (!have.lfs) ctx.skipped.push('git-lfs (not installed: apt-get install git-lfs)');
      const mlvRounds = [];
      const lfsRounds = [];
      for (let round = 1; round <= o.rounds; round++) {
        if (o.rounds > 1) log(`— round ${round} of ${o.rounds}`);
        if (ctx.mlvRepo) rmrf(ctx.mlvRepo); // the last round's repo stays for the remotes part
        mlvRounds.push(suiteMlv(ctx, plain, round));
        if (lfs) lfsRounds.push(suiteLfs(ctx, round));
      }
      R.mlv = medianOfRounds(mlvRounds);
      if (lfs) R.lfs = medianOfRounds(lfsRounds);
      if (plain) {
        R.plainGit = { addAll: plain.addAll, status: R.mlv.plainStatus };
        delete R.mlv.plainStatus;
        rmrf(plain.repo);
      }
      if (o.skipAnnex) ctx.skipped.push('git-annex (--skip-annex)');
      else if (!have.annex) ctx.skipped.push('git-annex (not installed: apt-get install git-annex)');
      else {
        if (o.skipAnnexFolder) {
          ctx.skipped.push(`git annex add of the folder (${o.annexFolderAuto ? `auto above 20,000 files; --annex-folder runs it` : '--skip-annex-folder'}); † its status/re-add/checkout cover only the big file`);
        }
        R.annex = suiteAnnex(ctx);
      }
      results.main = R;
      rmrf(ctx.src);
    }
    if (o.scaling) results.scaling = suiteScaling(ctx);
    if (o.remotes) {
      try {
        results.remotes = await benchRemotes(ctx, { run, log, mlv, GIT_ENV, timeOnce, rmrf, ROOT, MLV_ROOT: dirname(dirname(MLV_BIN)) });
      } catch (err) {
        log(`remotes part failed: ${err.message}`);
        results.remotes = { failed: err.message.split('\n').slice(0, 3).join(' ') };
      }
    }
  } finally {
    results.load.end = os.loadavg();
    results.elapsedS = (Date.now() - t0) / 1000;
    results.deleteWaitS = { setting: o.deleteWaitS, waited: Math.round(ctx.deleteWaits ?? 0) };
    results.skipped = ctx.skipped;
    cleanup();
  }

  // --- print --------------------------------------------------------------------------------------------------
  const table = o.md ? mdTable : textTable;
  const out = [];
  const M = results.machine;
  out.push(`mlv bench — ${M.date.slice(0, 16).replace('T', ' ')} UTC — ${M.cpu}, ${M.memGiB} GiB RAM, ${M.os}, Node ${M.node}, temp on ${M.tmpFs}`);
  out.push(`load average (1/5/15 min): start ${results.load.start.map((x) => x.toFixed(2)).join(' ')}, end ${results.load.end.map((x) => x.toFixed(2)).join(' ')}; total ${results.elapsedS.toFixed(0)} s${results.deleteWaitS.waited ? `, of which ${results.deleteWaitS.waited} s waiting out deletes (--delete-wait ${results.deleteWaitS.setting})` : ''}`);
  out.push(`${Object.entries(M.versions).filter(([, v]) => v).map(([k, v]) => `${k}: ${v}`).join('; ')}`);
  out.push(`mlv at ${build.commit ?? '?'}${build.uncommittedSrcFiles ? ` (+${build.uncommittedSrcFiles} uncommitted src files)` : ''}; native helper: ${build.nativeHelper ? 'yes' : 'no (JavaScript walk)'}`);
  out.push('');
  const allTargets = [];
  if (results.main) {
    const { rows, targets } = mainRows(ctx, results.main);
    allTargets.push(...targets);
    out.push(`Seconds, warm page cache; fast commands are the median of ${o.reps} runs (mlv checkout of ${o.checkoutReps}), slow adds and peer checkouts one run${o.rounds > 1 ? `; mlv and git-lfs figures are the median of ${o.rounds} alternating rounds (each round's figures are in the JSON)` : ''}. mlv link mode: ${results.main.mlv.linkMode}.`);
    out.push('');
    out.push(table(['operation', 'mlv', 'git-lfs', 'git-annex', 'plain git', 'lfs ÷ mlv', 'annex ÷ mlv', 'target'], rows));
    out.push('');
    out.push('git-lfs: `git lfs track` + `git add`, `git status`, `git add` again, `rm` + `git checkout -- .`. git-annex: `git annex add`, `git status`, `git annex add` again, `rm` + `git checkout -- .`.');
    out.push('‡ git-annex checkout only restores symlinks into .git/annex (content never left the annex), so it is not the same work.');
    const rssRows = [['add big file', results.main.mlv.addBig, results.main.lfs?.addBig, results.main.annex?.addBig],
      ['add folder', results.main.mlv.addFolder, results.main.lfs?.addFolder, results.main.annex?.addFolder],
      ['status', results.main.mlv.status, results.main.lfs?.status, results.main.annex?.status],
      ['checkout', results.main.mlv.checkout, results.main.lfs?.checkout, results.main.annex?.checkout]]
      .map(([n, ...xs]) => [n, ...xs.map((x) => fmtMiB(x?.rssKiB))]);
    out.push('');
    out.push('Peak memory (max RSS of the command):');
    out.push('');
    out.push(table(['operation', 'mlv', 'git-lfs', 'git-annex'], rssRows));
    out.push('');
  }
  if (results.scaling) {
    const { rows, targets } = scalingRows(ctx, results.scaling);
    allTargets.push(...targets);
    out.push(`mlv alone, growing folder of ${o.fileKiB} KiB files (node -e 0 = ${fmtS(results.scaling.node0)} s, subtracted in the per-file columns):`);
    out.push('');
    out.push(table(['files', 'add s', 'add per file', 'status s', 're-add s', 'checkout s', 'checkout per file', 'peak RSS'], rows));
    out.push('');
  }
  if (results.remotes) {
    if (results.remotes.skipped) out.push(`Remotes: skipped — ${results.remotes.skipped}`);
    else if (results.remotes.failed) out.push(`Remotes: FAILED — ${results.remotes.failed}`);
    else {
      allTargets.push(...(results.remotes.targets ?? []));
      out.push(table(['remote operation', 'mlv', 'rclone copy', 'rclone ÷ mlv', 'target'], results.remotes.rows));
      if (o.remoteRounds > 1) out.push(`Remote figures: median of ${o.remoteRounds} rounds, fresh targets each round, alternating which tool goes first (each round's seconds are in the JSON).`);
    }
    out.push('');
  }
  if (allTargets.length) {
    out.push('Targets:');
    out.push('');
    out.push(table(['target', 'result', 'detail'], allTargets.map((t) => [t.name, t.ok == null ? 'n/a' : t.ok ? 'PASS' : 'FAIL', t.detail])));
    out.push('');
  }
  if (ctx.skipped.length) out.push(`Skipped: ${ctx.skipped.join('; ')}`);
  results.targets = allTargets;
  mkdirSync(dirname(o.json), { recursive: true });
  writeFileSync(o.json, `${JSON.stringify(results, null, 2)}\n`);
  out.push(`Results written to ${o.json}`);
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err.stack ?? err}\n`);
  process.exit(1);
});
