/**
 * Materialising cache objects in the workspace per `cache.link` (DESIGN §6): an ordered preference of
 * reflink, hardlink, symlink, copy. Every file is staged under a temp name and renamed into place, so a
 * crash never leaves a half-written workspace file. Copies (and reflink clones) are verified against
 * their oid while they are made; a mismatch is an error and nothing is placed.
 *
 * Executable files are always reflinked or copied: a hard or symbolic link would share the cache
 * object's read-only, non-executable mode.
 */
import { chmodSync, constants, copyFileSync, linkSync, symlinkSync, writeFileSync, renameSync, mkdirSync, rmSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { copyFile, link, symlink, chmod, rename, rm, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CorruptObjectError, systemError } from '../errors.js';
import { hashBytesSync, readSmallFileSync } from '../objects/hash.js';
import { cloneFile, copyAndHash, hashClone, REFLINK_MIN_SIZE, SMALL_OBJECT, SpreadTempFolders, writeNewFileSync, type CloneSupport, type ObjectStore } from '../objects/store.js';
import { nativeHelper, type NativeWriteFailure } from '../native.js';
import { hexOf } from '../objects/oid.js';
import type { LinkMode } from './config.js';
import { doneBeside, OWN_STAGING_PREFIX, stagedBeside } from './temp-files.js';

/** What `materialize` answers for a small copy handed to the native writer: placed by `settle()`. */
export const QUEUED = 'queued';

export class Linker {
  private readonly works = new Map<LinkMode, boolean>();
  private readonly cloning: CloneSupport = {};
  private counter = 0;
  private readonly knownDirs = new Set<string>();
  /** Staging files for the native writer, spread over sub-folders (removed by `settle`). */
  private spread: SpreadTempFolders | undefined;

  /**
   * @param stagingDir a folder on the workspace's file system for temp files (`.mlv/tmp/staging`).
   * @param opts.queueSmallCopies small copies (verified here) are written and renamed into place by the
   *   native writer's threads when it is there; `materialize` then answers QUEUED and the caller must
   *   call `settle()` before relying on them.
   */
  constructor(
    private readonly store: ObjectStore,
    private readonly modes: LinkMode[],
    private readonly stagingDir: string,
    private readonly opts: { queueSmallCopies?: boolean } = {},
  ) {}

  /**
   * Waits for the queued small copies. Returns the ones that failed, by destination path; the rest are
   * in place. Removes the staging sub-folders they used.
   */
  settle(): NativeWriteFailure[] {
    if (!this.spread) return [];
    const failures = nativeHelper()?.drainWrites() ?? [];
    this.spread.removeEmpty();
    return failures;
  }

  /** Restores a small object of `size` bytes at `dest` here and now (after a queued copy failed, e.g. across file systems). */
  restoreSmallNow(oid: string, size: number, dest: string, exec: boolean): Stats | undefined {
    return this.copySmallSync(oid, size, dest, exec ? 0o755 : 0o644, false) as Stats | undefined; // (not queued: never QUEUED)
  }

  private stagingPath(): string {
    if (!this.knownDirs.has(this.stagingDir)) {
      mkdirSync(this.stagingDir, { recursive: true });
      this.knownDirs.add(this.stagingDir);
    }
    return join(this.stagingDir, `${OWN_STAGING_PREFIX}${++this.counter}`);
  }

  ensureParent(dest: string): void {
    const dir = dirname(dest);
    if (this.knownDirs.has(dir)) return;
    mkdirSync(dir, { recursive: true });
    this.knownDirs.add(dir);
  }

  /**
   * Places object `oid` at `dest` (replacing any file there). Returns the stat of the placed file when it
   * is known without another system call (a small copy).
   */
  async materialize(oid: string, size: number, dest: string, exec: boolean, onBytes?: (n: number) => void): Promise<Stats | undefined | typeof QUEUED> {
    this.ensureParent(dest);
    if (size <= SMALL_OBJECT) {
      const placed = this.materializeSmallSync(oid, size, dest, exec);
      onBytes?.(size);
      return placed;
    }
    for (const mode of this.modes) {
      if (this.works.get(mode) === false) continue;
      if (exec && (mode === 'hardlink' || mode === 'symlink')) continue;
      if (await this.tryMode(mode, oid, size, dest, exec, onBytes)) return undefined;
    }
    await this.copy(oid, size, dest, exec, onBytes);
    return undefined;
  }

  private async tryMode(mode: LinkMode, oid: string, size: number, dest: string, exec: boolean, onBytes?: (n: number) => void): Promise<boolean> {
    const src = this.store.path(oid);
    if (mode === 'copy') {
      await this.copy(oid, size, dest, exec, onBytes);
      return true;
    }
    const tmp = this.stagingPath();
    try {
      if (mode === 'reflink') {
        const before = await cloneFile(src, tmp, this.cloning);
        if (!before) {
          this.works.set(mode, false);
          return false;
        }
        if (this.store.wasJustVerified(oid)) onBytes?.(size);
        else {
          const { hex } = await hashClone(this.store.algo, src, before, tmp, onBytes);
          if (hex !== hexOf(oid)) throw new CorruptObjectError(oid, 'the cache', this.store.oid(hex));
        }
        await chmod(tmp, exec ? 0o755 : 0o644);
      } else if (mode === 'hardlink') {
        await link(src, tmp);
        onBytes?.(size);
      } else {
        await symlink(src, tmp);
        onBytes?.(size);
      }
      await this.placeStaged(tmp, dest);
      this.works.set(mode, true);
      return true;
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      if (err instanceof CorruptObjectError) throw err;
      // Out of space is real; anything else means this mode does not work here (no reflink support,
      // cache on another file system, links not permitted): fall through to the next preference.
      if ((err as NodeJS.ErrnoException).code === 'ENOSPC') throw systemError(err, 'writing', dest);
      this.works.set(mode, false);
      return false;
    }
  }

  /**
   * Small objects (most files of a 100k-file dataset), synchronously: a thread-pool round trip per step
   * cost more than the work. A file below REFLINK_MIN_SIZE is copied even where reflinks are preferred:
   * cloning a few KiB costs more than writing them, and the copy behaves the same (writable, independent).
   */
  private materializeSmallSync(oid: string, size: number, dest: string, exec: boolean): Stats | undefined | typeof QUEUED {
    for (const mode of this.modes) {
      if (this.works.get(mode) === false) continue;
      if (exec && (mode === 'hardlink' || mode === 'symlink')) continue;
      if (mode === 'copy' || (mode === 'reflink' && size < REFLINK_MIN_SIZE)) break;
      const tmp = this.stagingPath();
      const src = this.store.path(oid);
      try {
        if (mode === 'reflink') {
          copyFileSync(src, tmp, constants.COPYFILE_FICLONE_FORCE);
          const hex = hashBytesSync(this.store.algo, readSmallFileSync(tmp, size));
          if (hex !== hexOf(oid)) throw new CorruptObjectError(oid, 'the cache', this.store.oid(hex));
          chmodSync(tmp, exec ? 0o755 : 0o644);
        } else if (mode === 'hardlink') {
          linkSync(src, tmp);
        } else {
          symlinkSync(src, tmp);
        }
      } catch (err) {
        rmSync(tmp, { force: true });
        if (err instanceof CorruptObjectError) throw err;
        if ((err as NodeJS.ErrnoException).code === 'ENOSPC') throw systemError(err, 'writing', dest);
        this.works.set(mode, false);
        continue;
      }
      try {
        this.placeStagedSync(tmp, dest);
      } catch (err) {
        rmSync(tmp, { force: true });
        throw systemError(err, 'restoring', dest);
      }
      this.works.set(mode, true);
      return undefined;
    }
    return this.copySmallSync(oid, size, dest, exec ? 0o755 : 0o644, this.opts.queueSmallCopies === true);
  }

  private placeStagedSync(tmp: string, dest: string): void {
    try {
      renameSync(tmp, dest);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
      const beside = stagedBeside(dest);
      try {
        copyFileSync(tmp, beside);
        rmSync(tmp, { force: true });
        renameSync(beside, dest);
      } catch (e) {
        rmSync(beside, { force: true });
        throw e;
      } finally {
        doneBeside(beside);
      }
    }
  }

  /** Renames a staged file over `dest`; across file systems, stages again beside `dest`. */
  private async placeStaged(tmp: string, dest: string): Promise<void> {
    try {
      await rename(tmp, dest);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
      const beside = stagedBeside(dest);
      try {
        await copyFile(tmp, beside);
        await rm(tmp, { force: true });
        await rename(beside, dest);
      } catch (e) {
        await rm(beside, { force: true });
        throw e;
      } finally {
        doneBeside(beside);
      }
    }
  }

  private async copy(oid: string, size: number, dest: string, exec: boolean, onBytes?: (n: number) => void): Promise<void> {
    const mode = exec ? 0o755 : 0o644;
    if (size <= SMALL_OBJECT) {
      this.copySmallSync(oid, size, dest, mode);
      onBytes?.(size);
      return;
    }
    const tmp = this.stagingPath();
    const src = this.store.path(oid);
    try {
      // The kernel copies the object (in steps, with the native helper) and the copy is hashed; it is
      // placed only when that hash matches the oid. An object this command has just fetched and checked
      // (a pull) is not hashed a second time. Not a plain fs.copyFile with the helper: libuv truncates the
      // new file, which makes ext4 write all of it to the disk when it is closed (auto_da_alloc); a
      // checkout's profile showed its main thread waiting ~1.5 s for that after copying 1 GiB.
      const verifiedHex = this.store.wasJustVerified(oid) ? hexOf(oid) : undefined;
      const { hex } = await copyAndHash(this.store.algo, src, tmp, onBytes, { mode, fsync: false, verifiedHex });
      if (hex !== hexOf(oid)) throw new CorruptObjectError(oid, 'the cache', this.store.oid(hex));
      await this.placeStaged(tmp, dest);
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw systemError(err, 'restoring', dest);
    }
  }

  /**
   * Small files: read whole, hash, write, rename — synchronous, the fastest path for 100k tiny files.
   * Returns the written file's stat (a rename keeps inode, size and mtime), or undefined when unknown.
   */
  private copySmallSync(oid: string, size: number, dest: string, mode: number, queue = false): Stats | undefined | typeof QUEUED {
    // The bytes of an object this command has just downloaded and checked (a pull) are still in memory.
    let data: Uint8Array | undefined = this.store.takeVerifiedBytes(oid);
    if (data === undefined) {
      try {
        data = readSmallFileSync(this.store.path(oid), size); // valid until the next read: written (or copied) below first
      } catch (err) {
        throw systemError(err, 'reading object', oid);
      }
      const hex = hashBytesSync(this.store.algo, data);
      if (hex !== hexOf(oid)) throw new CorruptObjectError(oid, 'the cache', this.store.oid(hex));
    }
    const writer = queue ? nativeHelper() : undefined;
    if (writer) {
      this.spread ??= new SpreadTempFolders(this.stagingDir, `${OWN_STAGING_PREFIX}d`);
      writer.queueWrite(this.spread.next(), data, mode, dest);
      return QUEUED;
    }
    const tmp = this.stagingPath();
    try {
      // (exactMode: the umask may have masked the exec bits)
      const written = writeNewFileSync(tmp, data, mode, { exactMode: (mode & 0o111) !== 0, stat: true });
      renameSync(tmp, dest);
      return written;
    } catch (err) {
      rmSync(tmp, { force: true });
      if ((err as NodeJS.ErrnoException).code === 'EXDEV') {
        writeFileSync(dest, data, { mode });
        return undefined;
      }
      throw systemError(err, 'restoring', dest);
    }
  }

  /** Creates a folder (and parents). */
  async mkdirp(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    this.knownDirs.add(dir);
  }
}
