/** gc through the library: scope required, confirmation, the stat index's completeness claims, durations. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { add } from '../../src/core/api/add.js';
import { commit } from '../../src/core/api/commit.js';
import { gc, parseDuration } from '../../src/core/api/gc.js';
import { status } from '../../src/core/api/status.js';
import { MlvError } from '../../src/core/errors.js';
import { bytes, cacheObjects, git, makeRepo, readStatIndexFile, repoAt, writeFiles } from '../helpers/repo.js';

async function twoVersions(): Promise<string> {
  const dir = await makeRepo();
  writeFiles(dir, { 'd/a.bin': bytes(2000, 1), 'd/b.bin': bytes(2000, 2) });
  await add(repoAt(dir), ['d'], { cwd: dir });
  await status(repoAt(dir), [], { cwd: dir }); // records "every object of d's tree is cached"
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'v1');
  writeFiles(dir, { 'd/b.bin': bytes(2000, 3) });
  await commit(repoAt(dir), [], { cwd: dir });
  await status(repoAt(dir), [], { cwd: dir });
  git(dir, 'commit', '-qam', 'v2');
  return dir;
}

const indexFile = (dir: string) => readStatIndexFile(dir).header;

describe('gc (library)', () => {
  it('needs a scope', async () => {
    const dir = await twoVersions();
    const err = await gc(repoAt(dir), { scope: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlvError);
    expect((err as MlvError).exitCode).toBe(2);
  });

  it('asks with the plan and deletes nothing on "no"', async () => {
    const dir = await twoVersions();
    const before = cacheObjects(join(dir, '.mlv/cache'));
    let asked = 0;
    const r = await gc(repoAt(dir), {
      scope: { workspace: true },
      confirm: async (plan) => {
        asked = plan.cache.objects;
        return false;
      },
    });
    // v1's b.bin and v1's tree are unreachable from the workspace.
    expect(asked).toBe(2);
    expect(r).toMatchObject({ confirmed: false, removed: { cache: 0 } });
    expect(cacheObjects(join(dir, '.mlv/cache'))).toEqual(before);
  });

  it('forgets the stat index completeness claims when it removes objects', async () => {
    const dir = await twoVersions();
    expect(indexFile(dir).complete?.length).toBe(2);
    const r = await gc(repoAt(dir), { scope: { workspace: true } });
    expect(r.removed.cache).toBe(2);
    expect(indexFile(dir).complete).toBeUndefined();
    // Status still sees v2's folder as fully cached (it checks again and re-records it).
    const s = await status(repoAt(dir), [], { cwd: dir });
    expect(s.map((e) => e.state)).toEqual(['unchanged']);
    // v1's folder listing is gone now, so a history-wide gc cannot know what v1 needs: it refuses.
    const err = await gc(repoAt(dir), { scope: { allCommits: true } }).catch((e: unknown) => e);
    expect((err as MlvError).code).toBe('GC_TREE_MISSING');
  });

  it('reads gc.grace durations', () => {
    expect(parseDuration('7d')).toBe(7 * 86_400_000);
    expect(parseDuration('12h')).toBe(12 * 3_600_000);
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration(45)).toBe(45_000);
    expect(parseDuration('0')).toBe(0);
    expect(() => parseDuration('soon')).toThrow(/gc\.grace.*7d/);
  });
});
