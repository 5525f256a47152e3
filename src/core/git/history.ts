/**
 * Reading Git history (DESIGN §8): revisions, pointer files at any revision, branches and tags. Objects
 * are read through isomorphic-git with one shared cache; Git trees are memoised by oid, so walking
 * 1,000 commits that share most of their folders reads each distinct folder once.
 * Revision expressions isomorphic-git does not parse (`HEAD~2`, `v1^`, `main@{1}`) go to `git rev-parse`.
 */
import * as fs from 'node:fs';
import { join, resolve } from 'node:path';
import git from 'isomorphic-git';
import { MlvError } from '../errors.js';
import { parsePointer, POINTER_SUFFIX } from '../objects/pointer.js';
import { dataRelFor, dropPointersInsideFolders, type Artifact } from '../workspace/artifacts.js';
import { runGit } from './git-cli.js';

export { hasHistoryScope, type HistoryScope } from './history-scope.js';

/** Where Git keeps its objects for the work tree at `root` (a `.git` folder, or a worktree's common dir). */
export function gitDirs(root: string): { gitdir: string; commondir: string } {
  const dotGit = join(root, '.git');
  let gitdir = dotGit;
  if (fs.statSync(dotGit).isFile()) {
    const m = /^gitdir:\s*(.+)\s*$/m.exec(fs.readFileSync(dotGit, 'utf8'));
    if (m) gitdir = resolve(root, m[1]!);
  }
  let commondir = gitdir;
  const commonFile = join(gitdir, 'commondir');
  if (fs.existsSync(commonFile)) commondir = resolve(gitdir, fs.readFileSync(commonFile, 'utf8').trim());
  return { gitdir, commondir };
}

/** Refs that Git keeps per worktree (and expressions built on them, like `HEAD~1`). */
const PER_WORKTREE = /^(@|[A-Z_]*HEAD\b|refs\/(worktree|bisect)\/)/;

/** One reader per command: shares isomorphic-git's pack cache and the tree memo. */
export class HistoryReader {
  private readonly cache = {};
  private readonly gitdir: string;
  /** Git tree oid → pointer files below it: [path relative to that tree, blob oid]. */
  private readonly treeMemo = new Map<string, [string, string][]>();
  private readonly blobMemo = new Map<string, string>();
  /** Answers already given in this command (a `--rev` is resolved for its label and for its commit). */
  private readonly revMemo = new Map<string, Promise<string>>();
  private tagsMemo: Promise<{ name: string; commit: string }[]> | undefined;

  constructor(readonly root: string) {
    this.gitdir = gitDirs(root).commondir;
  }

  private get opts() {
    return { fs, dir: this.root, gitdir: this.gitdir, cache: this.cache };
  }

  /** The commit oid a revision names; clear errors for unknown revisions. Memoised per reader. */
  resolveRev(rev: string): Promise<string> {
    let answer = this.revMemo.get(rev);
    if (!answer) this.revMemo.set(rev, (answer = this.resolveRevUncached(rev)));
    return answer;
  }

