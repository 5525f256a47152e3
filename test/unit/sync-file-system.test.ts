/** syncFileSystem: a batch of temp objects is made durable by one syncfs before it is renamed into place. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nativeHelper } from '../../src/core/native.js';
import { syncFileSystem } from '../../src/core/objects/store.js';
import { tempDir } from '../helpers/repo.js';

const native = nativeHelper();
if (!native) console.log('sync-file-system.test: the native helper is not built; its syncfs checks are skipped');

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
