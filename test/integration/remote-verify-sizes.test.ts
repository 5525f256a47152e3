/**
 * `remote verify` reads small objects into memory (no temp file each) and big ones through a temp file;
 * an object that has grown past the small-object limit on the remote falls back to the file path. All
 * three kinds of damage must be found, and no temp file is left behind.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { add } from '../../src/core/api/add.js';
import { push } from '../../src/core/api/push.js';
import { addRemote } from '../../src/core/api/remote-config.js';
import { remoteVerify } from '../../src/core/api/remote-verify.js';
import { hashBytes } from '../../src/core/objects/hash.js';
import { objectKey } from '../../src/core/objects/oid.js';
import { SMALL_OBJECT } from '../../src/core/objects/store.js';
import { bytes, git, listFiles, makeRepo, repoAt, tempDir, writeFiles } from '../helpers/repo.js';

describe('remote verify of small and big objects', () => {
  it('finds a damaged small object, a damaged big one and a small one grown past the limit; leaves no temp file', async () => {
    const files = {
      'data/set/a.bin': bytes(3000, 1),
      'data/set/b.bin': bytes(3001, 2),
      'data/set/c.bin': bytes(3002, 3),
      'data/set/big.bin': bytes(SMALL_OBJECT + 4096, 4),
    };
    const repo = await makeRepo();
    writeFiles(repo, files);
    await add(repoAt(repo), ['data/set'], { cwd: repo });
    const store = tempDir('mlv-remote-');
    await addRemote(repoAt(repo), 'store', store, { default: true });
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'set');
    await push(repoAt(repo));
    expect((await remoteVerify(repoAt(repo))).problems).toEqual([]);

    const r = repoAt(repo);
    const oidOf = async (rel: keyof typeof files) => r.store.oid(await hashBytes(r.store.algo, files[rel]));
    const spoil = (oid: string, data: Buffer) => {
      const path = join(store, objectKey(oid));
      chmodSync(path, 0o644);
      writeFileSync(path, data);
    };
    const small = await oidOf('data/set/a.bin');
    const big = await oidOf('data/set/big.bin');
    const grown = await oidOf('data/set/c.bin');
    spoil(small, Buffer.from(files['data/set/a.bin']).fill(0, 10, 20));
    spoil(big, Buffer.from(files['data/set/big.bin']).fill(0, SMALL_OBJECT, SMALL_OBJECT + 10));
    spoil(grown, bytes(SMALL_OBJECT + 1, 9));

    const result = await remoteVerify(repoAt(repo));
    expect(result.problems.map((p) => [p.oid, p.problem]).sort()).toEqual([[small, 'corrupt'], [big, 'corrupt'], [grown, 'corrupt']].sort());
    expect(result.checked).toBe(5); // four files and the folder's tree
    expect(listFiles(join(repo, '.mlv', 'cache')).filter((f) => f.startsWith('tmp/'))).toEqual([]);
  });
});
