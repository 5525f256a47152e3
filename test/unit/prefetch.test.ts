/** Work bin/run.js starts before loading a command (prefetch.ts): it must be taken up, and match fresh work. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { add } from '../../src/core/api/add.js';
import { gitPointerFiles, gitTrackedPaths } from '../../src/core/git/git-cli.js';
import { nativeHelper } from '../../src/core/native.js';
import { prefetchForCommand, takePrefetched } from '../../src/core/workspace/prefetch.js';
import { pointerListArgs, takePrefetchedGit, trackedPathsArgs } from '../../src/core/git/git-process.js';
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
  });

  it('for add, asks Git which targets it tracks, as add words them (unless a target is a pattern)', async () => {
    const dir = await trackedRepo();
    writeFiles(dir, { 'code.py': 'x' });
    git(dir, 'add', 'code.py');
    prefetchForCommand(join(dir, 'd'), ['../code.py', '../e', '../code.py']);
    const run = takePrefetchedGit(dir, trackedPathsArgs(['code.py', 'e']));
    expect(run).toBeDefined();
    expect((await run!).stdout.split('\0').filter(Boolean)).toEqual(['code.py']);
    prefetchForCommand(dir, ['code.py']);
    expect(await gitTrackedPaths(dir, ['code.py'])).toEqual(['code.py']);
    expect(takePrefetchedGit(dir, trackedPathsArgs(['code.py']))).toBeUndefined();
    prefetchForCommand(dir, ['*.py']);
    expect(takePrefetchedGit(dir, trackedPathsArgs(['*.py']))).toBeUndefined();
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
