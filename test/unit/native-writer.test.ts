import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nativeHelper } from '../../src/core/native.js';
import { tempDir } from '../helpers/repo.js';

const native = nativeHelper();
if (!native) console.log('native-writer.test: the native helper is not built (npm install builds it with node-gyp); skipped');

describe.skipIf(!native)('native writer threads', () => {
  it('creates many files with their bytes and mode, and renames them into place', () => {
    const dir = tempDir('mlv-writer-');
    for (const d of ['a', 'b', 'placed']) mkdirSync(join(dir, d));
    const scratch = Buffer.alloc(64);
    for (let i = 0; i < 500; i++) {
      scratch.fill(i % 256);
      scratch.write(`file ${i}`);
      native!.queueWrite(join(dir, i % 2 ? 'a' : 'b', `f${i}`), scratch, 0o444); // copied when queued
    }
    native!.queueWrite(join(dir, 'a', 'empty'), Buffer.alloc(0), 0o444);
    expect(native!.drainWrites()).toEqual([]);
    for (const i of [0, 1, 255, 499]) {
      const body = readFileSync(join(dir, i % 2 ? 'a' : 'b', `f${i}`));
      expect(body.length).toBe(64);
      expect(body.subarray(0, `file ${i}`.length).toString()).toBe(`file ${i}`);
      expect(body[63]).toBe(i % 256);
    }
    expect(statSync(join(dir, 'a', 'f1')).mode & 0o777).toBe(0o444 & ~process.umask());
    expect(statSync(join(dir, 'a', 'empty')).size).toBe(0);
    for (let i = 0; i < 500; i++) native!.queueRename(join(dir, i % 2 ? 'a' : 'b', `f${i}`), join(dir, 'placed', `g${i}`));
    expect(native!.drainWrites()).toEqual([]);
    expect(existsSync(join(dir, 'a', 'f1'))).toBe(false);
    expect(readFileSync(join(dir, 'placed', 'g499')).subarray(0, 8).toString()).toBe('file 499');
  });

  it('reports each failure with its path and errno name at the next drain, and never overwrites', () => {
    const dir = tempDir('mlv-writer-');
    writeFileSync(join(dir, 'taken'), 'keep me');
    native!.queueWrite(join(dir, 'taken'), Buffer.from('clobber'), 0o444);
    native!.queueWrite(join(dir, 'no-such-folder', 'x'), Buffer.from('x'), 0o444);
    native!.queueWrite(join(dir, 'fine'), Buffer.from('ok'), 0o444);
    native!.queueRename(join(dir, 'missing-source'), join(dir, 'dest'));
    const failures = native!.drainWrites();
    expect(failures.map((f) => [f.path.slice(dir.length + 1), f.code]).sort()).toEqual([
      ['missing-source', 'ENOENT'],
      ['no-such-folder/x', 'ENOENT'],
      ['taken', 'EEXIST'],
    ]);
    expect(failures.every((f) => f.message.length > 0)).toBe(true);
    expect(readFileSync(join(dir, 'taken'), 'utf8')).toBe('keep me');
    expect(readFileSync(join(dir, 'fine'), 'utf8')).toBe('ok');
    expect(native!.drainWrites()).toEqual([]); // reported once
  });
});
