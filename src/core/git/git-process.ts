/**
 * Running the `git` binary: one run at a time (`startGit`), or started ahead by bin/run.js
 * (src/core/workspace/prefetch.ts) and taken up by `runGit` (git-cli.ts), which words the failures. Its
 * own small module, bundled into dist/fast/start.cjs with prefetch.ts; the command bundles get that same
 * instance (as `mlv:git-process`).
 */
import type { ExecFileException } from 'node:child_process';
import { createRequire } from 'node:module';

/** A finished `git` run: what execFile reported. */
export interface GitRun {
  error: ExecFileException | null;
  stdout: string;
  stderr: string;
}

/** Runs `git args` in `root` (git-cli.ts words its failures). */
export function startGit(root: string, args: string[], input?: string): Promise<GitRun> {
  // child_process is loaded here, not imported: at start-up the scans start before it (~2 ms) loads.
  const { execFile } = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
  return new Promise((resolve) => {
    const child = execFile('git', args, { cwd: root, maxBuffer: 1 << 30, encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({ error, stdout: String(stdout), stderr: String(stderr) });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

const gitRuns = new Map<string, Promise<GitRun>>();
const gitKey = (root: string, args: string[]) => `${root}\0${args.join('\0')}`;

/** Starts `git args` in `root` now, for `takePrefetchedGit` to hand out (prefetch.ts, at start-up). */
export function prefetchGit(root: string, args: string[]): void {
  gitRuns.set(gitKey(root, args), startGit(root, args));
}

/** The prefetched run of `git args` in `root`, if one was started (handed out once). */
export function takePrefetchedGit(root: string, args: string[]): Promise<GitRun> | undefined {
  const key = gitKey(root, args);
  const run = gitRuns.get(key);
  gitRuns.delete(key);
  return run;
}

/** The `git ls-files` arguments that list pointer files (all, or those under repo-relative `under`). */
export function pointerListArgs(under: string[] = []): string[] {
  const specs = under.length === 0 ? [':(glob)**/*.mlv'] : under.map((u) => `:(glob)${u.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}/**/*.mlv`);
  return ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--full-name', '--', ...specs];
}

/** The `git ls-files` arguments that list what Git tracks at or below repo-relative `paths`. */
export function trackedPathsArgs(paths: string[]): string[] {
  return ['ls-files', '-z', '--cached', '--full-name', '--', ...paths.map((p) => `:(literal)${p}`)];
}

/**
 * add's two questions of Git — the pointer files (as `pointerListArgs()`) and what Git tracks at or below
 * its targets (as `trackedPathsArgs(paths)`) — in one `git ls-files -t` (tagged: `H path` tracked,
 * `? path` not): each spawn costs ~5 ms of CPU on the cores the folder scans need at start-up. git-cli.ts
 * splits the answer.
 */
export function pointersAndTrackedArgs(paths: string[]): string[] {
  return ['ls-files', '-z', '-t', '--cached', '--others', '--exclude-standard', '--full-name', '--', ':(glob)**/*.mlv', ...paths.map((p) => `:(literal)${p}`)];
}

/** The registry key under which the combined run is handed out for the pointer list. */
const POINTERS_OF_COMBINED = ['(pointers of the combined ls-files run)'];

/**
 * Starts the combined run for `add <paths>` in `root` (prefetch.ts). It is handed out once for each
 * question: for the tracked paths by its own arguments (`takePrefetchedGit`), for the pointer list by
 * `takeCombinedForPointers`.
 */
export function prefetchPointersAndTracked(root: string, paths: string[]): void {
  const args = pointersAndTrackedArgs(paths);
  const run = startGit(root, args);
  gitRuns.set(gitKey(root, args), run);
  gitRuns.set(gitKey(root, POINTERS_OF_COMBINED), run);
}

/** The prefetched combined run, for the list of all pointer files (handed out once for it). */
export function takeCombinedForPointers(root: string): Promise<GitRun> | undefined {
  return takePrefetchedGit(root, POINTERS_OF_COMBINED);
}
