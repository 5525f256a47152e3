/**
 * `copyAndHash`: small objects pass through the process once, big ones are copied by the kernel (in
 * steps with the native helper, else in one call) and the copy is hashed. Either way the answer is the
 * hash of the bytes the new file holds, with its mode. Each path is also checked by itself, so the one
 * not taken on this machine (no native helper, or one built) is proven too.
 */
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashBytes, hashFile } from '../../src/core/objects/hash.js';
import { nativeHelper } from '../../src/core/native.js';
import { COPY_STEP, copyAndHash, copyInSteps, copyThenHash, copyThroughHasher, SMALL_OBJECT } from '../../src/core/objects/store.js';
import { tempDir } from '../helpers/repo.js';

const native = nativeHelper();
if (!native) console.log('copy-and-hash.test: the native helper is not built (npm install builds it with node-gyp); copyInSteps skipped');

const copiers = [
  ['copyAndHash', copyAndHash],
  ['copyThroughHasher', copyThroughHasher],
  ['copyThenHash', copyThenHash],
  ...(native ? [['copyInSteps', copyInSteps] as const] : []),
] as const;

describe.each(copiers)('%s', (_name, copy) => {
  it.each([
    ['a small file', 100_000],
    ['a big file', SMALL_OBJECT * 3 + 17],
  ])('%s: the copy, its hash, its mode and the byte count', async (_what, size) => {
    const dir = tempDir('mlv-copy-');
    const data = randomBytes(size);
    writeFileSync(join(dir, 'src'), data, { mode: 0o644 });
    let counted = 0;
    const r = await copy('xxh128', join(dir, 'src'), join(dir, 'dest'), (n) => (counted += n), { mode: 0o444 });
    expect(readFileSync(join(dir, 'dest')).equals(data)).toBe(true);
    expect(r).toEqual({ hex: await hashBytes('xxh128', data), size });
    expect(counted).toBe(size);
    expect(statSync(join(dir, 'dest')).mode & 0o777).toBe(0o444);
  });

  it.each([
    ['small', 1000],
    ['big', SMALL_OBJECT * 2],
  ])('never writes over an existing file (%s)', async (_what, size) => {
    const dir = tempDir('mlv-copy-');
    writeFileSync(join(dir, 'src'), randomBytes(size));
    writeFileSync(join(dir, 'dest'), 'keep me');
    await expect(copy('xxh128', join(dir, 'src'), join(dir, 'dest'))).rejects.toMatchObject({ code: 'EEXIST' });
    expect(readFileSync(join(dir, 'dest'), 'utf8')).toBe('keep me');
  });

  it.each([
    ['small', 1000],
    ['big', SMALL_OBJECT * 2],
  ])('an error thrown by the progress callback (an abort) ends the copy with that error (%s)', async (_what, size) => {
    const dir = tempDir('mlv-copy-');
    writeFileSync(join(dir, 'src'), randomBytes(size));
    const abort = new Error('aborted by the test');
    const onBytes = () => {
      throw abort;
    };
    await expect(copy('xxh128', join(dir, 'src'), join(dir, 'dest'), onBytes)).rejects.toBe(abort);
  });

  it('a missing source is an ENOENT naming it, and no copy is left', async () => {
    const dir = tempDir('mlv-copy-');
    await expect(copy('xxh128', join(dir, 'gone'), join(dir, 'dest'))).rejects.toMatchObject({ code: 'ENOENT', path: join(dir, 'gone') });
    expect(() => statSync(join(dir, 'dest'))).toThrow();
  });
});

