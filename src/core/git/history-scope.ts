/** Which revisions a history-wide command acts on. Kept apart from history.ts so checking for a scope
 * does not load the Git object reader (commands like `status` start faster without it). */
export interface HistoryScope {
  revs?: string[];
  allBranches?: boolean;
  allTags?: boolean;
  allCommits?: boolean;
}

export function hasHistoryScope(scope: HistoryScope): boolean {
  return (scope.revs?.length ?? 0) > 0 || !!scope.allBranches || !!scope.allTags || !!scope.allCommits;
}
