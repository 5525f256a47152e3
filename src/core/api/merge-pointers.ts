/**
 * The Git merge driver's work (`merge.mlv.driver`): a three-way merge of one pointer file.
 *
 * Folder pointers are merged file by file on their Merkle trees: at each level an entry both sides left
 * alone, or changed the same way, or only one side changed, is taken as is; sub-folders changed on both
 * sides are merged recursively; a file changed differently on both sides (including changed on one side
 * and deleted on the other) is a conflict. The merged trees are written to the cache and the merged
 * pointer is returned; `mlv checkout` (the post-merge hook) then brings the folder into the workspace.
 * File pointers whose content differs on both sides conflict.
 */
import { MlvError } from '../errors.js';
import { hexOf } from '../objects/oid.js';
import { parsePointer, serializePointer, type Pointer } from '../objects/pointer.js';
import { serializeTree, treeTotals, type TreeEntry } from '../objects/tree.js';
import { hashBytes } from '../objects/hash.js';
import { dataRelFor } from '../workspace/artifacts.js';
import type { Repo } from '../workspace/repo.js';
import { TreeReader } from '../workspace/tree-diff.js';

export interface PointerMergeResult {
  /** True when the merge is clean and `text` is the merged pointer. */
  merged: boolean;
  /** The merged pointer text (clean), or the file to leave in the work tree (conflict). */
  text: string;
  /** Conflicting paths: folder-relative files inside a folder, or the data path for a file pointer. */
  conflicts: string[];
  /** A one-line explanation of the conflict. */
  reason?: string;
  /** The data path the pointer describes. */
  dataPath: string;
  /** Tree objects written to the cache. */
  treesWritten: number;
}

interface Parsed {
  pointer: Pointer;
  text: string;
}

function parse(text: string | undefined, label: string): Parsed | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  return { pointer: parsePointer(text, label), text };
}

const sameContent = (a: Pointer | undefined, b: Pointer | undefined) =>
  a === b || (a !== undefined && b !== undefined && a.kind === b.kind && a.oid === b.oid && a.path === b.path && (a.exec ?? false) === (b.exec ?? false));

/**
 * Merges `ours` and `theirs` against their common `base` (undefined: no common version). `pointerRel`
 * names the file in messages.
 */
export async function mergePointers(
  repo: Repo,
  pointerRel: string,
  baseText: string | undefined,
  oursText: string,
  theirsText: string,
): Promise<PointerMergeResult> {
  let base: Parsed | undefined;
  let ours: Parsed | undefined;
  let theirs: Parsed | undefined;
  try {
    base = parse(baseText, `${pointerRel} (common ancestor)`);
    ours = parse(oursText, `${pointerRel} (ours)`);
    theirs = parse(theirsText, `${pointerRel} (theirs)`);
  } catch (err) {
    if (!(err instanceof MlvError)) throw err;
    return conflict(pointerRel, pointerRel, oursText, theirsText, [], `cannot merge: ${err.message}`);
  }
  if (!ours || !theirs) {
    return conflict(pointerRel, pointerRel, oursText, theirsText, [], 'one side deleted the pointer and the other changed it');
  }
  const dataPath = dataRelFor(pointerRel, theirs.pointer);
  const clean = (p: Parsed): PointerMergeResult => ({ merged: true, text: p.text, conflicts: [], dataPath, treesWritten: 0 });
  if (sameContent(ours.pointer, theirs.pointer)) return clean(ours);
  if (sameContent(base?.pointer, ours.pointer)) return clean(theirs);
  if (sameContent(base?.pointer, theirs.pointer)) return clean(ours);
  const o = ours.pointer;
  const t = theirs.pointer;
  const b = base?.pointer;
  if (o.kind !== 'dir' || t.kind !== 'dir' || (b !== undefined && b.kind !== 'dir') || o.path !== t.path) {
    const why = o.kind === 'file' && t.kind === 'file' ? `both sides changed the file (${o.oid} vs ${t.oid})` : 'both sides changed what the pointer tracks';
    return conflict(pointerRel, dataPath, oursText, theirsText, [dataPath], why);
  }
  const reader = new TreeReader(repo.store);
  const needed = [b, o, t].filter((p): p is Pointer => p !== undefined && !reader.has(hexOf(p.oid)));
  if (needed.length > 0) {
    return conflict(pointerRel, dataPath, oursText, theirsText, [], `the folder listings (trees) of ${needed.map((p) => p.oid).join(', ')} are not in the cache; run \`mlv fetch\` on both branches and merge again`);
  }
  const merger = new TreeMerger(repo, reader);
  const root = await merger.merge(b ? hexOf(b.oid) : undefined, hexOf(o.oid), hexOf(t.oid), '');
  if (merger.conflicts.length > 0) {
    return conflict(pointerRel, dataPath, oursText, theirsText, merger.conflicts, `both sides changed ${merger.conflicts.length} file(s) of ${dataPath}/ differently`);
  }
  const merged: Pointer = { ...o, oid: repo.store.oid(root.hex), size: root.size, files: root.files };
  return { merged: true, text: serializePointer(merged, ours.text), conflicts: [], dataPath, treesWritten: merger.written };
}


