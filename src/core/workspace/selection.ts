/**
 * What a transfer command acts on: tracked artifacts, optionally narrowed to a path inside a tracked
 * folder (`mlv pull data/images/cats` fetches and restores just those files), and the objects they need.
 */
import { MlvError } from '../errors.js';
import { hexOf } from '../objects/oid.js';
import { inSubpath, resolveSelections, type Selection } from './artifacts.js';
import { hasHistoryScope, type HistoryScope } from '../git/history-scope.js';
import type { Repo } from './repo.js';
import { readTreeFlat } from './snapshot.js';

export { resolveSelections, type Selection } from './artifacts.js';

export interface NeededObjects {
  /** File objects with their sizes. */
  files: Map<string, number>;
  /** Tree objects. */
  trees: Set<string>;
  /** Folder artifacts whose trees are not (all) in the cache, so their files could not be listed. */
  unlisted: Selection[];
}


/** The objects the selections need, as far as the local cache's trees can tell. */
export async function neededObjects(repo: Repo, selections: Selection[]): Promise<NeededObjects> {
  const needed: NeededObjects = { files: new Map(), trees: new Set(), unlisted: [] };
  for (const sel of selections) {
    const p = sel.artifact.pointer;
    if (p.kind === 'file') {
      needed.files.set(p.oid, p.size);
      continue;
    }
    let flat;
    try {
      flat = await readTreeFlat(repo, hexOf(p.oid));
    } catch (err) {
      if (err instanceof MlvError && (err.code === 'OBJECT_MISSING' || err.code === 'OBJECT_CORRUPT' || err.code === 'TREE_INVALID')) {
        needed.unlisted.push(sel);
        continue;
      }
      throw err;
    }
    for (const t of flat.treeHexes) needed.trees.add(repo.store.oid(t));
    for (const [rel, info] of flat.fileInfos) {
      if (inSubpath(rel, sel.subpath)) needed.files.set(repo.store.oid(info.hex), info.size);
    }
  }
  return needed;
}

/**
 * The selections of a transfer command: the work tree's pointers, or, with a history scope, every version
 * in those revisions. The Git history reader is loaded only when a scope is given, so plain
 * `mlv push`/`fetch`/`remote verify` do not pay for it at start-up.
 */
export async function selectionsFor(repo: Repo, targets: string[], scope: HistoryScope, cwd = process.cwd()): Promise<Selection[]> {
  if (!hasHistoryScope(scope)) return resolveSelections(repo, targets, cwd);
  const { historySelections } = await import('./history-selection.js');
  return historySelections(repo, scope, targets, cwd);
}
