/**
 * `mlv diff [<rev-a> [<rev-b>]] [targets]`: data changes between two revisions, or a revision (default
 * HEAD) and the workspace. Artifacts are paired by data path: added, deleted, modified, or renamed (same
 * oid at a new path); inside tracked folders the trees are compared with `diffTrees`, which skips
 * identical sub-folders by hash. The workspace side is the data on disk (hashed through the stat index,
 * like `status`), not just the pointers. Read-only: no lock, nothing written but the stat index.
 */
import { existsSync, lstatSync } from 'node:fs';
import { MlvError } from '../errors.js';
import { silentReporter, type Reporter } from '../events.js';
import { HistoryReader } from '../git/history.js';
import { formatOid, hexOf } from '../objects/oid.js';
import { listArtifacts, toRepoPath, type Artifact } from '../workspace/artifacts.js';
import type { Repo } from '../workspace/repo.js';
import { snapshotDir, snapshotFile, type SnapshotContext } from '../workspace/snapshot.js';
import { StatIndex } from '../workspace/stat-index.js';
import { countChanges, diffTrees, TreeReader, type FileChanges } from '../workspace/tree-diff.js';

export interface ArtifactSide {
  /** Repo-relative pointer path. */
  pointer: string;
  kind: 'file' | 'dir';
  oid: string;
  size: number;
  /** Folders: number of files. */
  files?: number;
  exec?: boolean;
}

export type DiffChange = 'added' | 'deleted' | 'modified' | 'renamed';

export interface DiffEntry {
  /** Data path (the new one for renames, the old one for deletions). */
  path: string;
  change: DiffChange;
  /** Renamed artifacts: the old data path. */
  from?: string;
  before?: ArtifactSide;
  after?: ArtifactSide;
  /** Folders on both sides: file-level changes, when both folder listings (trees) are readable. */
  files?: FileChanges;
  /** Why `files` is missing for a modified folder (e.g. a tree not in the cache). */
  incomplete?: string;
}

export interface DiffResult {
  from: { rev: string; commit: string };
  /** `workspace: true` when the second side is the data on disk. */
  to: { rev?: string; commit?: string; workspace: boolean };
  entries: DiffEntry[];
  /** Tree objects read from the cache (identical sub-folders are never read). */
  treeReads: number;
}

export interface DiffOptions {
  reporter?: Reporter;
  cwd?: string;
}

/** One side's artifact, plus the in-memory trees of a workspace folder snapshot. */
interface Side {
  dataRel: string;
  side: ArtifactSide;
  trees?: Map<string, Buffer>;
}

export async function diff(repo: Repo, revs: string[], targets: string[] = [], opts: DiffOptions = {}): Promise<DiffResult> {
  if (revs.length > 2) throw new MlvError('USAGE', 'mlv diff takes at most two revisions', { exitCode: 2 });
  const history = new HistoryReader(repo.root);
  const fromRev = revs[0] ?? 'HEAD';
  const fromCommit = await history.resolveRev(fromRev);
  const filter = targetFilter(repo, targets, opts.cwd);
  const before = (await history.artifactsAt(fromCommit, fromRev)).filter((a) => filter.keeps(a)).map(sideOf);
  let after: Side[];
  let to: DiffResult['to'];
  if (revs[1] !== undefined) {
    const toCommit = await history.resolveRev(revs[1]);
    after = (await history.artifactsAt(toCommit, revs[1])).filter((a) => filter.keeps(a)).map(sideOf);
    to = { rev: revs[1], commit: toCommit, workspace: false };
  } else {
    after = await workspaceSides(repo, (await listArtifacts(repo)).filter((a) => filter.keeps(a)), opts.reporter ?? silentReporter);
    to = { workspace: true };
  }
  if (targets.length > 0 && before.length === 0 && after.length === 0) {
    throw new MlvError('NOT_TRACKED', `nothing tracked by mlv matches ${targets.map((t) => `'${t}'`).join(', ')} on either side`, {
      hint: 'name tracked paths, pointer files, or folders holding them (`mlv status` lists what is tracked)',
    });
  }
  const reader = new TreeReader(repo.store);
  for (const s of after) if (s.trees) reader.addOverlay(s.trees);
  const entries = await pairSides(reader, before, after, filter.under);
  return { from: { rev: fromRev, commit: fromCommit }, to, entries, treeReads: reader.reads };
}

function sideOf(a: Artifact): Side {
  const p = a.pointer;
  return {
    dataRel: a.dataRel,
    side: { pointer: a.pointerRel, kind: p.kind, oid: p.oid, size: p.size, ...(p.kind === 'dir' ? { files: p.files } : {}), ...(p.exec ? { exec: true } : {}) },
  };
}

/** The workspace's data for each pointer: hashed (stat index first); absent data counts as deleted. */
async function workspaceSides(repo: Repo, artifacts: Artifact[], reporter: Reporter): Promise<Side[]> {
  const index = StatIndex.forRepo(repo);
  const ctx: SnapshotContext = { repo, index, reporter };
  const out: Side[] = [];
  try {
    for (const a of artifacts) {
      const abs = `${repo.root}/${a.dataRel}`;
      if (!existsSync(abs)) continue;
      const isDir = lstatSync(abs).isDirectory();
      if (isDir) {
        const snap = await snapshotDir(ctx, a.dataRel);
        out.push({
          dataRel: a.dataRel,
          side: { pointer: a.pointerRel, kind: 'dir', oid: formatOid(repo.store.algo, snap.hex), size: snap.size, files: snap.files },
          trees: snap.trees,
        });
      } else {
        const snap = await snapshotFile(ctx, a.dataRel);
        out.push({
          dataRel: a.dataRel,
          side: { pointer: a.pointerRel, kind: 'file', oid: formatOid(repo.store.algo, snap.hex), size: snap.size, ...(snap.exec ? { exec: true } : {}) },
        });
      }
    }
  } finally {
    index.save();
  }
  return out;
}

