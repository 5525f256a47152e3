/**
 * The content-addressed object store (DESIGN §3): `objects/<algo>/<hex[0:2]>/<hex[2:]>`, immutable,
 * read-only (0444), written atomically (temp file in the same store → durable → rename), verified by
 * rehashing. The local cache is one; remote adapters use the same key layout.
 */
import { closeSync, constants, existsSync, fchmodSync, fstatSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { chmod, copyFile, link, mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { CorruptObjectError, MlvError, systemError } from '../errors.js';
import { nativeHelper, writeFailureError } from '../native.js';
import { acquireHasher, borrowBuffer, CHUNK_SIZE, hashBytes, hashFile, returnBuffer } from './hash.js';
import { formatOid, hexLength, hexOf, isHex, objectKey, type HashAlgo } from './oid.js';

/**
 * Temp names are `<pid>.<host><salt>.<n>`. `<host>` (8 hex digits of the host name's SHA-1) says which
 * machine made them — a pid means something only on its own host, and a cache folder may be shared by
 * several (`cache.dir` on a shared disk); `<salt>` (8 random hex digits) keeps names unique across
 * processes and restarts without per-file randomness.
 */
export const TEMP_HOST = createHash('sha1').update(hostname()).digest('hex').slice(0, 8);
const TEMP_SALT = TEMP_HOST + randomBytes(4).toString('hex');

/**
 * Temp files spread over 16 sub-folders of `base` named `<prefix><0..15>` (the prefix starts with the
 * process id, so `cache verify` can tell a dead process's folders). The native writer's threads then
 * create files in different folders instead of queueing on one folder's lock. `base` is marked so that
 * ext4 puts the sub-folders, and so the files made in them, in block groups away from `base` (see
 * native/dirs.c: without a journal, ext4 creates files slowly where many were just deleted).
 */
export class SpreadTempFolders {
  private static readonly SPREAD = 16;
  private n = 0;
  private readonly made = new Set<string>();
  private baseMarked = false;

  constructor(
    private readonly base: string,
    private readonly prefix: string,
  ) {}

  /** A new temp file path (its folder is created on first use); `name` defaults to a counter. */
  next(name?: string): string {
    const n = ++this.n;
    const dir = `${this.base}/${this.prefix}${n % SpreadTempFolders.SPREAD}`;
    if (!this.made.has(dir)) {
      if (!this.baseMarked) {
        mkdirSync(this.base, { recursive: true });
        nativeHelper()?.spreadSubfolders(this.base);
        this.baseMarked = true;
      }
      mkdirSync(dir, { recursive: true });
      this.made.add(dir);
    }
    return `${dir}/${name ?? n}`;
  }

  /** Removes the folders that are empty again (one still holding a file stays for `cache verify`). */
  removeEmpty(): void {
    for (const dir of this.made) {
      try {
        rmdirSync(dir);
        this.made.delete(dir);
      } catch {
        // not empty (files still being placed) or already gone
      }
    }
  }
}

/** At most this many bytes of small downloaded objects are kept in memory for the checkout of a pull. */
export const KEPT_BYTES_BUDGET = 32 * 1024 * 1024;

/** Files up to this size are read whole and their durability is batched; bigger ones stream and fsync. */
export const SMALL_OBJECT = 1 << 20;
/** Below this size a file is copied rather than cloned: cloning a few KiB costs more than writing them. */
export const REFLINK_MIN_SIZE = 64 * 1024;

export interface AddResult {
  oid: string;
  size: number;
  /** False when the store already had the object. */
  written: boolean;
}

export class ObjectStore {
  private readonly knownDirs = new Set<string>();
  private tmpCounter = 0;
  /** Whether reflink clones work from the workspace into this store (learnt on the first try). */
  private readonly cloning: CloneSupport = {};

  /** `<root>/tmp`: temp files of objects being written (same file system, so they can be renamed in). */
  readonly tmpDir: string;

  constructor(
    readonly root: string,
    readonly algo: HashAlgo,
  ) {
    this.tmpDir = join(root, 'tmp');
    this.spreadTemps = new SpreadTempFolders(this.tmpDir, `${this.ownTempPrefix}d`);
  }

  private readonly spreadTemps: SpreadTempFolders;
  /** How this process's temp files and spread sub-folders in `tmpDir` begin (for `removeOwnTemps`). */
  readonly ownTempPrefix = `${process.pid}.${TEMP_SALT}.`;

  /** `<root>/objects/<algo>`: where this store's objects live (symbolic links into the cache point here). */
  get objectsDir(): string {
    return `${this.root}/objects/${this.algo}`;
  }

  path(oid: string): string {
    return `${this.root}/${objectKey(oid)}`; // (not path.join: called per object, and root is already absolute)
  }

  oid(hex: string): string {
    return formatOid(this.algo, hex);
  }

  async has(oid: string): Promise<boolean> {
    try {
      await stat(this.path(oid));
      return true;
    } catch {
      return false;
    }
  }

  hasSync(oid: string): boolean {
    return existsSync(this.path(oid));
  }

  /**
   * Which of `oids` are present. Few: one stat each; many: one listing per two-hex-digit folder.
   */
  async presentSet(oids: Iterable<string>): Promise<Set<string>> {
    const wanted = [...new Set(oids)];
    const present = new Set<string>();
    if (wanted.length < 512) {
      await Promise.all(wanted.map(async (o) => (await this.has(o)) && present.add(o)));
      return present;
    }
    // Grouped by algorithm and first two hex digits; one readdir per folder (hot on 100k-file folders).
    const byDir = new Map<string, string[]>();
    for (const o of wanted) {
      const colon = o.indexOf(':');
      const dir = `${o.slice(0, colon)}/${o.slice(colon + 1, colon + 3)}`;
      let list = byDir.get(dir);
      if (!list) byDir.set(dir, (list = []));
      list.push(o);
    }
    const objects = join(this.root, 'objects');
    for (const [dir, list] of byDir) {
      let names: Set<string>;
      try {
        names = new Set(readdirSync(`${objects}/${dir}`));
      } catch {
        continue;
      }
      const skip = list[0]!.indexOf(':') + 3;
      for (const o of list) if (names.has(o.slice(skip))) present.add(o);
    }
    return present;
  }

  /**
   * Announces about `count` existence checks by `addBytesSync` (a big add): each two-hex-digit folder is
   * then listed once, where that is cheaper than a stat per check, instead of one stat per object
   * (20,000 stats of absent paths cost ~0.16 s). Folders far bigger than the checks expected in them
   * (a cache of millions of objects) keep the stat per check.
   */
  expectManyChecks(count: number): void {
    this.listing = { perFolder: count / 256, names: new Map() };
  }

  private listing: { perFolder: number; names: Map<string, Set<string> | false> } | undefined;

  private hasHexSync(oid: string, hex: string): boolean {
    if (this.listing) {
      const prefix = hex.slice(0, 2);
      let names = this.listing.names.get(prefix);
      if (names === undefined) this.listing.names.set(prefix, (names = this.listFolder(prefix, this.listing.perFolder)));
      if (names) return names.has(hex.slice(2));
    }
    return existsSync(this.path(oid));
  }

  private listFolder(prefix: string, expectedChecks: number): Set<string> | false {
    const dir = `${this.objectsDir}/${prefix}`;
    let st: Stats;
    try {
      st = statSync(dir);
    } catch {
      return new Set(); // no folder yet: no objects (those placed later are added in placeAll)
    }
    // A directory takes roughly 40 bytes per entry of this length: list it only when that is cheaper.
    if (st.size / 40 > 4 * expectedChecks + 256) return false;
    try {
      return new Set(readdirSync(dir));
    } catch {
      return false;
    }
  }

  /**
   * A new temp file name. `spread`: in one of this process's spread sub-folders (removed again by
   * `removeTempFolders`), for files the native writer's threads create.
   */
  newTempPath(spread = false): string {
    if (spread) return this.spreadTemps.next();
    this.ensureDir(this.tmpDir);
    return `${this.tmpDir}/${this.ownTempPrefix}${++this.tmpCounter}`; // (path.join per object showed in profiles)
  }

  /** Removes this process's spread temp sub-folders that are empty again. */
  removeTempFolders(): void {
    this.spreadTemps.removeEmpty();
  }

  private ensureDir(dir: string): void {
    if (this.knownDirs.has(dir)) return;
    mkdirSync(dir, { recursive: true });
    this.knownDirs.add(dir);
  }

  /** Moves a finished temp file into place as `oid` (or drops it when the object already exists). */
  private async place(tmp: string, oid: string): Promise<boolean> {
    const dest = this.path(oid);
    if (existsSync(dest)) {
      await unlink(tmp).catch(() => undefined);
      return false;
    }
    this.ensureDir(join(dest, '..'));
    await rename(tmp, dest);
    return true;
  }

  /** Stores an in-memory buffer (e.g. a merged tree), durable before it is placed. */
  async addBytes(data: Uint8Array, knownHex?: string): Promise<AddResult> {
    const oid = this.oid(knownHex ?? (await hashBytes(this.algo, data)));
    if (existsSync(this.path(oid))) return { oid, size: data.byteLength, written: false };
    const tmp = this.newTempPath();
    try {
      const fh = await open(tmp, 'wx', 0o444);
      try {
        await fh.writeFile(data);
        await fh.sync();
      } finally {
        await fh.close();
      }
      return { oid, size: data.byteLength, written: await this.place(tmp, oid) };
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw systemError(err, 'writing object', oid);
    }
  }

  /**
   * Synchronous twin of `addBytes` for the small-file hot path (tens of thousands of files): each
   * object costs one open/write/close and, on flush, one rename — no thread-pool round trips.
   * `hex` must be the hash of `data` (the caller has just computed it). `knownAbsent`: the caller has
   * just checked that the store lacks it (a download), so it is not checked again.
   */
  addBytesSync(data: Uint8Array, hex: string, batch: StoreBatch, knownAbsent = false): AddResult {
    const oid = this.oid(hex);
    if (batch.pending.has(oid) || (!knownAbsent && this.hasHexSync(oid, hex))) return { oid, size: data.byteLength, written: false };
    const writer = nativeHelper();
    const tmp = this.newTempPath(writer !== undefined);
    try {
      // On the native writer's threads when it is there (failures surface when the batch flushes).
      if (writer) writer.queueWrite(tmp, data, 0o444);
      else writeNewFileSync(tmp, data, 0o444);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw systemError(err, 'writing object', oid);
    }
    batch.pending.set(oid, tmp);
    batch.bytes += data.byteLength;
    return { oid, size: data.byteLength, written: true };
  }

  /**
   * Copies a (big) workspace file into the store (`copyAndHash`: the kernel copies, the copy is hashed)
   * and fsyncs it before the rename. With `reflink`, the file is cloned (copy-on-write) when the file
   * system supports it, and hashed through `hashClone`. Small files take the batched path (`addBytesSync`).
   */
  async addFile(src: string, opts: { reflink?: boolean; onBytes?: (n: number) => void }): Promise<AddResult>;
  /** With `cloneOnly`: undefined, and nothing stored, when the file cannot be cloned. */
  async addFile(src: string, opts: { reflink: true; cloneOnly: true; onBytes?: (n: number) => void }): Promise<AddResult | undefined>;
  async addFile(src: string, opts: { reflink?: boolean; cloneOnly?: boolean; onBytes?: (n: number) => void } = {}): Promise<AddResult | undefined> {
    if (opts.cloneOnly && this.cloning.works === false) return undefined;
    const tmp = this.newTempPath();
    try {
      let hex: string;
      let n: number;
      const before = opts.reflink ? await cloneFile(src, tmp, this.cloning) : undefined;
      if (!before && opts.cloneOnly) return undefined;
      if (before) {
        ({ hex, size: n } = await hashClone(this.algo, src, before, tmp, opts.onBytes));
        await chmod(tmp, 0o444);
        await fsyncPath(tmp);
      } else {
        ({ hex, size: n } = await copyAndHash(this.algo, src, tmp, opts.onBytes));
      }
      const oid = this.oid(hex);
      return { oid, size: n, written: await this.place(tmp, oid) };
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw systemError(err, 'storing', src);
    }
  }

  /**
   * For `cache.link: hardlink`/`symlink`: makes the (already hashed) workspace file an object by giving
   * its inode a second name in the store — no bytes are copied, and the workspace name is never removed,
   * so no crash can lose the file. The inode becomes read-only, as hard-linked workspace files are.
   * Returns undefined (the caller copies instead) when a link is impossible, e.g. the cache is on another
   * file system, or when the file changed since `st` was taken (it is then hashed and copied afresh).
   * `beforePlace` runs once the inode is known unchanged, durable and read-only, before it is placed
   * (`InodeAdopter` moves a copy over `src` there); when it throws, nothing is placed and the error is
   * thrown (the inode stays read-only: the caller restores its mode).
   */
  async linkFileIn(src: string, st: Pick<Stats, 'ino' | 'size' | 'mtimeMs'>, hex: string, beforePlace?: () => Promise<void>): Promise<AddResult | undefined> {
    const oid = this.oid(hex);
    if (existsSync(this.path(oid))) return { oid, size: st.size, written: false };
    const tmp = this.newTempPath();
    try {
      await link(src, tmp);
    } catch {
      return undefined;
    }
    try {
      const now = await stat(tmp);
      // Same inode, size and mtime as when hashing began, and not modified within the last second (the
      // racy window in which a same-size rewrite could keep the mtime): the hashed bytes are these bytes.
      const unchanged = now.ino === st.ino && now.size === st.size && now.mtimeMs === st.mtimeMs && Date.now() - st.mtimeMs > 1000;
      if (!unchanged) {
        await unlink(tmp);
        return undefined;
      }
      // Synced before it turns read-only: the sync of a file not yet on the disk can take seconds, and an
      // interrupted add must not leave the workspace file read-only.
      await fsyncPath(tmp);
      await chmod(tmp, 0o444);
      await beforePlace?.();
      return { oid, size: st.size, written: await this.place(tmp, oid) };
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw systemError(err, 'storing', src);
    }
  }

  /**
   * Adopts a downloaded temp file (from `newTempPath()`) as `oid`: rehashes it, and only when the bytes
   * match makes it read-only, durable and places it. A mismatch deletes the temp file and throws a
   * CorruptObjectError naming `source` (e.g. "remote 'origin'"); the bad bytes never land in the cache.
   * With `batch`, small objects are placed when the batch is flushed (the caller must flush it).
   * `alreadyChecked`: the bytes were hashed against `oid` while they were written (a folder remote's
   * copy), so they are not read again.
   */
  async importVerified(tmp: string, oid: string, source: string, batch?: StoreBatch, alreadyChecked = false): Promise<AddResult> {
    try {
      let size: number;
      if (alreadyChecked) {
        size = (await stat(tmp)).size;
      } else {
        const measured = await hashFile(this.algo, tmp);
        if (this.oid(measured.hex) !== oid) throw new CorruptObjectError(oid, source, this.oid(measured.hex));
        size = measured.size;
      }
      await chmod(tmp, 0o444);
      if (batch && size <= SMALL_OBJECT) {
        // Small downloads are made durable together (one sync per chunk) like small `add`s.
        if (batch.pending.has(oid)) {
          await rm(tmp, { force: true });
          return { oid, size, written: false };
        }
        batch.pending.set(oid, tmp);
        batch.bytes += size;
        await batch.maybeFlush();
        return { oid, size, written: true };
      }
      await fsyncPath(tmp);
      const written = await this.place(tmp, oid);
      if (written) this.justVerified.add(oid);
      return { oid, size, written };
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw systemError(err, 'storing object', oid);
    }
  }

  /**
   * Big objects this process has placed after checking their bytes (a fetch): `mlv pull`'s checkout then
   * clones them without hashing them again — a clone made right after the download has no page cache,
   * and rehashing it would read the whole object back from disk.
   */
  private readonly justVerified = new Set<string>();

  wasJustVerified(oid: string): boolean {
    return this.justVerified.has(oid);
  }

  /**
   * Small objects this process has just downloaded and checked, kept in memory (up to KEPT_BYTES_BUDGET)
   * so `mlv pull`'s checkout writes their workspace copies without reading them back from the cache and
   * hashing them again: ~20–30 µs of the main thread per file (open, read, close, hash).
   */
  private readonly keptBytes = new Map<string, Uint8Array>();
  private keptBytesTotal = 0;

  /** Keeps `data`, whose hash was just checked against `oid`, for `takeVerifiedBytes` (while within budget). */
  keepVerifiedBytes(oid: string, data: Uint8Array): void {
    if (this.keptBytesTotal + data.byteLength > KEPT_BYTES_BUDGET || this.keptBytes.has(oid)) return;
    this.keptBytes.set(oid, data);
    this.keptBytesTotal += data.byteLength;
  }

  /** The checked bytes of `oid` kept by `keepVerifiedBytes`, handed over once (then freed), or undefined. */
  takeVerifiedBytes(oid: string): Uint8Array | undefined {
    const data = this.keptBytes.get(oid);
    if (data === undefined) return undefined;
    this.keptBytes.delete(oid);
    this.keptBytesTotal -= data.byteLength;
    return data;
  }

  /** Reads a (small) object whole and checks its hash. */
  async readVerified(oid: string): Promise<Buffer> {
    let data: Buffer;
    try {
      data = await readFile(this.path(oid));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new MlvError('OBJECT_MISSING', `object ${oid} is not in the cache`, {
          hint: 'run `mlv pull` to fetch it from a remote, or `mlv add` the data again',
          details: { oid },
        });
      }
      throw systemError(err, 'reading object', oid);
    }
    const actual = await hashBytes(this.algo, data);
    if (actual !== hexOf(oid)) throw new CorruptObjectError(oid, 'the cache', this.oid(actual));
    return data;
  }

  /** Rehashes an object. Returns the actual oid (equal to `oid` when it is good) or undefined if absent. */
  async rehash(oid: string, onBytes?: (n: number) => void): Promise<string | undefined> {
    return (await this.measure(oid, onBytes))?.actual;
  }

  /** Rehashes an object and reports its size in the same read; undefined when it is absent. */
  async measure(oid: string, onBytes?: (n: number) => void): Promise<{ actual: string; size: number } | undefined> {
    try {
      const { hex, size } = await hashFile(this.algo, this.path(oid), onBytes);
      return { actual: this.oid(hex), size };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw systemError(err, 'reading object', oid);
    }
  }

  /** Moves a bad object aside into `<store>/quarantine/` so it is never served again. */
  async quarantine(oid: string): Promise<string> {
    const dir = join(this.root, 'quarantine');
    await mkdir(dir, { recursive: true });
    const dest = join(dir, `${oid.replace(':', '-')}.${Date.now()}`);
    await rename(this.path(oid), dest);
    return dest;
  }

  /** Every object id in the store. */
  async *list(): AsyncGenerator<string> {
    const objects = join(this.root, 'objects');
    let algos: string[];
    try {
      algos = await readdir(objects);
    } catch {
      return;
    }
    for (const algo of algos) {
      if (algo !== 'xxh128' && algo !== 'sha256') continue;
      const len = hexLength(algo);
      const prefixes = (await readdir(join(objects, algo)).catch(() => [] as string[])).sort();
      for (const prefix of prefixes) {
        const names = (await readdir(join(objects, algo, prefix)).catch(() => [] as string[])).sort();
        for (const name of names) {
          const hex = prefix + name;
          if (isHex(hex, len)) yield formatOid(algo, hex);
        }
      }
    }
  }

  /** Starts a batch: small objects are written without fsync and made durable together on flush. */
  batch(): StoreBatch {
    return new StoreBatch(this);
  }

  /** @internal used by StoreBatch: makes the temp objects `pending` durable together, then renames them into place. */
  async syncAndPlaceAll(pending: Map<string, string>): Promise<void> {
    // No existence check: if another process placed the same object meanwhile, the rename replaces it
    // with identical bytes (content addressing), which is harmless and saves a stat per object.
    const pairs: [string, string][] = [];
    for (const [oid, tmp] of pending) {
      const dest = this.path(oid);
      this.ensureDir(dest.slice(0, dest.lastIndexOf('/')));
      pairs.push([tmp, dest]);
    }
    await syncThenPlace(this.tmpDir, pairs);
    if (!this.listing) return;
    for (const oid of pending.keys()) {
      const hex = hexOf(oid);
      const names = this.listing.names.get(hex.slice(0, 2));
      if (names) names.add(hex.slice(2));
    }
  }
}

/**
 * A group of freshly written temp objects. `flush` makes them durable with one file-system sync and only
 * then renames them into place, so a crash leaves either no object or a whole one — at the cost of one
 * sync instead of one fsync per object (20,000 small files would otherwise take seconds of fsyncs).
 */
export class StoreBatch {
  readonly pending = new Map<string, string>();
  bytes = 0;
  maxObjects = 4096;
  maxBytes = 256 * 1024 * 1024;
  /** The previous chunk, being made durable while the next one is written. */
  private inFlight: Promise<void> | undefined;

  constructor(private readonly store: ObjectStore) {}

  /**
   * Makes everything pending durable and places it. Waits for any chunk still in flight.
   */
  async flush(): Promise<void> {
    await this.maybeFlush(true);
    await this.inFlight;
    this.inFlight = undefined;
  }

  /**
   * When the batch has grown past its limits (or `force`), starts syncing it in the background and
   * carries on: the file system flushes one chunk while the next is being written. Renames happen only
   * after that chunk's sync completed.
   */
  async maybeFlush(force = false): Promise<void> {
    if (this.pending.size === 0) return;
    if (!force && this.pending.size < this.maxObjects && this.bytes < this.maxBytes) return;
    const chunk = new Map(this.pending);
    this.pending.clear();
    this.bytes = 0;
    const previous = this.inFlight;
    await previous; // at most one chunk in flight: bounds the temp files at risk and surfaces errors
    this.settleWrites(chunk);
    this.inFlight = this.store.syncAndPlaceAll(chunk).then(() => {
      if (this.pending.size === 0) this.store.removeTempFolders();
    });
    this.inFlight.catch(() => undefined); // observed by the next flush
  }

  /**
   * Waits for the native writer to finish this chunk's temp files. On a failure (a full disk…) the
   * chunk's temp files are removed and the error names the object.
   */
  private settleWrites(chunk: Map<string, string>): void {
    const failures = nativeHelper()?.drainWrites() ?? [];
    if (failures.length === 0) return;
    for (const tmp of chunk.values()) rmSync(tmp, { force: true });
    const byTemp = new Map([...chunk].map(([oid, tmp]) => [tmp, oid]));
    const first = failures[0]!;
    throw systemError(writeFailureError(first), 'writing object', byTemp.get(first.path) ?? first.path);
  }

  /** Drops unflushed temp files (on error). */
  async discard(): Promise<void> {
    await this.inFlight?.catch(() => undefined);
    nativeHelper()?.drainWrites(); // (their failures no longer matter: every temp file goes)
    const temps = [...this.pending.values()];
    this.pending.clear();
    await Promise.all(temps.map((t) => rm(t, { force: true }).catch(() => undefined)));
    this.store.removeTempFolders();
  }
}

/**
 * Writes `data` to a new file (never an existing one: `wx`) with synchronous calls, for loops over many
 * small files. `durable` fsyncs it (else a batch's file-system sync does it later); `exactMode` sets
 * `mode` past the umask; `stat` returns the written file's stat (a later rename keeps inode, size, mtime).
 */
export function writeNewFileSync(path: string, data: Uint8Array, mode: number, opts: { durable?: boolean; exactMode?: boolean; stat?: boolean } = {}): Stats | undefined {
  const fd = openSync(path, 'wx', mode);
  try {
    let off = 0;
    while (off < data.byteLength) off += writeSync(fd, data, off, data.byteLength - off);
    if (opts.exactMode) fchmodSync(fd, mode);
    if (opts.durable) fsyncSync(fd);
    return opts.stat ? fstatSync(fd) : undefined;
  } finally {
    closeSync(fd);
  }
}

let syncfsAvailable: boolean | undefined = process.platform === 'linux' ? undefined : false;

/** Makes a written file durable (fsync through a fresh descriptor). */
export async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  await fh.sync().finally(() => fh.close());
}

