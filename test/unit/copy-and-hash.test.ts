/**
 * `copyAndHash`: small objects pass through the process once, big ones are copied by the kernel and the
 * copy is hashed. Either way the answer is the hash of the bytes the new file holds, with its mode.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashBytes } from '../../src/core/objects/hash.js';
import { copyAndHash, SMALL_OBJECT } from '../../src/core/objects/store.js';
import { tempDir } from '../helpers/repo.js';

describe('copyAndHash', () => {
  it.each([
    ['a small file (through the process)', 100_000],
    ['a big file (copied by the kernel)', SMALL_OBJECT * 3 + 17],
  ])('%s: the copy, its hash, its mode and the byte count', async (_name, size) => {
    const dir = tempDir('mlv-copy-');
    const data = randomBytes(size);
    writeFileSync(join(dir, 'src'), data, { mode: 0o644 });
    let counted = 0;
    const r = await copyAndHash('xxh128', join(dir, 'src'), join(dir, 'dest'), (n) => (counted += n), { mode: 0o444 });
    expect(readFileSync(join(dir, 'dest')).equals(data)).toBe(true);
    expect(r).toEqual({ hex: await hashBytes('xxh128', data), size });
    expect(counted).toBe(size);
    expect(statSync(join(dir, 'dest')).mode & 0o777).toBe(0o444);
  });

  it.each([
    ['small', 1000],
    ['big', SMALL_OBJECT * 2],
  ])('never writes over an existing file (%s)', async (_name, size) => {
    const dir = tempDir('mlv-copy-');
    writeFileSync(join(dir, 'src'), randomBytes(size));
    writeFileSync(join(dir, 'dest'), 'keep me');
    await expect(copyAndHash('xxh128', join(dir, 'src'), join(dir, 'dest'))).rejects.toMatchObject({ code: 'EEXIST' });
    expect(readFileSync(join(dir, 'dest'), 'utf8')).toBe('keep me');
  });

  it.each([
    ['small', 1000, false],
    ['big', SMALL_OBJECT * 2, false],
    ['big, interruptible', SMALL_OBJECT * 2, true],
  ])('an error thrown by the progress callback (an abort) ends the copy with that error (%s)', async (_name, size, interruptible) => {
    const dir = tempDir('mlv-copy-');
    writeFileSync(join(dir, 'src'), randomBytes(size));
    const abort = new Error('aborted by the test');
    const onBytes = () => {
      throw abort;
    };
    await expect(copyAndHash('xxh128', join(dir, 'src'), join(dir, 'dest'), onBytes, { interruptible })).rejects.toBe(abort);
  });

  it('an interruptible copy stops at the first chunk after an abort, not at the end of the file', async () => {
    const dir = tempDir('mlv-copy-');
    const size = SMALL_OBJECT * 32; // 8 chunks of 4 MiB
    writeFileSync(join(dir, 'src'), randomBytes(size));
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
  });
});
