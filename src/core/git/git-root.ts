/**
 * Finding the Git work tree around a folder. Its own small module: bin/run.js uses it at start-up
 * (src/core/workspace/prefetch.ts) before the command's code loads.
 */
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The root of the Git work tree containing `cwd` (symlinks resolved), or undefined. A `.git` file (worktrees) counts. */
export function findGitRoot(cwd: string): string | undefined {
  let dir = resolve(cwd);
  try {
    dir = realpathSync(dir);
  } catch {
    return undefined;
  }
  for (;;) {
    if (existsSync(join(dir, '.git'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
