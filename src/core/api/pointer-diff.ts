/**
 * The Git diff driver's work (`diff.mlv.command`): the change between two versions of one pointer file,
 * as `mlv diff` would describe it — sizes and file counts from the pointers, and the files added,
 * deleted, modified and renamed inside a folder when both trees are in the cache.
 */
import { MlvError } from '../errors.js';
import { parsePointer } from '../objects/pointer.js';
import { dataRelFor } from '../workspace/artifacts.js';
import type { Repo } from '../workspace/repo.js';
import { TreeReader } from '../workspace/tree-diff.js';
import { compareSides, type ArtifactSide, type DiffEntry } from './diff.js';

export interface PointerDiff {
  /** The change; undefined when both versions describe the same content. */
  entry?: DiffEntry;
  /** When a side is not a readable pointer: why (the caller shows the texts instead). */
  invalid?: string;
}

/**
 * Compares two versions of the pointer at `pointerRel` (undefined text = the file does not exist on that
 * side). Without `repo` (not an mlv repo, or its config unreadable) only the pointers are compared.
 */
export async function diffPointerTexts(repo: Repo | undefined, pointerRel: string, oldText: string | undefined, newText: string | undefined): Promise<PointerDiff> {
  const sides: (ArtifactSide & { dataRel: string })[] = [];
  for (const text of [oldText, newText]) {
    if (text === undefined) continue;
    try {
      const p = parsePointer(text, pointerRel);
      sides.push({ pointer: pointerRel, dataRel: dataRelFor(pointerRel, p), kind: p.kind, oid: p.oid, size: p.size, ...(p.kind === 'dir' ? { files: p.files } : {}), ...(p.exec ? { exec: true } : {}) });
    } catch (err) {
      if (err instanceof MlvError) return { invalid: err.message };
      throw err;
    }
  }
  const before = oldText === undefined ? undefined : sides.shift();
  const after = newText === undefined ? undefined : sides.shift();
  const path = (after ?? before)?.dataRel ?? pointerRel;
  const reader = repo ? new TreeReader(repo.store) : undefined;
  return { entry: await compareSides(reader, path, strip(before), strip(after)) };
}

function strip(s: (ArtifactSide & { dataRel: string }) | undefined): ArtifactSide | undefined {
  if (!s) return undefined;
  const { dataRel: _, ...side } = s;
  return side;
}
