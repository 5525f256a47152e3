/**
 * Questions about the work tree that the `git` binary answers fastest: which paths Git tracks, and where
 * pointer files are (Git skips the ignored data folders, so a 100k-file dataset is never walked just to
 * find pointers). History (revisions, tags) is read through isomorphic-git elsewhere in this folder.
 */
import { MlvError } from '../errors.js';
import {
  pointerListArgs,
  pointersAndTrackedArgs,
  startGit,
  takeCombinedForPointers,
  takePrefetchedGit,
  trackedPathsArgs,
  type GitRun,
} from './git-process.js';

/** Runs `git args` in `root` (or takes the run bin/run.js started ahead: git-process.ts); its stdout. */
export async function runGit(root: string, args: string[], opts: { input?: string } = {}): Promise<string> {
  return outputOf((opts.input === undefined ? takePrefetchedGit(root, args) : undefined) ?? startGit(root, args, opts.input), args);
}

/** The stdout of a finished run, or its failure worded. */
async function outputOf(run: Promise<GitRun>, args: string[]): Promise<string> {
  const { error, stdout, stderr } = await run;
  if (error) {
    if (error.code === 'ENOENT') {
      throw new MlvError('GIT_MISSING', 'the `git` command was not found', { hint: 'install Git and make sure it is on PATH' });
    }
    throw new MlvError('GIT_FAILED', `git ${args[0]} failed: ${stderr.trim() || error.message}`, { cause: error });
  }
  return stdout;
}

function splitZ(out: string): string[] {
  return out.split('\0').filter((s) => s.length > 0);
}

/** The records of `git ls-files -t -z`: [tag, path] ('H' and the like: tracked; '?': not tracked, not ignored). */
function taggedRecords(out: string): [string, string][] {
  return splitZ(out).map((r) => [r.slice(0, r.indexOf(' ')), r.slice(r.indexOf(' ') + 1)]);
}

/** Repo-relative paths that Git tracks at or below each of `paths`. */
export async function gitTrackedPaths(root: string, paths: string[]): Promise<string[]> {
  if (paths.length === 0) return [];
  const combined = takePrefetchedGit(root, pointersAndTrackedArgs(paths));
  if (combined) {
    const under = (f: string) => paths.some((p) => p === '' || f === p || f.startsWith(`${p}/`));
    return taggedRecords(await outputOf(combined, pointersAndTrackedArgs(paths)))
      .filter(([tag, f]) => tag !== '?' && under(f))
      .map(([, f]) => f);
  }
  const out = await runGit(root, trackedPathsArgs(paths));
  return splitZ(out);
}

/**
 * Pointer files (`*.mlv`) in the work tree: tracked ones and untracked ones that are not ignored,
 * optionally limited to `under` (repo-relative paths). Tracked pointers deleted from disk are included;
 * callers check existence.
 */
export async function gitPointerFiles(root: string, under: string[] = []): Promise<string[]> {
  const combined = under.length === 0 ? takeCombinedForPointers(root) : undefined;
  if (combined) {
    // Every path the combined run lists that ends in .mlv is one `**/*.mlv` lists (and no other is).
    const files = taggedRecords(await outputOf(combined, ['ls-files'])).map(([, f]) => f).filter((f) => f.endsWith('.mlv'));
    return [...new Set(files)].sort();
  }
  const out = await runGit(root, pointerListArgs(under));
  return [...new Set(splitZ(out))].sort();
}

/**
 * The commits a `git push` sends: reachable from `tips` but not from what the remote already has — its
 * old tips (`remoteTips`, those this repository knows) and, for a named remote, its remote-tracking
 * branches. As git-lfs does, so a push of several commits carries the data of every one of them.
 */
export async function commitsToPush(root: string, tips: string[], remoteTips: string[], remote?: string): Promise<string[]> {
  if (tips.length === 0) return [];
  const args = ['rev-list', '--ignore-missing', ...tips, '--not', ...remoteTips];
  // A remote given as a URL has no tracking branches; a name with glob characters is not a remote.
  if (remote && /^[\w.-]+$/.test(remote)) args.push(`--remotes=${remote}`);
  const out = await runGit(root, args);
  return out.split('\n').filter((l) => l.length > 0);
}

