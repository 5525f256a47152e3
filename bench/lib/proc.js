// Process helpers for the benchmark: run a command, time it, and (optionally) measure its peak memory.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** GNU time, for max RSS of a child process (`%M`, KiB). */
export const TIME_BIN = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
const RSS_HOOK = fileURLToPath(new URL('./rss-hook.js', import.meta.url));

/** Is `cmd` on PATH? */
export function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v "${cmd}"`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

let rssDir;
function rssFile() {
  rssDir ??= mkdtempSync(join(tmpdir(), 'mlv-bench-rss-'));
  return join(rssDir, `rss-${process.pid}-${Math.random().toString(36).slice(2)}`);
}
export function cleanupProc() {
  if (rssDir) rmSync(rssDir, { recursive: true, force: true });
}

/**
 * Run `cmd args` in `cwd`; returns { seconds, status, stdout, stderr, rssKiB, timedOut }.
 * `rss: true` wraps it in /usr/bin/time (or, for Node children without GNU time, an --import hook that
 * reports process.resourceUsage().maxRSS at exit). Throws on a non-zero exit unless `allowFail`.
 */
export function run(cmd, args, opts = {}) {
  const { cwd, env = process.env, timeoutS = 0, rss = false, capture = false, allowFail = false, input } = opts;
  let argv = [cmd, ...args];
  let childEnv = env;
  let rssPath = null;
  let rssMode = null;
  if (rss && TIME_BIN) {
    rssPath = rssFile();
    argv = [TIME_BIN, '-f', '%M', '-o', rssPath, cmd, ...args];
    rssMode = 'time';
  } else if (rss && cmd === process.execPath) {
    rssPath = rssFile();
    argv = [cmd, '--import', RSS_HOOK, ...args];
    childEnv = { ...env, MLV_BENCH_RSS_FILE: rssPath };
    rssMode = 'hook';
  }
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), {
    cwd,
    env: childEnv,
    input,
    stdio: [input === undefined ? 'ignore' : 'pipe', capture ? 'pipe' : 'ignore', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    timeout: timeoutS > 0 ? timeoutS * 1000 : undefined,
    killSignal: 'SIGKILL',
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const timedOut = r.error?.code === 'ETIMEDOUT';
  let rssKiB = null;
  if (rssPath && existsSync(rssPath)) {
    const text = readFileSync(rssPath, 'utf8').trim().split('\n').filter(Boolean);
    const n = Number(text[text.length - 1]);
    if (Number.isFinite(n)) rssKiB = n;
    rmSync(rssPath, { force: true });
  }
  const res = { seconds, status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', rssKiB, rssMode, timedOut };
  if (!allowFail && !timedOut && (r.error || r.status !== 0)) {
    const what = [cmd, ...args].join(' ');
    throw new Error(`command failed (${r.error?.message ?? `exit ${r.status}`}) in ${cwd}: ${what}\n${(r.stderr ?? '').slice(-2000)}`);
  }
  return res;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Time a fast command: `warmup` untimed runs, then `reps` timed runs; median seconds. `before` runs
 * (untimed) before every run, e.g. to delete what a checkout restores.
 */
export function timeRepeated(cmd, args, { reps = 7, warmup = 1, before, ...opts } = {}) {
  for (let i = 0; i < warmup; i++) {
    before?.();
    run(cmd, args, opts);
  }
  const times = [];
  let rssKiB = null;
  for (let i = 0; i < reps; i++) {
    before?.();
    const r = run(cmd, args, opts);
    times.push(r.seconds);
    if (r.rssKiB != null) rssKiB = Math.max(rssKiB ?? 0, r.rssKiB);
  }
  return { seconds: median(times), runs: times, reps, rssKiB };
}
