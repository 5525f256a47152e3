/**
 * `mlv ls [path] [--rev <rev>] [-R]`: tracked artifacts, and the files inside tracked folders, as they are
 * at a revision (default: the work tree's pointers) — with size, oid, and whether the bytes are in the
 * cache and on the default remote. Data files in the workspace are neither read nor changed.
 *
 * A folder is "in the cache" when every file and listing below it is; "on the remote" when the remote
 * holds its tree (push uploads a tree only after everything it names, so the tree implies the content).
 * Listing inside a folder whose tree the cache lacks fetches that tree from the remote (verified, kept).
 * An unreachable or missing remote makes the remote column unknown; it never fails the listing.
 */
import { relative, resolve, sep } from 'node:path';
import { MlvError } from '../errors.js';
import { hexOf, objectKey } from '../objects/oid.js';
import type { TreeEntry } from '../objects/tree.js';
import { chooseRemoteName, openRepoRemote } from '../remotes/open-remote.js';
import { ObjectSource } from '../remotes/object-source.js';
import { toRepoPath, type Artifact } from '../workspace/artifacts.js';
import { artifactsAtRev } from '../workspace/history-selection.js';
import type { Repo } from '../workspace/repo.js';
import { readTreeFlat } from '../workspace/snapshot.js';

export interface LsEntry {
  /** Repo-relative path. */
  path: string;
  type: 'file' | 'dir';
  /** True for a tracked artifact (it has a pointer); false for an entry inside a tracked folder. */
  tracked: boolean;
  /** The tracked artifact this entry is or lies in. */
  artifact: string;
  size: number;
  /** Folders: number of files below. */
  files?: number;
  /** File content oid, or a folder's tree oid. */
  oid: string;
  exec?: boolean;
  inCache: boolean;
  /** null when the remote could not be asked. */
  onRemote: boolean | null;
}

export interface LsResult {
  rev: string | null;
  commit: string | null;
  remote: { name: string | null; state: 'checked' | 'none' | 'unreachable'; message?: string };
  entries: LsEntry[];
}

export interface LsOptions {
  rev?: string;
  recursive?: boolean;
  cwd?: string;
  /** Remote to check (default: the default remote). */
  remote?: string;
}

type Pending = Omit<LsEntry, 'inCache' | 'onRemote'> & { treeOid?: string };

export async function ls(repo: Repo, path: string | undefined, opts: LsOptions = {}): Promise<LsResult> {
  const cwd = opts.cwd ?? process.cwd();
  const { artifacts, commit } = await artifactsAtRev(repo, opts.rev);
  const where = opts.rev === undefined ? 'in the workspace' : `at '${opts.rev}'`;
  const rel = repoPathOrRoot(repo, path, cwd);
  const source = new ObjectSource(repo, { remote: opts.remote });
  const pending: Pending[] = [];
  try {
    const lister = new Lister(repo, source, opts.recursive === true, pending);
    const sorted = [...artifacts].sort((a, b) => (a.dataRel < b.dataRel ? -1 : a.dataRel > b.dataRel ? 1 : 0));
    const exact = rel === undefined ? undefined : sorted.find((a) => a.dataRel === rel || a.pointerRel === rel);
    const containing = rel === undefined || exact ? undefined : sorted.find((a) => a.pointer.kind === 'dir' && rel.startsWith(a.dataRel + '/'));
    if (rel === undefined) {
      for (const a of sorted) await lister.artifact(a, opts.recursive === true);
    } else if (exact) {
      if (exact.pointer.kind === 'file') lister.fileArtifact(exact);
      else await lister.children(exact, exact.dataRel, exact.pointer.oid);
    } else if (containing) {
      const sub = rel.slice(containing.dataRel.length + 1);
      const found = await lister.find(containing, sub);
      if (!found) throw notTracked(path!, `${where} (not in the folder ${containing.dataRel})`);
      if (found.type === 'f') lister.file(containing, rel, found);
      else await lister.children(containing, rel, repo.store.oid(found.hex));
    } else {
      const below = sorted.filter((a) => a.pointerRel.startsWith(rel + '/'));
      if (below.length === 0) throw notTracked(path!, where);
      for (const a of below) await lister.artifact(a, opts.recursive === true);
    }
  } finally {
    await source.close();
  }
  const entries = await cacheState(repo, pending);
  const remote = await remoteState(repo, entries, pending, opts.remote);
  return { rev: opts.rev ?? null, commit: commit ?? null, remote, entries };
}

function notTracked(path: string, where: string): MlvError {
  return new MlvError('NOT_TRACKED', `'${path}' is not tracked by mlv ${where}`, {
    hint: 'run `mlv ls` (with the same --rev) without a path to see what is tracked',
  });
}

