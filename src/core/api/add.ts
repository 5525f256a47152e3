/**
 * `mlv add <path|glob>...`: start tracking files and folders (or record new content of tracked ones).
 * Every target is validated — and every folder listed — before anything is written, so bad input
 * changes nothing.
 */
import { existsSync, lstatSync, statSync } from 'node:fs';
import { MlvError } from '../errors.js';
import { silentReporter, type Reporter } from '../events.js';
import { gitTrackedPaths } from '../git/git-cli.js';
import { POINTER_SUFFIX, pointerPathProblem } from '../objects/pointer.js';
import { nameProblem } from '../objects/tree.js';
import { listArtifacts, toRepoPath, type Artifact } from '../workspace/artifacts.js';
import { withLock } from '../workspace/lock.js';
import { recordArtifacts, type RecordItem, type RecordResult } from '../workspace/record.js';
import type { Repo } from '../workspace/repo.js';
import { stateTreeOf, walkTrackedDir } from '../workspace/snapshot.js';
import { hexOf } from '../objects/oid.js';
import { cacheLinkTarget, existsOrLink } from '../workspace/walk.js';
import { prefetchFingerprints } from '../workspace/prefetch.js';
import { StatIndex } from '../workspace/stat-index.js';

export interface AddOptions {
  reporter?: Reporter;
  /** Store the files that symbolic links inside folders point to, instead of refusing them. */
  followSymlinks?: boolean;
  cwd?: string;
}

const GLOB_CHARS = /[*?[\]{}]/;

/** Expands user arguments: literal paths as they are, glob patterns against the work tree. */
export async function expandTargets(repo: Repo, args: string[], cwd: string): Promise<string[]> {
  const out: string[] = [];
  for (const arg of args) {
    if (GLOB_CHARS.test(arg) && !existsSync(`${cwd}/${arg}`)) {
      const fg = (await import('fast-glob')).default; // loaded only for patterns (~180 KiB of matchers)
      const matches = await fg(arg, { cwd, dot: false, onlyFiles: false, followSymbolicLinks: false, ignore: ['**/.git/**', '**/.mlv/**', `**/*${POINTER_SUFFIX}`] });
      if (matches.length === 0) throw new MlvError('NO_MATCH', `no files match '${arg}'`, { exitCode: 2 });
      out.push(...matches.sort());
    } else {
      out.push(arg);
    }
  }
  return out.map((p) => toRepoPath(repo, p, cwd));
}

export async function add(repo: Repo, args: string[], opts: AddOptions = {}): Promise<RecordResult[]> {
  const reporter = opts.reporter ?? silentReporter;
  const cwd = opts.cwd ?? process.cwd();
  if (args.length === 0) throw new MlvError('USAGE', 'name at least one file or folder to add', { exitCode: 2 });
  const rels = [...new Set(await expandTargets(repo, args, cwd))];
  // The stat index is read before the lock so folders are listed and checked once; its entries are
  // self-validating (a stat that no longer matches is ignored), so another writer cannot make them wrong.
  const index = StatIndex.forRepo(repo);
  // Tracked folders among the targets are scanned off the main thread while Git lists what it tracks.
  if (!opts.followSymlinks) prefetchFingerprints(index.folderStates().filter((rel) => rels.includes(rel)).map((rel) => `${repo.root}/${rel}`));
  const items = await validateAddTargets(repo, rels, opts.followSymlinks ?? false, index);
  return withLock(repo.tmpDir, `mlv add ${args.join(' ')}`, repo.config.core.lockTimeout, async () => {
    try {
      return await recordArtifacts(repo, index, items, { reporter, followSymlinks: opts.followSymlinks });
    } finally {
      index.save();
    }
  });
}

