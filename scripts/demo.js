#!/usr/bin/env node
// `npm run demo` — a narrated, scripted run of the mlv story, end to end, with real training.
//
// In a fresh temp folder it builds a small ML project (fixtures/iris-project), versions two datasets and
// two trained models with Git + mlv, then travels back and forth in history and verifies, byte for byte,
// that mlv restores the data and model of each version. Every `git`, `mlv` and `node` command is really
// run as a subprocess (mlv is this repo's built CLI, `bin/run.js`) and printed before it runs, like a
// terminal session. Any failed command or verification makes the demo exit 1, so it doubles as a smoke
// test (test/cli/demo.test.ts runs it).
//
//   node scripts/demo.js [--keep]       --keep: leave the temp folder behind and print its path
//
// Environment: NO_COLOR / FORCE_COLOR as usual (colour only on a terminal by default).
//
// Extending the demo: each act is one async function `(ctx) => void` listed in ACTS below, with an
// optional `requires` list of mlv commands (oclif ids such as 'push' or 'remote:add'); an act whose
// commands the built CLI doesn't have yet is skipped with a note. Inside an act use:
//   narrate(text)                       a narration line
//   run(cmd, args, {display, cwd, env})  print `$ cmd args` and run it (non-zero exit aborts the demo)
//   mlv(...args) / git(...args) / node(script, ...args)   shorthands for run()
//   showFile(path)                      print `$ cat path` and the file
//   check(ok, message, detail?)         a ✓ / ✗ verification line (any ✗ → exit 1 at the end)
//   verifyFiles(version, label)         ✓ each tracked file's sha256 equals the one recorded at that version
//   verifyClean(label)                  ✓ `mlv status --json` reports everything unchanged and cached
//   ctx.versions.v1 / v2                rows, algorithm, accuracy and sha256 of the files at each version
//   ctx.cwd                             the folder commands run in (ctx.project, ctx.root)

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MLV_BIN = path.join(REPO, 'bin', 'run.js');
const FIXTURE = path.join(REPO, 'fixtures', 'iris-project');
const TRACKED = ['data/customers.csv', 'models/model.json'];

const argv = process.argv.slice(2);
const KEEP = argv.includes('--keep');
const TIMING = process.env.MLV_DEMO_TIMING === '1'; // print each command's wall time (for tuning)

// ---------------------------------------------------------------------------------------------------
// Output: colour only on a terminal (or FORCE_COLOR), never when piped or with NO_COLOR.

const COLOR =
  process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== ''
    ? process.env.FORCE_COLOR !== '0'
    : Boolean(process.stdout.isTTY) && process.env.NO_COLOR === undefined && process.env.TERM !== 'dumb';
const paint = (code) => (s) => (COLOR ? `\x1b[${code}m${s}\x1b[0m` : s);
const bold = paint('1');
const dim = paint('2');
const green = paint('32');
const red = paint('31');
const cyan = paint('36');
const yellow = paint('33');