/**
 * Flushes the file system holding `dir` without the native helper (which `syncThenPlace` uses): Linux
 * `sync -f` (a fork of this process: ~20 ms of the main thread at ~200 MB resident), falling back to
 * fsync per file.
 */
export async function syncFileSystem(dir: string, files: string[]): Promise<void> {
  if (syncfsAvailable !== false) {
    // (child_process is loaded only here, where it is needed: ~2 ms at the start of every command.)
    const { execFile } = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
    const ok = await new Promise<boolean>((resolve) => {
      execFile('sync', ['-f', dir], (err) => resolve(!err));
    });
    if (ok) {
      syncfsAvailable = true;
      return;
    }
    syncfsAvailable = false;
  }
  for (const f of files) {
    await fsyncPath(f);
  }
}

/**
 * Makes the temp files of `pairs` durable (one sync of the file system holding `dir`), then renames each to its
 * destination, whose folder exists. With the native helper the sync and the renames run on a thread, so
 * the main thread goes on reading and hashing the next files (the renames took it ~18 µs each, ~75 ms a
 * batch of 4,096 objects here). A failed rename throws an fs error with `path` (the temp file) and `dest`;
 * the files before it are placed, the rest are not.
 */
export async function syncThenPlace(dir: string, pairs: [tmp: string, dest: string][]): Promise<void> {
  const native = nativeHelper();
  if (native?.syncFileSystem) {
    const failure = await native.syncFileSystem(dir, pairs.map(([tmp]) => tmp), pairs.map(([, dest]) => dest)).then(
      () => undefined,
      (err: NodeJS.ErrnoException) => err,
    );
    if (!failure) return;
    if (failure.syscall !== 'syncfs') throw failure; // a rename
    // No syncfs here (or it failed): each file is synced by itself, which names a write error by its file.
    for (const [tmp] of pairs) await fsyncPath(tmp);
  } else {
    await syncFileSystem(dir, pairs.map(([tmp]) => tmp));
  }
  for (const [tmp, dest] of pairs) renameSync(tmp, dest);
}

