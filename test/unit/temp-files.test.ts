/**
 * `removeOwnTemps` (Ctrl-C): this process's temp files go, including a file staged beside its
 * destination (a tracked folder on another file system), and nothing else.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { doneBeside, removeOwnTemps, stagedBeside, OWN_STAGING_PREFIX } from '../../src/core/workspace/temp-files.js';
import type { Repo } from '../../src/core/workspace/repo.js';
import { tempDir } from '../helpers/repo.js';

function fakeRepo(): { repo: Repo; dir: string } {
  const dir = tempDir('mlv-temps-');
  const repo = { tmpDir: join(dir, '.mlv/tmp'), store: { tmpDir: join(dir, 'cache/tmp'), ownTempPrefix: `${process.pid}.` } } as unknown as Repo;
  mkdirSync(join(dir, '.mlv/tmp/staging'), { recursive: true });
  mkdirSync(join(dir, 'cache/tmp'), { recursive: true });
  return { repo, dir };
}

describe('removeOwnTemps', () => {
  it("removes this process's cache temps, staged files and files staged beside their destination, nothing else", () => {
    const { repo, dir } = fakeRepo();
    const mine = [join(dir, `cache/tmp/${process.pid}.x.1`), join(dir, `.mlv/tmp/staging/${OWN_STAGING_PREFIX}1`)];
    const others = [join(dir, 'cache/tmp/1.x.1'), join(dir, '.mlv/tmp/staging/1-1'), join(dir, 'data.bin')];
    const beside = stagedBeside(join(dir, 'data.bin'));
    for (const f of [...mine, ...others, beside]) writeFileSync(f, 'x');
    expect(beside).toBe(join(dir, `data.bin.mlv-tmp-${process.pid}`));
    expect(removeOwnTemps(repo)).toBe(3);
    for (const f of [...mine, beside]) expect(existsSync(f), f).toBe(false);
    for (const f of others) expect(existsSync(f), f).toBe(true);
  });

  it('counts only what it removed: a beside name whose file was not created yet is not counted', () => {
    const { repo, dir } = fakeRepo();
    stagedBeside(join(dir, 'weights.bin'));
    expect(removeOwnTemps(repo)).toBe(0);
  });

  it('leaves a beside name alone once it is done (renamed into place, or removed by its writer)', () => {
    const { repo, dir } = fakeRepo();
    const beside = stagedBeside(join(dir, 'model.pt'));
    doneBeside(beside);
    writeFileSync(beside, 'a file of the same name made later');
    expect(removeOwnTemps(repo)).toBe(0);
    expect(existsSync(beside)).toBe(true);
  });
});
