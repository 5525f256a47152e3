/**
 * `mlv commit [targets]`: record the current workspace content of already-tracked paths into the cache
 * and their pointers (like `add`, but only for what is tracked, and without new ignore entries).
 */
import { existsSync, lstatSync } from 'node:fs';
import { MlvError } from '../errors.js';
import { silentReporter, type Reporter } from '../events.js';
import { resolveArtifacts } from '../workspace/artifacts.js';
import { withLock } from '../workspace/lock.js';
import { recordArtifacts, type RecordItem, type RecordResult } from '../workspace/record.js';
import type { Repo } from '../workspace/repo.js';
import { walkTrackedDir } from '../workspace/snapshot.js';
import { StatIndex } from '../workspace/stat-index.js';

export interface CommitOptions {
  reporter?: Reporter;
  cwd?: string;
}

export async function commit(repo: Repo, targets: string[] = [], opts: CommitOptions = {}): Promise<RecordResult[]> {
  const artifacts = await resolveArtifacts(repo, targets, opts.cwd);
  const index = StatIndex.forRepo(repo);
  const items: RecordItem[] = [];
  const deleted: string[] = [];
  for (const a of artifacts) {
    const abs = `${repo.root}/${a.dataRel}`;
    if (!existsSync(abs)) {
      deleted.push(a.dataRel);
      continue;
    }
    const isDir = lstatSync(abs).isDirectory();
    if ((a.pointer.kind === 'dir') !== isDir) {
      throw new MlvError('KIND_CHANGED', `${a.dataRel} is tracked as a ${a.pointer.kind} but is now a ${isDir ? 'folder' : 'file'}`, {
        hint: `run \`mlv remove ${a.dataRel}\`, then \`mlv add ${a.dataRel}\``,
      });
    }
    const item: RecordItem = { dataRel: a.dataRel, kind: a.pointer.kind, previous: a };
    if (isDir) item.walk = walkTrackedDir(repo, abs, a.dataRel, false, index);
    items.push(item);
  }
  if (deleted.length > 0 && targets.length > 0) {
    throw new MlvError('TARGET_MISSING', `nothing to commit for deleted path(s): ${deleted.join(', ')}`, {
      hint: 'restore them with `mlv checkout`, or stop tracking them with `mlv remove`',
    });
  }
  return withLock(repo.tmpDir, `mlv commit ${targets.join(' ')}`.trim(), repo.config.core.lockTimeout, async () => {
    try {
      return await recordArtifacts(repo, index, items, { reporter: opts.reporter ?? silentReporter });
    } finally {
      index.save();
    }
  });
}