/** What a caller has learnt about cloning between two places: unknown, works, or does not. */
export interface CloneSupport {
  works?: boolean;
}

/**
 * Clones `src` to `dest` (reflink: copy-on-write, no bytes written) and returns the stat of `src` taken
 * just before, for `hashClone`. Returns undefined, leaving nothing at `dest`, when the file systems cannot
 * clone (no reflinks, another file system); `support.works` then becomes false and later calls return at
 * once. A missing source, missing permission or a full disk is thrown: copying would fail the same way.
 */
export async function cloneFile(src: string, dest: string, support: CloneSupport): Promise<Stats | undefined> {
  if (support.works === false) return undefined;
  const before = await stat(src);
  try {
    await copyFile(src, dest, constants.COPYFILE_FICLONE_FORCE);
  } catch (err) {
    await rm(dest, { force: true }).catch(() => undefined);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EPERM' || code === 'ENOSPC' || code === 'EDQUOT') throw err;
    support.works = false;
    return undefined;
  }
  support.works = true;
  return before;
}

/**
 * Hashes a fresh reflink clone of `src`. The clone shares the source's blocks but not its page cache, so
 * reading the clone goes to the disk even when the source was just written or read; the source is hashed
 * instead when that provably yields the clone's bytes: it was last modified over a second before `before`
 * was taken (so a later write would move its mtime) and its stat is unchanged after hashing. Otherwise
 * (a file still being written) the clone itself is hashed.
 */