/** Pairs artifacts by data path, then unpaired ones with equal oids as renames. */
async function pairSides(reader: TreeReader, before: Side[], after: Side[], under: Map<string, string | undefined>): Promise<DiffEntry[]> {
  const entries: DiffEntry[] = [];
  const afterByPath = new Map(after.map((s) => [s.dataRel, s]));
  const deleted: Side[] = [];
  for (const b of before) {
    const a = afterByPath.get(b.dataRel);
    if (!a) {
      deleted.push(b);
      continue;
    }
    afterByPath.delete(b.dataRel);
    const e = await compareSides(reader, b.dataRel, b.side, a.side, under.get(b.dataRel));
    if (e) entries.push(e);
  }
  const added = [...afterByPath.values()];
  for (const d of deleted) {
    const i = added.findIndex((a) => a.side.oid === d.side.oid && a.side.kind === d.side.kind);
    if (i >= 0) {
      const a = added.splice(i, 1)[0]!;
      entries.push({ path: a.dataRel, change: 'renamed', from: d.dataRel, before: d.side, after: a.side });
    } else entries.push({ path: d.dataRel, change: 'deleted', before: d.side });
  }
  for (const a of added) entries.push({ path: a.dataRel, change: 'added', after: a.side });
  return entries.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}

/**
 * The change of one artifact between two sides (undefined when identical). Folders on both sides get a
 * file-level diff when their trees are readable (else `incomplete` says why). `under` narrows a folder
 * diff to a path inside it.
 */
export async function compareSides(
  reader: TreeReader | undefined,
  path: string,
  before: ArtifactSide | undefined,
  after: ArtifactSide | undefined,
  under?: string,
): Promise<DiffEntry | undefined> {
  if (!before && !after) return undefined;
  if (!before) return { path, change: 'added', after };
  if (!after) return { path, change: 'deleted', before };
  if (before.oid === after.oid && before.kind === after.kind && (before.exec ?? false) === (after.exec ?? false)) return undefined;
  const entry: DiffEntry = { path, change: 'modified', before, after };
  if (before.kind !== 'dir' || after.kind !== 'dir') return entry;
  if (!reader) {
    entry.incomplete = 'no mlv cache to read the folder listings from';
    return entry;
  }
  const missing = [before, after].filter((s) => !reader.has(hexOf(s.oid)));
  if (missing.length > 0) {
    entry.incomplete = `the folder listing (tree ${missing.map((s) => s.oid).join(', ')}) is not in the cache; \`mlv fetch\` downloads it`;
    return entry;
  }
  try {
    entry.files = await diffTrees(reader, hexOf(before.oid), hexOf(after.oid), under);
  } catch (err) {
    if (err instanceof MlvError && (err.code === 'OBJECT_MISSING' || err.code === 'OBJECT_CORRUPT' || err.code === 'TREE_INVALID')) {
      entry.incomplete = err.message;
      return entry;
    }
    throw err;
  }
  if (under !== undefined && countChanges(entry.files) === 0) return undefined;
  return entry;
}

/** Which artifacts the targets name, and for targets inside a tracked folder, the path inside it. */
function targetFilter(repo: Repo, targets: string[], cwd?: string) {
  const rels = targets.map((t) => toRepoPath(repo, t, cwd));
  const under = new Map<string, string | undefined>();
  const keeps = (a: Artifact): boolean => {
    if (rels.length === 0) return true;
    for (const t of rels) {
      if (t === a.dataRel || t === a.pointerRel || a.dataRel.startsWith(t + '/')) {
        under.set(a.dataRel, undefined);
        return true;
      }
      if (a.pointer.kind === 'dir' && t.startsWith(a.dataRel + '/')) {
        if (!under.has(a.dataRel)) under.set(a.dataRel, t.slice(a.dataRel.length + 1));
        return true;
      }
    }
    return false;
  };
  return { keeps, under };
}

/**
 * Splits `mlv diff` arguments into revisions and targets, as Git does: up to two leading arguments that
 * name commits and are not paths in the work tree are revisions; everything after `--` is a target.
 * An argument that is both a revision and a path is ambiguous and refused.
 */
export async function splitDiffArgs(repo: Repo, args: string[], cwd = process.cwd()): Promise<{ revs: string[]; targets: string[] }> {
  const dash = args.indexOf('--');
  const head = dash >= 0 ? args.slice(0, dash) : args;
  const tail = dash >= 0 ? args.slice(dash + 1) : [];
  const history = new HistoryReader(repo.root);
  const revs: string[] = [];
  let i = 0;
  for (; i < head.length && revs.length < 2; i++) {
    const arg = head[i]!;
    let isRev = true;
    try {
      await history.resolveRev(arg);
    } catch {
      isRev = false;
    }
    if (!isRev) break;
    if (dash < 0 && existsSync(`${cwd}/${arg}`)) {
      throw new MlvError('AMBIGUOUS_ARGUMENT', `'${arg}' is both a revision and a path`, {
        hint: `put revisions before \`--\` and paths after it: \`mlv diff ${arg} --\` or \`mlv diff -- ${arg}\``,
        exitCode: 2,
      });
    }
    revs.push(arg);
  }
  if (dash >= 0 && i < head.length) {
    throw new MlvError('UNKNOWN_REVISION', `unknown revision '${head[i]}'`, {
      hint: 'use a branch, tag or commit that `git log --oneline --all` shows',
      exitCode: 1,
    });
  }
  return { revs, targets: [...head.slice(i), ...tail] };
}