describe('big copies', () => {
  it('an interruptible one stops at the first chunk or range after an abort, not at the end of the file', async () => {
    const dir = tempDir('mlv-copy-');
    // Four steps of copyInSteps, which copies on while this thread hashes: stopped after the first
    // or second (the rest of the source is a hole, so the test itself writes little).
    const size = COPY_STEP * 4 + 5;
    writeFileSync(join(dir, 'src'), randomBytes(SMALL_OBJECT));
    truncateSync(join(dir, 'src'), size);
    let calls = 0;
    let copied = 0;
    const onBytes = (n: number) => {
      calls++;
      copied += n;
      throw new Error('aborted by the test');
    };
    await expect(copyAndHash('xxh128', join(dir, 'src'), join(dir, 'dest'), onBytes, { interruptible: true })).rejects.toThrow('aborted by the test');
    expect(calls).toBe(1);
    expect(copied).toBeLessThan(size);
    expect(statSync(join(dir, 'dest')).size).toBeLessThan(size);
  });

  it.skipIf(!native)('copyInSteps copies a file of several steps whole, with the hash of what it holds', async () => {
    const dir = tempDir('mlv-copy-');
    const size = COPY_STEP * 2 + 12345;
    writeFileSync(join(dir, 'src'), randomBytes(SMALL_OBJECT));
    truncateSync(join(dir, 'src'), size);
    let counted = 0;
    const r = await copyInSteps('xxh128', join(dir, 'src'), join(dir, 'dest'), (n) => (counted += n));
    expect(r).toEqual(await hashFile('xxh128', join(dir, 'src')));
    expect(counted).toBe(size);
    expect(statSync(join(dir, 'dest')).size).toBe(size);
  });

  it.skipIf(!native)('copyInSteps with the hex a caller has just verified copies without hashing again', async () => {
    const dir = tempDir('mlv-copy-');
    const data = randomBytes(SMALL_OBJECT * 3);
    writeFileSync(join(dir, 'src'), data);
    let counted = 0;
    // A hex that is not the file's: had the copy been hashed, the real one would come back.
    const given = 'f'.repeat(32);
    const r = await copyInSteps('xxh128', join(dir, 'src'), join(dir, 'dest'), (n) => (counted += n), { mode: 0o644, fsync: false, verifiedHex: given });
    expect(r).toEqual({ hex: given, size: data.length });
    expect(counted).toBe(data.length);
    expect(readFileSync(join(dir, 'dest')).equals(data)).toBe(true);
    expect(statSync(join(dir, 'dest')).mode & 0o777).toBe(0o644);
  });

  it('copyThenHash (without the helper) with a verified hex copies without hashing either', async () => {
    const dir = tempDir('mlv-copy-');
    const data = randomBytes(SMALL_OBJECT * 3);
    writeFileSync(join(dir, 'src'), data);
    let counted = 0;
    const given = 'f'.repeat(32); // (not the file's hex)
    const r = await copyThenHash('xxh128', join(dir, 'src'), join(dir, 'dest'), (n) => (counted += n), { mode: 0o644, fsync: false, verifiedHex: given });
    expect(r).toEqual({ hex: given, size: data.length });
    expect(counted).toBe(data.length);
    expect(readFileSync(join(dir, 'dest')).equals(data)).toBe(true);
    expect(statSync(join(dir, 'dest')).mode & 0o777).toBe(0o644);
  });

  // /dev/shm is a tmpfs, so a copy from it to the temp folder crosses file systems, where Linux refuses
  // copy_file_range (EXDEV) and copyFileInSteps falls back to sendfile.
  const shm = existsSync('/dev/shm') && statSync('/dev/shm').dev !== statSync(tempDir('mlv-copy-')).dev;
  it.skipIf(!native || !shm)('copyInSteps copies across file systems too', async () => {
    const from = mkdtempSync('/dev/shm/mlv-copy-');
    try {
      const data = randomBytes(SMALL_OBJECT * 2 + 3);
      writeFileSync(join(from, 'src'), data);
      const dest = join(tempDir('mlv-copy-'), 'dest');
      const r = await copyInSteps('xxh128', join(from, 'src'), dest, undefined, { fsync: false });
      expect(r).toEqual({ hex: await hashBytes('xxh128', data), size: data.length });
      expect(readFileSync(dest).equals(data)).toBe(true);
    } finally {
      rmSync(from, { recursive: true, force: true });
    }
  });

  // A range that fails while the one before is being hashed: the failure must reach the caller (not end
  // the process as an unhandled rejection, which once left the temp file behind in the cache).
  it.skipIf(!native)('copyInSteps reports a full disk met in a later step, and the caller can remove the copy', async (ctx) => {
    const mnt = tempDir('mlv-copy-tmpfs-');
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${COPY_STEP + (4 << 20)}`, 'tmpfs', mnt], { stdio: 'pipe' });
    } catch (err) {
      console.log(`SKIP: cannot mount a small tmpfs (${(err as Error).message.split('\n')[0]}); this test needs root`);
      ctx.skip();
    }
    try {
      const dir = tempDir('mlv-copy-');
      writeFileSync(join(dir, 'src'), randomBytes(SMALL_OBJECT));
      truncateSync(join(dir, 'src'), COPY_STEP * 2);
      const dest = join(mnt, 'dest');
      await expect(copyInSteps('xxh128', join(dir, 'src'), dest)).rejects.toMatchObject({ code: 'ENOSPC', dest });
      rmSync(dest);
      expect(readdirSync(mnt)).toEqual([]);
    } finally {
      execFileSync('umount', [mnt]);
    }
  });

  it.skipIf(!native)('the native copy refuses bad arguments with a TypeError naming them', () => {
    expect(() => native!.copyFileInSteps(0, 1, 42 as unknown as string, 'dest', new BigInt64Array(2))).toThrow(new TypeError('copyFileInSteps: src must be a string'));
    expect(() => native!.copyFileInSteps(0, 1, 'src', 'dest', new Int32Array(4) as unknown as BigInt64Array)).toThrow(TypeError);
  });
});
