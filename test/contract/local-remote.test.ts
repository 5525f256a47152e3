/** Contract: the folder remote (a temp folder stands in for a local disk or NFS share). */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRemote } from '../../src/core/remotes/open-remote.js';
import { hashBytes } from '../../src/core/objects/hash.js';
import { keyFor, remoteContract } from './remote-contract.js';

let base: string;
let n = 0;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'mlv-local-remote-'));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('local folder remote', () => {
  remoteContract('local', () => ({
    fresh: async () => {
      const dir = join(base, `r${++n}`);
      await mkdir(dir);
      return openRemote('shared', { url: dir });
    },
    missingRoot: () => openRemote('shared', { url: join(base, 'no-such-folder') }),
  }), { omit: ['badCredentials', 'refusedPort', 'silentHost'], inMemory: true });

  it('accepts file:// urls and paths relative to the repo root, and leaves no temp files', async () => {
    const dir = join(base, 'rel');
    await mkdir(dir);
    const src = join(base, 'payload');
    await writeFile(src, 'payload');
    const viaFileUrl = await openRemote('a', { url: `file://${dir}` });
    const viaRelative = await openRemote('b', { url: 'rel' }, { baseDir: base });
    await viaFileUrl.put(keyFor(1), src);
    expect(await viaRelative.hasMany([keyFor(1)])).toEqual(new Set([keyFor(1)]));
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
  });

  it('hashes an object where it lies (remote verify), naming a missing one', async () => {
    const dir = join(base, 'in-place');
    await mkdir(dir);
    const remote = await openRemote('p', { url: dir });
    const src = join(base, 'in-place-payload');
    const data = Buffer.alloc(3 << 20, 7);
    await writeFile(src, data);
    await remote.put(keyFor('whole'), src);
    let counted = 0;
    expect(await remote.hashInPlace!(keyFor('whole'), 'xxh128', { onBytes: (n) => (counted += n) })).toEqual({ hex: await hashBytes('xxh128', data), size: data.length });
    expect(counted).toBe(data.length);
    await expect(remote.hashInPlace!(keyFor('absent'), 'xxh128')).rejects.toMatchObject({ code: 'REMOTE_OBJECT_MISSING' });
    const aborted = new AbortController();
    aborted.abort();
    await expect(remote.hashInPlace!(keyFor('whole'), 'xxh128', { signal: aborted.signal })).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('publishes deferred puts only on flush, and discard leaves nothing behind', async () => {
    const dir = join(base, 'deferred');
    await mkdir(dir);
    const remote = await openRemote('d', { url: dir });
    const src = join(base, 'small');
    await writeFile(src, 'small object');
    const deferred = remote.deferredPuts!();
    await deferred.put(keyFor('a'), src);
    expect(await remote.hasMany([keyFor('a')])).toEqual(new Set());
    await deferred.flush();
    expect(await remote.hasMany([keyFor('a')])).toEqual(new Set([keyFor('a')]));
    await deferred.put(keyFor('b'), src);
    await deferred.discard();
    await deferred.flush();
    expect(await remote.hasMany([keyFor('b')])).toEqual(new Set());
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
  });
});
