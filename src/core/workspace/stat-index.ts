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
 * Versions 1 and 2 are still read.
 *
 * Version 3 puts a small header line before those columns: the completeness claims and the *states* of
 * tracked paths — for a tracked folder, a fingerprint of everything a scan sees in it (every path, and
 * each file's device, inode, mtime, size and mode) with the tree it had then; for a tracked file, its
 * stat with its hash. When a new scan gives the same fingerprint, the folder's tree is known without
 * looking up 100k entries or building a Merkle tree, and the columns are never parsed: `status` and
 * re-`add` of an unchanged 20,000-file folder read the header alone. The racy guard covers states too:
 * a state is trusted only when its newest file mtime is older than the index file.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readdirSync, statSync, writeFileSync, renameSync, mkdirSync } from 'node:fs';
import { FILE_STATE_PREFIX, isFolderState, openStatIndexFile, STAT_INDEX_FILE, statesOf, type State } from './stat-index-file.js';
import type { FileStat } from './walk.js';
import { nativeHelper, type NativeHelper } from '../native.js';

/** The stat fields the index compares (fs.Stats and walk records both have them). */
type StatLike = Pick<FileStat, 'dev' | 'ino' | 'mtimeMs' | 'size'>;
import { join } from 'node:path';

/** Version 1 (still read): one [dev, ino, mtimeMs, size, hex] array per path. */
type EntryV1 = [dev: number, ino: number, mtimeMs: number, size: number, hex: string];
type IndexFileV1 = Omit<IndexFile, 'version' | 'paths' | 'stats' | 'hexes'> & { version: 1; entries: Record<string, EntryV1> };

/** Version 3, line 1 (line 2 holds the Columns). */
interface IndexHeader {
  version: 3;
  algo: string;
  /** Tree hexes whose every object was seen in the cache (lets status skip 100k existence checks). */
  complete?: string[];
  /** `cacheStamp` of the cache's objects folder when `complete` was written; the claims hold only while it matches. */
  cacheStamp?: string;
  /** Repo-relative tracked path → its State. */
  states?: Record<string, State>;
  /** The newest mtime among the columns' entries (when older than the file, none of them is racy). */
  newest?: number;
}

interface Columns {
  paths: string[];
  stats: number[];
  hexes: string;
}

/** Version 2: one JSON object. */
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
export function cacheStamp(objectsDir: string, native: NativeHelper | undefined = nativeHelper()): string {
  const entries = cacheFolderStats(objectsDir, native);
  if (!entries) return 'absent';
  const h = createHash('sha1');
  for (const [n, ino, mtimeMs] of entries) h.update(ino < 0 ? `${n}\0-\n` : `${n}\0${ino}\0${mtimeMs}\n`);
  return h.digest('hex');
}

/**
 * [name, ino, mtimeMs] of each entry of `dir` (links followed) by name (ino -1: gone before its stat);
 * undefined if unreadable. The native helper and the JavaScript fallback give the same (tested).
 */
function cacheFolderStats(dir: string, native: NativeHelper | undefined): [string, number, number][] | undefined {
  let entries: [string, number, number][];
  if (native) {
    // One call instead of 256 fs.statSync (~0.3 ms against ~3 ms, in every status and add).
    let listed;
    try {
      listed = native.statEntries(dir);
    } catch {
      return undefined;
    }
    entries = listed.names.map((n, i) => [n, listed.stats[i * 2]!, listed.stats[i * 2 + 1]!]);
  } else {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return undefined;
    }
    entries = names.map((n) => {
      try {
        const st = statSync(join(dir, n));
        return [n, st.ino, st.mtimeMs];
      } catch {
        return [n, -1, -1];
      }
    });
  }
  return entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** What a scan of a tracked path saw, condensed (see `fingerprintOf` in walk.ts and `fileFingerprint`). */
export interface Fingerprint {
  digest: string;
  /** The newest mtime of the files it covers (the racy guard compares it with the index's time). */
  maxMtimeMs: number;
}

/** The fingerprint of a tracked file: its stat numbers and exec bits. */
export function fileFingerprint(st: StatLike & { mode: number }): Fingerprint {
  return { digest: `${FILE_STATE_PREFIX}${st.dev}:${st.ino}:${st.mtimeMs}:${st.size}:${st.mode & 0o111}`, maxMtimeMs: st.mtimeMs };
}

