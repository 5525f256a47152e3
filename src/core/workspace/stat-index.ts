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
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync, renameSync, mkdirSync } from 'node:fs';
import type { FileStat } from './walk.js';

/** The stat fields the index compares (fs.Stats and walk records both have them). */
type StatLike = Pick<FileStat, 'dev' | 'ino' | 'mtimeMs' | 'size'>;
import { join } from 'node:path';

type Entry = [dev: number, ino: number, mtimeMs: number, size: number, hex: string];

interface IndexFile {
  version: 1;
  algo: string;
  entries: Record<string, Entry>;
  /** Tree hexes whose every object was seen in the cache (lets status skip 100k existence checks). */
  complete?: string[];
  /** `cacheStamp` of the cache's objects folder when `complete` was written; the claims hold only while it matches. */
  cacheStamp?: string;
}

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
  private entries: Record<string, Entry>;
  private readonly complete: Set<string>;
  private dirty = false;
  /** mtime of the index file when it was read; entries at or after it are racy. */
  private writtenAtMs: number;

  private constructor(
    private readonly file: string,
    private readonly algo: string,
    entries: Record<string, Entry>,
    writtenAtMs: number,
    complete: string[] = [],
  ) {
    this.entries = entries;
    this.complete = new Set(complete);
    this.writtenAtMs = writtenAtMs;
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
      const data = JSON.parse(readFileSync(file, 'utf8')) as IndexFile;
      if (data.version === 1 && data.algo === algo && data.entries && typeof data.entries === 'object') {
        // A plain object (not a Map) avoids re-building 100k entries on every start-up.
        Object.setPrototypeOf(data.entries, null);
        let complete = Array.isArray(data.complete) ? data.complete : [];
        if (complete.length > 0 && (!objectsDir || data.cacheStamp !== cacheStamp(objectsDir))) complete = [];
        const index = new StatIndex(file, algo, data.entries, st.mtimeMs, complete);
        index.objectsDir = objectsDir;
        return index;
      }
    } catch {
      // Missing or unreadable: start empty (it only costs rehashing).
    }
    const index = new StatIndex(file, algo, Object.create(null) as Record<string, Entry>, 0);
    index.objectsDir = objectsDir;
    return index;
  }

  private objectsDir: string | undefined;

  /** The hash recorded for `rel` if the file's stat still matches and the entry is not racy. */
  lookup(rel: string, st: StatLike): string | undefined {
    const e = this.entries[rel];
    if (!e) return undefined;
    if (e[3] !== st.size || e[2] !== st.mtimeMs || e[1] !== st.ino || e[0] !== st.dev) return undefined;
    if (st.mtimeMs >= this.writtenAtMs) return undefined;
    return e[4];
  }

  /** Records the hash of `rel` as observed with stat `st` (taken before reading the bytes). */
  record(rel: string, st: StatLike, hex: string): void {
    const e = this.entries[rel];
    if (e && e[4] === hex && e[3] === st.size && e[2] === st.mtimeMs && e[1] === st.ino && e[0] === st.dev) return;
    this.entries[rel] = [st.dev, st.ino, st.mtimeMs, st.size, hex];
    this.dirty = true;
  }

  forget(rel: string): void {
    if (this.entries[rel]) {
      delete this.entries[rel];
      this.dirty = true;
    }
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
    for (const key of Object.keys(this.entries)) {
      if (key === rel || key.startsWith(prefix)) {
        delete this.entries[key];
        this.dirty = true;
      }
    }
  }

  /** Writes the index atomically when something changed. Failures are ignored: the index is a cache. */
  save(): void {
    if (!this.dirty) return;
    try {
      mkdirSync(join(this.file, '..'), { recursive: true });
      const data: IndexFile = { version: 1, algo: this.algo, entries: this.entries };
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
