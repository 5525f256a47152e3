/**
 * File-level differences between two versions of a tracked folder, straight from their Merkle trees
 * (DESIGN §5): trees are compared level by level and the walk descends only into sub-folders whose
 * hashes differ, so two versions of a 100,000-file folder that differ in ten files read only the trees
 * on those ten files' paths. Shared by `mlv diff`, the Git diff driver and the merge driver.
 */
import { MlvError } from '../errors.js';
import { hexLength } from '../objects/oid.js';
import type { ObjectStore } from '../objects/store.js';
import { compareNames, parseTree, type TreeEntry } from '../objects/tree.js';
import { inSubpath } from './artifacts.js';

export interface FileRef {
  path: string;
  hex: string;
  size: number;
  exec: boolean;
}

export interface FileChanges {
  added: FileRef[];
  deleted: FileRef[];
  modified: { path: string; before: FileRef; after: FileRef }[];
  /** Same content (hash), new path: a deleted and an added file paired up. */
  renamed: { from: string; to: string; hex: string; size: number }[];
}

/**
 * Reads tree objects by hex: from an in-memory overlay first (trees of a workspace snapshot, or trees
 * being built by a merge), then from the object store, verified. Counts store reads (for benchmarks).
 */
export class TreeReader {
  reads = 0;
  private readonly memo = new Map<string, TreeEntry[]>();

  constructor(
    readonly store: ObjectStore,
    private readonly overlay: Map<string, Buffer> = new Map(),
  ) {}

  addOverlay(trees: Map<string, Buffer>): void {
    for (const [hex, bytes] of trees) this.overlay.set(hex, bytes);
  }

  /** Whether the tree can be read without a download. */
  has(hex: string): boolean {
    return this.memo.has(hex) || this.overlay.has(hex) || this.store.hasSync(this.store.oid(hex));
  }

  async read(hex: string): Promise<TreeEntry[]> {
    const memo = this.memo.get(hex);
    if (memo) return memo;
    const oid = this.store.oid(hex);
    let bytes = this.overlay.get(hex);
    if (!bytes) {
      bytes = await this.store.readVerified(oid);
      this.reads++;
    }
    let entries: TreeEntry[];
    try {
      entries = parseTree(bytes, oid, hexLength(this.store.algo));
    } catch (err) {
      throw new MlvError('TREE_INVALID', (err as Error).message, { hint: 'run `mlv cache verify`' });
    }
    this.memo.set(hex, entries);
    return entries;
  }

  /** Every file below a tree (for folders that exist on one side only). */
  async listFiles(hex: string, prefix: string, out: FileRef[] = []): Promise<FileRef[]> {
    for (const e of await this.read(hex)) {
      const path = join(prefix, e.name);
      if (e.type === 'f') out.push({ path, hex: e.hex, size: e.size, exec: e.mode === 755 });
      else await this.listFiles(e.hex, path, out);
    }
    return out;
  }
}

function join(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}/${name}`;
}

/** Whether the walk must look at `path` to report changes at or below `under`. */
function relevant(path: string, under: string | undefined): boolean {
  return inSubpath(path, under) || under!.startsWith(path + '/');
}

/**
 * File changes from tree `before` to tree `after` (hexes; undefined = no folder). With `under` (a
 * folder-relative path), only changes at or below it are reported and only trees on the way are read.
 */
export async function diffTrees(reader: TreeReader, before: string | undefined, after: string | undefined, under?: string): Promise<FileChanges> {
  const changes: FileChanges = { added: [], deleted: [], modified: [], renamed: [] };
  const addAll = async (e: TreeEntry, path: string, list: FileRef[]) => {
    if (e.type === 'f') {
      if (inSubpath(path, under)) list.push({ path, hex: e.hex, size: e.size, exec: e.mode === 755 });
      return;
    }
    for (const f of await reader.listFiles(e.hex, path)) if (inSubpath(f.path, under)) list.push(f);
  };
  const walk = async (a: TreeEntry[], b: TreeEntry[], prefix: string): Promise<void> => {
    let i = 0;
    let j = 0;
    while (i < a.length || j < b.length) {
      const x = a[i];
      const y = b[j];
      const c = x === undefined ? 1 : y === undefined ? -1 : compareNames(x.name, y.name);
      const name = c <= 0 ? x!.name : y!.name;
      const path = join(prefix, name);
      if (c < 0) i++;
      else if (c > 0) j++;
      else {
        i++;
        j++;
      }
      if (!relevant(path, under)) continue;
      if (c < 0) await addAll(x!, path, changes.deleted);
      else if (c > 0) await addAll(y!, path, changes.added);
      else if (x!.type === 'd' && y!.type === 'd') {
        if (x!.hex !== y!.hex) await walk(await reader.read(x!.hex), await reader.read(y!.hex), path);
      } else if (x!.type === 'f' && y!.type === 'f') {
        if ((x!.hex !== y!.hex || x!.mode !== y!.mode) && inSubpath(path, under)) {
          changes.modified.push({
            path,
            before: { path, hex: x!.hex, size: x!.size, exec: x!.mode === 755 },
            after: { path, hex: y!.hex, size: y!.size, exec: y!.mode === 755 },
          });
        }
      } else {
        // A file became a folder or the other way round.
        await addAll(x!, path, changes.deleted);
        await addAll(y!, path, changes.added);
      }
    }
  };
  if (before === after) return changes;
  await walk(before === undefined ? [] : await reader.read(before), after === undefined ? [] : await reader.read(after), '');
  pairRenames(changes);
  return changes;
}

/** Pairs deleted and added files with the same content into renames (in path order, one to one). */
export function pairRenames(changes: FileChanges): void {
  const deletedByHex = new Map<string, FileRef[]>();
  for (const d of changes.deleted) {
    let list = deletedByHex.get(d.hex);
    if (!list) deletedByHex.set(d.hex, (list = []));
    list.push(d);
  }
  const renamedFrom = new Set<FileRef>();
  const added: FileRef[] = [];
  for (const a of changes.added) {
    const from = deletedByHex.get(a.hex)?.shift();
    if (from) {
      renamedFrom.add(from);
      changes.renamed.push({ from: from.path, to: a.path, hex: a.hex, size: a.size });
    } else added.push(a);
  }
  changes.added = added;
  changes.deleted = changes.deleted.filter((d) => !renamedFrom.has(d));
}

export function countChanges(c: FileChanges): number {
  return c.added.length + c.deleted.length + c.modified.length + c.renamed.length;
}
