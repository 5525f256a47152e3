/**
 * Work started before it is needed. `mlv status` on a 20,000-file folder is bound by one scan of it
 * (~30 ms of lstat), by `git ls-files` (~15 ms to start a process and wait for it) and by start-up
 * (~10 ms loading its code): bin/run.js starts the scans of the folders the stat index says are
 * tracked, and the Git listing of pointer files, before it loads the command, so they overlap; then
 * `scanFingerprint` (walk.ts) and `runGit` (git-cli.ts) take them up. Work nobody asks for is only wasted.
 *
 * This module is bundled into dist/fast/start.cjs, which bin/run.js loads first; the command bundles get
 * that same instance (as `mlv:prefetch`, see scripts/bundle-fast-path.js), so it imports little; the Git
 * runs live in src/core/git/git-process.ts.
 */
import { existsSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { findGitRoot } from '../git/git-root.js';
import { pointerListArgs, prefetchGit, prefetchPointersAndTracked } from '../git/git-process.js';
import { nativeHelper, type NativeScanState } from '../native.js';
import { isFolderState, readStatIndexHeader, STAT_INDEX_FILE, statesOf } from './stat-index-file.js';

const prefetched = new Map<string, Promise<NativeScanState>>();

/**
 * Starts fingerprint scans of these tracked folders (absolute paths) off the main thread. A folder whose
 * pointer is gone (untracked, or not on this branch, its state still in the stat index) would be scanned
 * for nothing, the process then waiting for it at exit: it is skipped.
 */
export function prefetchFingerprints(absRoots: string[]): void {
  const native = nativeHelper();
  if (!native) return;
  for (const abs of absRoots) {
    if (prefetched.has(abs) || !existsSync(`${abs}.mlv`)) continue;
    const scan = native.scanTreeAsync(abs, true);
    scan.catch(() => undefined); // a folder gone since: reported (or rescanned) when it is asked for
    prefetched.set(abs, scan);
  }
}

/** The prefetched scan of `absRoot`, if one was started (it is handed out once). */
export function takePrefetched(absRoot: string): Promise<NativeScanState> | undefined {
  const scan = prefetched.get(absRoot);
  prefetched.delete(absRoot);
  return scan;
}

/**
 * At start-up of `status` (no targets) or `add <targets>`: lists the repo's pointer files with Git (and,
 * for add, what Git tracks among the targets) and scans the tracked folders the stat index holds states
 * for (all of them, or those among `targets`, paths relative to `cwd`). Never throws: without a repo, an
 * index or the native helper it does what it can, and the command finds out the rest for itself.
 */
export function prefetchForCommand(cwd: string, targets?: string[]): void {
  try {
    const root = findGitRoot(cwd); // (symlinks resolved, as the repo's root is: the paths match)
    if (!root || !existsSync(join(root, '.mlv'))) return;
    // Repo-relative targets, in order, once each (as add.ts words them).
    const wanted = targets && new Set(targets.map((t) => relative(root, resolve(cwd, t)).split(sep).join('/')));
    if (nativeHelper()) {
      // The scans first: they take longest.
      try {
        const states = statesOf(readStatIndexHeader(join(root, '.mlv', 'tmp', STAT_INDEX_FILE)));
        const folders = Object.keys(states).filter((rel) => isFolderState(states[rel]!) && (!wanted || wanted.has(rel)));
        prefetchFingerprints(folders.map((rel) => `${root}/${rel}`));
      } catch {
        // no index yet: nothing to scan
      }
    }
    // add also asks which of its targets Git tracks (patterns are expanded first: not known here), in the
    // same run.
    if (wanted && !targets.some((t) => /[*?[\]{}]/.test(t))) prefetchPointersAndTracked(root, [...wanted]);
    else prefetchGit(root, pointerListArgs());
  } catch {
    // not in a repo (or an unreadable one): the command reports it
  }
}
