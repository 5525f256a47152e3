/**
 * With `cache.link: [hardlink, …]` or `[symlink, …]`, a big file enters the cache as a second hard link of
 * the workspace file instead of a copy (no bytes written), and the workspace keeps its name throughout.
 */
import { lstatSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { add } from '../../src/core/api/add.js';
import { cacheVerify } from '../../src/core/api/cache-verify.js';
import { checkout } from '../../src/core/api/checkout.js';
import { status } from '../../src/core/api/status.js';
import { bytes, makeRepo, repoAt, sha256, read } from '../helpers/repo.js';

const BIG = 3 * 1024 * 1024; // above the small-object limit

async function repoWithBigFile(link: string, ageSeconds = 60) {
  const dir = await makeRepo({ config: `cache:\n  link: [${link}, copy]\n` });
  const data = bytes(BIG, 5);
  writeFileSync(join(dir, 'model.bin'), data);
  const past = Date.now() / 1000 - ageSeconds;
  utimesSync(join(dir, 'model.bin'), past, past);
  return { dir, data };
}

describe('adding a big file with hard or symbolic link modes', () => {
  it('hardlink: the cache object is the workspace inode, read-only, and verifies', async () => {
    const { dir, data } = await repoWithBigFile('hardlink');
    const before = statSync(join(dir, 'model.bin')).ino;
    const [r] = await add(repoAt(dir), ['model.bin'], { cwd: dir });
    const object = repoAt(dir).store.path(r!.oid);
    expect(statSync(object).ino).toBe(before);
    expect(statSync(join(dir, 'model.bin')).ino).toBe(before);
    expect(statSync(object).mode & 0o777).toBe(0o444);
    expect(sha256(read(dir, 'model.bin'))).toBe(sha256(data));
    expect((await cacheVerify(repoAt(dir))).bad).toEqual([]);
    expect((await status(repoAt(dir), [], { cwd: dir }))[0]!.state).toBe('unchanged');
  });

  it('symlink: the workspace becomes a link to the object that holds the original inode', async () => {
    const { dir, data } = await repoWithBigFile('symlink');
    const before = statSync(join(dir, 'model.bin')).ino;
    const [r] = await add(repoAt(dir), ['model.bin'], { cwd: dir });
    const object = repoAt(dir).store.path(r!.oid);
    expect(statSync(object).ino).toBe(before);
    expect(lstatSync(join(dir, 'model.bin')).isSymbolicLink()).toBe(true);
    expect(sha256(read(dir, 'model.bin'))).toBe(sha256(data));
    expect((await status(repoAt(dir), [], { cwd: dir }))[0]!.state).toBe('unchanged');
  });

  it('a file modified within the last second is copied, not linked (its hash could be racy)', async () => {
    const { dir } = await repoWithBigFile('hardlink', 0);
    const before = statSync(join(dir, 'model.bin')).ino;
    const [r] = await add(repoAt(dir), ['model.bin'], { cwd: dir });
    expect(statSync(repoAt(dir).store.path(r!.oid)).ino).not.toBe(before);
    expect((await cacheVerify(repoAt(dir))).bad).toEqual([]);
  });

  it('copy mode never links: the workspace file stays writable and separate from the cache', async () => {
    const { dir } = await repoWithBigFile('reflink');
    const before = statSync(join(dir, 'model.bin'));
    const [r] = await add(repoAt(dir), ['model.bin'], { cwd: dir });
    // A reflink clone or (without reflinks) the old inode is the object; either way not the workspace file.
    const after = statSync(join(dir, 'model.bin'));
    expect(statSync(repoAt(dir).store.path(r!.oid)).ino).not.toBe(after.ino);
    expect(after.nlink).toBe(1);
    expect(after.mode & 0o777).toBe(before.mode & 0o777);
    expect(after.mtimeMs).toBeCloseTo(before.mtimeMs, 0);
    await checkout(repoAt(dir), [], { cwd: dir });
    expect(statSync(join(dir, 'model.bin')).ino).toBe(after.ino);
  });
});
