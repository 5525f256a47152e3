/** syncFileSystem / syncThenPlace: a batch of temp objects is made durable by one syncfs, then renamed into place. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nativeHelper } from '../../src/core/native.js';
import { syncFileSystem, syncThenPlace } from '../../src/core/objects/store.js';
import { tempDir } from '../helpers/repo.js';

const native = nativeHelper();
if (!native) console.log('sync-file-system.test: the native helper is not built; its syncfs checks are skipped');

// Without the native helper: `sync -f`, else an fsync per file.
describe('syncFileSystem', () => {
  it('flushes the file system of a folder', async () => {
    const dir = tempDir('mlv-sync-');
    writeFileSync(join(dir, 'a'), 'a');
    await expect(syncFileSystem(dir, [join(dir, 'a')])).resolves.toBeUndefined();
  });

  it('falls back to an fsync per file when the file system cannot be synced, which names a missing file', async () => {
    const dir = join(tempDir('mlv-sync-'), 'gone');
    await expect(syncFileSystem(dir, [join(dir, 'a')])).rejects.toMatchObject({ code: 'ENOENT', path: join(dir, 'a') });
  });

  it.skipIf(!native)('the native syncfs runs off the main thread and rejects like fs', async () => {
    const dir = tempDir('mlv-sync-');
    const pending = native!.syncFileSystem!(dir);
    expect(pending).toBeInstanceOf(Promise);
    await expect(pending).resolves.toBeUndefined();
    await expect(native!.syncFileSystem!(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT', syscall: 'syncfs', path: join(dir, 'missing') });
    expect(() => native!.syncFileSystem!(7 as unknown as string)).toThrow(TypeError);
  });
});

describe('syncThenPlace', () => {
  /** n temp files in tmp/ with their destinations in out/ (the third one's folder missing when `broken`). */
  function batch(n: number, broken = false): { dir: string; pairs: [string, string][] } {
    const dir = tempDir('mlv-place-');
    mkdirSync(join(dir, 'tmp'));
    mkdirSync(join(dir, 'out'));
    const pairs: [string, string][] = [];
    for (let i = 0; i < n; i++) {
      writeFileSync(join(dir, 'tmp', `t${i}`), `object ${i}`);
      pairs.push([join(dir, 'tmp', `t${i}`), join(dir, broken && i === 2 ? 'missing' : 'out', `o${i}`)]);
    }
    return { dir, pairs };
  }

  it('renames every synced temp file into place', async () => {
    const { dir, pairs } = batch(50);
    await syncThenPlace(join(dir, 'tmp'), pairs);
    for (let i = 0; i < 50; i++) expect(readFileSync(join(dir, 'out', `o${i}`), 'utf8')).toBe(`object ${i}`);
    expect(existsSync(join(dir, 'tmp', 't0'))).toBe(false);
  });

  it('a rename that fails names its temp file and destination; those before it are placed, the rest not', async () => {
    const { dir, pairs } = batch(5, true);
    await expect(syncThenPlace(join(dir, 'tmp'), pairs)).rejects.toMatchObject({ code: 'ENOENT', path: pairs[2]![0], dest: pairs[2]![1] });
    expect(existsSync(join(dir, 'out', 'o1'))).toBe(true);
    expect(existsSync(join(dir, 'tmp', 't2'))).toBe(true);
    expect(existsSync(join(dir, 'tmp', 't3'))).toBe(true);
    expect(existsSync(join(dir, 'out', 'o3'))).toBe(false);
  });

  it.skipIf(!native)('when the file system cannot be synced, syncs each file by itself and still places them all', async () => {
    const { dir, pairs } = batch(4);
    await syncThenPlace(join(dir, 'no-such-folder'), pairs); // (the native syncfs fails: ENOENT)
    for (let i = 0; i < 4; i++) expect(readFileSync(join(dir, 'out', `o${i}`), 'utf8')).toBe(`object ${i}`);
  });

  it.skipIf(!native)('the native sync renames nothing when the sync itself fails, and checks its arguments', async () => {
    const { dir, pairs } = batch(3);
    const from = pairs.map(([t]) => t);
    const to = pairs.map(([, d]) => d);
    await expect(native!.syncFileSystem!(join(dir, 'nowhere'), from, to)).rejects.toMatchObject({ code: 'ENOENT', syscall: 'syncfs' });
    expect(existsSync(from[0]!)).toBe(true);
    expect(existsSync(to[0]!)).toBe(false);
    expect(() => native!.syncFileSystem!(dir, from, to.slice(1))).toThrow(/arrays of paths of one length/);
    expect(() => native!.syncFileSystem!(dir, from, [1, 2, 3] as unknown as string[])).toThrow(TypeError);
  });
});
