/**
 * `add` of a big file in copy mode where the file system cannot clone (ext4, the default
 * `cache.link: [reflink, copy]`): the workspace file's own inode becomes the cache object, and an
 * independent copy of it takes its name in the workspace.
 *
 * Copying the file into the cache instead would have to wait for the copy to reach the disk (the cache's
 * objects are fsynced, DESIGN §3): ~0.9 s for 1 GiB here. The workspace file's bytes are usually on the
 * disk already, so its inode is durable at once, while the workspace copy, like the files `checkout` and
 * Git write, needs no fsync. The copy keeps the file's mode and times, and is made in `.mlv/tmp/staging`
 * (removed on Ctrl-C, and by `cache verify` after a crash), then renamed over the file: the workspace
 * name always holds the whole file. git-annex likewise moves the file's inode into its store.
 *
 * Only done when nothing else can reach the inode: one link, owned by this user, nobody holding it open
 * for writing (checked with a read lease where the native helper offers it); and the inode must be
 * unchanged since it was hashed (`linkFileIn`). Otherwise the caller copies the file into the cache.
 */
import { mkdirSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { chmod, lstat, open, rename, rm, utimes, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { hashFile } from '../objects/hash.js';
import { copyInSteps, SMALL_OBJECT, type AddResult, type ObjectStore } from '../objects/store.js';
import { nativeHelper } from '../native.js';
import { systemError } from '../errors.js';
import { OWN_STAGING_PREFIX } from './temp-files.js';
import type { FileStat } from './walk.js';

let counter = 0;

/** Picks the big files `add` may adopt (see above), and adopts them. */
export class InodeAdopter {
  private readonly sameDevice = new Map<number, boolean>();

  constructor(
    private readonly store: ObjectStore,
    private readonly stagingDir: string,
  ) {}

  /**
   * Whether the file of stat `st` may be adopted (before any bytes are read). The first call for a file
   * system makes the staging and cache temp folders, to see whether they are on it.
   */
  canAdopt(st: FileStat): boolean {
    if (st.size <= SMALL_OBJECT || st.nlink !== 1 || !nativeHelper()) return false;
    let same = this.sameDevice.get(st.dev);
    if (same === undefined) {
      try {
        mkdirSync(this.stagingDir, { recursive: true });
        mkdirSync(this.store.tmpDir, { recursive: true });
        same = statSync(this.stagingDir).dev === st.dev && statSync(this.store.tmpDir).dev === st.dev;
      } catch {
        same = false;
      }
      this.sameDevice.set(st.dev, same);
    }
    return same;
  }

  /**
   * Hashes `abs` while copying it to the staging folder, then makes its inode the object (see above).
   * Returns the hash, whether the object was new, and the stat of the file now at `abs`; undefined when
   * the inode cannot be adopted after all (nothing then changed, and the caller copies instead).
   */
  async adopt(abs: string, st: FileStat, onBytes: (n: number) => void): Promise<(AddResult & { hex: string; st: Stats | FileStat }) | undefined> {
    const native = nativeHelper()!;
    let full: Stats;
    let reader: FileHandle;
    try {
      full = await lstat(abs);
      reader = await open(abs, 'r');
    } catch (err) {
      throw systemError(err, 'storing', abs);
    }
    const staged = join(this.stagingDir, `${OWN_STAGING_PREFIX}adopt-${++counter}`);
    let swapped = false;
    try {
      // Another user's file would become this user's copy; a writer (a program still appending to the
      // file) would go on writing into the cache object.
      if (process.getuid && full.uid !== process.getuid()) return undefined;
      if (native.openForWriting(reader.fd) !== false) return undefined;
      // The file itself is hashed (its inode is what the cache keeps), so the copy is not hashed again
      // (`verifiedHex`); both read the same bytes, which the unchanged stat in `linkFileIn` confirms.
      const [{ hex }] = await Promise.all([
        hashFile(this.store.algo, abs, onBytes),
        copyInSteps(this.store.algo, abs, staged, undefined, { mode: st.mode & 0o777, fsync: false, verifiedHex: '' }),
      ]);
      if (native.openForWriting(reader.fd) !== false) return undefined; // (one that came meanwhile)
      const r = await this.store.linkFileIn(abs, st, hex, async () => {
        try {
          await utimes(staged, full.atimeMs / 1000, full.mtimeMs / 1000);
          await rename(staged, abs);
          swapped = true;
        } catch (err) {
          await chmod(abs, full.mode & 0o7777).catch(() => undefined); // (made read-only for the cache)
          throw err;
        }
      });
      if (!r) return undefined;
      return { ...r, hex, st: swapped ? await lstat(abs) : st };
    } catch (err) {
      throw systemError(err, 'storing', abs);
    } finally {
      await reader.close();
      if (!swapped) await rm(staged, { force: true }).catch(() => undefined);
    }
  }
}
