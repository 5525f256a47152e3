/**
 * After a branch switch or merge: the data of pointers that existed before but are gone from the work
 * tree now. Git deleted the pointer and its `.gitignore` line, so the data would show up as untracked
 * files (one `git add -A` away from a 10 GB commit). It is deleted when it is exactly what the old pointer
 * recorded and that content is in the cache — switching back restores it — and kept (and reported)
 * otherwise, so nothing that is not in the cache is ever lost.
 */
import { existsSync, lstatSync, rmSync } from 'node:fs';
import { silentReporter, type Reporter } from '../events.js';
import { gitTrackedPaths } from '../git/git-cli.js';
import { HistoryReader } from '../git/history.js';
import { hexOf } from '../objects/oid.js';
import { inSubpath, listArtifacts } from '../workspace/artifacts.js';
import { withLock } from '../workspace/lock.js';
import type { Repo } from '../workspace/repo.js';
import { snapshotDir, snapshotFile, type SnapshotContext } from '../workspace/snapshot.js';
import { StatIndex } from '../workspace/stat-index.js';
import { cacheLinkTarget, existsOrLink } from '../workspace/walk.js';
import { treeComplete } from './status.js';

export interface DropResult {
  /** Data paths removed from the workspace (their content is in the cache). */
  removed: string[];
  /** Data paths left in place because they changed since the old pointer, or the cache lacks them. */
  kept: string[];
}

export async function dropUntrackedData(repo: Repo, previousCommit: string, opts: { reporter?: Reporter } = {}): Promise<DropResult> {
  const before = await new HistoryReader(repo.root).artifactsAt(previousCommit);
  const now = new Set((await listArtifacts(repo)).map((a) => a.dataRel));
  const candidates = before.filter(
    (a) => !now.has(a.dataRel) && !existsSync(`${repo.root}/${a.pointerRel}`) && existsOrLink(`${repo.root}/${a.dataRel}`),
  );
  const result: DropResult = { removed: [], kept: [] };
  if (candidates.length === 0) return result;
  // Paths the new branch tracks in Git itself belong to Git now.
  const gitOwned = new Set(await gitTrackedPaths(repo.root, candidates.map((a) => a.dataRel)));
  return withLock(repo.tmpDir, 'mlv hook (dropping data of removed pointers)', repo.config.core.lockTimeout, async () => {
    const index = StatIndex.forRepo(repo);
    const ctx: SnapshotContext = { repo, index, reporter: opts.reporter ?? silentReporter };
    try {
      for (const a of candidates) {
        if ([...gitOwned].some((p) => inSubpath(p, a.dataRel))) continue;
        if (await unchangedAndCached(ctx, a.dataRel, a.pointer.kind, a.pointer.oid, a.pointer.exec === true)) {
          rmSync(`${repo.root}/${a.dataRel}`, { recursive: true, force: true });
          index.forgetUnder(a.dataRel);
          result.removed.push(a.dataRel);
        } else {
          result.kept.push(a.dataRel);
        }
      }
    } finally {
      index.save();
    }
    return result;
  });
}

async function unchangedAndCached(ctx: SnapshotContext, dataRel: string, kind: 'file' | 'dir', oid: string, exec: boolean): Promise<boolean> {
  const { repo } = ctx;
  const abs = `${repo.root}/${dataRel}`;
  const st = lstatSync(abs);
  if (kind === 'file') {
    if (st.isSymbolicLink()) return cacheLinkTarget(abs, repo.store.objectsDir)?.hex === hexOf(oid);
    if (!st.isFile()) return false;
    const snap = await snapshotFile(ctx, dataRel);
    return repo.store.oid(snap.hex) === oid && snap.exec === exec && repo.store.hasSync(oid);
  }
  if (!st.isDirectory()) return false;
  try {
    const snap = await snapshotDir(ctx, dataRel);
    return repo.store.oid(snap.hex) === oid && (await treeComplete(ctx, snap.hex));
  } catch {
    return false; // e.g. it gained a symbolic link: not what the pointer recorded
  }
}
