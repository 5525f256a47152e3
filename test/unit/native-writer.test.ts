import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nativeHelper } from '../../src/core/native.js';
import { tempDir } from '../helpers/repo.js';

const native = nativeHelper();
if (!native) console.log('native-writer.test: the native helper is not built (npm install builds it with node-gyp); skipped');

describe.skipIf(!native)('native writer threads', () => {
  it('creates many files with their bytes and mode, and places written files where asked', () => {
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
    // With a destination, each file is written under its staging name, then renamed into place.
    for (let i = 0; i < 500; i++) native!.queueWrite(join(dir, i % 2 ? 'a' : 'b', `s${i}`), Buffer.from(`file ${i}`), 0o755, join(dir, 'placed', `g${i}`));
    expect(native!.drainWrites()).toEqual([]);
    expect(existsSync(join(dir, 'a', 's1'))).toBe(false);
    expect(readFileSync(join(dir, 'placed', 'g499')).subarray(0, 8).toString()).toBe('file 499');
    expect(statSync(join(dir, 'placed', 'g1')).mode & 0o777).toBe(0o755); // executable: past the umask
  });

  it('reports each failure with its path and errno name at the next drain, and never overwrites', () => {
    const dir = tempDir('mlv-writer-');
    writeFileSync(join(dir, 'taken'), 'keep me');
    native!.queueWrite(join(dir, 'taken'), Buffer.from('clobber'), 0o444);
    native!.queueWrite(join(dir, 'no-such-folder', 'x'), Buffer.from('x'), 0o444);
    native!.queueWrite(join(dir, 'fine'), Buffer.from('ok'), 0o444);
    native!.queueWrite(join(dir, 'staged'), Buffer.from('y'), 0o444, join(dir, 'no-such-folder', 'dest'));
    const failures = native!.drainWrites();
    expect(failures.map((f) => [f.path.slice(dir.length + 1), f.code]).sort()).toEqual([
      ['no-such-folder/dest', 'ENOENT'], // a failed placement is reported by its destination
      ['no-such-folder/x', 'ENOENT'],
      ['taken', 'EEXIST'],
    ]);
    expect(existsSync(join(dir, 'staged'))).toBe(false); // and its staging file is removed
    expect(failures.every((f) => f.message.length > 0)).toBe(true);
    expect(readFileSync(join(dir, 'taken'), 'utf8')).toBe('keep me');
    expect(readFileSync(join(dir, 'fine'), 'utf8')).toBe('ok');
    expect(native!.drainWrites()).toEqual([]); // reported once
  });
});