export async function hashClone(
  algo: HashAlgo,
  src: string,
  before: Stats,
  clone: string,
  onBytes?: (n: number) => void,
): Promise<{ hex: string; size: number }> {
  if (Date.now() - before.mtimeMs > 1000) {
    let counted = 0;
    const measured = await hashFile(algo, src, (n) => {
      counted += n;
      onBytes?.(n);
    });
    const after = await stat(src).catch(() => undefined);
    if (after && sameContentStat(before, after) && measured.size === before.size) return measured;
    onBytes?.(-counted);
  }
  return hashFile(algo, clone, onBytes);
}

function sameContentStat(a: Stats, b: Stats): boolean {
  return a.ino === b.ino && a.dev === b.dev && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}

/**
 * Copies `src` to a new `dest` and returns the hash and size of the bytes `dest` holds. `verifiedHex`:
 * this command has just hashed `src` (a pull's download) and found that hex; the kernel copiers
 * (`copyInSteps`, `copyThenHash`) then only copy and return it (`copyThroughHasher` hashes anyway).
 */
type CopyAndHash = (
  algo: HashAlgo,
  src: string,
  dest: string,
  onBytes?: (n: number) => void,
  opts?: { mode?: number; fsync?: boolean; interruptible?: boolean; verifiedHex?: string },
) => Promise<{ hex: string; size: number }>;