  private async resolveRevUncached(rev: string): Promise<string> {
    if (/^[0-9a-f]{40}$/.test(rev)) return rev;
    // HEAD, ORIG_HEAD and refs/worktree/* belong to each worktree, but isomorphic-git reads the shared
    // git folder: in a linked worktree it would answer with the main work tree's HEAD. Git knows better.
    if (!PER_WORKTREE.test(rev)) {
      try {
        const oid = await git.resolveRef({ fs, dir: this.root, gitdir: this.gitdir, ref: rev });
        return await this.peelToCommit(oid);
      } catch {
        // Not a plain ref: let Git parse the expression (it also knows short oids).
      }
    }
    try {
      const out = await runGit(this.root, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]);
      return out.trim();
    } catch {
      const shallow = this.shallowCommits().size > 0;
      throw new MlvError('UNKNOWN_REVISION', `unknown revision '${rev}'${shallow ? ' (this is a shallow clone, so older history is missing)' : ''}`, {
        hint: shallow ? 'fetch the full history with `git fetch --unshallow` (and tags with `git fetch --tags`)' : 'use a branch, tag or commit that `git log --oneline --all` shows',
        exitCode: 1,
      });
    }
  }

  private async peelToCommit(oid: string): Promise<string> {
    for (let i = 0; i < 10; i++) {
      const { type, object } = await git.readObject({ ...this.opts, oid, format: 'parsed' });
      if (type === 'commit') return oid;
      if (type === 'tag') {
        oid = (object as { object: string }).object;
        continue;
      }
      throw new Error(`${oid} is a ${type}`);
    }
    throw new Error('tag chain too long');
  }

  async branches(): Promise<string[]> {
    const names = await git.listBranches({ fs, dir: this.root, gitdir: this.gitdir });
    return Promise.all(names.map((b) => this.resolveRev(`refs/heads/${b}`)));
  }

  tags(): Promise<{ name: string; commit: string }[]> {
    this.tagsMemo ??= this.listTags();
    return this.tagsMemo;
  }

  private async listTags(): Promise<{ name: string; commit: string }[]> {
    const names = await git.listTags({ fs, dir: this.root, gitdir: this.gitdir });
    const out: { name: string; commit: string }[] = [];
    for (const name of names) {
      try {
        out.push({ name, commit: await this.resolveRev(`refs/tags/${name}`) });
      } catch {
        // A tag of a tree or blob names no commit; skip it.
      }
    }
    return out;
  }

  private shallowCommits(): Set<string> {
    try {
      return new Set(fs.readFileSync(join(this.gitdir, 'shallow'), 'utf8').split('\n').filter(Boolean));
    } catch {
      return new Set();
    }
  }

  private missingHistory(oid: string, cause: unknown): MlvError {
    const shallow = this.shallowCommits().size > 0;
    return new MlvError(
      'HISTORY_MISSING',
      `commit ${oid} is not in this repository${shallow ? ' (this is a shallow clone)' : ''}`,
      { hint: shallow ? 'fetch the full history with `git fetch --unshallow`' : 'run `git fetch` to get the missing history', cause },
    );
  }

  /** Pointer files in a commit: [repo-relative path, blob oid]. */
  async pointerBlobs(commit: string): Promise<[string, string][]> {
    let tree: string;
    try {
      tree = (await git.readCommit({ ...this.opts, oid: commit })).commit.tree;
    } catch (err) {
      throw this.missingHistory(commit, err);
    }
    return this.pointersInTree(tree);
  }

  private async pointersInTree(treeOid: string): Promise<[string, string][]> {
    const memo = this.treeMemo.get(treeOid);
    if (memo) return memo;
    const { tree } = await git.readTree({ ...this.opts, oid: treeOid });
    const out: [string, string][] = [];
    for (const e of tree) {
      if (e.type === 'tree') {
        for (const [p, b] of await this.pointersInTree(e.oid)) out.push([`${e.path}/${p}`, b]);
      } else if (e.type === 'blob' && e.path.endsWith(POINTER_SUFFIX) && e.mode !== '120000') {
        out.push([e.path, e.oid]);
      }
    }
    this.treeMemo.set(treeOid, out);
    return out;
  }

  async readBlobText(oid: string): Promise<string> {
    const memo = this.blobMemo.get(oid);
    if (memo !== undefined) return memo;
    const { blob } = await git.readBlob({ ...this.opts, oid });
    const text = Buffer.from(blob).toString('utf8');
    this.blobMemo.set(oid, text);
    return text;
  }

  /**
   * The tracked artifacts of a commit (pointer files parsed). A malformed pointer is an error naming the
   * revision and the file. Pointer-named files inside tracked folders are data and are skipped.
   */
  async artifactsAt(commit: string, label = commit.slice(0, 12)): Promise<Artifact[]> {
    const artifacts: Artifact[] = [];
    for (const [path, blob] of await this.pointerBlobs(commit)) {
      const text = await this.readBlobText(blob);
      const pointer = parsePointer(text, `${path} (at ${label})`);
      artifacts.push({ pointerRel: path, dataRel: dataRelFor(path, pointer), pointer, pointerText: text });
    }
    return dropPointersInsideFolders(artifacts);
  }

}
