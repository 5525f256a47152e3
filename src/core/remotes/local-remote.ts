/**
 * A folder remote: a local path, an NFS mount or any shared disk (`/mnt/team/mlv`, `file:///srv/mlv`).
 * Same layout as the cache. Writes go to `<root>/tmp/` first, are fsynced, then renamed into place, so a
 * reader (or a crash) never sees half an object; two writers of one object each rename a whole copy.
 */
import { createReadStream, createWriteStream, mkdirSync, renameSync, rmSync } from 'node:fs';
import { chmod, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  byteCounter,
  abortedError,
  defaultJobsFor,
  describeRemote,
  errnoCode,
  RemoteError,
  subject,
  tempSuffix,
  throwIfAborted,
  type KindedRemote,
  type RemoteSettings,
  hasManyByStatOrListing,
  objectMissing,
} from './common.js';
import { CorruptObjectError, systemError } from '../errors.js';
import { nativeHelper, writeFailureError } from '../native.js';
import { formatOid } from '../objects/oid.js';
import type { DeferredPuts, RemoteObjectInfo, TransferOptions } from './remote-store.js';
import { cloneFile, copyAndHash, fsyncPath, hashClone, REFLINK_MIN_SIZE, SpreadTempFolders, syncThenPlace, writeNewFileSync, type CloneSupport } from '../objects/store.js';
import { hashFile, readWholeIfSmall } from '../objects/hash.js';
import type { HashAlgo } from '../objects/oid.js';

/** Below this many keys `hasMany` stats each key; above, it lists the folders they live in. */
const STAT_EACH_LIMIT = 256;
const COPY_CHUNK = 1 << 20;

export class LocalRemote implements KindedRemote {
  readonly kind = 'local' as const;
  readonly checksWhileCopying = true;
  /** Whether reflink clones work between this remote and the cache (learnt on the first big object). */
  private readonly cloning: CloneSupport = {};
  readonly defaultJobs: number;
  private rootChecked: Promise<void> | undefined;
  private readonly knownDirs = new Set<string>();

  /**
   * @param root absolute path of the remote folder (open-remote resolves relative paths and `file://`).
   */
  constructor(
    readonly name: string,
    readonly url: string,
    readonly root: string,
    settings: RemoteSettings = {},
  ) {
    this.defaultJobs = defaultJobsFor('local', name, settings);
  }

  private pathOf(key: string): string {
    return join(this.root, ...key.split('/'));
  }

  /** The remote folder must exist: creating it silently would hide a typo or an unmounted share. */
  private ensureRoot(): Promise<void> {
    this.rootChecked ??= (async () => {
      let info;
      try {
        info = await stat(this.root);
      } catch (err) {
        this.rootChecked = undefined;
        if (errnoCode(err) === 'ENOENT') {
          throw new RemoteError('REMOTE_NOT_FOUND', this.name, `${describeRemote(this.name, this.url)}: folder ${this.root} does not exist`, {
            hint: `create it (mkdir -p ${this.root}), mount the share, or fix the url with \`mlv remote modify ${this.name} url <path>\``,
            cause: err,
          });
        }
        throw this.fsError(err, 'opening');
      }
      if (!info.isDirectory()) {
        this.rootChecked = undefined;
        throw new RemoteError('REMOTE_NOT_FOUND', this.name, `${describeRemote(this.name, this.url)}: ${this.root} is not a folder`, {
          hint: `point the remote at a folder with \`mlv remote modify ${this.name} url <path>\``,
        });
      }
    })();
    return this.rootChecked;
  }

