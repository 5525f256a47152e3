/**
 * `mlv fetch [targets] [-r remote] [-j n]`: download the objects of tracked artifacts into the cache
 * (the workspace is not touched). Folder listings (trees) come first, level by level, so the files to
 * fetch are known; with a path inside a tracked folder, only the files under it are fetched.
 * Every object is verified before it lands in the cache.
 */
import { MlvError } from '../errors.js';
import { silentReporter } from '../events.js';
import { hexLength } from '../objects/oid.js';
import { parseTree } from '../objects/tree.js';
import type { KindedRemote } from '../remotes/common.js';
import { openRepoRemote } from '../remotes/open-remote.js';
import { downloadObjects, type TransferSummary } from '../remotes/transfer.js';
import type { Repo } from '../workspace/repo.js';
import { neededObjects, resolveSelections, type Selection } from '../workspace/selection.js';
import type { TransferOptions } from './push.js';

export interface FetchResult extends TransferSummary {
  remote: string;
}

export async function fetch(repo: Repo, targets: string[] = [], opts: TransferOptions = {}): Promise<FetchResult> {
  const selections = opts.selections ?? (await resolveSelections(repo, targets, opts.cwd));
  const remote = await openRepoRemote(repo, opts.remote);
  try {
    return await fetchWith(repo, remote, selections, opts);
  } finally {
    await remote.close();
  }
}

/** Fetches with an already open remote (shared with pull). */
export async function fetchWith(repo: Repo, remote: KindedRemote, selections: Selection[], opts: TransferOptions & { keepSmallForCheckout?: boolean }): Promise<FetchResult> {
  const reporter = opts.reporter ?? silentReporter;
  const total: FetchResult = { transferred: 0, bytes: 0, skipped: 0, failed: [], remote: remote.name };
  const add = (s: TransferSummary) => {
    total.transferred += s.transferred;
    total.bytes += s.bytes;
    total.skipped += s.skipped;
    total.failed.push(...s.failed);
  };
  // 1. Trees, breadth first: download the missing ones of a level, then read them for the next level.
  let level = selections.filter((s) => s.artifact.pointer.kind === 'dir').map((s) => s.artifact.pointer.oid);
  const seen = new Set<string>();
  while (level.length > 0) {
    level = [...new Set(level)].filter((o) => !seen.has(o));
    level.forEach((o) => seen.add(o));
    add(await downloadObjects(repo.store, remote, level, { jobs: opts.jobs, reporter, signal: opts.signal }));
    const next: string[] = [];
    for (const oid of level) {
      if (!repo.store.hasSync(oid)) continue; // failed; reported above
      let bytes: Buffer;
      try {
        bytes = await repo.store.readVerified(oid);
      } catch (err) {
        if (err instanceof MlvError) total.failed.push({ oid, error: err });
        continue;
      }
      for (const e of parseTree(bytes, oid, hexLength(repo.store.algo))) if (e.type === 'd') next.push(repo.store.oid(e.hex));
    }
    level = next;
  }
  // 2. File objects of every selection whose listing is now complete.
  const needed = await neededObjects(repo, selections);
  const sizes = needed.files;
  add(await downloadObjects(repo.store, remote, sizes.keys(), { jobs: opts.jobs, reporter, signal: opts.signal, sizeOf: (o) => sizes.get(o), keepSmallForCheckout: opts.keepSmallForCheckout }));
  return total;
}
