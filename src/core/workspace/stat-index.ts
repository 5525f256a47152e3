/**
 * The stat index (DESIGN §6): repo-relative path → (device, inode, mtime, size) → content hash, so that
 * unchanged files are never rehashed by add, commit, status or checkout. It lives in `.mlv/tmp/` and
 * deleting it only costs time.
 *
 * Racy-clean guard (as Git does): an entry is trusted only when the file's mtime is older than the time
 * the index was written. A file modified in the same timestamp tick as its indexing has the same stat
 * but may have different bytes, so such entries are rehashed next time (and then become trusted).
 *
 * mtime is kept as Node's `mtimeMs` (a double with sub-microsecond resolution at today's dates): reading
 * BigInt stats for true nanoseconds costs ~40% more per file, and the racy guard covers the gap.
 *
 * The file (version 2) is stored in columns — all paths, then all stat numbers, then all hashes as one
 * string — because `status` of a 20,000-file folder reads it on every run: parsing it as one small array
 * per path (version 1) took 22 ms and left 20,000 objects to the garbage collector; columns take 11 ms.
 * A version 1 file is still read.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync, renameSync, mkdirSync } from 'node:fs';
import type { FileStat } from './walk.js';

/** The stat fields the index compares (fs.Stats and walk records both have them). */
type StatLike = Pick<FileStat, 'dev' | 'ino' | 'mtimeMs' | 'size'>;
import { join } from 'node:path';

/** Version 1 (still read): one [dev, ino, mtimeMs, size, hex] array per path. */
type EntryV1 = [dev: number, ino: number, mtimeMs: number, size: number, hex: string];
type IndexFileV1 = Omit<IndexFile, 'version' | 'paths' | 'stats' | 'hexes'> & { version: 1; entries: Record<string, EntryV1> };

interface IndexFile {
  version: 2;
  algo: string;
  /** Repo-relative paths; entry i is paths[i]. */
  paths: string[];
  /** STAT_FIELDS numbers per entry: dev, ino, mtimeMs, size. */
  stats: number[];
  /** The entries' hashes, concatenated (each is the algorithm's hex length). */
  hexes: string;
  /** Tree hexes whose every object was seen in the cache (lets status skip 100k existence checks). */
  complete?: string[];
  /** `cacheStamp` of the cache's objects folder when `complete` was written; the claims hold only while it matches. */
  cacheStamp?: string;
}

const STAT_FIELDS = 4;
const HEX_LENGTH: Record<string, number> = { xxh128: 32, sha256: 64 };

/**
 * A fingerprint of the cache's `objects/<algo>` folder: the names and mtimes of its two-hex-digit
 * sub-folders (at most 256 stats). Deleting an object changes its folder's mtime, so completeness claims
 * recorded under another stamp are not trusted: an object removed by hand, by another repo sharing the
 * cache or by a future gc makes status check again instead of reporting data as safe that is gone.
 */
export function cacheStamp(objectsDir: string): string {
  let names: string[];
  try {
    names = readdirSync(objectsDir).sort();
  } catch {
    return 'absent';
  }
  const h = createHash('sha1');
  for (const n of names) {
    try {
      const st = statSync(join(objectsDir, n));
      h.update(`${n}\0${st.ino}\0${st.mtimeMs}\n`);
    } catch {
      h.update(`${n}\0-\n`);
    }
  }
  return h.digest('hex');
}

export class StatIndex {
  /** Path → entry number; an entry's stat numbers are stats[n * STAT_FIELDS …] and its hash is hexAt(n). */
  private readonly at = new Map<string, number>();
  private readonly stats: number[];
  /** The hashes as loaded, concatenated; entries recorded since are in `newHexes`. */
  private readonly loadedHexes: string;
  private readonly newHexes = new Map<number, string>();
  private readonly hexLength: number;
  private readonly complete: Set<string>;
  private dirty = false;
  /** mtime of the index file when it was read; entries at or after it are racy. */
  private writtenAtMs: number;
  private objectsDir: string | undefined;

  private constructor(
    private readonly file: string,
    private readonly algo: string,
    columns: { paths: string[]; stats: number[]; hexes: string },
    writtenAtMs: number,
    complete: string[] = [],
    objectsDir?: string,
  ) {
    for (let i = 0; i < columns.paths.length; i++) this.at.set(columns.paths[i]!, i);
    this.stats = columns.stats;
    this.loadedHexes = columns.hexes;
    this.hexLength = HEX_LENGTH[algo] ?? 64;
    this.complete = new Set(complete);
    this.writtenAtMs = writtenAtMs;
    this.objectsDir = objectsDir;
  }

  /** The index of `repo`, with the completeness claims about its cache. */
  static forRepo(repo: { tmpDir: string; store: { algo: string; objectsDir: string } }): StatIndex {
    return StatIndex.load(repo.tmpDir, repo.store.algo, repo.store.objectsDir);
  }

  /**
   * @param objectsDir the cache's `objects/<algo>` folder. Completeness claims are kept only when it is
   *   given and unchanged since they were written (see `cacheStamp`); without it they are dropped.
   */
  static load(tmpDir: string, algo: string, objectsDir?: string): StatIndex {
    const file = join(tmpDir, 'stat-index.json');
    try {
      const st = statSync(file);
      const data = JSON.parse(readFileSync(file, 'utf8')) as IndexFile | IndexFileV1;
      const columns = data.algo === algo ? readColumns(data, HEX_LENGTH[algo] ?? 64) : undefined;
      if (columns) {
        let complete = Array.isArray(data.complete) ? data.complete : [];
        if (complete.length > 0 && (!objectsDir || data.cacheStamp !== cacheStamp(objectsDir))) complete = [];
        return new StatIndex(file, algo, columns, st.mtimeMs, complete, objectsDir);
      }
    } catch {
      // Missing or unreadable: start empty (it only costs rehashing).
    }
    return new StatIndex(file, algo, { paths: [], stats: [], hexes: '' }, 0, [], objectsDir);
  }