/** Repo-relative path of a user path, or undefined for the repo root. */
function repoPathOrRoot(repo: Repo, path: string | undefined, cwd: string): string | undefined {
  if (path === undefined) return undefined;
  const r = relative(repo.root, resolve(cwd, path));
  if (r === '') return undefined;
  return toRepoPath(repo, path, cwd).split(sep).join('/');
}

class Lister {
  constructor(
    private readonly repo: Repo,
    private readonly source: ObjectSource,
    private readonly recursive: boolean,
    private readonly out: Pending[],
  ) {}

  fileArtifact(a: Artifact): void {
    this.out.push({ path: a.dataRel, type: 'file', tracked: true, artifact: a.dataRel, size: a.pointer.size, oid: a.pointer.oid, exec: a.pointer.exec === true });
  }

  file(a: Artifact, path: string, e: TreeEntry & { type: 'f' }): void {
    this.out.push({ path, type: 'file', tracked: false, artifact: a.dataRel, size: e.size, oid: this.repo.store.oid(e.hex), exec: e.mode === 755 });
  }

  async artifact(a: Artifact, withFiles: boolean): Promise<void> {
    if (a.pointer.kind === 'file') {
      this.fileArtifact(a);
      return;
    }
    this.out.push({ path: a.dataRel, type: 'dir', tracked: true, artifact: a.dataRel, size: a.pointer.size, files: a.pointer.files, oid: a.pointer.oid, treeOid: a.pointer.oid });
    if (withFiles) await this.children(a, a.dataRel, a.pointer.oid);
  }

  /** The entry at `sub` (folder-relative) inside folder artifact `a`, or undefined. */
  async find(a: Artifact, sub: string): Promise<TreeEntry | undefined> {
    let treeOid = a.pointer.oid;
    const parts = sub.split('/');
    for (const [i, name] of parts.entries()) {
      const e = (await this.source.readTree(treeOid)).find((x) => x.name === name);
      if (!e) return undefined;
      if (i === parts.length - 1) return e;
      if (e.type !== 'd') return undefined;
      treeOid = this.repo.store.oid(e.hex);
    }
    return undefined;
  }

  /** The entries of a folder: its children, or with -R every file and folder below it. */
  async children(a: Artifact, path: string, treeOid: string): Promise<void> {
    for (const e of await this.source.readTree(treeOid)) {
      const p = `${path}/${e.name}`;
      if (e.type === 'f') this.file(a, p, e);
      else {
        const oid = this.repo.store.oid(e.hex);
        this.out.push({ path: p, type: 'dir', tracked: false, artifact: a.dataRel, size: e.size, files: e.files, oid, treeOid: oid });
        if (this.recursive) await this.children(a, p, oid);
      }
    }
  }
}

/** Whether each entry's bytes are in the cache (for folders: every file and tree below). */
async function cacheState(repo: Repo, pending: Pending[]): Promise<LsEntry[]> {
  const objectsOf = new Map<number, string[] | undefined>();
  const all: string[] = [];
  for (const [i, p] of pending.entries()) {
    if (p.type === 'file') {
      all.push(p.oid);
      continue;
    }
    try {
      const { fileInfos, treeHexes } = await readTreeFlat(repo, hexOf(p.oid));
      const oids = [...treeHexes.map((h) => repo.store.oid(h)), ...[...fileInfos.values()].map((f) => repo.store.oid(f.hex))];
      objectsOf.set(i, oids);
      all.push(...oids);
    } catch (err) {
      if (!(err instanceof MlvError)) throw err;
      objectsOf.set(i, undefined); // a listing is missing or bad: not (wholly) in the cache
    }
  }
  const present = await repo.store.presentSet(all);
  return pending.map((p, i) => {
    const { treeOid: _t, ...entry } = p;
    const inCache = p.type === 'file' ? present.has(p.oid) : (objectsOf.get(i)?.every((o) => present.has(o)) ?? false);
    return { ...entry, inCache, onRemote: null };
  });
}

async function remoteState(repo: Repo, entries: LsEntry[], pending: Pending[], requested?: string): Promise<LsResult['remote']> {
  let name: string;
  try {
    name = chooseRemoteName(repo, requested);
  } catch (err) {
    if (requested !== undefined) throw err;
    return { name: null, state: 'none', message: err instanceof MlvError ? err.message : String(err) };
  }
  try {
    const remote = await openRepoRemote(repo, name);
    try {
      const keys = await remote.hasMany([...new Set(pending.map((p) => objectKey(p.treeOid ?? p.oid)))]);
      for (const [i, e] of entries.entries()) e.onRemote = keys.has(objectKey(pending[i]!.treeOid ?? pending[i]!.oid));
    } finally {
      await remote.close();
    }
    return { name, state: 'checked' };
  } catch (err) {
    return { name, state: 'unreachable', message: err instanceof MlvError ? err.message : String(err) };
  }
}