  private fsError(err: unknown, action: string, key?: string): RemoteError {
    if (err instanceof RemoteError) return err;
    const code = errnoCode(err);
    const what = subject(this.name, this.url, key);
    if (code === 'EACCES' || code === 'EPERM') {
      return new RemoteError('REMOTE_DENIED', this.name, `${what}: permission denied while ${action}`, {
        key,
        hint: `check the permissions of ${this.root} for the user running mlv`,
        cause: err,
      });
    }
    if (code === 'EROFS') {
      return new RemoteError('REMOTE_READ_ONLY', this.name, `${what}: the file system is read-only (while ${action})`, { key, cause: err });
    }
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      return new RemoteError('REMOTE_IO', this.name, `${what}: no space left on the remote's disk while ${action}`, {
        key,
        hint: 'free space on the remote disk and run the command again; nothing was lost',
        cause: err,
      });
    }
    const transient = code === 'ESTALE' || code === 'EIO' || code === 'EAGAIN' || code === 'EBUSY';
    return new RemoteError('REMOTE_IO', this.name, `${what}: ${action} failed: ${(err as Error)?.message ?? String(err)}`, {
      key,
      cause: err,
      transient,
    });
  }

  private ensureDirSync(dir: string): void {
    if (this.knownDirs.has(dir)) return;
    mkdirSync(dir, { recursive: true });
    this.knownDirs.add(dir);
  }

  async hasMany(keys: string[]): Promise<Set<string>> {
    await this.ensureRoot();
    return hasManyByStatOrListing(keys, {
      statEachLimit: STAT_EACH_LIMIT,
      statJobs: 32,
      listJobs: 16,
      stat: (key) => this.stat(key),
      listFolder: async (folder) => {
        try {
          return new Set((await readdir(this.pathOf(folder))).map((name) => folder + name));
        } catch (err) {
          if (errnoCode(err) === 'ENOENT') return undefined;
          throw this.fsError(err, 'listing', folder);
        }
      },
    });
  }


  async stat(key: string): Promise<RemoteObjectInfo | undefined> {
    await this.ensureRoot();
    try {
      const info = await stat(this.pathOf(key));
      return info.isFile() ? { key, size: info.size, mtimeMs: info.mtimeMs } : undefined;
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return undefined;
      throw this.fsError(err, 'checking', key);
    }
  }

  /**
   * Small objects are copied without an fsync each; `flush` syncs the remote's file system once and then
   * renames them into place — so a crash still leaves no object or a whole one, at the cost of one sync
   * per batch instead of one per object. Big objects go through `put` (fsynced) directly.
   */
  deferredPuts(): DeferredPuts {
    const pending: [tmp: string, dest: string][] = [];
    const tmpDir = join(this.root, 'tmp');
    const spread = new SpreadTempFolders(tmpDir, `${tempSuffix()}.d`);
    const keyOfTemp = (batch: [string, string][], tmp: string) => {
      const dest = batch.find(([t]) => t === tmp)?.[1];
      return dest ? dest.slice(this.root.length + 1) : undefined;
    };
    return {
      put: async (key, localPath, opts = {}) => {
        const size = (await stat(localPath).catch(() => undefined))?.size;
        if (size === undefined || size > COPY_CHUNK) return this.put(key, localPath, opts);
        await this.ensureRoot();
        throwIfAborted(opts.signal);
        const tmp = join(tmpDir, tempSuffix());
        try {
          this.ensureDirSync(tmpDir);
          await copyStream(localPath, tmp, opts, 0o444, false, this.cloning);
        } catch (err) {
          await rm(tmp, { force: true }).catch(() => undefined);
          if (err instanceof CorruptObjectError) throw err;
          if (opts.signal?.aborted) throw abortedError();
          throw this.fsError(err, 'uploading', key);
        }
        pending.push([tmp, this.pathOf(key)]);
      },
      putBytes: async (key, data, opts = {}) => {
        await this.ensureRoot();
        throwIfAborted(opts.signal);
        // With the native helper, written on its threads into spread temp folders (see ObjectStore).
        const writer = nativeHelper();
        let tmp = join(tmpDir, tempSuffix());
        try {
          if (writer) writer.queueWrite((tmp = spread.next()), data, 0o444);
          else {
            this.ensureDirSync(tmpDir);
            writeNewFileSync(tmp, data, 0o444);
          }
        } catch (err) {
          rmSync(tmp, { force: true });
          throw this.fsError(err, 'uploading', key);
        }
        opts.onBytes?.(data.byteLength);
        pending.push([tmp, this.pathOf(key)]);
      },
      flush: async () => {
        if (pending.length === 0) return;
        const batch = pending.splice(0);
        try {
          const written = nativeHelper()?.drainWrites()[0];
          if (written) throw Object.assign(writeFailureError(written), { key: keyOfTemp(batch, written.path) });
          for (const [, dest] of batch) this.ensureDirSync(dirname(dest));
          await syncThenPlace(tmpDir, batch);
        } catch (err) {
          await Promise.all(batch.map(([tmp]) => rm(tmp, { force: true }).catch(() => undefined)));
          throw this.fsError(err, 'publishing uploaded objects in', (err as { key?: string }).key ?? 'objects/');
        } finally {
          spread.removeEmpty();
        }
      },
      discard: async () => {
        nativeHelper()?.drainWrites();
        const batch = pending.splice(0);
        await Promise.all(batch.map(([tmp]) => rm(tmp, { force: true }).catch(() => undefined)));
        spread.removeEmpty();
      },
    };
  }

  async put(key: string, localPath: string, opts: TransferOptions = {}): Promise<void> {
    await this.ensureRoot();
    throwIfAborted(opts.signal);
    const dest = this.pathOf(key);
    const tmpDir = join(this.root, 'tmp');
    const tmp = join(tmpDir, tempSuffix());
    try {
      this.ensureDirSync(tmpDir);
      await copyStream(localPath, tmp, opts, 0o444, true, this.cloning);
      this.ensureDirSync(dirname(dest));
      throwIfAborted(opts.signal);
      await rename(tmp, dest);
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      if (err instanceof CorruptObjectError) throw err;
      if (errnoCode(err) === 'ABORT_ERR' || opts.signal?.aborted) throw abortedError();
      if (errnoCode(err) === 'ENOENT' && !(await exists(localPath))) throw systemError(err, 'reading', localPath);
      throw this.fsError(err, 'uploading', key);
    }
  }

  async get(key: string, localPath: string, opts: TransferOptions = {}): Promise<void> {
    await this.ensureRoot();
    throwIfAborted(opts.signal);
    try {
      await copyStream(this.pathOf(key), localPath, opts, 0o644, false, this.cloning);
    } catch (err) {
      if (err instanceof CorruptObjectError) throw err;
      if (errnoCode(err) === 'ABORT_ERR' || opts.signal?.aborted) throw abortedError();
      if (errnoCode(err) === 'ENOENT' && !(await exists(this.pathOf(key)))) {
        throw objectMissing(this.name, this.url, key, err);
      }
      throw this.fsError(err, 'downloading', key);
    }
  }

  /** A small object already in memory: written, fsynced and renamed into place (like `put`). */
  async putBytes(key: string, data: Uint8Array, opts: TransferOptions = {}): Promise<void> {
    await this.ensureRoot();
    throwIfAborted(opts.signal);
    const tmpDir = join(this.root, 'tmp');
    const tmp = join(tmpDir, tempSuffix());
    const dest = this.pathOf(key);
    try {
      this.ensureDirSync(tmpDir);
      writeNewFileSync(tmp, data, 0o444, { durable: true });
      this.ensureDirSync(dirname(dest));
      renameSync(tmp, dest);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw this.fsError(err, 'uploading', key);
    }
    opts.onBytes?.(data.byteLength);
  }

  /** Small objects: one synchronous read (a local disk answers faster than a thread-pool round trip). */
  async getBytes(key: string, maxBytes: number, opts: TransferOptions = {}): Promise<Buffer | null> {
    await this.ensureRoot();
    throwIfAborted(opts.signal);
    let data: Buffer | null;
    try {
      data = readWholeIfSmall(this.pathOf(key), maxBytes);
    } catch (err) {
      throw this.readError(err, key);
    }
    if (data) opts.onBytes?.(data.length);
    return data;
  }

  /** Hashes an object where it lies: verifying a folder remote needs no copy of it. */
  async hashInPlace(key: string, algo: HashAlgo, opts: TransferOptions = {}): Promise<{ hex: string; size: number }> {
    await this.ensureRoot();
    throwIfAborted(opts.signal);
    try {
      return await hashFile(algo, this.pathOf(key), (n) => {
        throwIfAborted(opts.signal);
        opts.onBytes?.(n);
      });
    } catch (err) {
      if (errnoCode(err) === 'ABORT_ERR' || opts.signal?.aborted) throw abortedError();
      throw this.readError(err, key);
    }
  }

  /**
   * The error for reading an object where it lies: missing (no such file, or a file where a folder
   * should be), or the file-system error naming the object.
   */
  private readError(err: unknown, key: string): Error {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return objectMissing(this.name, this.url, key, err);
    return this.fsError(err, 'downloading', key);
  }

  async *list(prefix: string): AsyncIterable<RemoteObjectInfo> {
    await this.ensureRoot();
    const slash = prefix.lastIndexOf('/');
    const base = prefix.slice(0, slash + 1);
    yield* this.walk(base, prefix);
  }

  /** Depth-first walk of `folder` (a key prefix ending in '/' or ''), yielding keys that start with `prefix`. */
  private async *walk(folder: string, prefix: string): AsyncGenerator<RemoteObjectInfo> {
    let entries;
    try {
      entries = await readdir(this.pathOf(folder), { withFileTypes: true });
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return;
      throw this.fsError(err, 'listing', folder);
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const key = folder + entry.name;
      if (folder === '' && entry.name === 'tmp') continue;
      if (entry.isDirectory()) {
        if (prefix.startsWith(key + '/') || (key + '/').startsWith(prefix)) yield* this.walk(key + '/', prefix);
      } else if (entry.isFile() && key.startsWith(prefix)) {
        const info = await stat(this.pathOf(key)).catch(() => undefined);
        if (info) yield { key, size: info.size, mtimeMs: info.mtimeMs };
      }
    }
  }

  async delete(key: string): Promise<void> {
    await this.ensureRoot();
    try {
      await unlink(this.pathOf(key));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return;
      throw this.fsError(err, 'deleting', key);
    }
  }

  async close(): Promise<void> {}
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * When the remote folder and the cache share a file system with reflinks (XFS, btrfs, APFS), a big object
 * is cloned instead of copied — no bytes written — and the clone is checked against its oid like a copy.
 * Returns false, leaving nothing at `dest`, for small objects and when cloning is not possible here.
 */
