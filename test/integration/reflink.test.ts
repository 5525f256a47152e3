/**
 * The default `cache.link: [reflink, copy]` on a file system that clones files (XFS here; btrfs and APFS
 * alike): big files enter the cache and come back out as clones that share their blocks, are still
 * verified against their oid, and small files are plainly copied. `.ci/run` mounts an XFS image made
 * with `-m reflink=1` and points MLV_TEST_REFLINK_DIR at it; elsewhere these tests skip with the reason.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, constants, copyFileSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { add } from '../../src/core/api/add.js';
import { cacheVerify } from '../../src/core/api/cache-verify.js';
import { checkout } from '../../src/core/api/checkout.js';
import { MlvError } from '../../src/core/errors.js';
import { hashBytes, hashFile } from '../../src/core/objects/hash.js';
import { objectKey } from '../../src/core/objects/oid.js';
import { hashClone, ObjectStore } from '../../src/core/objects/store.js';
import { LocalRemote } from '../../src/core/remotes/local-remote.js';
import { downloadObjects, uploadObjects } from '../../src/core/remotes/transfer.js';
import { reflinkParent } from '../helpers/reflink.js';
import { bytes, exists, makeRepo, read, repoAt, sha256, tempDir } from '../helpers/repo.js';

const where = reflinkParent();
if (where.reason) console.warn(`skipping the reflink tests: ${where.reason}`);

const BIG = 3 * 1024 * 1024; // above the small-object limit: cloned
const SMALL = 4096; // below 64 KiB: copied

/** Whether any extent of `path` is shared with another file (`filefrag -v` flags it "shared"). */
function sharesBlocks(path: string): boolean {
  return /\bshared\b/.test(execFileSync('filefrag', ['-v', path], { encoding: 'utf8' }));
}

function age(path: string, seconds = 60): void {
  const past = Date.now() / 1000 - seconds;
  utimesSync(path, past, past);
}

describe.skipIf(!where.dir)('reflink file systems', () => {
  it('add clones big files into the cache and hashes them right, old or just written', async () => {
    const dir = await makeRepo({ parent: where.dir });
    const old = bytes(BIG, 1);
    const fresh = bytes(BIG, 2);
    writeFileSync(join(dir, 'old.bin'), old);
    age(join(dir, 'old.bin')); // hashed through the source's page cache
    writeFileSync(join(dir, 'fresh.bin'), fresh); // modified just now: the clone itself is hashed
    const results = await add(repoAt(dir), ['old.bin', 'fresh.bin'], { cwd: dir });
    const store = repoAt(dir).store;
    const byPath = new Map(results.map((r) => [r.path, r.oid]));
    expect(byPath.get('old.bin')).toBe(store.oid(await hashBytes('xxh128', old)));
    expect(byPath.get('fresh.bin')).toBe(store.oid(await hashBytes('xxh128', fresh)));
    for (const oid of byPath.values()) {
      expect(sharesBlocks(store.path(oid!))).toBe(true);
      expect(statSync(store.path(oid!)).mode & 0o777).toBe(0o444);
    }
    expect(statSync(join(dir, 'old.bin')).mode & 0o200).not.toBe(0); // the workspace file stays writable
    expect((await cacheVerify(repoAt(dir))).bad).toEqual([]);
  });

  it('hashes the clone, not the source, when the source changed after cloning (even with its mtime put back)', async () => {
    const dir = tempDir('mlv-clone-', where.dir);
    const src = join(dir, 'src.bin');
    const clone = join(dir, 'clone.bin');
    const original = bytes(BIG, 3);
    writeFileSync(src, original);
    age(src);
    const before = statSync(src);
    copyFileSync(src, clone, constants.COPYFILE_FICLONE_FORCE);
    writeFileSync(src, bytes(BIG, 4)); // same size, other bytes
    utimesSync(src, before.atime, before.mtime); // mtime as before; only the ctime tells
    const got = await hashClone('xxh128', src, before, clone);
    expect(got).toEqual({ hex: await hashBytes('xxh128', original), size: BIG });
    expect(got.hex).not.toBe((await hashFile('xxh128', src)).hex);
  });

  it('checkout clones big files out of the cache, copies small ones, and refuses a corrupt object', async () => {
    const dir = await makeRepo({ parent: where.dir });
    const big = bytes(BIG, 5);
    const small = bytes(SMALL, 6);
    writeFileSync(join(dir, 'model.bin'), big);
    writeFileSync(join(dir, 'label.txt'), small);
    age(join(dir, 'model.bin'));
    const results = await add(repoAt(dir), ['model.bin', 'label.txt'], { cwd: dir });
    const store = repoAt(dir).store;
    rmSync(join(dir, 'model.bin'));
    rmSync(join(dir, 'label.txt'));
    await checkout(repoAt(dir), [], { cwd: dir });
    expect(sha256(read(dir, 'model.bin'))).toBe(sha256(big)); // (toEqual on MiB buffers takes seconds)
    expect(sha256(read(dir, 'label.txt'))).toBe(sha256(small));
    expect(sharesBlocks(join(dir, 'model.bin'))).toBe(true);
    expect(sharesBlocks(join(dir, 'label.txt'))).toBe(false);
    expect(statSync(join(dir, 'model.bin')).mode & 0o200).not.toBe(0);

    // Alter the cache object in place (same size) and give it back an old mtime: still caught.
    const object = store.path(results.find((r) => r.path === 'model.bin')!.oid!);
    chmodSync(object, 0o644);
    writeFileSync(object, bytes(BIG, 7));
    age(object, 3600);
    chmodSync(object, 0o444);
    rmSync(join(dir, 'model.bin'));
    const err = await checkout(repoAt(dir), [], { cwd: dir }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as MlvError).code).toBe('OBJECT_CORRUPT');
    expect(exists(dir, 'model.bin')).toBe(false);
  });

  it('a folder remote on the same file system receives and returns big objects as checked clones', async () => {
    const base = tempDir('mlv-clone-remote-', where.dir);
    const store = new ObjectStore(join(base, 'cache'), 'xxh128');
    mkdirSync(join(base, 'remote'));
    const remote = new LocalRemote('shared', join(base, 'remote'), join(base, 'remote'));
    const data = bytes(BIG, 8);
    const { oid } = await store.addBytes(data);
    age(store.path(oid));
    expect(await uploadObjects(store, remote, [oid])).toMatchObject({ transferred: 1, failed: [] });
    const onRemote = join(base, 'remote', ...objectKey(oid).split('/'));
    expect(sharesBlocks(onRemote)).toBe(true);

    const other = new ObjectStore(join(base, 'other'), 'xxh128');
    expect(await downloadObjects(other, remote, [oid], { sizeOf: () => BIG })).toMatchObject({ transferred: 1, failed: [] });
    expect(sharesBlocks(other.path(oid))).toBe(true);
    expect(await other.rehash(oid)).toBe(oid);

    // A remote object altered in place, its old mtime given back: the clone is refused.
    chmodSync(onRemote, 0o644);
    writeFileSync(onRemote, bytes(BIG, 9));
    age(onRemote, 3600);
    const third = new ObjectStore(join(base, 'third'), 'xxh128');
    const down = await downloadObjects(third, remote, [oid], { sizeOf: () => BIG });
    expect(down.failed.map((f) => [f.oid, f.error.code])).toEqual([[oid, 'OBJECT_CORRUPT']]);
    expect(await third.has(oid)).toBe(false);
    expect(readdirSync(third.tmpDir)).toEqual([]);
  });
});