const out = (text = '') => process.stdout.write(text + '\n');
const narrate = (text) => out(yellow(`# ${text}`));
const quote = (arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

class DemoError extends Error {}

// ---------------------------------------------------------------------------------------------------
// The demo context, shared by all acts.

const ctx = {
  root: '', // the temp folder
  project: '', // the user's repo
  cwd: '', // where commands run
  env: {}, // environment for subprocesses (isolated Git config)
  versions: {}, // v1, v2: { until, rows, algorithm, accuracy, hashes: {path: sha256} }
  checks: { passed: 0, failed: 0 },
  shown: [], // one line per act that ran, for the summary
};

function run(cmd, args, { display, cwd = ctx.cwd, env = {}, allowFail = false } = {}) {
  const shown = display ?? [cmd, ...args].map(quote).join(' ');
  out(bold(`$ ${shown}`));
  const t0 = Date.now();
  const res = spawnSync(cmd, args, { cwd, env: { ...ctx.env, ...env }, encoding: 'utf8' });
  if (TIMING) out(dim(`  (${Date.now() - t0} ms)`));
  if (res.error) throw new DemoError(`could not run \`${shown}\`: ${res.error.message}`);
  const text = (res.stdout ?? '') + (res.stderr ?? '');
  if (text.trim() !== '') out(text.replace(/\s+$/, ''));
  if (res.status !== 0 && !allowFail) {
    throw new DemoError(`\`${shown}\` exited with status ${res.status ?? res.signal}`);
  }
  return { status: res.status, stdout: res.stdout ?? '', stderr: res.stderr ?? '', output: text };
}

const mlv = (...args) =>
  run(process.execPath, [MLV_BIN, ...args], { display: ['mlv', ...args].map(quote).join(' ') });
const git = (...args) => run('git', args);
const node = (script, ...args) =>
  run(process.execPath, [script, ...args], { display: ['node', script, ...args].map(quote).join(' ') });

/** Run a command without printing it — only for verifications, whose outcome is printed by check(). */
function quiet(cmd, args, { cwd = ctx.cwd } = {}) {
  const res = spawnSync(cmd, args, { cwd, env: ctx.env, encoding: 'utf8' });
  if (res.error) throw new DemoError(`could not run ${cmd}: ${res.error.message}`);
  return res;
}

function showFile(file) {
  out(bold(`$ cat ${quote(file)}`));
  out(fs.readFileSync(path.join(ctx.cwd, file), 'utf8').replace(/\s+$/, ''));
}

function check(ok, message, detail) {
  if (ok) {
    ctx.checks.passed += 1;
    out(green(`  ✓ ${message}`));
  } else {
    ctx.checks.failed += 1;
    out(red(`  ✗ ${message}`));
    if (detail) out(red(`    ${detail.replace(/\n/g, '\n    ')}`));
  }
  return ok;
}

const sha256 = (file) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const short = (hex) => `${hex.slice(0, 12)}…`;
const percent = (x) => `${(x * 100).toFixed(1)}%`;
const readJson = (file) => JSON.parse(fs.readFileSync(path.join(ctx.cwd, file), 'utf8'));

/** sha256 of every tracked file in the current folder (null when a file is missing). */
function hashTracked(dir = ctx.cwd) {
  const hashes = {};
  for (const rel of TRACKED) {
    const abs = path.join(dir, rel);
    hashes[rel] = fs.existsSync(abs) ? sha256(abs) : null;
  }
  return hashes;
}

/** ✓ per tracked file: its bytes now are the bytes recorded at `version`. */
function verifyFiles(version, label = version) {
  const expected = ctx.versions[version].hashes;
  const actual = hashTracked();
  for (const rel of TRACKED) {
    check(
      actual[rel] === expected[rel],
      `${rel} is byte-identical to ${label} (sha256 ${short(expected[rel])})`,
      `expected sha256 ${expected[rel]}\nactual   ${actual[rel] ?? '(file missing)'}`,
    );
  }
}

/** ✓ `mlv status --json`: every tracked path unchanged and in the cache. */
function verifyClean(label) {
  const res = quiet(process.execPath, [MLV_BIN, 'status', '--json']);
  let entries;
  try {
    entries = JSON.parse(res.stdout);
  } catch {
    entries = null;
  }
  const ok =
    res.status === 0 &&
    Array.isArray(entries) &&
    entries.length === TRACKED.length &&
    entries.every((e) => e.state === 'unchanged' && e.inCache === true);
  check(
    ok,
    `mlv status --json${label ? ` (${label})` : ''}: ${TRACKED.length} tracked, all unchanged and in the cache`,
    `exit ${res.status}; output:\n${(res.stdout + res.stderr).trim()}`,
  );
}

/** The states `mlv status --json` reports, by path. */
function statusStates() {
  const res = quiet(process.execPath, [MLV_BIN, 'status', '--json']);
  try {
    return Object.fromEntries(JSON.parse(res.stdout).map((e) => [e.path, e.state]));
  } catch {
    return { error: (res.stdout + res.stderr).trim() };
  }
}

/** Commit with a fixed author, committer and date, so commit ids are the same on every run. */
function gitCommit(message, date, ...extra) {
  return run('git', ['commit', ...extra, '-m', message], {
    env: { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
  });
}

/** `node evaluate.js`: reload the saved model, re-score it; ✓ if it matches metrics.json. */
function verifyModelScores(version) {
  const res = node('evaluate.js');
  const m = /accuracy (\d+)\/(\d+)/.exec(res.stdout);
  const got = m ? Number((Number(m[1]) / Number(m[2])).toFixed(4)) : NaN;
  const want = ctx.versions[version].accuracy;
  check(
    got === want,
    `the restored ${ctx.versions[version].algorithm} model scores ${percent(want)}, as recorded at ${version}`,
    `evaluate.js printed: ${res.stdout.trim()}`,
  );
}

/** The project's dependencies are the ML packages mlv's own install already has; a real project would
 * `npm install` them. Ignored by Git like any node_modules. */
function linkNodeModules(dir) {
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'), 'junction');
}

function cd(dir) {
  ctx.cwd = dir;
  out(bold(`$ cd ${quote(dir)}`));
}

// ---------------------------------------------------------------------------------------------------
// The acts.

async function actSetup() {
  narrate('A fresh folder with a small ML project: a data export, training code and its parameters.');
  fs.cpSync(FIXTURE, ctx.project, {
    recursive: true,
    filter: (src) => !/[\\/](node_modules|data|models|metrics\.json)$/.test(src),
  });
  linkNodeModules(ctx.project);
  fs.writeFileSync(path.join(ctx.project, '.gitignore'), 'node_modules\n');
  cd(ctx.project);
  narrate(`Files: ${fs.readdirSync(ctx.project).filter((f) => f !== 'node_modules').sort().join(', ')}`);
  narrate('(node_modules links to the ML packages of mlv\'s own install; normally `npm install`.)');
  git('init');
  mlv('init');
  git('add', '.');
  gitCommit('Training code, parameters and mlv setup', '2024-01-02T09:00:00Z');
  ctx.shown.push('git init + mlv init: mlv lives inside an ordinary Git repo');
}

async function trainVersion(version, until, label) {
  node('export-customers.js', '--until', until);
  showFile('params.json');
  node('train.js');
  const metrics = readJson('metrics.json');
  ctx.versions[version] = {
    until,
    label,
    rows: metrics.rows,
    algorithm: metrics.algorithm,
    accuracy: metrics.accuracy,
  };
  narrate(`${version}: ${metrics.algorithm} on ${metrics.rows} customers — held-out accuracy ${percent(metrics.accuracy)}`);
  return metrics;
}

function recordVersion(version) {
  const v = ctx.versions[version];
  v.hashes = hashTracked();
  v.commit = quiet('git', ['rev-parse', '--short', 'HEAD']).stdout.trim();
  narrate(`Recorded the sha256 of ${version}'s files, to check the restores against later:`);
  for (const rel of TRACKED) out(dim(`    ${rel.padEnd(20)} ${v.hashes[rel]}`));
}

async function actVersion1() {
  narrate('January: 90 customers have signed up. Export them and train a logistic regression.');
  const metrics = await trainVersion('v1', '2024-01', 'customers up to January');
  narrate('Track the data and the model with mlv: the bytes go to the cache, Git gets small pointer files.');
  mlv('add', 'data/customers.csv', 'models/model.json');
  showFile('data/customers.csv.mlv');
  git('add', 'data/customers.csv.mlv', 'models/model.json.mlv', 'data/.gitignore', 'models/.gitignore', 'metrics.json');
  gitCommit(`v1: customers up to January, logistic regression (${percent(metrics.accuracy)})`, '2024-01-31T18:00:00Z');
  git('tag', 'v1');
  const inGit = quiet('git', ['ls-files']).stdout.split('\n');
  check(
    TRACKED.every((rel) => !inGit.includes(rel) && inGit.includes(`${rel}.mlv`)),
    'Git holds the pointers, not the data or the model',
    `git ls-files:\n${inGit.join('\n')}`,
  );
  recordVersion('v1');
  ctx.shown.push(
    `v1: ${ctx.versions.v1.rows} customers + logistic regression (${percent(ctx.versions.v1.accuracy)}) → mlv add, git commit, tag v1`,
  );
}

async function actVersion2() {
  narrate('February: 60 more customers. Re-export (the CSV changes in place) and switch to a random forest.');
  fs.writeFileSync(
    path.join(ctx.cwd, 'params.json'),
    JSON.stringify({ model: 'random-forest', seed: 42, test_fraction: 0.3, n_estimators: 50, max_features: 0.8 }, null, 2) + '\n',
  );
  narrate('(params.json edited: model → random-forest, 50 trees)');
  const metrics = await trainVersion('v2', '2024-02', 'customers up to February');
  narrate('mlv sees that both tracked files changed:');
  mlv('status');
  const states = statusStates();
  check(
    TRACKED.every((rel) => states[rel] === 'modified'),
    'mlv status reports data/customers.csv and models/model.json as modified',
    `mlv status --json states: ${JSON.stringify(states)}`,
  );
  narrate('Record the new versions in the cache and the pointers, then commit code, params, metrics and pointers.');
  mlv('commit');
  git('status', '--short');
  gitCommit(`v2: customers up to February, random forest (${percent(metrics.accuracy)})`, '2024-02-29T18:00:00Z', '-a');
  git('tag', 'v2');
  recordVersion('v2');
  check(
    TRACKED.every((rel) => ctx.versions.v1.hashes[rel] !== ctx.versions.v2.hashes[rel]),
    'v2 data and model differ from v1',
  );
  ctx.shown.push(
    `v2: ${ctx.versions.v2.rows} customers + random forest (${percent(ctx.versions.v2.accuracy)}) → mlv status, mlv commit, git commit, tag v2`,
  );
}

async function actTimeTravel() {
  narrate('Back to v1. Git restores the code, params.json, metrics.json and the pointers …');
  git('checkout', 'v1');
  narrate('… and the workspace still holds v2\'s data and model, which mlv notices:');
  mlv('status');
  narrate('`mlv checkout` makes the data and model match the pointers:');
  mlv('checkout');
  verifyFiles('v1');
  verifyModelScores('v1');
  mlv('status');
  verifyClean('at v1');

  narrate('And forward to v2 (main) the same way:');
  git('checkout', 'main');
  mlv('checkout');
  verifyFiles('v2');
  verifyModelScores('v2');
  mlv('status');
  verifyClean('at v2');
  ctx.shown.push('git checkout v1 + mlv checkout → v1 data and model byte for byte; and back to v2');
}

async function actRemote() {
  const store = path.join(ctx.root, 'store');
  const clone = path.join(ctx.root, 'teammate');
  narrate('Share the data through a remote: here a plain folder (it could be S3, SSH or HTTP).');
  out(bold(`$ mkdir ${quote(store)}`));
  fs.mkdirSync(store);
  mlv('remote', 'add', 'store', store, '--default');
  git('add', '.mlv/config.yaml');
  gitCommit('Add the team data store', '2024-03-01T09:00:00Z');
  mlv('push');
  narrate('A teammate clones the Git repo: code and pointers arrive, the data and model do not.');
  cd(ctx.root);
  git('clone', ctx.project, clone);
  cd(clone);
  linkNodeModules(clone);
  narrate('(node_modules linked again, in place of `npm install`.)');
  check(
    TRACKED.every((rel) => !fs.existsSync(path.join(clone, rel))),
    'the fresh clone has the pointers but no data or model yet',
  );
  mlv('pull');
  verifyFiles('v2', 'v2 in the original repo');
  verifyModelScores('v2');
  verifyClean('in the clone');
  cd(ctx.project);
  ctx.shown.push('mlv remote add + mlv push; git clone + mlv pull elsewhere → byte-identical data and model');
}

async function actHooks() {
  narrate('Install the Git hooks and drivers once: from now on plain Git commands move the data too.');
  mlv('install');
  git('add', '.gitattributes');
  gitCommit('mlv diff and merge drivers for pointers', '2024-03-02T09:00:00Z');
  narrate('A plain `git checkout v1` — no mlv command — brings back v1\'s data and model:');
  git('checkout', 'v1');
  verifyFiles('v1');
  verifyModelScores('v1');
  verifyClean('at v1, after a plain git checkout');
  narrate('And `git switch main` brings v2 back:');
  git('switch', 'main');
  verifyFiles('v2');
  verifyClean('at main, after a plain git switch');
  ctx.shown.push('mlv install; plain git checkout v1 / git switch main → the data and model follow, byte for byte');
}

async function actDiff() {
  narrate('What changed in the data between v1 and v2 (sizes and hashes; folders list their files):');
  const res = mlv('diff', 'v1', 'v2');
  check(
    TRACKED.every((rel) => res.stdout.includes(`modified  ${rel}:`)),
    'mlv diff v1 v2 reports data/customers.csv and models/model.json as modified',
    res.output,
  );
  narrate('`git diff` on the pointers shows the same summary through the diff driver:');
  const gd = run('git', ['--no-pager', 'diff', 'v1', 'v2', '--', 'data/customers.csv.mlv'], { display: 'git diff v1 v2 -- data/customers.csv.mlv' });
  check(/data\/customers\.csv: .* → /.test(gd.stdout) && !gd.stdout.includes('oid:'), 'git diff on a pointer prints the readable summary, not YAML', gd.output);
  ctx.shown.push('mlv diff v1 v2 and git diff on pointers: what changed in the data, readable');
}

const ACTS = [
  { title: 'A Git repo with mlv', run: actSetup },
  { title: 'Dataset v1 — customers up to January — and a logistic regression', run: actVersion1 },
  { title: 'Dataset v2 — customers up to February — and a random forest', run: actVersion2 },
  { title: 'Time travel: git checkout + mlv checkout, byte for byte', run: actTimeTravel },
  { title: 'Sharing: push to a remote, clone and pull elsewhere', requires: ['remote:add', 'push', 'pull'], run: actRemote },
  { title: 'Git-native: mlv install, then plain git checkout', requires: ['install'], run: actHooks },
  { title: 'What changed between v1 and v2', requires: ['diff'], run: actDiff },
];

// ---------------------------------------------------------------------------------------------------

function availableCommands() {
  const manifest = path.join(REPO, 'oclif.manifest.json');
  if (!fs.existsSync(manifest) || !fs.existsSync(path.join(REPO, 'dist'))) {
    throw new DemoError('the mlv CLI is not built: run `npm install` (or `npm run build`) first');
  }
  return new Set(Object.keys(JSON.parse(fs.readFileSync(manifest, 'utf8')).commands ?? {}));
}

function isolatedEnv(root) {
  // A private Git config (identity, default branch, no signing, no hooks from the user's setup), and
  // none of the variables that would point Git at another repository (as when run from a Git hook).
  const gitconfig = path.join(root, 'gitconfig');
  fs.writeFileSync(
    gitconfig,
    [
      '[user]',
      '\tname = Demo User',
      '\temail = demo@example.com',
      '[init]',
      '\tdefaultBranch = main',
      '[advice]',
      '\tdetachedHead = false',
      '[commit]',
      '\tgpgsign = false',
      '[tag]',
      '\tgpgsign = false',
      '[core]',
      '\tautocrlf = false',
      '',
    ].join('\n'),
  );
  const env = { ...process.env, GIT_CONFIG_GLOBAL: gitconfig, GIT_CONFIG_NOSYSTEM: '1', NO_COLOR: '1' };
  for (const key of Object.keys(env)) {
    if (/^GIT_(DIR|WORK_TREE|INDEX_FILE|OBJECT_DIRECTORY|ALTERNATE_OBJECT_DIRECTORIES|PREFIX|COMMON_DIR|NAMESPACE|CEILING_DIRECTORIES|AUTHOR_|COMMITTER_)/.test(key)) {
      delete env[key];
    }
  }
  delete env.FORCE_COLOR;
  return env;
}

function removeTree(dir) {
  try {
    fs.rmSync(dir, { recursive: true, force: true });
  } catch {
    // read-only folders (e.g. a protected cache): make them writable, then retry
    const walk = (d) => {
      fs.chmodSync(d, 0o755);
      for (const e of fs.readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(path.join(d, e.name));
    };
    try {
      walk(dir);
      fs.rmSync(dir, { recursive: true, force: true });
    } catch (err) {
      out(dim(`(could not remove ${dir}: ${err.message})`));
    }
  }
}

async function main() {
  const started = process.hrtime.bigint();
  const commands = availableCommands();
  ctx.root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mlv-demo-')));
  ctx.project = path.join(ctx.root, 'project');
  ctx.cwd = ctx.root;
  ctx.env = isolatedEnv(ctx.root);

  out(bold('mlv demo — versioning data and models next to the code, with Git'));
  out(dim(`(temp folder ${ctx.root}; \`mlv\` below is ${path.relative(process.cwd(), MLV_BIN) || MLV_BIN})`));

  let error = null;
  const skipped = [];
  let n = 0;
  for (const act of ACTS) {
    const missing = (act.requires ?? []).filter((c) => !commands.has(c));
    if (missing.length > 0) {
      skipped.push(`${act.title} (needs mlv ${missing.map((c) => c.replace(/:/g, ' ')).join(', ')})`);
      continue;
    }
    n += 1;
    out();
    out(cyan(bold(`━━ Act ${n}: ${act.title}`)));
    try {
      await act.run(ctx);
    } catch (err) {
      error = err;
      break;
    }
  }

  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  out();
  out(cyan(bold('━━ Summary')));
  for (const [name, v] of Object.entries(ctx.versions)) {
    out(
      `  ${name}  ${v.label.padEnd(25)} ${String(v.rows).padStart(3)} rows  ${v.algorithm.padEnd(20)} ` +
        `accuracy ${percent(v.accuracy).padStart(6)}  commit ${v.commit ?? '?'}`,
    );
  }
  if (ctx.shown.length > 0) {
    out('  Shown:');
    for (const line of ctx.shown) out(`   • ${line}`);
  }
  for (const line of skipped) out(dim(`  Not yet in this build, skipped: ${line}`));

  let failed = false;
  if (error) {
    failed = true;
    if (!(error instanceof DemoError)) out(red(error.stack ?? String(error)));
    out(red(`✗ demo stopped: ${error.message}`));
  }
  if (ctx.checks.failed > 0) failed = true;
  const tally = `${ctx.checks.passed} checks passed, ${ctx.checks.failed} failed`;
  out(
    failed
      ? red(bold(`✗ DEMO FAILED — ${tally} (${seconds.toFixed(1)} s)`))
      : green(bold(`✓ DEMO PASSED — ${tally} (${seconds.toFixed(1)} s)`)),
  );

  if (KEEP || failed) out(dim(`The demo folder is kept for inspection: ${ctx.root}`));
  else removeTree(ctx.root);
  process.exitCode = failed ? 1 : 0;
}

main().catch((err) => {
  out(red(`✗ demo failed: ${err instanceof DemoError ? err.message : (err.stack ?? err)}`));
  process.exitCode = 1;
});