/**
 * Copies `src` to a new `dest` in the kernel (copy_file_range/sendfile: no bytes pass through this
 * process), then hashes `dest` while fsync makes it durable. The hash is thus always that of the bytes
 * `dest` holds, even if `src` changes during the copy. Copying, hashing and fsyncing 1 GiB on ext4
 * here took a median 0.97 s this way (6 runs) against 1.70 s reading and writing through this process
 * (9 runs), most of the difference being the kernel's time for the process's writes.
 * `dest` gets `mode` (default 0444). `onBytes` follows the copy (the size of `dest`, looked at every
 * 100 ms); an error it throws (an abort) is thrown once the whole copy has finished, and `dest` is left
 * for the caller to remove, as on any failure. Used without the native helper, which copies in steps (`copyInSteps`).
 */
export const copyThenHash: CopyAndHash = async (algo, src, dest, onBytes, opts = {}) => {
  let reported = 0;
  let stopped: unknown;
  const report = (size: number) => {
    if (size <= reported || stopped !== undefined) return;
    const n = size - reported;
    reported = size;
    try {
      onBytes?.(n);
    } catch (err) {
      stopped = err;
    }
  };
  const watch = onBytes
    ? setInterval(() => void stat(dest).then((s) => report(s.size), () => undefined), 100).unref()
    : undefined;
  try {
    await copyFile(src, dest, constants.COPYFILE_EXCL);
  } finally {
    clearInterval(watch);
  }
  if (stopped !== undefined) throw stopped;
  await chmod(dest, opts.mode ?? 0o444);
  const fh = await open(dest, 'r');
  try {
    const measuring = opts.verifiedHex === undefined ? hashFile(algo, dest) : fh.stat().then((st) => ({ hex: opts.verifiedHex!, size: st.size }));
    const [measured] = await Promise.all([measuring, (opts.fsync ?? true) ? fh.sync() : undefined]);
    report(measured.size);
    if (stopped !== undefined) throw stopped;
    return measured;
  } finally {
    await fh.close();
  }
};

