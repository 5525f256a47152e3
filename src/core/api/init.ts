/** `mlv init`: creates `.mlv/` (config, ignore rules) inside a Git work tree. Idempotent. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireGitRoot, MLV_DIR } from '../workspace/repo.js';
import { DEFAULT_CONFIG_TEXT, CONFIG_FILE } from '../workspace/config.js';

export const MLV_GITIGNORE = `# mlv: per-machine files, never committed
/config.local.yaml
/cache
/tmp
`;

export interface InitResult {
  root: string;
  /** False when the repo was already initialised (nothing was changed). */
  created: boolean;
  /** Files written, repo-relative. */
  written: string[];
}

export async function init(cwd: string = process.cwd()): Promise<InitResult> {
  const root = requireGitRoot(cwd);
  const mlvDir = join(root, MLV_DIR);
  const written: string[] = [];
  mkdirSync(mlvDir, { recursive: true });
  const configFile = join(mlvDir, CONFIG_FILE);
  if (!existsSync(configFile)) {
    writeFileSync(configFile, DEFAULT_CONFIG_TEXT);
    written.push(`${MLV_DIR}/${CONFIG_FILE}`);
  }
  const ignoreFile = join(mlvDir, '.gitignore');
  if (!existsSync(ignoreFile)) {
    writeFileSync(ignoreFile, MLV_GITIGNORE);
    written.push(`${MLV_DIR}/.gitignore`);
  }
  return { root, created: written.length > 0, written };
}
