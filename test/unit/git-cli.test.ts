/** runGit's failures, whether it starts git itself or takes a run started ahead (git-process.ts). */
import { describe, expect, it } from 'vitest';
import { runGit } from '../../src/core/git/git-cli.js';
import { prefetchGit } from '../../src/core/git/git-process.js';
import { tempDir } from '../helpers/repo.js';

describe('runGit', () => {
  it('words a failing git command with its stderr, also when the run was started ahead', async () => {
    const dir = tempDir('mlv-nogit-'); // not a Git repository
    await expect(runGit(dir, ['rev-parse', 'HEAD'])).rejects.toMatchObject({ code: 'GIT_FAILED', message: expect.stringMatching(/git rev-parse failed: .*not a git repository/i) });
    prefetchGit(dir, ['rev-parse', 'HEAD']);
    await expect(runGit(dir, ['rev-parse', 'HEAD'])).rejects.toMatchObject({ code: 'GIT_FAILED', message: expect.stringMatching(/not a git repository/i) });
  });

  it('says when the git command cannot be found', async () => {
    const path = process.env.PATH;
    process.env.PATH = tempDir('mlv-empty-path-');
    try {
      await expect(runGit(tempDir(), ['--version'])).rejects.toMatchObject({ code: 'GIT_MISSING', hint: expect.stringContaining('PATH') });
    } finally {
      process.env.PATH = path;
    }
  });
});