/** One step of `copyInSteps` (COPY_STEP in native/copy.c): the most an abort waits for; 1/16 of a GiB, whose
 * copy + hash + fsync took ~0.9 s here. */
export const COPY_STEP = 64 << 20;

/** How often `copyInSteps` looks for newly copied bytes when it has caught up with the copy. */
const COPY_POLL_MS = 10;

/**
 * Copies `src` to a new `dest` in the kernel like `copyThenHash`, but in 64 MiB steps (the native
 * helper's copyFileInSteps, on a libuv thread) that go on without this thread: the copied part of `dest`
 * is hashed, from the page cache, whenever this thread is free (it may be busy with many small files
 * meanwhile), and an abort thrown by `onBytes` stops the copy after the step in flight (fs.copyFile
 * copies a whole file in one call that cannot be stopped: Ctrl-C during the copy of a 1 GiB object
 * waited ~1 s). With `fsync`, each step's writeback starts as soon as it is copied. 1 GiB on ext4
 * here, copied, hashed and fsynced: 0.89–0.94 s in three runs, interleaved with `copyThenHash` runs
 * that took 1.51–3.50 s that time (0.88–0.93 s earlier in the day); 1.89–3.09 s through this process.
 * `dest` gets `mode` (default 0444) and is left for the caller to remove on a failure.
 */
