import { Flags } from '@oclif/core';
import type { HistoryScope } from '../core/git/history-scope.js';

/** Flags that widen push, fetch, pull, status --remote (and name gc's scope) to revisions in Git history. */
export const historyFlags = {
  rev: Flags.string({ description: 'act on the pointers at this revision (branch, tag, commit; repeatable)', multiple: true, multipleNonGreedy: true, helpGroup: 'HISTORY' }),
  'all-branches': Flags.boolean({ description: 'act on the pointers at the tip of every local branch', helpGroup: 'HISTORY' }),
  'all-tags': Flags.boolean({ description: 'act on the pointers at every tag', helpGroup: 'HISTORY' }),
  'all-commits': Flags.boolean({ description: 'act on the pointers of every commit reachable from branches, tags and HEAD', helpGroup: 'HISTORY' }),
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function historyScopeFrom(flags: Record<string, any>): HistoryScope {
  return {
    revs: (flags.rev as string[] | undefined) ?? [],
    allBranches: flags['all-branches'] === true,
    allTags: flags['all-tags'] === true,
    allCommits: flags['all-commits'] === true,
  };
}
