/**
 * A Repo is the context every operation works in: the Git work tree root, the `.mlv` folder, the merged
 * config and the local object store.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { findGitRoot } from '../git/git-root.js';
import { basename, dirname, join, resolve } from 'node:path';
import { MlvError } from '../errors.js';
import { ObjectStore } from '../objects/store.js';
import { loadConfig, type MlvConfig } from './config.js';

export const MLV_DIR = '.mlv';

export interface Repo {
  /** Absolute, symlink-resolved path of the Git work tree root. */
  root: string;
  /** `<root>/.mlv` */
  mlvDir: string;
  /** `<root>/.mlv/tmp` */
  tmpDir: string;
  config: MlvConfig;
  store: ObjectStore;
}

export { findGitRoot };

export function requireGitRoot(cwd: string): string {
  const root = findGitRoot(cwd);
  if (!root) {
    throw new MlvError('NOT_A_GIT_REPO', `${resolve(cwd)} is not inside a Git work tree`, {
      hint: 'run `git init` first (mlv keeps its pointers in Git), then `mlv init`',
    });
  }
  return root;
}

/**
 * For a linked worktree (`.git` is a file), the root of the main work tree when it has mlv set up
 * (so all worktrees share its cache); otherwise `root`.
 */
export function mainWorktreeRoot(root: string): string {
  try {
    if (!statSync(join(root, '.git')).isFile()) return root;
    const m = /^gitdir:\s*(.+?)\s*$/m.exec(readFileSync(join(root, '.git'), 'utf8'));
    if (!m) return root;
    const gitdir = resolve(root, m[1]!);
    const commonFile = join(gitdir, 'commondir');
    if (!existsSync(commonFile)) return root;
    const common = resolve(gitdir, readFileSync(commonFile, 'utf8').trim());
    const main = dirname(common);
    return basename(common) === '.git' && existsSync(join(main, MLV_DIR)) ? main : root;
  } catch {
    return root;
  }
}

/** Opens the mlv repo containing `cwd`; fails with a hint when Git or mlv is not initialised. */
export function openRepo(cwd: string = process.cwd()): Repo {
  const root = requireGitRoot(cwd);
  const mlvDir = join(root, MLV_DIR);
  if (!existsSync(mlvDir) || !statSync(mlvDir).isDirectory()) {
    throw new MlvError('NOT_AN_MLV_REPO', `${root} has no ${MLV_DIR}/ folder: mlv is not initialised in this Git repo`, {
      hint: 'run `mlv init`',
    });
  }
  const config = loadConfig(root, mlvDir, mainWorktreeRoot(root));
  return {
    root,
    mlvDir,
    tmpDir: join(mlvDir, 'tmp'),
    config,
    store: new ObjectStore(config.cache.dir, config.core.hash),
  };
}