async function validateAddTargets(repo: Repo, rels: string[], followSymlinks: boolean, index: StatIndex): Promise<RecordItem[]> {
  for (const rel of rels) {
    if (rel.endsWith(POINTER_SUFFIX)) {
      throw new MlvError('TARGET_IS_POINTER', `${rel} is an mlv pointer file; add the data it describes instead`, { exitCode: 2 });
    }
    const name = rel.slice(rel.lastIndexOf('/') + 1);
    // The name must also be a valid pointer `path` (no backslash), or the pointer written would be unreadable.
    const problem = nameProblem(name) ?? (pointerPathProblem(name) ? 'the name contains a backslash' : undefined);
    if (problem) throw new MlvError('BAD_FILE_NAME', `${JSON.stringify(rel)} cannot be stored: ${problem}`, { hint: 'rename it first' });
    if (!existsOrLink(`${repo.root}/${rel}`)) {
      throw new MlvError('TARGET_MISSING', `${rel} does not exist`, { exitCode: 2 });
    }
  }
  for (let i = 0; i < rels.length; i++) {
    for (let j = 0; j < rels.length; j++) {
      if (i !== j && rels[j]!.startsWith(rels[i]! + '/')) {
        throw new MlvError('TARGET_NESTED', `${rels[j]} is inside ${rels[i]}, which is also being added`, {
          hint: 'add the folder alone', exitCode: 2,
        });
      }
    }
  }
  const tracked = await gitTrackedPaths(repo.root, rels);
  if (tracked.length > 0) {
    const list = tracked.slice(0, 10).map((p) => `  ${p}`).join('\n');
    throw new MlvError('TRACKED_BY_GIT', `Git already tracks ${tracked.length} file(s) under the path(s) to add:\n${list}${tracked.length > 10 ? '\n  …' : ''}`, {
      hint: `stop tracking them in Git first: git rm -r --cached ${[...new Set(tracked.map((t) => rels.find((r) => t === r || t.startsWith(r + '/')) ?? t))].join(' ')}`,
      details: { paths: tracked },
    });
  }
  const artifacts = await listArtifacts(repo);
  const items: RecordItem[] = [];
  for (const rel of rels) {
    const previous = artifacts.find((a) => a.dataRel === rel);
    const outer = artifacts.find((a) => a.pointer.kind === 'dir' && rel.startsWith(a.dataRel + '/'));
    if (outer) {
      throw new MlvError('TARGET_IN_TRACKED_FOLDER', `${rel} is inside ${outer.dataRel}, which mlv already tracks (${outer.pointerRel})`, {
        hint: `run \`mlv add ${outer.dataRel}\` to record changes to the whole folder`, exitCode: 2,
      });
    }
    const inner = artifacts.filter((a) => a.dataRel.startsWith(rel + '/') || a.pointerRel.startsWith(rel + '/'));
    if (inner.length > 0) {
      throw new MlvError('TARGET_CONTAINS_TRACKED', `${rel} contains paths mlv already tracks: ${inner.slice(0, 5).map((a) => a.pointerRel).join(', ')}`, {
        hint: `run \`mlv remove\` on those first, then add the folder as a whole`, exitCode: 2,
      });
    }
    const abs = `${repo.root}/${rel}`;
    const st = lstatSync(abs);
    // A link into the cache is a file that `cache.link: symlink` placed there: it is tracked content.
    const cacheLink = st.isSymbolicLink() && cacheLinkTarget(abs, repo.store.objectsDir) !== undefined;
    if (st.isSymbolicLink() && !followSymlinks && !cacheLink) {
      throw new MlvError('TARGET_IS_SYMLINK', `${rel} is a symbolic link`, { hint: 'add the file it points to, or pass --follow-symlinks', exitCode: 2 });
    }
    const target = st.isSymbolicLink() ? statSync(abs) : st;
    const isDir = target.isDirectory();
    if (!isDir && !target.isFile()) {
      throw new MlvError('TARGET_NOT_REGULAR', `${rel} is not a regular file or folder`, { exitCode: 2 });
    }
    if (previous && previous.pointer.kind !== (isDir ? 'dir' : 'file')) {
      throw new MlvError('KIND_CHANGED', `${rel} is tracked as a ${previous.pointer.kind} but is now a ${isDir ? 'folder' : 'file'}`, {
        hint: `run \`mlv remove ${rel}\` first, then add it again`,
      });
    }
    const item: RecordItem = { dataRel: rel, kind: isDir ? 'dir' : 'file', previous: previous as Artifact | undefined };
    // A tracked folder whose state the stat index holds, unchanged since: no walk (recordArtifacts
    // walks it after all if its tree is not known to be whole in the cache).
    const known = isDir && previous && !followSymlinks ? await stateTreeOf({ repo, index, reporter: silentReporter }, rel) : undefined;
    if (known !== undefined && known === hexOf(previous!.pointer.oid)) item.unchangedTree = known;
    else if (isDir) item.walk = walkTrackedDir(repo, abs, rel, followSymlinks, index);
    items.push(item);
  }
  return items;
}

