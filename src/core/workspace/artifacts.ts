/**
 * Tracked artifacts: each pointer file `<dir>/<name>.mlv` and the data path it describes. Also resolves
 * the paths users type (relative to where they stand) to repo-relative paths, refusing paths outside the
 * repo or inside `.git` / `.mlv`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, posix, relative, resolve, sep } from 'node:path';
import { MlvError } from '../errors.js';
import { gitPointerFiles } from '../git/git-cli.js';
import { parsePointer, POINTER_SUFFIX, type Pointer } from '../objects/pointer.js';
import type { Repo } from './repo.js';

export interface Artifact {
  /** Repo-relative path of the pointer file. */
  pointerRel: string;
  /** Repo-relative path of the data the pointer describes. */
  dataRel: string;
  pointer: Pointer;
  /** The pointer file's text (kept so a rewrite preserves comments and unknown keys). */
  pointerText: string;
}

/** Converts a user-typed path (relative to `cwd`) to a repo-relative POSIX path, validating it. */
export function toRepoPath(repo: Repo, userPath: string, cwd = process.cwd()): string {
  const abs = resolve(cwd, userPath);
  const rel = relative(repo.root, abs);
  if (rel === '') {
    throw new MlvError('TARGET_IS_REPO_ROOT', `'${userPath}' is the repository root; name files or folders inside it`, { exitCode: 2 });
  }
  if (rel === '..' || rel.startsWith('..' + sep) || isAbsolute(rel)) {
    throw new MlvError('TARGET_OUTSIDE_REPO', `'${userPath}' is outside the repository ${repo.root}`, {
      hint: 'mlv only tracks paths inside the Git work tree it runs in; copy or move the data into the repo first',
      exitCode: 2,
    });
  }
  const posixRel = rel.split(sep).join('/');
  const first = posixRel.split('/')[0];
  if (first === '.git' || first === '.mlv') {
    throw new MlvError('TARGET_INTERNAL', `'${userPath}' is inside ${first}/, which mlv and Git manage themselves`, { exitCode: 2 });
  }
  return posixRel;
}

export function pointerRelFor(dataRel: string): string {
  return dataRel + POINTER_SUFFIX;
}

export function dataRelFor(pointerRel: string, pointer: Pointer): string {
  const dir = posix.dirname(pointerRel);
  return dir === '.' ? pointer.path : `${dir}/${pointer.path}`;
}

/** Reads and validates one pointer file. */
export function readArtifact(repo: Repo, pointerRel: string): Artifact {
  const text = readFileSync(`${repo.root}/${pointerRel}`, 'utf8');
  const pointer = parsePointer(text, pointerRel);
  return { pointerRel, dataRel: dataRelFor(pointerRel, pointer), pointer, pointerText: text };
}

/**
 * Every tracked artifact in the work tree (or below `under`). Pointer-looking files that lie inside a
 * tracked folder are data, not pointers, and are skipped.
 */
export async function listArtifacts(repo: Repo, under: string[] = []): Promise<Artifact[]> {
  const files = (await gitPointerFiles(repo.root, under)).filter((f) => existsSync(`${repo.root}/${f}`));
  return dropPointersInsideFolders(files.map((f) => readArtifact(repo, f)));
}

/** Pointer-named files inside a tracked folder are data, not pointers (in the work tree or at a revision). */
export function dropPointersInsideFolders(artifacts: Artifact[]): Artifact[] {
  const dirs = artifacts.filter((a) => a.pointer.kind === 'dir').map((a) => a.dataRel + '/');
  if (dirs.length === 0) return artifacts;
  return artifacts.filter((a) => !dirs.some((d) => a.pointerRel.startsWith(d)));
}

/** Whether `rel` is `subpath` itself or lies below it (any path, when `subpath` is undefined). */
export function inSubpath(rel: string, subpath: string | undefined): boolean {
  return subpath === undefined || rel === subpath || rel.startsWith(subpath + '/');
}

/** The artifact whose data contains `rel` (its own path or a path inside its folder). */
export function artifactContaining(artifacts: Artifact[], rel: string): Artifact | undefined {
  return artifacts.find((a) => a.dataRel === rel || (a.pointer.kind === 'dir' && rel.startsWith(a.dataRel + '/')));
}

export interface Selection {
  artifact: Artifact;
  /** Folder-relative path inside a tracked folder; undefined for the whole artifact. */
  subpath?: string;
}

/**
 * Resolves the targets of commands that act on tracked artifacts (status, commit, checkout, push…).
 * A target can be a pointer file, a tracked path, a path inside a tracked folder (kept as `subpath`), or
 * a folder holding pointers. No targets means every artifact.
 */
export async function resolveSelections(repo: Repo, targets: string[], cwd = process.cwd()): Promise<Selection[]> {
  const all = await listArtifacts(repo);
  if (targets.length === 0) return all.map((artifact) => ({ artifact }));
  const out = new Map<string, Selection>();
  for (const t of targets) {
    const rel = toRepoPath(repo, t, cwd);
    const byPointer = all.find((a) => a.pointerRel === rel);
    const containing = byPointer ?? artifactContaining(all, rel);
    if (containing) {
      const subpath = byPointer || containing.dataRel === rel ? undefined : rel.slice(containing.dataRel.length + 1);
      const prev = out.get(containing.pointerRel);
      // The whole artifact wins over parts of it; two different parts of one folder widen to the whole.
      if (!prev) out.set(containing.pointerRel, { artifact: containing, subpath });
      else if (prev.subpath !== subpath) out.set(containing.pointerRel, { artifact: containing });
      continue;
    }
    const below = all.filter((a) => a.pointerRel.startsWith(rel + '/'));
    if (below.length > 0) {
      for (const a of below) out.set(a.pointerRel, { artifact: a });
      continue;
    }
    if (rel.endsWith(POINTER_SUFFIX) && existsSync(`${repo.root}/${rel}`)) {
      out.set(rel, { artifact: readArtifact(repo, rel) }); // an ignored or otherwise unlisted pointer file
      continue;
    }
    throw new MlvError('NOT_TRACKED', `'${t}' is not tracked by mlv (no ${pointerRelFor(rel)} pointer)`, {
      hint: 'run `mlv status` to see what is tracked, or `mlv add` to start tracking it',
    });
  }
  return [...out.values()];
}

/** Like `resolveSelections`, whole artifacts only. */
export async function resolveArtifacts(repo: Repo, targets: string[], cwd = process.cwd()): Promise<Artifact[]> {
  return (await resolveSelections(repo, targets, cwd)).map((s) => s.artifact);
}
