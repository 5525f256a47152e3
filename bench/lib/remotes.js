// Remotes part of the benchmark (issue 3): `mlv push` / `mlv pull` of the benchmark data to a local-folder
// remote and to an S3-compatible server (s3rver from npm, on 127.0.0.1), side by side with `rclone copy` of
// the same bytes to the same kind of target. Runs only when mlv has the remote commands; otherwise it says
// so and measures nothing.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { countFiles } from './data.js';
import { fmtRatio, fmtS } from './report.js';

/** What mlv must have for this part; returns the missing pieces. */
export function missingRemoteSupport(root, built = root) {
  const need = [
    ['src/core/remotes/', join(root, 'src', 'core', 'remotes')],
    ['mlv push', join(built, 'dist', 'cli', 'commands', 'push.js')],
    ['mlv pull', join(built, 'dist', 'cli', 'commands', 'pull.js')],
    ['mlv remote add', join(built, 'dist', 'cli', 'commands', 'remote', 'add.js')],
  ];
  return need.filter(([, p]) => !existsSync(p)).map(([name]) => name);
}

/** Start s3rver in a child process; resolves { endpoint, stop }. */
function startS3rver(root, dir, buckets) {
  const script = `
    const S3rver = (await import(${JSON.stringify(join(root, 'node_modules', 's3rver', 'lib', 's3rver.js'))})).default;
    const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: ${JSON.stringify(dir)},
      configureBuckets: ${JSON.stringify(buckets.map((name) => ({ name })))} });
    const { port } = await server.run();
    process.stdout.write('PORT ' + port + '\\n');
    process.on('SIGTERM', async () => { await server.close(); process.exit(0); });
  `;
  // s3rver makes ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only has in its legacy
  // provider: without this flag any truncated listing (more keys than max-keys) answers HTTP 500.
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      const m = /PORT (\d+)/.exec(buf);
      if (m) resolve({ endpoint: `http://127.0.0.1:${m[1]}`, stop: () => child.kill('SIGTERM') });
    });
    child.on('exit', (code) => reject(new Error(`s3rver exited (${code}) before it was ready`)));
  });
}

/**
 * Time `mlv push` to a fresh remote from the benchmark's mlv repo and `mlv pull` into a fresh clone, then
 * `rclone copy` of big.bin + images/ to an equivalent target and back. `h` are helpers from run.js.
 */
