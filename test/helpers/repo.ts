/**
 * Shared helpers for integration and CLI tests: temp folders, real Git repos, files, and a fingerprint
 * of a folder tree so a test can assert that a failed command "left everything as it was".
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll } from 'vitest';
import { init } from '../../src/core/api/init.js';
import { openRepo, type Repo } from '../../src/core/workspace/repo.js';

const created: string[] = [];

// Registered when a test file imports this module (at collection time): an afterAll first registered
// from inside a running test or hook is not run by vitest, which left every temp folder behind.
afterAll(() => {
  for (const d of created.splice(0)) {
    // Cache objects are 0444 and folders may have been made read-only by a test: make them removable.
    try {
      execFileSync('chmod', ['-R', 'u+w', d], { stdio: 'ignore' });
    } catch {
      // ignore
    }
    rmSync(d, { recursive: true, force: true });
  }
});

/** A fresh temp folder, removed after the test file finishes (symlink-resolved path). */
export function tempDir(prefix = 'mlv-test-', parent = tmpdir()): string {
  const d = mkdtempSync(join(parent, prefix));
  created.push(d);
  return d;
}

/** Environment for child processes: no user/system Git config leaks into tests. */
export function testEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Test',
    GIT_AUTHOR_EMAIL: 'test@example.com',
    GIT_COMMITTER_NAME: 'Test',
    GIT_COMMITTER_EMAIL: 'test@example.com',
    ...extra,
  };
}

/** Runs git in `dir` and returns its stdout; throws (with stderr) on failure. */
export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: testEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface TestRepoOptions {
  /** Run `mlv init` (through the library). Default true. */
  mlv?: boolean;
  /** Extra YAML appended to `.mlv/config.yaml` (replaces it when `config` is given). */
  config?: string;
  /** `.mlv/config.local.yaml` content. */
  localConfig?: string;
  /** Folder to create the repo in (default: the OS temp folder). */
  parent?: string;
}

/** A new Git repo (`git init` + user config) in a temp folder, optionally with mlv initialised. */
export async function makeRepo(opts: TestRepoOptions = {}): Promise<string> {
  const dir = tempDir('mlv-repo-', opts.parent);
  execFileSync('git', ['init', '-q', '-b', 'main', dir], { env: testEnv() });
  git(dir, 'config', 'user.email', 'test@example.com');
  git(dir, 'config', 'user.name', 'Test');
  git(dir, 'config', 'commit.gpgsign', 'false');
  if (opts.mlv !== false) {
    await init(dir);
    if (opts.config !== undefined) writeFileSync(join(dir, '.mlv/config.yaml'), opts.config);
    if (opts.localConfig !== undefined) writeFileSync(join(dir, '.mlv/config.local.yaml'), opts.localConfig);
  }
  return dir;
}

/** Opens the mlv repo at `dir` through the library (re-reads the config each time). */
export function repoAt(dir: string): Repo {
  return openRepo(dir);
}

/** Writes files (creating parent folders); a Buffer or string each. */
export function writeFiles(root: string, files: Record<string, string | Buffer>): void {
  for (const [rel, content] of Object.entries(files)) {
    const abs = join(root, rel);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, content);
  }
}

/** Deterministic pseudo-random bytes (so failures reproduce). */
export function bytes(size: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function read(root: string, rel: string): Buffer {
  return readFileSync(join(root, rel));
}

export function readText(root: string, rel: string): string {
  return readFileSync(join(root, rel), 'utf8');
}

export function exists(root: string, rel: string): boolean {
  try {
    lstatSync(join(root, rel));
    return true;
  } catch {
    return false;
  }
}

export function mode(root: string, rel: string): number {
  return lstatSync(join(root, rel)).mode & 0o777;
}

/** Every object file under a cache folder: repo-relative-to-cache paths. */
export function cacheObjects(cacheDir: string): string[] {
  return listFiles(join(cacheDir, 'objects'));
}

/** All regular files below `dir`, relative POSIX paths, sorted (empty when `dir` is missing). */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (abs: string, rel: string) => {
    let entries;
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch {
      return;
    }
    for (const d of entries) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) walk(join(abs, d.name), r);
      else out.push(r);
    }
  };
  walk(dir, '');
  return out.sort();
}

/**
 * A fingerprint of everything below `root` except `.git/` and `.mlv/tmp/` (lock, stat index, staging —
 * scratch space whose refresh changes nothing the user owns): type, mode, content hash, mtime. Two equal
 * fingerprints mean nothing was created, deleted, rewritten or chmod-ed.
 */
export function fingerprint(root: string, opts: { exclude?: string[] } = {}): Record<string, string> {
  const exclude = new Set(['.git', '.mlv/tmp', ...(opts.exclude ?? [])]);
  const out: Record<string, string> = {};
  const walk = (abs: string, rel: string) => {
    for (const d of readdirSync(abs, { withFileTypes: true })) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (exclude.has(r)) continue;
      const p = join(abs, d.name);
      const st = lstatSync(p);
      const m = (st.mode & 0o7777).toString(8);
      if (st.isDirectory()) {
        out[r + '/'] = `dir ${m}`;
        walk(p, r);
      } else if (st.isSymbolicLink()) out[r] = `link -> ${readlinkSync(p)}`;
      else out[r] = `file ${m} ${st.size} ${sha256(readFileSync(p))} ${st.mtimeMs}`;
    }
  };
  walk(root, '');
  return out;
}

export function makeExecutable(root: string, rel: string): void {
  chmodSync(join(root, rel), 0o755);
}

/** Whether a command is on PATH. */
export function haveCommand(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The stat index file of the repo at `dir`: its header line and its columns (stat-index.ts, version 3). */
export function readStatIndexFile(dir: string): {
  header: { version: number; complete?: string[]; states?: Record<string, [string, number, string]> };
  columns: { paths: string[]; stats: number[]; hexes: string };
} {
  const [header, columns] = readFileSync(join(dir, '.mlv/tmp/stat-index.json'), 'utf8').split('\n');
  return { header: JSON.parse(header!), columns: JSON.parse(columns!) };
}