export class StatIndex {
  /** Path → entry number; an entry's stat numbers are stats[n * STAT_FIELDS …] and its hash is hexAt(n). */
  private readonly at = new Map<string, number>();
  private stats: number[] = [];
  /** The hashes as loaded, concatenated; entries recorded since are in `newHexes`. */
  private loadedHexes = '';
  private readonly newHexes = new Map<number, string>();
  private readonly hexLength: number;
  private readonly complete: Set<string>;
  private readonly states: Map<string, State>;
  /** States recorded (or confirmed) by this process. */
  private readonly statesSeen = new Set<string>();
  /** Reads the columns' JSON bytes while they are not parsed (a version 3 file's are read only when needed). */
  private columnsSource: (() => Buffer | undefined) | undefined;
  /** The newest mtime among the unparsed columns' entries. */
  private columnsNewest = Infinity;
  private dirty = false;
  /** mtime of the index file when it was read; entries at or after it are racy. */
  private writtenAtMs: number;
  private objectsDir: string | undefined;

  private constructor(
    private readonly file: string,
    private readonly algo: string,
    columns: Columns | (() => Buffer | undefined),
    writtenAtMs: number,
    complete: string[] = [],
    objectsDir?: string,
    states: Record<string, State> = {},
    columnsNewest = Infinity,
  ) {
    this.columnsNewest = columnsNewest;
    if (typeof columns === 'function') this.columnsSource = columns;
    else this.takeColumns(columns);
    this.hexLength = HEX_LENGTH[algo] ?? 64;
    this.complete = new Set(complete);
    this.states = new Map(Object.entries(states));
    this.writtenAtMs = writtenAtMs;
    this.objectsDir = objectsDir;
  }

  private takeColumns(columns: Columns): void {
    for (let i = 0; i < columns.paths.length; i++) this.at.set(columns.paths[i]!, i);
    this.stats = columns.stats;
    this.loadedHexes = columns.hexes;
  }

