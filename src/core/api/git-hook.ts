/**
 * What mlv's Git hooks do (`mlv hook <name>`, called by the scripts `mlv install` writes):
 *  - post-checkout, post-merge, post-rewrite (rebase): restore the data of the new HEAD with `checkout`;
 *    after a branch switch or merge, also remove the data of pointers that went away when it is unchanged
 *    and in the cache (dropUntrackedData).
 *    Objects missing from the cache are counted and `mlv pull` suggested — or pulled right away with
 *    `core.autopull: true`. Nothing here fails the Git command: problems come back as messages.
 *    During a rebase (Git fires post-checkout when it starts) nothing is done; post-rewrite does it at
 *    the end.
 *  - pre-push: push the data of the commits being pushed (every commit the Git remote lacks, not only
 *    the tips, as git-lfs does) to mlv's default remote. With no remote configured it only says so. It
 *    fails (and so fails the Git push) when some data could not be pushed and the remote does not
 *    already have it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MlvError } from '../errors.js';
import { silentReporter, type Reporter } from '../events.js';
import { commitsToPush } from '../git/git-cli.js';
import { gitDirs, HistoryReader } from '../git/history.js';
import { objectKey } from '../objects/oid.js';
import { chooseRemoteName, openRepoRemote } from '../remotes/open-remote.js';
import type { Selection } from '../workspace/artifacts.js';
import { historyArtifacts } from '../workspace/history-selection.js';
import type { Repo } from '../workspace/repo.js';
import { checkout, type CheckoutResult } from './checkout.js';
import { dropUntrackedData } from './drop-untracked-data.js';
import { pull } from './pull.js';
import { push, type PushResult } from './push.js';

export interface HookOutcome {
  /** False only for a pre-push whose data push failed: the Git push must stop. */
  ok: boolean;
  /** Lines for the user (the CLI prints them on stderr, prefixed `mlv: `). */
  messages: string[];
  checkout?: CheckoutResult;
  push?: PushResult;
  /** Why nothing was done, when nothing was. */
  skipped?: string;
}

export interface HookOptions {
  reporter?: Reporter;
  /** pre-push: the lines Git writes on the hook's stdin (`<local ref> <local sha> <remote ref> <remote sha>`). */
  input?: string;
}

const ZERO = /^0+$/;

export async function runHook(repo: Repo, hook: string, args: string[], opts: HookOptions = {}): Promise<HookOutcome> {
  switch (hook) {
    case 'post-checkout':
      if (args[2] !== undefined && args[2] !== '1') return { ok: true, messages: [], skipped: 'not a branch checkout' };
      if (rebaseInProgress(repo.root)) return { ok: true, messages: [], skipped: 'a rebase is in progress; the data follows when it ends' };
      return withDropped(repo, await restore(repo, opts.reporter), args[0], opts.reporter);
    case 'post-merge':
      return withDropped(repo, await restore(repo, opts.reporter), await origHead(repo), opts.reporter);
    case 'post-rewrite':
      if (args[0] !== 'rebase') return { ok: true, messages: [], skipped: 'not a rebase' };
      return restore(repo, opts.reporter);
    case 'pre-push':
      return prePush(repo, opts.input ?? '', args[0], opts.reporter);
    default:
      throw new MlvError('USAGE', `unknown hook '${hook}'`, { hint: 'mlv handles post-checkout, post-merge, post-rewrite and pre-push', exitCode: 2 });
  }
}

/**
 * After the data of the new HEAD is in place, removes the data of pointers the switch or merge deleted
 * (only when unchanged and in the cache; see dropUntrackedData). Never fails the Git command.
 */
async function withDropped(repo: Repo, outcome: HookOutcome, previous: string | undefined, reporter?: Reporter): Promise<HookOutcome> {
  if (!previous || ZERO.test(previous)) return outcome;
  try {
    const dropped = await dropUntrackedData(repo, previous, { reporter });
    if (dropped.removed.length > 0) {
      outcome.messages.push(`removed the data of ${dropped.removed.length} path(s) no longer tracked here (kept in the cache; switching back restores it): ${dropped.removed.slice(0, 5).join(', ')}${dropped.removed.length > 5 ? ', …' : ''}`);
    }
    if (dropped.kept.length > 0) {
      outcome.messages.push(`kept ${dropped.kept.length} path(s) whose pointer is gone but whose content changed or is not in the cache (now untracked; don't \`git add\` them by accident): ${dropped.kept.slice(0, 5).join(', ')}`);
    }
  } catch (err) {
    if (!(err instanceof MlvError)) throw err;
    outcome.messages.push(`data of removed pointers was left in place: ${err.message}`);
  }
  return outcome;
}

async function origHead(repo: Repo): Promise<string | undefined> {
  try {
    return await new HistoryReader(repo.root).resolveRev('ORIG_HEAD');
  } catch {
    return undefined;
  }
}

function rebaseInProgress(root: string): boolean {
  const { gitdir } = gitDirs(root);
  return existsSync(join(gitdir, 'rebase-merge')) || existsSync(join(gitdir, 'rebase-apply'));
}

