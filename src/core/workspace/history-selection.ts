/**
 * History-wide selections (DESIGN §8): the artifacts named by the pointers of some revisions
 * (`--rev`, `--all-branches`, `--all-tags`, `--all-commits`), read from Git without touching the
 * workspace. Versions are deduplicated by data path + oid, so 1,000 commits that share most pointers
 * yield each distinct version once.
 *
 * Speed: pointer files are parsed once per distinct (path, blob) pair, and the "pointers inside a
 * tracked folder are data" filter runs once per distinct Git tree, so `--all-commits` over 1,000
 * commits × 100 pointers costs mostly Git tree reads (memoised in HistoryScanner).
 */
import { MlvError } from '../errors.js';
import { HistoryReader } from '../git/history.js';
import type { HistoryScope } from '../git/history-scope.js';
import { HistoryScanner } from '../git/history-scan.js';
import { parsePointer } from '../objects/pointer.js';
import { dataRelFor, dropPointersInsideFolders, listArtifacts, toRepoPath, type Artifact, type Selection } from './artifacts.js';
import type { Repo } from './repo.js';

export { hasHistoryScope, type HistoryScope } from '../git/history-scope.js';

/** One version of an artifact found in history, and the first revision it was seen at. */
export interface HistoryArtifact {
  artifact: Artifact;
  /** Commit oid (full) where this version was first met. */
  commit: string;
  /** How that commit was named: the `--rev` as typed, else a tag, else a short commit id. */
  label: string;
}

/**
 * Every distinct artifact version (data path + oid) in the commits of `scope`. A malformed pointer is an
 * error naming the revision and the file; an unknown revision or missing history (shallow clone) too.
 */
export async function historyArtifacts(repo: Repo, scope: HistoryScope): Promise<HistoryArtifact[]> {
  const scanner = new HistoryScanner(repo.root);
  try {
    return await scan(scanner, scope);
  } finally {
    scanner.close();
  }
}

async function scan(reader: HistoryScanner, scope: HistoryScope): Promise<HistoryArtifact[]> {
  const labels = new Map<string, string>();
  for (const rev of scope.revs ?? []) {
    const commit = await reader.reader.resolveRev(rev);
    if (!labels.has(commit)) labels.set(commit, rev);
  }
  if (scope.allTags || scope.allCommits) {
    for (const t of await reader.reader.tags()) if (!labels.has(t.commit)) labels.set(t.commit, t.name);
  }
  const commits = await reader.commitsFor(scope);
  // Ask Git for every commit's pointers and every pointer's text at once: the requests are pipelined
  // through one process instead of waiting for each answer in turn.
  const blobLists = await Promise.all(commits.map((c) => reader.pointerBlobs(c)));
  await Promise.all([...new Set(blobLists.flat().map(([, blob]) => blob))].map((b) => reader.readBlobText(b)));
  const parsed = new Map<string, Artifact>(); // `${pointerPath}\0${blob}` → artifact
  const perTree = new Map<[string, string][], Artifact[]>(); // pointerBlobs memo arrays are shared per Git tree
  const out = new Map<string, HistoryArtifact>();
  for (const [i, commit] of commits.entries()) {
    const label = labels.get(commit) ?? commit.slice(0, 12);
    const blobs = blobLists[i]!;
    let artifacts = perTree.get(blobs);
    if (!artifacts) {
      const list: Artifact[] = [];
      for (const [path, blob] of blobs) {
        const key = `${path}\0${blob}`;
        let a = parsed.get(key);
        if (!a) {
          const text = await reader.readBlobText(blob);
          const pointer = parsePointer(text, `${path} (at ${label})`);
          a = { pointerRel: path, dataRel: dataRelFor(path, pointer), pointer, pointerText: text };
          parsed.set(key, a);
        }
        list.push(a);
      }
      artifacts = dropPointersInsideFolders(list);
      perTree.set(blobs, artifacts);
    }
    for (const a of artifacts) {
      const key = versionKey(a);
      if (!out.has(key)) out.set(key, { artifact: a, commit, label });
    }
  }
  return [...out.values()];
}