/** The conflicted file left in the work tree: both pointers between Git-style markers, with the reason. */
function conflict(pointerRel: string, dataPath: string, oursText: string, theirsText: string, conflicts: string[], reason: string): PointerMergeResult {
  const nl = (s: string) => (s.endsWith('\n') || s === '' ? s : s + '\n');
  const lines = [`# mlv: merge conflict in ${pointerRel}: ${reason}`];
  for (const c of conflicts.slice(0, 200)) lines.push(`#   ${c}`);
  if (conflicts.length > 200) lines.push(`#   … and ${conflicts.length - 200} more`);
  lines.push(`# Resolve: \`git checkout --ours ${pointerRel}\` or \`--theirs\`, or fix the data and \`mlv add\` it; then \`git add ${pointerRel}\`.`);
  const text = `${lines.join('\n')}\n<<<<<<< ours\n${nl(oursText)}=======\n${nl(theirsText)}>>>>>>> theirs\n`;
  return { merged: false, text, conflicts, reason, dataPath, treesWritten: 0 };
}

interface Merged {
  hex: string;
  size: number;
  files: number;
}

const sameEntry = (a: TreeEntry | undefined, b: TreeEntry | undefined) =>
  a === b || (a !== undefined && b !== undefined && a.type === b.type && a.hex === b.hex && (a.type !== 'f' || a.mode === (b as typeof a).mode));

class TreeMerger {
  readonly conflicts: string[] = [];
  written = 0;

  constructor(
    private readonly repo: Repo,
    private readonly reader: TreeReader,
  ) {}

  async merge(base: string | undefined, ours: string, theirs: string, prefix: string): Promise<Merged> {
    const [b, o, t] = await Promise.all([base ? this.reader.read(base) : [], this.reader.read(ours), this.reader.read(theirs)]);
    const byName = (list: TreeEntry[]) => new Map(list.map((e) => [e.name, e]));
    const bm = byName(b);
    const om = byName(o);
    const tm = byName(t);
    const names = new Set([...bm.keys(), ...om.keys(), ...tm.keys()]);
    const out: TreeEntry[] = [];
    for (const name of names) {
      const be = bm.get(name);
      const oe = om.get(name);
      const te = tm.get(name);
      const path = prefix === '' ? name : `${prefix}/${name}`;
      let pick: TreeEntry | undefined;
      if (sameEntry(oe, te)) pick = oe;
      else if (sameEntry(be, oe)) pick = te;
      else if (sameEntry(be, te)) pick = oe;
      else if (oe?.type === 'd' && te?.type === 'd' && (be === undefined || be.type === 'd')) {
        const m = await this.merge(be?.hex, oe.hex, te.hex, path);
        pick = { type: 'd', name, hex: m.hex, size: m.size, files: m.files };
      } else {
        await this.recordConflict(be, oe, te, path);
        pick = oe ?? te;
      }
      if (pick) out.push(pick);
    }
    const bytes = serializeTree(out);
    const hex = await hashBytes(this.repo.store.algo, bytes);
    if ((await this.repo.store.addBytes(bytes, hex)).written) this.written++;
    return { hex, ...treeTotals(out) };
  }

  /** Lists the conflicting files (a whole folder on one side lists its files). */
  private async recordConflict(be: TreeEntry | undefined, oe: TreeEntry | undefined, te: TreeEntry | undefined, path: string): Promise<void> {
    const files = new Set<string>();
    for (const e of [be, oe, te]) {
      if (!e) continue;
      if (e.type === 'f') files.add(path);
      else for (const f of await this.reader.listFiles(e.hex, path)) files.add(f.path);
    }
    // Only files that actually differ between the two sides are conflicts.
    const sideFiles = async (e: TreeEntry | undefined) => {
      const m = new Map<string, string>();
      if (!e) return m;
      if (e.type === 'f') m.set(path, `${e.hex}:${e.mode}`);
      else for (const f of await this.reader.listFiles(e.hex, path)) m.set(f.path, `${f.hex}:${f.exec}`);
      return m;
    };
    const om = await sideFiles(oe);
    const tm = await sideFiles(te);
    for (const f of [...files].sort()) if (om.get(f) !== tm.get(f)) this.conflicts.push(f);
    if (files.size === 0) this.conflicts.push(path + '/');
  }
}
