/**
 * Tree objects (DESIGN §5): one per folder, canonical UTF-8 bytes
 *
 *   mlv-tree 1
 *   f\t<hex>\t<size>\t<mode>\t<name>      a file; mode 644 or 755
 *   d\t<hex>\t<size>\t<files>\t<name>     a sub-folder
 *
 * entries sorted by name as bytes. The tree's oid is the hash of these bytes.
 */
import { isHex } from './oid.js';

export interface FileEntry {
  type: 'f';
  name: string;
  hex: string;
  size: number;
  mode: 644 | 755;
}

export interface DirEntry {
  type: 'd';
  name: string;
  hex: string;
  size: number;
  files: number;
}

export type TreeEntry = FileEntry | DirEntry;

export const TREE_HEADER = 'mlv-tree 1';

/** Why a file or folder name cannot be stored in a tree, or undefined when it can. */
export function nameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the name is empty';
  if (name === '.' || name === '..') return `'${name}' is not a valid name`;
  if (name.includes('/')) return 'the name contains a slash';
  if (name.includes('\0')) return 'the name contains a NUL byte';
  if (name.includes('\t')) return 'the name contains a tab';
  if (name.includes('\n')) return 'the name contains a newline';
  if (name.includes('\r')) return 'the name contains a carriage return';
  return undefined;
}

/**
 * Orders names as their UTF-8 bytes would sort (= Unicode code point order) without encoding them:
 * UTF-16 code units already sort that way except that surrogates (astral characters) must come after
 * U+E000–U+FFFF.
 */
export function compareNames(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      const xs = x <= 0xdfff;
      const ys = y <= 0xdfff;
      if (xs !== ys) return xs ? 1 : -1;
    }
    return x - y;
  }
  return a.length - b.length;
}

/** Total bytes and files under a folder whose entries are `entries` (what its parent's entry records). */
export function treeTotals(entries: TreeEntry[]): { size: number; files: number } {
  let size = 0;
  let files = 0;
  for (const e of entries) {
    size += e.size;
    files += e.type === 'f' ? 1 : e.files;
  }
  return { size, files };
}

/** Any UTF-16 surrogate: names without one sort in code point order by plain string comparison. */
const SURROGATE = /[\ud800-\udfff]/;
const byPlainName = (x: TreeEntry, y: TreeEntry) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0);
const byName = (x: TreeEntry, y: TreeEntry) => compareNames(x.name, y.name);

export function serializeTree(entries: TreeEntry[]): Buffer {
  const sorted = [...entries].sort(entries.some((e) => SURROGATE.test(e.name)) ? byName : byPlainName);
  const lines = [TREE_HEADER];
  for (let i = 0; i < sorted.length; i++) {
    const e = sorted[i]!;
    if (i > 0 && sorted[i - 1]!.name === e.name) throw new Error(`duplicate tree entry '${e.name}'`);
    lines.push(
      e.type === 'f'
        ? `f\t${e.hex}\t${e.size}\t${e.mode}\t${e.name}`
        : `d\t${e.hex}\t${e.size}\t${e.files}\t${e.name}`,
    );
  }
  return Buffer.from(lines.join('\n') + '\n', 'utf8');
}

/** Parses canonical tree bytes; throws with a message naming `label` (usually the oid) on bad input. */
export function parseTree(bytes: Uint8Array, label: string, hexLen: number): TreeEntry[] {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  const lines = text.split('\n');
  if (lines[0] !== TREE_HEADER) throw new Error(`tree ${label}: missing '${TREE_HEADER}' header`);
  if (lines[lines.length - 1] !== '') throw new Error(`tree ${label}: does not end with a newline`);
  const entries: TreeEntry[] = [];
  for (let i = 1; i < lines.length - 1; i++) {
    const parts = lines[i]!.split('\t');
    const bad = (why: string) => new Error(`tree ${label}: line ${i + 1} ${why}`);
    if (parts.length !== 5) throw bad('does not have 5 tab-separated fields');
    const [type, hex, sizeText, third, name] = parts as [string, string, string, string, string];
    if (!isHex(hex, hexLen)) throw bad(`has a malformed hash '${hex}'`);
    const size = Number(sizeText);
    if (!/^\d+$/.test(sizeText) || !Number.isSafeInteger(size)) throw bad(`has a bad size '${sizeText}'`);
    const problem = nameProblem(name);
    if (problem) throw bad(`has a bad name: ${problem}`);
    if (type === 'f') {
      if (third !== '644' && third !== '755') throw bad(`has a bad mode '${third}'`);
      entries.push({ type: 'f', name, hex, size, mode: third === '755' ? 755 : 644 });
    } else if (type === 'd') {
      if (!/^\d+$/.test(third)) throw bad(`has a bad file count '${third}'`);
      entries.push({ type: 'd', name, hex, size, files: Number(third) });
    } else {
      throw bad(`has an unknown entry type '${type}'`);
    }
  }
  return entries;
}
