/**
 * Running the `git` binary: one run at a time (`startGit`), or started ahead by bin/run.js
 * (src/core/workspace/prefetch.ts) and taken up by `runGit` (git-cli.ts), which words the failures. Its
 * own small module, bundled into dist/fast/start.cjs with prefetch.ts; the command bundles get that same
 * instance (as `mlv:git-process`).
 */
import type { ExecFileException } from 'node:child_process';
import { createRequire } from 'node:module';
import { nativeHelper } from '../native.js';

/** A finished `git` run: what execFile reported. */
export interface GitRun {
  error: ExecFileException | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `git args` in `root` (git-cli.ts words its failures): by the native helper where it is built
 * (`spawnGit`), else by child_process (`execGit`).
 */
export function startGit(root: string, args: string[], input?: string): Promise<GitRun> {
  return nativeHelper()?.spawnCapture ? spawnGit(root, args, input) : execGit(root, args, input);
}

/**
 * `startGit` by the native helper: git is started by posix_spawn and read on a thread of the helper's
 * (native/spawn.c). Node's child_process forks the whole process and sets up a stream per pipe, which
 * cost `status` and re-`add` ~25 ms of the main thread at start-up. The result is worded as execFile's.
 */
export function spawnGit(root: string, args: string[], input?: string): Promise<GitRun> {
  const spawnCapture = nativeHelper()!.spawnCapture!;
  return spawnCapture('git', args, root, input === undefined ? undefined : Buffer.from(input)).then(
    ({ status, signal, stdout, stderr }) => {
      const out = stdout.toString('utf8');
      const err = stderr.toString('utf8');
      if (status === 0) return { error: null, stdout: out, stderr: err };
      // As execFile has it: `code` the exit status, or `signal` the name of the signal that ended git.
      const signals = signal ? (createRequire(import.meta.url)('node:os') as typeof import('node:os')).constants.signals : {};
      const error: ExecFileException = Object.assign(new Error(`Command failed: git ${args.join(' ')}\n${err}`), {
        code: signal ? undefined : status,
        signal: Object.entries(signals).find(([, n]) => n === signal)?.[0] as NodeJS.Signals | undefined,
        cmd: `git ${args.join(' ')}`,
      });
      return { error, stdout: out, stderr: err };
    },
    (error: ExecFileException) => ({ error, stdout: '', stderr: '' }),
  );
}

/** `startGit` by child_process. */
export function execGit(root: string, args: string[], input?: string): Promise<GitRun> {
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
