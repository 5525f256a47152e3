/**
 * `mlv unprotect <path>...`: with `cache.link: hardlink` or `symlink`, workspace files are links to
 * read-only cache objects; this replaces them with editable copies (so editing can never corrupt the
 * cache). Copies and reflinks are already editable and are left alone.
 */
import { lstatSync, readlinkSync, statSync } from 'node:fs';
import { chmod, rename, rm } from 'node:fs/promises';
import { MlvError } from '../errors.js';
import { ProgressTicker, silentReporter, type Reporter } from '../events.js';
import { copyAndHash } from '../objects/store.js';
import { resolveArtifacts, toRepoPath } from '../workspace/artifacts.js';
import { withLock } from '../workspace/lock.js';
import type { Repo } from '../workspace/repo.js';
import { walkDir } from '../workspace/walk.js';

export interface UnprotectResult {
  /** Files turned into editable copies. */
  unprotected: string[];
  /** Files that were already editable. */
  alreadyEditable: number;
}

export async function unprotect(repo: Repo, paths: string[], opts: { reporter?: Reporter; cwd?: string } = {}): Promise<UnprotectResult> {
  if (paths.length === 0) throw new MlvError('USAGE', 'name at least one tracked path to unprotect', { exitCode: 2 });
  const cwd = opts.cwd ?? process.cwd();
  await resolveArtifacts(repo, paths, cwd); // every path must be tracked (or inside a tracked folder)
  const files: string[] = [];
  for (const p of paths) {
    const rel = toRepoPath(repo, p, cwd);
    const abs = `${repo.root}/${rel}`;
    const st = lstatSync(abs, { throwIfNoEntry: false });
    if (!st) throw new MlvError('TARGET_MISSING', `${rel} does not exist in the workspace`, { hint: 'run `mlv checkout` first' });
    if (st.isDirectory()) {
      const walk = walkDir(abs, { cacheObjectsDir: repo.store.objectsDir });
      for (const f of walk.files.keys()) files.push(`${rel}/${f}`);
      for (const f of walk.cacheLinks.keys()) files.push(`${rel}/${f}`);
    } else files.push(rel);
  }
  return withLock(repo.tmpDir, `mlv unprotect ${paths.join(' ')}`, repo.config.core.lockTimeout, async () => {
    const result: UnprotectResult = { unprotected: [], alreadyEditable: 0 };
    const ticker = new ProgressTicker(opts.reporter ?? silentReporter, 'unprotecting', files.length);
    for (const rel of files) {
      const abs = `${repo.root}/${rel}`;
      const st = lstatSync(abs);
      const linked = st.isSymbolicLink() || (st.isFile() && (st.nlink > 1 || (st.mode & 0o200) === 0));
      if (!linked) {
        result.alreadyEditable++;
        ticker.tick();
        continue;
      }
      const source = st.isSymbolicLink() ? readlinkSync(abs) : abs;
      const mode = (statSync(abs).mode & 0o111) !== 0 ? 0o755 : 0o644;
      const tmp = `${abs}.mlv-unprotect-${process.pid}`;
      try {
        await copyAndHash(repo.store.algo, source, tmp, undefined, { mode, fsync: false });
        await chmod(tmp, mode);
        await rename(tmp, abs);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
      result.unprotected.push(rel);
      ticker.tick();
    }
    ticker.end();
    return result;
  });
}
