/**
 * `mlv status --remote [-r remote]`: for each tracked artifact, which of its objects are only in the
 * local cache (push would send them), only on the remote (pull would fetch them), or missing everywhere.
 */
import { objectKey } from '../objects/oid.js';
import { openRepoRemote } from '../remotes/open-remote.js';
import type { Repo } from '../workspace/repo.js';
import { neededObjects, resolveSelections, type Selection } from '../workspace/selection.js';

export interface RemoteStatusEntry {
  path: string;
  pointer: string;
  /** The pointer's oid (with history scopes, one entry per version). */
  oid: string;
  /** Objects (files and trees) this artifact needs, as far as the local trees can list them. */
  objects: number;
  localOnly: number;
  remoteOnly: number;
  missing: number;
  /** False when the folder's listing is not in the cache (only its root tree was checked). */
  listed: boolean;
  state: 'in-sync' | 'needs-push' | 'needs-pull' | 'diverged' | 'missing';
}

export interface RemoteStatusResult {
  remote: string;
  entries: RemoteStatusEntry[];
}

export async function remoteStatus(repo: Repo, targets: string[] = [], opts: { remote?: string; cwd?: string; selections?: Selection[] } = {}): Promise<RemoteStatusResult> {
  const selections = opts.selections ?? (await resolveSelections(repo, targets, opts.cwd));
  const perArtifact: { sel: Selection; oids: string[]; listed: boolean }[] = [];
  for (const sel of selections) {
    const whole = { artifact: sel.artifact };
    const needed = await neededObjects(repo, [whole]);
    const listed = needed.unlisted.length === 0;
    const oids = listed ? [...needed.files.keys(), ...needed.trees] : [sel.artifact.pointer.oid];
    perArtifact.push({ sel, oids, listed });
  }
  const all = [...new Set(perArtifact.flatMap((p) => p.oids))];
  const local = await repo.store.presentSet(all);
  const remote = await openRepoRemote(repo, opts.remote);
  let remoteKeys: Set<string>;
  try {
    remoteKeys = await remote.hasMany(all.map(objectKey));
  } finally {
    await remote.close();
  }
  const entries: RemoteStatusEntry[] = perArtifact.map(({ sel, oids, listed }) => {
    let localOnly = 0;
    let remoteOnly = 0;
    let missing = 0;
    for (const o of new Set(oids)) {
      const l = local.has(o);
      const r = remoteKeys.has(objectKey(o));
      if (l && !r) localOnly++;
      else if (!l && r) remoteOnly++;
      else if (!l && !r) missing++;
    }
    const state: RemoteStatusEntry['state'] =
      missing > 0 ? 'missing' : localOnly > 0 && remoteOnly > 0 ? 'diverged' : localOnly > 0 ? 'needs-push' : remoteOnly > 0 ? 'needs-pull' : 'in-sync';
    return { path: sel.artifact.dataRel, pointer: sel.artifact.pointerRel, oid: sel.artifact.pointer.oid, objects: new Set(oids).size, localOnly, remoteOnly, missing, listed, state };
  });
  return { remote: remote.name, entries };
}