  private hexAt(n: number): string {
    return this.newHexes.get(n) ?? this.loadedHexes.slice(n * this.hexLength, (n + 1) * this.hexLength);
  }

  /** The hash recorded for `rel` if the file's stat still matches and the entry is not racy. */
  lookup(rel: string, st: StatLike): string | undefined {
    const n = this.at.get(rel);
    if (n === undefined) return undefined;
    const o = n * STAT_FIELDS;
    const s = this.stats;
    if (s[o + 3] !== st.size || s[o + 2] !== st.mtimeMs || s[o + 1] !== st.ino || s[o] !== st.dev) return undefined;
    if (st.mtimeMs >= this.writtenAtMs) return undefined;
    return this.hexAt(n);
  }

  /** Records the hash of `rel` as observed with stat `st` (taken before reading the bytes). */
  record(rel: string, st: StatLike, hex: string): void {
    let n = this.at.get(rel);
    const s = this.stats;
    if (n !== undefined) {
      const o = n * STAT_FIELDS;
      if (s[o + 3] === st.size && s[o + 2] === st.mtimeMs && s[o + 1] === st.ino && s[o] === st.dev && this.hexAt(n) === hex) return;
    } else {
      n = s.length / STAT_FIELDS;
      this.at.set(rel, n);
    }
    const o = n * STAT_FIELDS;
    s[o] = st.dev;
    s[o + 1] = st.ino;
    s[o + 2] = st.mtimeMs;
    s[o + 3] = st.size;
    this.newHexes.set(n, hex);
    this.dirty = true;
  }

  forget(rel: string): void {
    if (this.at.delete(rel)) this.dirty = true; // its numbers stay in the columns until the next save
  }

  /** Whether any completeness claim survived loading (none after the cache changed). */
  hasCompleteClaims(): boolean {
    return this.complete.size > 0;
  }

  /** Whether every object of tree `hex` was seen in the cache (see `markComplete`). */
  isComplete(hex: string): boolean {
    return this.complete.has(hex);
  }

  markComplete(hex: string): void {
    if (this.complete.has(hex)) return;
    this.complete.add(hex);
    this.dirty = true;
  }

  /** Forget completeness claims (after objects were removed from the cache). */
  clearComplete(): void {
    if (this.complete.size === 0) return;
    this.complete.clear();
    this.dirty = true;
  }

  /** Forgets every entry at or below the folder `rel`. */
  forgetUnder(rel: string): void {
    const prefix = rel + '/';
    for (const key of this.at.keys()) {
      if (key === rel || key.startsWith(prefix)) {
        this.at.delete(key);
        this.dirty = true;
      }
    }
  }

  /** Writes the index atomically when something changed. Failures are ignored: the index is a cache. */
  save(): void {
    if (!this.dirty) return;
    try {
      mkdirSync(join(this.file, '..'), { recursive: true });
      const data: IndexFile = { version: 2, algo: this.algo, paths: [], stats: [], hexes: '' };
      const hexes: string[] = [];
      for (const [path, n] of this.at) {
        const o = n * STAT_FIELDS;
        data.paths.push(path);
        data.stats.push(this.stats[o]!, this.stats[o + 1]!, this.stats[o + 2]!, this.stats[o + 3]!);
        hexes.push(this.hexAt(n));
      }
      data.hexes = hexes.join('');
      if (this.complete.size > 0 && this.objectsDir) {
        data.complete = [...this.complete];
        data.cacheStamp = cacheStamp(this.objectsDir);
      }
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(data));
      renameSync(tmp, this.file);
      this.writtenAtMs = statSync(this.file).mtimeMs;
      this.dirty = false;
    } catch {
      // A full disk or read-only .mlv/tmp only means files are rehashed next time.
    }
  }
}

/** The columns of an index file, or undefined when it is not one this version can use. */
function readColumns(
  data: IndexFile | IndexFileV1,
  hexLength: number,
): { paths: string[]; stats: number[]; hexes: string } | undefined {
  if (data.version === 2) {
    const { paths, stats, hexes } = data;
    const n = Array.isArray(paths) ? paths.length : -1;
    const consistent = n >= 0 && Array.isArray(stats) && stats.length === n * STAT_FIELDS && typeof hexes === 'string' && hexes.length === n * hexLength;
    return consistent ? { paths, stats, hexes } : undefined;
  }
  if (data.version === 1 && data.entries && typeof data.entries === 'object') {
    const columns = { paths: [] as string[], stats: [] as number[], hexes: '' };
    const hexes: string[] = [];
    for (const [path, e] of Object.entries(data.entries)) {
      if (!Array.isArray(e) || typeof e[4] !== 'string' || e[4].length !== hexLength) continue;
      columns.paths.push(path);
      columns.stats.push(e[0], e[1], e[2], e[3]);
      hexes.push(e[4]);
    }
    columns.hexes = hexes.join('');
    return columns;
  }
  return undefined;
}
