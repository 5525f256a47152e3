/**
 * The temp files an interrupted command leaves: objects being written into the cache's `tmp/` (a
 * half-copied 50 GB file among them) and workspace files being staged in `.mlv/tmp/staging/`, with the
 * native writer's spread sub-folders. `removeOwnTemps` removes this process's — never another's — when
 * the command is stopped with Ctrl-C; after `kill -9`, `mlv cache verify` clears them.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { nativeHelper } from '../native.js';
import type { Repo } from './repo.js';

/** Waits for the native writer's queued files, then removes this process's temp files; how many went. */
export function removeOwnTemps(repo: Repo): number {
  nativeHelper()?.drainWrites(); // (so no queued file is created after the removal)
  return removeNamed(repo.store.tmpDir, repo.store.ownTempPrefix) + removeNamed(join(repo.tmpDir, 'staging'), `${process.pid}-`);
}

function removeNamed(dir: string, prefix: string): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    try {
      rmSync(join(dir, name), { recursive: true, force: true });
      removed++;
    } catch {
      // (left for `mlv cache verify`)
    }
  }
  return removed;
}
