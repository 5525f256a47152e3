/**
 * `mlv cache verify [--repair]`: rehash every object in the cache and report those whose bytes do not
 * match their oid (bit rot, a tool that wrote through a hard link, a bad disk). With `repair`, bad
 * objects are moved aside to `<cache>/quarantine/` so they are never served again; `mlv pull` or
 * `mlv add` then restores good copies. Stale temp files left by killed processes are cleaned too.
 */
import { statSync } from 'node:fs';
import { ProgressTicker, silentReporter, type Reporter } from '../events.js';
import { processAlive, withLock } from '../workspace/lock.js';
import type { Repo } from '../workspace/repo.js';
import { warmHasher } from '../objects/hash.js';
import { TEMP_HOST } from '../objects/store.js';
import { StatIndex } from '../workspace/stat-index.js';
import { removeTemps, tempDirsOf } from '../workspace/temp-files.js';

export interface CacheVerifyResult {
  checked: number;
  bytes: number;
  bad: { oid: string; actual: string; quarantinedTo?: string }[];
  /** Stale temp files removed. */
  tempsRemoved: number;
}

export async function cacheVerify(repo: Repo, opts: { repair?: boolean; reporter?: Reporter } = {}): Promise<CacheVerifyResult> {
  return withLock(repo.tmpDir, `mlv cache verify${opts.repair ? ' --repair' : ''}`, repo.config.core.lockTimeout, async () => {
    const store = repo.store;
    await warmHasher(store.algo);
    const oids: string[] = [];
    for await (const oid of store.list()) oids.push(oid);
    let totalBytes = 0;
    for (const oid of oids) totalBytes += statSync(store.path(oid)).size;
    const ticker = new ProgressTicker(opts.reporter ?? silentReporter, 'verifying', oids.length, totalBytes);
    const result: CacheVerifyResult = { checked: 0, bytes: 0, bad: [], tempsRemoved: 0 };
    for (const oid of oids) {
      const measured = await store.measure(oid, (n) => ticker.addBytes(n));
      if (measured === undefined) continue;
      const actual = measured.actual;
      result.checked++;
      result.bytes += measured.size;
      if (actual !== oid) {
        const bad: CacheVerifyResult['bad'][number] = { oid, actual };
        if (opts.repair) bad.quarantinedTo = await store.quarantine(oid);
        result.bad.push(bad);
      }
      ticker.tick(1);
    }
    ticker.end();
    if (result.bad.some((b) => b.quarantinedTo)) {
      const index = StatIndex.forRepo(repo);
      index.clearComplete();
      index.save();
    }
    result.tempsRemoved = tempDirsOf(repo).reduce((n, dir) => n + removeTemps(dir, isStaleTemp), 0);
    return result;
  });
}

/** How long a temp file of another host sharing the cache must lie untouched before it counts as left over. */
const FOREIGN_TEMP_AGE_MS = 24 * 3600 * 1000;

/**
 * Whether a temp file is left over (we hold the repo lock, so no mlv of this repo is writing). A name
 * made on this host (`<pid>.<host><salt>.…`, the older `<pid>.<salt>.…`, staging's `<pid>-…`) is judged
 * by its pid; one made on another host sharing the cache (`cache.dir` on a shared disk), whose pid means
 * nothing here, only by age: left over once untouched for a day.
 */
function isStaleTemp(name: string, path: string): boolean {
  const [first, salt] = name.split('.');
  if (salt !== undefined && /^[0-9a-f]{16}$/.test(salt) && salt.slice(0, 8) !== TEMP_HOST) {
    try {
      return Date.now() - statSync(path).mtimeMs >= FOREIGN_TEMP_AGE_MS;
    } catch {
      return false;
    }
  }
  const pid = Number(first!.split('-')[0]);
  if (pid === process.pid) return false;
  return !(Number.isInteger(pid) && pid > 0 && processAlive(pid));
}
