/**
 * The optional native helper (native/*.c, built by `npm install` with node-gyp). It lists a folder
 * tree and stats its files in one call, which makes `status` and re-`add` of big folders about twice as
 * fast, creates many small files on four writer threads (adds, pushes and checkouts), and copies big
 * files in the kernel in 64 MiB steps that can be stopped between them, starts `git` without
 * forking Node, and marks temp folders so ext4 spreads their sub-folders. Without it (no compiler at
 * install time, another platform, or `MLV_NATIVE=0`) mlv walks folders, writes files and runs git in
 * JavaScript, with the same results.
 */
import { createRequire } from 'node:module';

/** What a scan saw, in one record (see `fingerprintOf` in walk.ts). */
export interface NativeScanState {
  /** Every path with its kind and, for files, dev, ino, mtimeMs, size and mode. */
  state: ArrayBuffer;
  /** Only regular files and folders with storable names (no links, sockets, vanished entries, tabs). */
  clean: boolean;
  /** The newest file mtime. */
  maxMtimeMs: number;
}

export interface NativeScan extends NativeScanState {
  /** Root-relative paths, each folder followed by its contents. */
  paths: string[];
  /** SCAN_FIELDS numbers per path: kind, dev, ino, mtimeMs, size, mode, nlink (stat numbers for files only). */
  stats: Float64Array;
}

/** A write that failed on a writer thread (the file was removed). */
export interface NativeWriteFailure {
  path: string;
  /** errno name, as fs errors have (ENOSPC, EACCES…). */
  code: string;
  message: string;
}

export interface NativeHelper {
  scanTree(root: string): NativeScan;
  /** The scan's state alone (no path strings made). */
  scanTree(root: string, stateOnly: true): NativeScanState;
  /** scanTree off the main thread (the state alone). */
  scanTreeAsync(root: string, stateOnly: true): Promise<NativeScanState>;
  /** The entries of one folder (not below it, links followed), in directory order, with [ino, mtimeMs] each ([-1, -1]: gone). */
  statEntries(dir: string): { names: string[]; stats: Float64Array };
  /**
   * Copies `data` and queues creating `path` (exclusively; executable modes set past the umask) with it
   * on a writer thread — then, with `dest`, renaming it to `dest` (a failure is reported by `dest`).
   */
  queueWrite(path: string, data: Uint8Array, mode: number, dest?: string): void;
  /** Waits for every queued write; the failures since the last drain. */
  drainWrites(): NativeWriteFailure[];
  /**
   * Copies `inFd` whole to `outFd` in the kernel (copy_file_range, else sendfile) on a libuv thread, in
   * 64 MiB steps: after each, `control[1]` holds the bytes copied so far; the copy stops before the next
   * step once `control[0]` is not 0. `writeBack` starts writing each step to the disk. Resolves to the
   * bytes copied; rejects like fs.copyFile (path `src`, dest `dest`).
   */
  copyFileInSteps(inFd: number, outFd: number, src: string, dest: string, control: BigInt64Array, writeBack?: boolean): Promise<number>;
  /**
   * Whether any process (this one too) has the file of `fd` (opened read-only) open for writing or mapped
   * writable, asked by taking and dropping a read lease; undefined where leases are not offered.
   */
  openForWriting(fd: number): boolean | undefined;
  /**
   * Sets folder `dir`'s FS_TOPDIR_FL (`chattr +T`): ext2/3/4 then spreads its new sub-folders over the
   * disk's block groups. false where the file system has no such flag. See native/dirs.c.
   */
  spreadSubfolders(dir: string): boolean;
  /**
   * syncfs(2) on the file system holding `dir`, then (only if it succeeded) renames each from[i] to to[i]
   * in order, on a libuv thread. Rejects like fs: syscall "syncfs" (nothing renamed), or "rename" with
   * `path` and `dest` of the first rename that failed.
   */
  syncFileSystem?(dir: string, from?: string[], to?: string[]): Promise<void>;
  /**
   * Runs `file` (looked up on PATH) with `args` in folder `cwd` by posix_spawn, stdin from `input`
   * (/dev/null without it), and collects its output on a thread of its own. `status` is -1 and `signal`
   * its number when a signal ended it. A program that cannot be started rejects like child_process
   * (code ENOENT…, syscall `spawn <file>`). Missing where the C library lacks posix_spawn's chdir.
   */
  spawnCapture?(file: string, args: string[], cwd: string, input?: Buffer): Promise<{ status: number; signal: number; stdout: Buffer; stderr: Buffer }>;
}

export const SCAN_FIELDS = 7;
export const SCAN_KIND = { gone: 0, file: 1, dir: 2, symlink: 3, other: 4 } as const;

let loaded: NativeHelper | null | undefined;

/**
 * The helper, or undefined when it is not built or is turned off. The compiled module is at
 * build/Release/ in the package, two folders up from this file both as compiled (dist/core/) and as
 * bundled into the command-line fast path (dist/fast/), and from its source (src/core/).
 */
export function nativeHelper(): NativeHelper | undefined {
  if (loaded === undefined) {
    loaded = null;
    if (process.env.MLV_NATIVE !== '0') {
      try {
        loaded = createRequire(import.meta.url)('../../build/Release/mlv_native.node') as NativeHelper;
      } catch {
        // not built, or built for another Node ABI: mlv walks and writes in JavaScript
      }
    }
  }
  return loaded ?? undefined;
}

/** An error like fs's for a failed native write (so `systemError` words it the same way). */
export function writeFailureError(f: NativeWriteFailure): NodeJS.ErrnoException {
  return Object.assign(new Error(`${f.code}: ${f.message}, open '${f.path}'`), { code: f.code, path: f.path, syscall: 'open' });
}