export const copyInSteps: CopyAndHash = async (algo, src, dest, onBytes, opts = {}) => {
  const native = nativeHelper();
  if (!native) throw new Error('copyInSteps needs the native helper');
  const durable = opts.fsync ?? true;
  const input = await open(src, 'r');
  let output: FileHandle;
  try {
    output = await open(dest, 'wx+', opts.mode ?? 0o444);
  } catch (err) {
    await input.close();
    throw err;
  }
  const control = new BigInt64Array(new ArrayBuffer(16)); // [stop, bytes copied] (see native/copy.c)
  let finished = false;
  const copying = native.copyFileInSteps(input.fd, output.fd, src, dest, control, durable);
  // Handled now, awaited below: a copy that fails (a full disk) while this thread hashes must not be an
  // unhandled rejection, which ends the process before the caller removes `dest`.
  copying.then(
    () => (finished = true),
    () => (finished = true),
  );
  const h = opts.verifiedHex === undefined ? await acquireHasher(algo) : undefined;
  const buf = borrowBuffer(CHUNK_SIZE * 4);
  let hashed = 0; // (with verifiedHex: the bytes reported so far)
  const hashUpTo = async (end: number) => {
    onBytes?.(end - hashed);
    if (!h) hashed = end;
    while (hashed < end) {
      const { bytesRead } = await output.read(buf, 0, Math.min(buf.length, end - hashed), hashed);
      if (bytesRead === 0) throw new MlvError('COPY_FAILED', `${dest} shrank while it was being copied to (another process wrote to it)`);
      h!.update(buf.subarray(0, bytesRead));
      hashed += bytesRead;
    }
  };
  try {
    await output.chmod(opts.mode ?? 0o444); // past the umask, as copyFile + chmod gave
    while (!finished) {
      const copied = Number(Atomics.load(control, 1));
      if (copied > hashed) await hashUpTo(copied);
      else await new Promise((resolve) => setTimeout(resolve, COPY_POLL_MS));
    }
    const total = await copying;
    if (total > hashed) await hashUpTo(total);
    if (durable) await output.sync();
  } catch (err) {
    h?.digestHex();
    throw err;
  } finally {
    Atomics.store(control, 0, 1n);
    await copying.catch(() => undefined); // never close a file a copy is still writing
    returnBuffer(buf);
    await input.close();
    await output.close();
  }
  return { hex: h ? h.digestHex() : opts.verifiedHex!, size: hashed };
};

