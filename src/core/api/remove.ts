/**
 * `mlv remove <target>...`: stop tracking. Deletes the pointer file and its `.gitignore` entry; the data
 * in the workspace and the cache stays where it is.
 */
import { unlink } from 'node:fs/promises';
import { resolveArtifacts } from '../workspace/artifacts.js';
import { removeIgnoreEntry } from '../workspace/gitignore.js';
import { withLock } from '../workspace/lock.js';
import type { Repo } from '../workspace/repo.js';
import { StatIndex } from '../workspace/stat-index.js';
import { MlvError } from '../errors.js';

export interface RemoveResult {
  path: string;
  pointer: string;
}

export async function remove(repo: Repo, targets: string[], opts: { cwd?: string } = {}): Promise<RemoveResult[]> {
  if (targets.length === 0) throw new MlvError('USAGE', 'name at least one tracked path or pointer to stop tracking', { exitCode: 2 });
  const artifacts = await resolveArtifacts(repo, targets, opts.cwd);
  return withLock(repo.tmpDir, `mlv remove ${targets.join(' ')}`, repo.config.core.lockTimeout, async () => {
    const index = StatIndex.forRepo(repo);
    const results: RemoveResult[] = [];
    try {
      for (const a of artifacts) {
        await unlink(`${repo.root}/${a.pointerRel}`);
        await removeIgnoreEntry(repo.root, a.dataRel);
        index.forgetUnder(a.dataRel);
        results.push({ path: a.dataRel, pointer: a.pointerRel });
      }
    } finally {
      index.save();
    }
    return results;
  });
}