  /** Parses the columns on first use; unusable columns leave the index empty (it only costs rehashing). */
  private entries(): void {
    if (this.columnsSource === undefined) return;
    const bytes = this.columnsSource();
    this.columnsSource = undefined;
    if (!bytes) return; // the file was replaced since its header was read: start empty
    try {
      const columns = readColumns({ version: 2, algo: this.algo, ...(JSON.parse(bytes.toString('utf8')) as Columns) }, this.hexLength);
      if (columns) this.takeColumns(columns);
    } catch {
      // unreadable: start empty
    }
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
    const file = join(tmpDir, STAT_INDEX_FILE);
    try {
      const read = openStatIndexFile(file);
      const first = read.first as unknown as IndexHeader | IndexFile | IndexFileV1;
      if (first.algo === algo) {
        const columns = first.version === 3 ? read.rest : readColumns(first, HEX_LENGTH[algo] ?? 64);
        if (columns !== undefined) {
          let complete = Array.isArray(first.complete) ? first.complete : [];
          if (complete.length > 0 && (!objectsDir || first.cacheStamp !== cacheStamp(objectsDir))) complete = [];
          const states = statesOf(read.first);
          const newest = first.version === 3 && typeof first.newest === 'number' ? first.newest : Infinity;
          return new StatIndex(file, algo, columns, read.mtimeMs, complete, objectsDir, states, newest);
        }
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
    this.entries();
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
    this.entries();
    let n = this.at.get(rel);
    const s = this.stats;
    if (n !== undefined) {
      const o = n * STAT_FIELDS;
      if (s[o + 3] === st.size && s[o + 2] === st.mtimeMs && s[o + 1] === st.ino && s[o] === st.dev && this.hexAt(n) === hex) {
        if (st.mtimeMs < this.writtenAtMs) return;
        // A racy entry just confirmed: saved again, so it is trusted once the index is older than the file.
        this.newHexes.set(n, hex);
        this.dirty = true;
        return;
      }
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

  /** The content hash recorded for the tracked path `rel` when it was last seen as `fp`, unless racy. */
  knownState(rel: string, fp: Fingerprint): string | undefined {
    const s = this.states.get(rel);
    if (!s || s[0] !== fp.digest || fp.maxMtimeMs >= this.writtenAtMs) return undefined;
    return s[2];
  }

  /**
   * Records that the tracked path `rel`, seen as `fp`, has content `hex` (a file's hash or a folder's
   * tree). Call it only with a fingerprint taken before the content was read.
   */
  recordState(rel: string, fp: Fingerprint, hex: string): void {
    const s = this.states.get(rel);
    this.statesSeen.add(rel);
    // An unchanged state is written again while racy, so the next save's later time makes it trusted.
    if (s && s[0] === fp.digest && s[2] === hex && fp.maxMtimeMs < this.writtenAtMs) return;
    this.states.set(rel, [fp.digest, fp.maxMtimeMs, hex]);
    this.dirty = true;
  }

  /** The tracked folders whose states the index holds. */
  folderStates(): string[] {
    return [...this.states].filter(([, s]) => isFolderState(s)).map(([rel]) => rel);
  }

  /** Whether a state is recorded for the tracked path `rel` (else a fingerprint scan cannot match). */
  hasState(rel: string): boolean {
    return this.states.has(rel);
  }

  forget(rel: string): void {
    this.entries();
    if (this.states.delete(rel)) this.dirty = true;
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
    this.entries();
    const prefix = rel + '/';
    for (const map of [this.at, this.states] as Map<string, unknown>[]) {
      for (const key of map.keys()) {
        if (key === rel || key.startsWith(prefix)) {
          map.delete(key);
          this.dirty = true;
        }
      }
    }
  }

  /**
   * Writes the index atomically when something changed. Failures are ignored: the index is a cache.
   *
   * Entries and states that were racy when loaded and were not confirmed since are left out: the new
   * file's later time would otherwise make them trusted without their bytes having been read again.
   */
  save(): void {
    if (!this.dirty) return;
    try {
      mkdirSync(join(this.file, '..'), { recursive: true });
      const trustedBefore = this.writtenAtMs;
      const header: IndexHeader = { version: 3, algo: this.algo };
      if (this.complete.size > 0 && this.objectsDir) {
        header.complete = [...this.complete];
        header.cacheStamp = cacheStamp(this.objectsDir);
      }
      for (const [rel, s] of this.states) if (s[1] >= trustedBefore && !this.statesSeen.has(rel)) this.states.delete(rel);
      if (this.states.size > 0) header.states = Object.fromEntries(this.states);
      let columns: Buffer | string | undefined;
      if (this.columnsNewest < trustedBefore && this.columnsSource) {
        const bytes = this.columnsSource(); // (read now, before the file is replaced)
        if (bytes) this.columnsSource = () => bytes;
        columns = bytes;
      }
      header.newest = this.columnsNewest;
      if (columns === undefined) {
        this.entries();
        columns = this.columnsJson(trustedBefore, header);
      }
      const tmp = `${this.file}.${process.pid}.tmp`;
      // Two writes, not one joined copy: the columns of a 100k-file index are ~14 MB.
      const fd = openSync(tmp, 'w');
      try {
        writeFileSync(fd, `${JSON.stringify(header)}\n`);
        writeFileSync(fd, columns);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.file);
      this.writtenAtMs = statSync(this.file).mtimeMs;
      this.dirty = false;
    } catch {
      // A full disk or read-only .mlv/tmp only means files are rehashed next time.
    }
  }

  /** The columns as JSON, leaving out loaded entries racy before `trustedBefore`; sets `header.newest`. */
  private columnsJson(trustedBefore: number, header: IndexHeader): string {
    const columns: Columns = { paths: [], stats: [], hexes: '' };
    const hexes: string[] = [];
    let newest = 0;
    for (const [path, n] of this.at) {
      const o = n * STAT_FIELDS;
      const mtime = this.stats[o + 2]!;
      if (mtime >= trustedBefore && !this.newHexes.has(n)) {
        this.at.delete(path);
        continue;
      }
      if (mtime > newest) newest = mtime;
      columns.paths.push(path);
      columns.stats.push(this.stats[o]!, this.stats[o + 1]!, this.stats[o + 2]!, this.stats[o + 3]!);
      hexes.push(this.hexAt(n));
    }
    columns.hexes = hexes.join('');
    header.newest = newest;
    return JSON.stringify(columns);
  }
}

/** The columns of an index file, or undefined when it is not one this version can use. */
function readColumns(data: IndexFile | IndexFileV1, hexLength: number): Columns | undefined {
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
