/**
 * `mlv status`: for each tracked artifact, whether the workspace matches its pointer (unchanged,
 * modified, deleted) and whether the cache holds its content; for folders, which files inside were
 * added, modified or deleted. Read-only: it never takes the lock (it may refresh the stat index).
 */
import { lstatSync } from 'node:fs';
import { MlvError } from '../errors.js';
import { silentReporter, type Reporter } from '../events.js';
import { hexOf } from '../objects/oid.js';
import { resolveArtifacts, type Artifact } from '../workspace/artifacts.js';
import type { Repo } from '../workspace/repo.js';
import { readTreeFlat, snapshotDir, snapshotFile, stateTreeOf, type FileInfo, type SnapshotContext } from '../workspace/snapshot.js';
import { StatIndex } from '../workspace/stat-index.js';
import { cacheLinkTarget, existsOrLink } from '../workspace/walk.js';
import { prefetchFingerprints } from '../workspace/prefetch.js';

const UNSTORABLE = new Set(['SYMLINK_IN_FOLDER', 'BAD_FILE_NAME', 'SPECIAL_FILE_IN_FOLDER']);

export type ArtifactState = 'unchanged' | 'modified' | 'deleted' | 'not-in-cache';

export interface FolderChanges {
  added: string[];
  modified: string[];
  deleted: string[];
}

export interface StatusEntry {
  path: string;
  pointer: string;
  kind: 'file' | 'dir';
  state: ArtifactState;
  /** Whether the cache holds everything the pointer names. */
  inCache: boolean;
  /** Folders: file-level changes (when the previous tree is in the cache). */
  changes?: FolderChanges;
  /**
   * Folders: paths that appeared in the folder but cannot be stored as they are (symbolic links, names
   * with tabs or newlines, sockets…); `mlv add` explains what to do with them.
   */
  unstorable?: string[];
}

export interface StatusOptions {
  reporter?: Reporter;
  cwd?: string;
}

export async function status(repo: Repo, targets: string[] = [], opts: StatusOptions = {}): Promise<StatusEntry[]> {
  // Listing the pointers runs `git ls-files`; the stat index loads while it runs.
  const listing = resolveArtifacts(repo, targets, opts.cwd);
  const index = StatIndex.forRepo(repo);
  // The folders tracked last time are scanned meanwhile, off the main thread.
  if (targets.length === 0) prefetchFingerprints(index.folderStates().map((rel) => `${repo.root}/${rel}`));
  const artifacts = await listing;
  const ctx: SnapshotContext = { repo, index, reporter: opts.reporter ?? silentReporter };
  const entries: StatusEntry[] = [];
  try {
    for (const a of artifacts) entries.push(await artifactStatus(ctx, a));
  } finally {
    index.save();
  }
  return entries.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}

async function artifactStatus(ctx: SnapshotContext, a: Artifact): Promise<StatusEntry> {
  const { repo } = ctx;
  const store = repo.store;
  const base = { path: a.dataRel, pointer: a.pointerRel, kind: a.pointer.kind };
  const abs = `${repo.root}/${a.dataRel}`;
  const exists = existsOrLink(abs);
  if (a.pointer.kind === 'file') {
    const inCache = store.hasSync(a.pointer.oid);
    if (!exists) return { ...base, state: 'deleted', inCache };
    const st = lstatSync(abs);
    let hex: string | undefined;
    let exec = false;
    if (st.isSymbolicLink()) hex = cacheLinkTarget(abs, store.objectsDir)?.hex;
    else if (st.isFile()) {
      const snap = await snapshotFile(ctx, a.dataRel);
      hex = snap.hex;
      exec = snap.exec;
    }
    const same = hex === hexOf(a.pointer.oid) && exec === (a.pointer.exec === true);
    if (!same) return { ...base, state: 'modified', inCache };
    return { ...base, state: inCache ? 'unchanged' : 'not-in-cache', inCache };
  }
  // A folder: snapshot the workspace first; the stored tree is read only when something differs.
  const rootHex = hexOf(a.pointer.oid);
  const treePresent = store.hasSync(a.pointer.oid);
  const inCache = treePresent && (ctx.index.isComplete(rootHex) || (await treeComplete(ctx, rootHex)));
  if (!exists) return { ...base, state: 'deleted', inCache };
  if (!lstatSync(abs).isDirectory()) return { ...base, state: 'modified', inCache };
  // The common case, nothing changed since the last snapshot: known from one scan, with no object per file.
  if ((await stateTreeOf(ctx, a.dataRel)) === rootHex) return { ...base, state: inCache ? 'unchanged' : 'not-in-cache', inCache };
  let snap;
  try {
    snap = await snapshotDir(ctx, a.dataRel);
  } catch (err) {
    // Status reports what changed rather than failing: such paths make the folder modified.
    if (err instanceof MlvError && UNSTORABLE.has(err.code)) {
      return { ...base, state: 'modified', inCache, unstorable: (err.details?.paths as string[] | undefined) ?? [] };
    }
    throw err;
  }
  if (snap.hex === rootHex) return { ...base, state: inCache ? 'unchanged' : 'not-in-cache', inCache };
  const entry: StatusEntry = { ...base, state: 'modified', inCache };
  if (treePresent) {
    try {
      entry.changes = diffFlat((await readTreeFlat(repo, rootHex)).fileInfos, snap.fileInfos);
    } catch {
      // A corrupt or partial tree: report 'modified' without the file list.
    }
  }
  return entry;
}

/** Checks that every object of a stored tree is in the cache, and remembers a positive answer. */
export async function treeComplete(ctx: SnapshotContext, rootHex: string): Promise<boolean> {
  const store = ctx.repo.store;
  let flat;
  try {
    flat = await readTreeFlat(ctx.repo, rootHex);
  } catch {
    return false;
  }
  const needed = new Set([...flat.fileInfos.values()].map((f) => store.oid(f.hex)));
  const present = await store.presentSet(needed);
  const complete = present.size === needed.size;
  if (complete) ctx.index.markComplete(rootHex);
  return complete;
}


/** File-level differences between two flat folder listings. */
export function diffFlat(before: Map<string, FileInfo>, after: Map<string, FileInfo>): FolderChanges {
  const changes: FolderChanges = { added: [], modified: [], deleted: [] };
  for (const [rel, info] of after) {
    const old = before.get(rel);
    if (!old) changes.added.push(rel);
    else if (old.hex !== info.hex || old.exec !== info.exec) changes.modified.push(rel);
  }
  for (const rel of before.keys()) if (!after.has(rel)) changes.deleted.push(rel);
  changes.added.sort();
  changes.modified.sort();
  changes.deleted.sort();
  return changes;
}
