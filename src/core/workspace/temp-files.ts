/**
 * The temp files mlv writes before renaming them into place: objects being written into the cache's
 * `tmp/` (a half-copied 50 GB file among them) and workspace files being staged in `.mlv/tmp/staging/`,
 * with the native writer's spread sub-folders, and a file staged again beside its destination when the
 * staging folder is on another file system (`<dest>.mlv-tmp-<pid>`). Left behind by an interrupted
 * command, they are removed by the command itself on Ctrl-C (`removeOwnTemps`, this process's only) and,
 * but for those beside their destination, by `mlv cache verify` (those of processes that are gone).
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { nativeHelper } from '../native.js';
import type { Repo } from './repo.js';

/** How this process's staged files and spread sub-folders in the staging folder begin. */
export const OWN_STAGING_PREFIX = `${process.pid}-`;

/** The workspace's staging folder (on the workspace's file system, so staged files rename into place). */
export function stagingDirOf(repo: Pick<Repo, 'tmpDir'>): string {
  return join(repo.tmpDir, 'staging');
}

/** The two folders that hold temp files: the cache's `tmp/`, then the staging folder. */
export function tempDirsOf(repo: Pick<Repo, 'tmpDir' | 'store'>): [cacheTmp: string, staging: string] {
  return [repo.store.tmpDir, stagingDirOf(repo)];
}

/** Removes the entries of `dir` (files, or spread sub-folders) that `remove` picks by name; how many went. */
export function removeTemps(dir: string, remove: (name: string, path: string) => boolean): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const path = join(dir, name);
    if (!remove(name, path)) continue;
    try {
      rmSync(path, { recursive: true, force: true });
      removed++;
    } catch {
      // (left for the next `mlv cache verify`)
    }
  }
  return removed;
}

/** Files being written beside their destination (they are in no temp folder): see `stagedBeside`. */
const besideFiles = new Set<string>();

/**
 * The temp name beside `dest` for a staged file that cannot be renamed across file systems; it is
 * removed on Ctrl-C until `doneBeside` is called for it (after its rename, or its removal on a failure).
 */
export function stagedBeside(dest: string): string {
  const beside = `${dest}.mlv-tmp-${process.pid}`;
  besideFiles.add(beside);
  return beside;
}

export function doneBeside(beside: string): void {
  besideFiles.delete(beside);
}

/** Waits for the native writer's queued files, then removes this process's temp files; how many went. */
export function removeOwnTemps(repo: Repo): number {
  nativeHelper()?.drainWrites(); // (so no queued file is created after the removal)
  const [cacheTmp, staging] = tempDirsOf(repo);
  let removed = removeTemps(cacheTmp, (name) => name.startsWith(repo.store.ownTempPrefix)) + removeTemps(staging, (name) => name.startsWith(OWN_STAGING_PREFIX));
  for (const beside of besideFiles) {
    try {
      rmSync(beside);
      removed++;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') continue; // (a file the user can see and remove)
    }
    besideFiles.delete(beside);
  }
  return removed;
}