async function cloneChecked(
  src: string,
  dest: string,
  expect: NonNullable<TransferOptions['expect']>,
  mode: number,
  durable: boolean,
  cloning: CloneSupport,
  onBytes: (n: number) => void,
): Promise<boolean> {
  if ((await stat(src)).size < REFLINK_MIN_SIZE) return false;
  const before = await cloneFile(src, dest, cloning);
  if (!before) return false;
  try {
    const { hex } = await hashClone(expect.algo, src, before, dest, onBytes);
    const actual = formatOid(expect.algo, hex);
    if (actual !== expect.oid) throw new CorruptObjectError(expect.oid, expect.source, actual);
    await chmod(dest, mode);
    if (durable) await fsyncPath(dest);
    return true;
  } catch (err) {
    await rm(dest, { force: true }).catch(() => undefined);
    throw err;
  }
}

/**
 * Streams `src` to `dest` with a 1 MiB buffer, reporting bytes and honouring the abort signal; with
 * `durable`, fsyncs `dest` before returning so the rename that follows publishes whole bytes.
 */
async function copyStream(src: string, dest: string, opts: TransferOptions, mode: number, durable: boolean, cloning: CloneSupport): Promise<void> {
  if (opts.expect) {
    // Hash while copying (one read of the source): a mismatch leaves no file behind.
    const { oid, algo, source } = opts.expect;
    throwIfAborted(opts.signal);
    const onBytes = (n: number) => {
      throwIfAborted(opts.signal);
      opts.onBytes?.(n);
    };
    if (cloning.works !== false && (await cloneChecked(src, dest, opts.expect, mode, durable, cloning, onBytes))) return;
    // (interruptible: an abort must end the copy soon, not after a whole big object)
    const { hex } = await copyAndHash(algo, src, dest, onBytes, { mode, fsync: durable, interruptible: true });
    const actual = formatOid(algo, hex);
    if (actual !== oid) {
      await rm(dest, { force: true });
      throw new CorruptObjectError(oid, source, actual);
    }
    return;
  }
  const size = (await stat(src)).size;
  if (size <= COPY_CHUNK) {
    // Small objects (most of a 100k-file dataset): one read and one write, no stream machinery.
    throwIfAborted(opts.signal);
    const data = await readFile(src);
    const fh = await open(dest, 'w', mode);
    try {
      await fh.writeFile(data);
      if (durable) await fh.sync();
    } finally {
      await fh.close();
    }
    opts.onBytes?.(data.length);
    return;
  }
  const counter = byteCounter(opts.onBytes);
  await pipeline(
    createReadStream(src, { highWaterMark: COPY_CHUNK }),
    counter,
    createWriteStream(dest, { mode, highWaterMark: COPY_CHUNK }),
    { signal: opts.signal },
  );
  if (durable) {
    await fsyncPath(dest);
  }
}