/**
 * Copies `src` to a new `dest` (mode `mode`, default 0444) and returns the hash of the bytes `dest`
 * holds. `fsync` makes `dest` durable before returning (the cache needs it; workspace copies, like
 * Git's, don't). Objects up to SMALL_OBJECT pass through this process once (`copyThroughHasher`), which
 * costs fewer system calls; bigger ones are copied by the kernel, in steps (`copyInSteps`) when the
 * native helper is built, else in one call (`copyThenHash`). `interruptible`: the copy must end soon
 * after `onBytes` throws (an abort that does not end the process, as in push and fetch); without the
 * native helper it then passes through this process in 4 MiB chunks.
 */
export const copyAndHash: CopyAndHash = async (algo, src, dest, onBytes, opts = {}) => {
  if ((await stat(src)).size <= SMALL_OBJECT) return copyThroughHasher(algo, src, dest, onBytes, opts);
  if (nativeHelper()) return copyInSteps(algo, src, dest, onBytes, opts);
  return (opts.interruptible ? copyThroughHasher : copyThenHash)(algo, src, dest, onBytes, opts);
};

/** Copies `src` to `dest` (created exclusively with `mode`) through a fixed buffer, hashing the same bytes. */
export const copyThroughHasher: CopyAndHash = async (algo, src, dest, onBytes, opts = {}) => {
  const input = await open(src, 'r');
  let output;
  try {
    output = await open(dest, 'wx', opts.mode ?? 0o444);
  } catch (err) {
    await input.close();
    throw err;
  }
  const h = await acquireHasher(algo);
  let size = 0;
  const buf = borrowBuffer(CHUNK_SIZE * 4);
  try {
    for (;;) {
      const { bytesRead } = await input.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      const chunk = buf.subarray(0, bytesRead);
      h.update(chunk);
      let off = 0;
      while (off < bytesRead) off += (await output.write(chunk, off, bytesRead - off)).bytesWritten;
      size += bytesRead;
      onBytes?.(bytesRead);
    }
    if (opts.fsync ?? true) await output.sync();
  } catch (err) {
    h.digestHex();
    throw err;
  } finally {
    returnBuffer(buf);
    await input.close();
    await output.close();
  }
  return { hex: h.digestHex(), size };
};
