/**
 * `openForWriting` (native/copy.c) asks the kernel, by taking and dropping a read lease, whether anyone
 * holds a file open for writing; `add` adopts a file's inode into the cache only when nobody does.
 */
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nativeHelper } from '../../src/core/native.js';
import { tempDir } from '../helpers/repo.js';

const native = nativeHelper();

describe.skipIf(!native)('openForWriting', () => {
  it('is false for a file only read, true while it is open for writing, false again once that closes', () => {
    const file = join(tempDir('mlv-lease-'), 'f.bin');
    writeFileSync(file, 'x');
    const fd = openSync(file, 'r');
    try {
      expect(native!.openForWriting(fd)).toBe(false);
      const writer = openSync(file, 'r+');
      expect(native!.openForWriting(fd)).toBe(true);
      closeSync(writer);
      expect(native!.openForWriting(fd)).toBe(false);
      // The lease is dropped each time: a writer can open the file at once (no lease break to wait for).
      closeSync(openSync(file, 'a'));
    } finally {
      closeSync(fd);
    }
  });

  it('throws a TypeError without a file descriptor', () => {
    const call = native!.openForWriting as unknown as (x?: unknown) => unknown;
    expect(() => call()).toThrow(TypeError);
    expect(() => call('3')).toThrow(TypeError);
    expect(() => call(-1)).toThrow(TypeError);
  });
});
