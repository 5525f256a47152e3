/** Work bin/run.js starts before loading a command (prefetch.ts): it must be taken up, and match fresh work. */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { add } from '../../src/core/api/add.js';
import { gitPointerFiles, gitTrackedPaths } from '../../src/core/git/git-cli.js';
import { nativeHelper } from '../../src/core/native.js';
import { prefetchForCommand, takePrefetched } from '../../src/core/workspace/prefetch.js';
import { pointerListArgs, pointersAndTrackedArgs, takeCombinedForPointers, takePrefetchedGit, trackedPathsArgs } from '../../src/core/git/git-process.js';
import { scanFingerprint } from '../../src/core/workspace/walk.js';
import { git, makeRepo, repoAt, writeFiles } from '../helpers/repo.js';

async function trackedRepo(): Promise<string> {
  const dir = await makeRepo();
  writeFiles(dir, { 'd/a': 'a', 'e/b': 'b', 'f.txt': 'f' });
  await add(repoAt(dir), ['d', 'e', 'f.txt'], { cwd: dir });
  return dir;
}

describe('prefetch at start-up', () => {
  it('lists pointer files with Git once, and runGit takes that run instead of starting another', async () => {
    const dir = await trackedRepo();
    mkdirSync(join(dir, 'sub'));
    prefetchForCommand(join(dir, 'sub')); // from a sub-folder: the repo root is found
    const run = takePrefetchedGit(dir, pointerListArgs());
    expect(run).toBeDefined();
    expect((await run!).stdout.split('\0').filter(Boolean).sort()).toEqual(['d.mlv', 'e.mlv', 'f.txt.mlv']);
    prefetchForCommand(dir);
    expect(await gitPointerFiles(dir)).toEqual(['d.mlv', 'e.mlv', 'f.txt.mlv']);
    expect(takePrefetchedGit(dir, pointerListArgs())).toBeUndefined(); // handed out once
  });

  it.skipIf(!nativeHelper())('scans the tracked folders the stat index knows (only the targets, for add), for scanFingerprint to take', async () => {
    const dir = await trackedRepo();
    prefetchForCommand(dir);
    const d = takePrefetched(`${dir}/d`);
    const e = takePrefetched(`${dir}/e`);
    expect(d && e).toBeDefined();
    expect(takePrefetched(`${dir}/f.txt`)).toBeUndefined(); // a file is not scanned
    prefetchForCommand(dir, ['e', 'f.txt']);
    expect(takePrefetched(`${dir}/d`)).toBeUndefined();
    expect(takePrefetched(`${dir}/e`)).toBeDefined();
    prefetchForCommand(dir, ['d']);
    expect(await scanFingerprint(`${dir}/d`)).toEqual(await scanFingerprint(`${dir}/d`)); // prefetched, then fresh
    takePrefetchedGit(dir, pointerListArgs());
    // A folder whose pointer is gone (a branch without it, or untracked by hand) is not scanned for nothing.
    rmSync(join(dir, 'e.mlv'));
    prefetchForCommand(dir);
    expect(takePrefetched(`${dir}/e`)).toBeUndefined();
    expect(takePrefetched(`${dir}/d`)).toBeDefined();
    takePrefetchedGit(dir, pointerListArgs());
  });

  it('for add, asks Git for the pointers and which targets it tracks in one run, as add words them (unless a target is a pattern)', async () => {
    const dir = await trackedRepo();
    writeFiles(dir, { 'code.py': 'x', 'e/tracked.txt': 't', 'new.mlv': 'untracked pointer', 'sub/deep/x.mlv': 'another', 'ee/z': 'z', 'notyet.txt': 'not added to Git' });
    git(dir, 'add', 'code.py', 'ee/z');
    git(dir, 'add', '-f', 'e/tracked.txt'); // tracked inside a tracked (ignored) folder
    const fresh = { pointers: await gitPointerFiles(dir), tracked: await gitTrackedPaths(dir, ['code.py', 'e', 'notyet.txt']) };
    expect(fresh.tracked.sort()).toEqual(['code.py', 'e/tracked.txt']); // not ee/z: a sibling, not below e
    expect(fresh.pointers).toEqual(['d.mlv', 'e.mlv', 'f.txt.mlv', 'new.mlv', 'sub/deep/x.mlv']);

    prefetchForCommand(join(dir, 'd'), ['../code.py', '../e', '../notyet.txt', '../code.py']);
    expect(takePrefetchedGit(dir, pointerListArgs())).toBeUndefined(); // not a run of its own
    expect(takePrefetchedGit(dir, trackedPathsArgs(['code.py', 'e', 'notyet.txt']))).toBeUndefined();
    // The combined run is taken once for each question, with the answers of separate runs.
    expect(takePrefetchedGit(dir, pointersAndTrackedArgs(['e', 'code.py']))).toBeUndefined(); // other paths (order counts): not this run
    expect((await gitTrackedPaths(dir, ['code.py', 'e', 'notyet.txt'])).sort()).toEqual(fresh.tracked); // not notyet.txt (listed as '?')
    expect(takePrefetchedGit(dir, pointersAndTrackedArgs(['code.py', 'e', 'notyet.txt']))).toBeUndefined();
    expect(await gitPointerFiles(dir)).toEqual(fresh.pointers);
    expect(takeCombinedForPointers(dir)).toBeUndefined();

    prefetchForCommand(dir, ['*.py']);
    expect(takePrefetchedGit(dir, pointersAndTrackedArgs(['*.py']))).toBeUndefined();
    expect(takePrefetchedGit(dir, pointerListArgs())).toBeDefined(); // a pattern: the pointer list alone
    takePrefetched(`${dir}/e`);
  });

  it('does nothing outside a repo or before mlv init', async () => {
    const plain = await makeRepo({ mlv: false });
    prefetchForCommand(plain);
    expect(takePrefetchedGit(plain, pointerListArgs())).toBeUndefined();
    prefetchForCommand('/');
    expect(takePrefetchedGit('/', pointerListArgs())).toBeUndefined();
  });
});
