/**
 * Walks a tracked folder. This is the hot path of `status` and re-`add` on 100k-file datasets, so it is
 * a plain synchronous readdir + lstat loop: measured on 20,000 files it takes about half the time of
 * fast-glob with stats (fast-glob is used for glob targets, where its pattern matching is the point).
 */
import { readdirSync, lstatSync, readlinkSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { nameProblem } from '../objects/tree.js';

/**
 * What mlv needs to know about a regular file found by a walk. `fs.Stats` satisfies it; walks keep a
 * `RegularFileStat` instead, a third of the memory (100k retained Stats pushed `add` past 300 MB).
 */
export interface FileStat {
  dev: number;
  ino: number;
  mtimeMs: number;
  size: number;
  mode: number;
  nlink: number;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

class RegularFileStat implements FileStat {
  constructor(
    readonly dev: number,
    readonly ino: number,
    readonly mtimeMs: number,
    readonly size: number,
    readonly mode: number,
    readonly nlink: number,
  ) {}
  isFile(): boolean {
    return true;
  }
  isDirectory(): boolean {
    return false;
  }
  isSymbolicLink(): boolean {
    return false;
  }
}

function compact(st: Stats): FileStat {
  return new RegularFileStat(st.dev, st.ino, st.mtimeMs, st.size, st.mode, st.nlink);
}

export interface WalkResult {
  /** Folder-relative POSIX path → lstat (or stat, when following links) of each regular file. */
  files: Map<string, FileStat>;
  /** Folder-relative paths of every sub-folder (so empty folders are kept). */
  dirs: string[];
  /** Symbolic links found (not followed). */
  symlinks: string[];
  /** Names that cannot be stored in a tree, with the reason. */
  badNames: { path: string; problem: string }[];
  /** Sockets, FIFOs, devices: not data. */
  special: string[];
  /** Files whose content the `known` callback already knew (their Stats are not retained). */
  known: Map<string, KnownFile>;
  /** Symbolic links into the cache's objects (made by `cache.link: symlink`): path → object hex. */
  cacheLinks: Map<string, { hex: string; st: Stats }>;
}

export interface KnownFile {
  hex: string;
  size: number;
  exec: boolean;
}

export interface WalkOptions {
  followSymlinks?: boolean;
  /** Symbolic links into this folder are reported as `cacheLinks`. */
  cacheObjectsDir?: string;
  /**
   * Asked for each file as it is found; a file it knows goes to `known` and its Stats object is dropped
   * at once (on 100k files, retaining every Stats costs more in garbage collection than the lstat).
   */
  known?: (rel: string, st: Stats) => KnownFile | undefined;
}

export function walkDir(absRoot: string, opts: WalkOptions = {}): WalkResult {
  const result: WalkResult = { files: new Map(), dirs: [], symlinks: [], badNames: [], special: [], cacheLinks: new Map(), known: new Map() };
  const known = opts.known;
  const visited = new Set<string>();
  const visit = (abs: string, rel: string): void => {
    if (opts.followSymlinks) {
      const st = statSync(abs);
      const key = `${st.dev}:${st.ino}`;
      if (visited.has(key)) return; // a link cycle
      visited.add(key);
    }
    const entries = readdirSync(abs, { withFileTypes: true });
    for (const d of entries) {
      const name = d.name;
      const childRel = rel === '' ? name : `${rel}/${name}`;
      const childAbs = `${abs}/${name}`;
      const problem = nameProblem(name);
      if (problem) {
        result.badNames.push({ path: childRel, problem });
        continue;
      }
      if (d.isFile()) {
        const st = lstatSync(childAbs);
        const k = known?.(childRel, st);
        if (k) result.known.set(childRel, k);
        else result.files.set(childRel, compact(st));
      } else if (d.isDirectory()) {
        result.dirs.push(childRel);
        visit(childAbs, childRel);
      } else if (d.isSymbolicLink()) {
        const cached = opts.cacheObjectsDir ? cacheLinkTarget(childAbs, opts.cacheObjectsDir) : undefined;
        if (cached) {
          result.cacheLinks.set(childRel, cached);
          continue;
        }
        if (!opts.followSymlinks) {
          result.symlinks.push(childRel);
          continue;
        }
        let st: Stats;
        try {
          st = statSync(childAbs);
        } catch {
          result.symlinks.push(childRel); // dangling
          continue;
        }
        if (st.isFile()) result.files.set(childRel, compact(st));
        else if (st.isDirectory()) {
          result.dirs.push(childRel);
          visit(childAbs, childRel);
        } else result.special.push(childRel);
      } else {
        result.special.push(childRel);
      }
    }
  };
  visit(absRoot, '');
  return result;
}

/**
 * When `abs` is a symbolic link to an object in the cache, the object's hex and the stat of the object;
 * else undefined. `cacheObjectsDir` is the store's per-algorithm folder (`<cache>/objects/<algo>`), so a
 * link target below it is `<xx>/<rest>`.
 */
export function cacheLinkTarget(abs: string, cacheObjectsDir: string): { hex: string; st: Stats } | undefined {
  let target: string;
  try {
    target = readlinkSync(abs);
  } catch {
    return undefined;
  }
  const prefix = cacheObjectsDir.endsWith('/') ? cacheObjectsDir : cacheObjectsDir + '/';
  if (!target.startsWith(prefix)) return undefined;
  const parts = target.slice(prefix.length).split('/');
  if (parts.length !== 2 || parts[0]!.length !== 2) return undefined;
  try {
    return { hex: parts[0]! + parts[1]!, st: statSync(target) };
  } catch {
    return undefined;
  }
}

/** The lstat of `abs`, or undefined when nothing is there (a dangling symbolic link counts as there). */
export function lstatOrUndefined(abs: string): Stats | undefined {
  try {
    return lstatSync(abs);
  } catch {
    return undefined;
  }
}

/** Whether anything is at `abs`, a dangling symbolic link included (`existsSync` follows links). */
export function existsOrLink(abs: string): boolean {
  return lstatOrUndefined(abs) !== undefined;
}