export async function benchRemotes(ctx, h) {
  const missing = missingRemoteSupport(h.ROOT, h.MLV_ROOT);
  if (missing.length) {
    const why = `mlv does not have ${missing.join(', ')} yet (issue 3); no remote figures measured`;
    h.log(`remotes: skipped — ${why}`);
    return { skipped: why };
  }
  if (!ctx.mlvRepo) return { skipped: 'the remotes part needs the main run (it pushes the main run\'s mlv repo)' };
  if (!ctx.have.rclone) return { skipped: 'rclone is not installed (apt-get install rclone)' };

  const repo = ctx.mlvRepo;
  const rcloneConf = join(ctx.tmp, 'rclone.conf');
  writeFileSync(rcloneConf, '');
  const rcloneEnv = { ...h.GIT_ENV, RCLONE_CONFIG: rcloneConf };
  // rclone's S3 client fails on a custom AWS_CA_BUNDLE with its own HTTP transport; the loopback server is plain HTTP.
  delete rcloneEnv.AWS_CA_BUNDLE;
  const rcloneData = ['--include', '/big.bin', '--include', '/images/**'];
  const out = { kinds: {} };

  const rounds = ctx.o.remoteRounds;
  const median = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
  /** One figure from several rounds: the median round's result, with every round's seconds. */
  const combine = (results) => {
    const done = results.filter(Boolean);
    if (done.length === 0) return undefined;
    const m = median(done.map((x) => x.seconds));
    return { ...done.find((x) => x.seconds === m), rounds: done.map((x) => x.seconds) };
  };

  /**
   * Pushes and pulls with mlv and rclone, `rounds` times. Each round uses fresh targets and clones, and
   * alternates which tool goes first; the previous round's copies are deleted at its start (so the disk
   * holds one round at a time); with `--delete-wait`, `timeOnce` waits that delete out.
   */
  const measure = (kind, mlvUrlFor, configure, rcloneTargetFor, env, rcloneFlags = [], cleanRound = () => {}) => {
    const per = { push: [], pull: [], fetch: [], verify: [], rclonePush: [], rclonePull: [], rcloneCheck: [] };
    let leftovers = [];
    for (let round = 1; round <= rounds; round++) {
      if (rounds > 1) h.log(`— ${kind} remote, round ${round} of ${rounds}`);
      for (const p of leftovers) h.rmrf(p);
      cleanRound(round);
      const name = `bench-${kind}-${round}`;
      h.run(...h.mlv('remote', 'add', name, mlvUrlFor(round)), { cwd: repo, env });
      for (const [k, v] of configure) h.run(...h.mlv('remote', 'modify', name, k, v), { cwd: repo, env });
      h.run('git', ['add', '-A'], { cwd: repo, env });
      h.run('git', ['commit', '-q', '--allow-empty', '-m', `remote ${name}`], { cwd: repo, env });
      const clone = join(ctx.tmp, `clone-${kind}-${round}`);
      const fetchClone = join(ctx.tmp, `clone-fetch-${kind}-${round}`);
      const back = join(ctx.tmp, `rclone-back-${kind}-${round}`);
      leftovers = [clone, fetchClone, back];
      const local = join(repo, '.mlv', 'config.local.yaml');
      const mlvPush = () => per.push.push(h.timeOnce(ctx, repo, ...h.mlv('push', '-q', '-r', name), `mlv push (${kind})`, env));
      // Checking the remote copy: mlv downloads and rehashes every object; `rclone check --download`
      // downloads every file and compares it with the local one byte for byte.
      const mlvVerify = () => per.verify.push(h.timeOnce(ctx, repo, ...h.mlv('remote', 'verify', '-q', '-r', name), `mlv remote verify (${kind})`, env));
      const rcloneCheck = () =>
        per.rcloneCheck.push(h.timeOnce(ctx, repo, 'rclone', ['check', '--download', '--one-way', repo, rcloneTargetFor(round), ...rcloneData, ...rcloneFlags], `rclone check --download (${kind})`, env));
      const mlvPull = () => {
        h.run('git', ['clone', '-q', repo, clone], { env });
        // the clone has no credentials (they live in the ignored config.local.yaml): copy them over
        if (existsSync(local)) copyFileSync(local, join(clone, '.mlv', 'config.local.yaml'));
        per.pull.push(h.timeOnce(ctx, clone, ...h.mlv('pull', '-q', '-r', name), `mlv pull (${kind}) into a fresh clone`, env));
        if (statSync(join(clone, 'big.bin')).size !== ctx.o.bigMiB * 1048576 || countFiles(join(clone, 'images')) !== ctx.o.files) {
          throw new Error(`mlv pull (${kind}) did not restore the data`);
        }
        // Like for like with rclone's copy back, which writes each file once: `mlv fetch` fills the cache
        // only (pull then also writes the workspace copy). Reported beside the targets, not as one.
        h.run('git', ['clone', '-q', repo, fetchClone], { env });
        if (existsSync(local)) copyFileSync(local, join(fetchClone, '.mlv', 'config.local.yaml'));
        per.fetch.push(h.timeOnce(ctx, fetchClone, ...h.mlv('fetch', '-q', '-r', name), `mlv fetch (${kind}) into a fresh clone's cache`, env));
      };
      const rclonePush = () => per.rclonePush.push(h.timeOnce(ctx, repo, 'rclone', ['copy', repo, rcloneTargetFor(round), ...rcloneData, ...rcloneFlags], `rclone copy → ${kind}`, env));
      const rclonePull = () => {
        mkdirSync(back);
        const pulled = h.timeOnce(ctx, ctx.tmp, 'rclone', ['copy', rcloneTargetFor(round), back, ...rcloneFlags], `rclone copy ← ${kind}`, env);
        const got = existsSync(join(back, 'images')) ? countFiles(join(back, 'images')) : 0;
        if (!existsSync(join(back, 'big.bin')) || got !== ctx.o.files) throw new Error(`rclone copy ← ${kind} brought back ${got} of ${ctx.o.files} files${existsSync(join(back, 'big.bin')) ? '' : ' and no big.bin'}`);
        per.rclonePull.push(pulled); // only once it is known to have brought everything back
      };
      if (round % 2 === 1) {
        mlvPush();
        rclonePush();
        mlvVerify();
        rcloneCheck();
        mlvPull();
        rclonePull();
      } else {
        rclonePush();
        mlvPush();
        rcloneCheck();
        mlvVerify();
        rclonePull();
        mlvPull();
      }
    }
    const r = Object.fromEntries(Object.entries(per).map(([k, v]) => [k, combine(v)]));
    out.kinds[kind] = r;
    return r;
  };

  // 1. a local folder
  const folder = join(ctx.tmp, 'remote-folder');
  const folderRound = (round) => {
    h.rmrf(join(folder, `mlv-${round - 1}`));
    h.rmrf(join(folder, `rclone-${round - 1}`));
    mkdirSync(join(folder, `mlv-${round}`), { recursive: true });
  };
  measure('folder', (round) => join(folder, `mlv-${round}`), [], (round) => join(folder, `rclone-${round}`), rcloneEnv, [], folderRound);

  // 2. an S3-compatible server on loopback
  try {
    const s3dir = join(ctx.tmp, 's3rver');
    mkdirSync(s3dir);
    // rclone gets a bucket of its own and lists with --fast-list (one recursive listing, no delimiter):
    // s3rver loses the common prefixes of delimited listings (rclone's default way of walking folders)
    // when other keys sort before them or the listing is truncated, so rclone brought back only big.bin.
    const s3 = await startS3rver(h.ROOT, s3dir, ['bench', 'bench-rclone']);
    try {
      Object.assign(rcloneEnv, {
        RCLONE_CONFIG_BENCHS3_TYPE: 's3',
        RCLONE_CONFIG_BENCHS3_PROVIDER: 'Other',
        RCLONE_CONFIG_BENCHS3_ENDPOINT: s3.endpoint,
        RCLONE_CONFIG_BENCHS3_ACCESS_KEY_ID: 'S3RVER',
        RCLONE_CONFIG_BENCHS3_SECRET_ACCESS_KEY: 'S3RVER',
        RCLONE_CONFIG_BENCHS3_REGION: 'us-east-1',
        RCLONE_CONFIG_BENCHS3_FORCE_PATH_STYLE: 'true',
      });
      // (s3rver keeps each round's objects; the folder part's copies are gone by then)
      measure('s3', (round) => `s3://bench/mlv-${round}`, [['endpoint', s3.endpoint], ['region', 'us-east-1'], ['path_style', 'true'],
        ['access_key_id', 'S3RVER'], ['secret_access_key', 'S3RVER']], (round) => `benchs3:bench-rclone/rclone-${round}`, rcloneEnv, ['--fast-list']);
    } finally {
      s3.stop();
    }
  } catch (err) {
    const msg = err.message.split('\n').slice(0, 4).join(' / ');
    h.log(`S3 remote part failed: ${msg}`);
    ctx.skipped.push(`S3 remote part failed: ${msg}`);
  }

  const rows = [];
  const targets = [];
  for (const [kind, r] of Object.entries(out.kinds)) {
    const limit = kind === 'folder' ? 1 : 1.2;
    for (const op of ['push', 'pull']) {
      const mine = r[op];
      const theirs = r[op === 'push' ? 'rclonePush' : 'rclonePull'];
      const name = op === 'push' ? `push to ${kind} remote` : `pull from ${kind} remote (fresh clone)`;
      if (!mine || !theirs) {
        rows.push([name, fmtS(mine), fmtS(theirs), '—', 'n/a (failed)']);
        continue;
      }
      const ratio = theirs.seconds / mine.seconds;
      const ok = mine.seconds <= limit * theirs.seconds;
      targets.push({ name, ok, detail: `mlv ≤ ${limit} × rclone` });
      rows.push([name, fmtS(mine), fmtS(theirs), fmtRatio(ratio), ok ? 'PASS' : 'FAIL']);
    }
    if (r.fetch && r.rclonePull) {
      rows.push([`fetch from ${kind} remote (cache only, no target)`, fmtS(r.fetch), fmtS(r.rclonePull), fmtRatio(r.rclonePull.seconds / r.fetch.seconds), '—']);
    }
    if (r.verify && r.rcloneCheck) {
      rows.push([`remote verify on ${kind} (rclone check --download)`, fmtS(r.verify), fmtS(r.rcloneCheck), fmtRatio(r.rcloneCheck.seconds / r.verify.seconds), '—']);
    }
  }
  out.rows = rows;
  out.targets = targets;
  return out;
}
