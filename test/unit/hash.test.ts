import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireHasher, CHUNK_SIZE, hashBytes, hashBytesSync, hashFile, readSmallFileSync, SMALL_READ_LIMIT, warmHasher } from '../../src/core/objects/hash.js';
import { bytes, haveCommand, sha256, tempDir } from '../helpers/repo.js';

const dir = tempDir('mlv-hash-');
const files: [string, Buffer][] = [
  ['empty', Buffer.alloc(0)],
  ['one-byte', Buffer.from('a')],
  ['text-crlf', Buffer.from('line one\r\nline two\r\n')], // never normalised
  ['small', bytes(1000, 7)],
  ['chunk', bytes(CHUNK_SIZE, 8)],
  ['chunk-plus-one', bytes(CHUNK_SIZE + 1, 9)],
  ['multi-chunk', bytes(3 * CHUNK_SIZE + 17, 10)],
];
for (const [name, data] of files) writeFileSync(join(dir, name), data);

const hasXxhsum = haveCommand('xxhsum');
if (!hasXxhsum) console.warn('SKIP xxh128 cross-check: `xxhsum` is not installed (Debian package `xxhash`)');

function tool(cmd: string, args: string[], file: string): string {
  return execFileSync(cmd, [...args, file], { encoding: 'utf8' }).trim().split(/\s+/)[0]!;
}

describe('hashing matches the standard tools', () => {
  it.skipIf(!hasXxhsum).each(files)('xxh128 of %s equals `xxhsum -H2`', async (name, data) => {
    const want = tool('xxhsum', ['-H2'], join(dir, name));
    expect(want).toMatch(/^[0-9a-f]{32}$/);
    expect((await hashFile('xxh128', join(dir, name))).hex).toBe(want);
    expect(await hashBytes('xxh128', data)).toBe(want);
    await warmHasher('xxh128');
    expect(hashBytesSync('xxh128', data)).toBe(want);
  });

  it.each(files)('sha256 of %s equals `sha256sum`', async (name, data) => {
    const want = tool('sha256sum', [], join(dir, name));
    expect(want).toBe(sha256(data));
    const r = await hashFile('sha256', join(dir, name));
    expect(r).toEqual({ hex: want, size: data.length });
    expect(await hashBytes('sha256', data)).toBe(want);
    expect(hashBytesSync('sha256', data)).toBe(want);
  });

  it('reports the size and streamed byte counts', async () => {
    let seen = 0;
    const r = await hashFile('xxh128', join(dir, 'multi-chunk'), (n) => (seen += n));
    expect(r.size).toBe(3 * CHUNK_SIZE + 17);
    expect(seen).toBe(r.size);
  });

  it('pooled hashers do not leak state between files', async () => {
    const a = await hashBytes('xxh128', Buffer.from('abc'));
    await hashFile('xxh128', join(dir, 'small'));
    expect(await hashBytes('xxh128', Buffer.from('abc'))).toBe(a);
  });

  it('fails on a missing file', async () => {
    await expect(hashFile('xxh128', join(dir, 'nope'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('synchronous hashing', () => {
  it('works while streaming hashes hold every pooled hasher (a big file being copied during small ones)', async () => {
    await warmHasher('xxh128');
    const data = Buffer.from('small object\n');
    const want = await hashBytes('xxh128', data);
    const held = await Promise.all(Array.from({ length: 4 }, () => acquireHasher('xxh128'))); // pool drained
    for (const h of held) h.update(data);
    expect(hashBytesSync('xxh128', data)).toBe(want);
    expect(new Set(held.map((h) => h.digestHex()))).toEqual(new Set([want]));
    expect(hashBytesSync('xxh128', data)).toBe(want);
  });
});

describe('readSmallFileSync', () => {
  it('reads a file whole, with or without the size it is expected to have', () => {
    for (const [name, data] of files) {
      if (data.length > SMALL_READ_LIMIT) continue;
      expect(readSmallFileSync(join(dir, name)).equals(data)).toBe(true);
      expect(readSmallFileSync(join(dir, name), data.length).equals(data)).toBe(true);
    }
  });

  it('reads all of a file longer than expected (a damaged object then fails its hash), and what a shorter one has', () => {
    const data = bytes(5000, 11);
    writeFileSync(join(dir, 'grown'), data);
    expect(readSmallFileSync(join(dir, 'grown'), 4096).equals(data)).toBe(true);
    expect(readSmallFileSync(join(dir, 'grown'), 6000).equals(data)).toBe(true);
    expect(readSmallFileSync(join(dir, 'grown'), 0).equals(data)).toBe(true);
  });
});