/** Makes the data match the pointers; never throws for data reasons. */
async function restore(repo: Repo, reporter: Reporter = silentReporter): Promise<HookOutcome> {
  const messages: string[] = [];
  let result: CheckoutResult;
  try {
    result = await checkout(repo, [], { reporter, cwd: repo.root });
  } catch (err) {
    if (!(err instanceof MlvError)) throw err;
    messages.push(`the data was not updated: ${err.message}`);
    if (err.hint) messages.push(`hint: ${err.hint}`);
    return { ok: true, messages };
  }
  if (result.missing.length === 0) {
    if (result.restored + result.deleted > 0) messages.push(`data updated: ${result.restored} file(s) restored${result.deleted ? `, ${result.deleted} deleted` : ''}`);
    return { ok: true, messages, checkout: result };
  }
  if (repo.config.core.autopull) {
    try {
      const pulled = await pull(repo, [], { reporter, cwd: repo.root });
      const still = pulled.checkout.missing.length;
      messages.push(`core.autopull: fetched ${pulled.fetch.transferred} object(s)${still ? `; ${still} path(s) are still missing (not on remote '${pulled.fetch.remote}')` : ''}`);
      return { ok: true, messages, checkout: pulled.checkout };
    } catch (err) {
      if (!(err instanceof MlvError)) throw err;
      messages.push(`core.autopull: pulling failed: ${err.message}`);
    }
  }
  const n = result.missing.length;
  messages.push(`${n} tracked path${n === 1 ? ' is' : 's are'} not in the cache, so ${n === 1 ? 'it was' : 'they were'} not restored; \`mlv pull\` fetches them`);
  return { ok: true, messages, checkout: result };
}

/** @param gitRemote the hook's first argument: the name (or URL) of the Git remote being pushed to. */
async function prePush(repo: Repo, input: string, gitRemote: string | undefined, reporter: Reporter = silentReporter): Promise<HookOutcome> {
  try {
    chooseRemoteName(repo);
  } catch (err) {
    if (err instanceof MlvError && (err.code === 'NO_REMOTE' || err.code === 'REMOTE_UNKNOWN')) {
      return { ok: true, messages: [`note: data not pushed (${err.message}); the Git push goes ahead`], skipped: 'no remote' };
    }
    throw err;
  }
  const refs = input
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 4);
  const tips = [...new Set(refs.filter((f) => !ZERO.test(f[1]!)).map((f) => f[1]!))];
  if (tips.length === 0) return { ok: true, messages: [], skipped: 'nothing pushed' };
  const remoteTips = [...new Set(refs.filter((f) => !ZERO.test(f[3]!)).map((f) => f[3]!))];
  const commits = await commitsToPush(repo.root, tips, remoteTips, gitRemote);
  if (commits.length === 0) return { ok: true, messages: [], skipped: 'the remote already has these commits' };
  const byOid = new Map<string, Selection>();
  for (const v of await historyArtifacts(repo, { revs: commits })) {
    if (!byOid.has(v.artifact.pointer.oid)) byOid.set(v.artifact.pointer.oid, { artifact: v.artifact });
  }
  if (byOid.size === 0) return { ok: true, messages: [], skipped: 'no pointers in the pushed commits' };
  // A folder whose listing is not in the cache cannot be pushed from here; fine when the remote has it.
  const unlisted = [...byOid.values()].filter((s) => s.artifact.pointer.kind === 'dir' && !repo.store.hasSync(s.artifact.pointer.oid));
  const lacking: string[] = [];
  if (unlisted.length > 0) {
    const remote = await openRepoRemote(repo);
    try {
      const present = await remote.hasMany(unlisted.map((s) => objectKey(s.artifact.pointer.oid)));
      for (const s of unlisted) {
        byOid.delete(s.artifact.pointer.oid);
        if (!present.has(objectKey(s.artifact.pointer.oid))) lacking.push(`${s.artifact.dataRel}/ (tree ${s.artifact.pointer.oid})`);
      }
    } finally {
      await remote.close();
    }
  }
  const result = await push(repo, [], { selections: [...byOid.values()], reporter });
  const messages = [`pushed ${result.transferred} object(s) to remote '${result.remote}' (${result.skipped} already there)`];
  const failed = result.failed.length;
  if (failed > 0) {
    messages.push(`${failed} object(s) could not be pushed:`);
    for (const f of result.failed.slice(0, 10)) messages.push(`  ${f.error.message}`);
  }
  if (lacking.length > 0) messages.push(`neither the cache nor remote '${result.remote}' has the folder listing of:`, ...lacking.map((l) => `  ${l}`));
  if (failed + lacking.length === 0) return { ok: true, messages, push: result };
  messages.push('the Git push was stopped so that nobody gets pointers without their data', 'hint: fix the data (`mlv add`, `mlv pull` from another remote), or skip this check once with `git push --no-verify`');
  return { ok: false, messages, push: result };
}
