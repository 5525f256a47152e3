/** Revisions that Git keeps per worktree (HEAD, ORIG_HEAD) resolve to the worktree's own commits. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HistoryReader } from '../../src/core/git/history.js';
import { git, makeRepo, tempDir, writeFiles } from '../helpers/repo.js';

describe('HistoryReader in a linked worktree', () => {
  it("resolves HEAD and HEAD~1 to the worktree's commits, not the main work tree's", async () => {
    const dir = await makeRepo({ mlv: false });
    writeFiles(dir, { 'a.txt': '1' });
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'one');
    git(dir, 'branch', 'other');
    writeFiles(dir, { 'a.txt': '2' });
    git(dir, 'commit', '-qam', 'two on main');
    const wt = join(tempDir('mlv-wt-'), 'wt');
    git(dir, 'worktree', 'add', '-q', wt, 'other');
    writeFiles(wt, { 'a.txt': '3' });
    git(wt, 'commit', '-qam', 'three on other');

    const reader = new HistoryReader(wt);
    expect(await reader.resolveRev('HEAD')).toBe(git(wt, 'rev-parse', 'HEAD').trim());
    expect(await reader.resolveRev('HEAD~1')).toBe(git(wt, 'rev-parse', 'HEAD~1').trim());
    expect(await reader.resolveRev('HEAD')).not.toBe(git(dir, 'rev-parse', 'HEAD').trim());
    // Shared refs still resolve through the common git folder.
    expect(await reader.resolveRev('main')).toBe(git(dir, 'rev-parse', 'main').trim());
  });
});