function versionKey(a: Artifact): string {
  return `${a.dataRel}\0${a.pointer.oid}`;
}


/**
 * Narrows artifacts to repo-relative targets: a pointer file, a tracked path, a path inside a tracked
 * folder (kept as `subpath`), or a folder holding pointers. Returns the selections and the targets that
 * matched nothing.
 */
export function filterByTargets(artifacts: Artifact[], relTargets: string[]): { selections: Selection[]; unmatched: string[] } {
  if (relTargets.length === 0) return { selections: artifacts.map((artifact) => ({ artifact })), unmatched: [] };
  const out = new Map<string, Selection>();
  const unmatched: string[] = [];
  for (const rel of relTargets) {
    let hit = false;
    for (const a of artifacts) {
      const key = versionKey(a);
      let subpath: string | undefined;
      if (a.pointerRel === rel || a.dataRel === rel || a.pointerRel.startsWith(rel + '/')) subpath = undefined;
      else if (a.pointer.kind === 'dir' && rel.startsWith(a.dataRel + '/')) subpath = rel.slice(a.dataRel.length + 1);
      else continue;
      hit = true;
      const prev = out.get(key);
      // The whole artifact wins over parts of it; two different parts of one folder widen to the whole.
      if (!prev) out.set(key, { artifact: a, subpath });
      else if (prev.subpath !== subpath) out.set(key, { artifact: a });
    }
    if (!hit) unmatched.push(rel);
  }
  return { selections: [...out.values()], unmatched };
}

function describeScope(scope: HistoryScope): string {
  const parts = [...(scope.revs ?? []).map((r) => `'${r}'`)];
  if (scope.allBranches) parts.push('any branch');
  if (scope.allTags) parts.push('any tag');
  if (scope.allCommits) parts.push('any commit');
  return parts.join(', ');
}

/** Selections of `targets` (user paths, relative to `cwd`) over the revisions of `scope`. */
export async function historySelections(repo: Repo, scope: HistoryScope, targets: string[] = [], cwd = process.cwd()): Promise<Selection[]> {
  const all = (await historyArtifacts(repo, scope)).map((h) => h.artifact);
  const rels = targets.map((t) => toRepoPath(repo, t, cwd));
  const { selections, unmatched } = filterByTargets(all, rels);
  if (unmatched.length > 0) {
    const first = unmatched[0]!;
    throw new MlvError('NOT_TRACKED', `'${first}' is not tracked by mlv at ${describeScope(scope)}`, {
      hint: 'check the path with `mlv ls --rev <rev>`, or widen the revisions',
    });
  }
  return selections;
}


/**
 * `pull` with a history scope fetches every version in those revisions plus what the workspace's
 * pointers name, and checks out only the latter (like `dvc pull --all-commits`).
 */
export async function pullSelections(
  repo: Repo,
  targets: string[],
  scope: HistoryScope,
  cwd = process.cwd(),
): Promise<{ fetch: Selection[]; checkout: Selection[] }> {
  const history = await historySelections(repo, scope, targets, cwd);
  const rels = targets.map((t) => toRepoPath(repo, t, cwd));
  const checkout = filterByTargets(await listArtifacts(repo), rels).selections;
  const seen = new Set(history.map((s) => `${versionKey(s.artifact)}\0${s.subpath ?? ''}`));
  const fetch = [...history];
  for (const s of checkout) {
    const key = `${versionKey(s.artifact)}\0${s.subpath ?? ''}`;
    if (!seen.has(key)) fetch.push(s);
  }
  return { fetch, checkout };
}

/** The artifacts at one revision (`rev`), or in the work tree when `rev` is undefined. */
export async function artifactsAtRev(repo: Repo, rev: string | undefined): Promise<{ artifacts: Artifact[]; commit?: string }> {
  if (rev === undefined) return { artifacts: await listArtifacts(repo) };
  const reader = new HistoryReader(repo.root);
  const commit = await reader.resolveRev(rev);
  return { artifacts: await reader.artifactsAt(commit, rev), commit };
}
