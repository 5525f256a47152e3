/**
 * `mlv pull` keeps the checked bytes of small downloaded objects in memory for its checkout, which then
 * writes the workspace copies from them instead of reading the cache back (within a budget).
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { add } from '../../src/core/api/add.js';
import { checkoutSelections } from '../../src/core/api/checkout.js';
import { fetchWith } from '../../src/core/api/fetch.js';
import { push } from '../../src/core/api/push.js';
import { addRemote } from '../../src/core/api/remote-config.js';
import { MlvError } from '../../src/core/errors.js';
import { hashBytes } from '../../src/core/objects/hash.js';
import { ObjectStore, KEPT_BYTES_BUDGET } from '../../src/core/objects/store.js';
import { openRepoRemote } from '../../src/core/remotes/open-remote.js';
import { resolveSelections } from '../../src/core/workspace/selection.js';
import { bytes, fingerprint, git, makeRepo, read, repoAt, tempDir, writeFiles } from '../helpers/repo.js';

const FILES = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`data/shards/s${i}.bin`, bytes(3000 + i, i + 1)]));

/** A clone of a repo whose folder of small files was pushed to a folder remote. */
async function pushedClone(): Promise<string> {
  const repo = await makeRepo();
  writeFiles(repo, FILES);
  await add(repoAt(repo), ['data/shards'], { cwd: repo });
  await addRemote(repoAt(repo), 'store', tempDir('mlv-remote-'), { default: true });
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'shards');
  await push(repoAt(repo));
  const clone = join(tempDir('mlv-clone-'), 'work');
  git(repo, 'clone', '-q', repo, clone);
  return clone;
}

/** Fetches into `clone`'s cache (keeping bytes or not), then overwrites one cached object with garbage. */
async function fetchAndSpoilOne(clone: string, keep: boolean) {
  const repo = repoAt(clone);
  const selections = await resolveSelections(repo, [], clone);
  const remote = await openRepoRemote(repo);
  try {
    await fetchWith(repo, remote, selections, { keepSmallForCheckout: keep });
  } finally {
    await remote.close();
  }
  const oid = repo.store.oid(await hashBytes(repo.store.algo, FILES['data/shards/s7.bin']!));
  chmodSync(repo.store.path(oid), 0o644);
  writeFileSync(repo.store.path(oid), 'not the object\n');
  return { repo, selections, oid };
}

describe('pull writes small files from the bytes it has just checked', () => {
  it('the checkout of a pull uses the downloaded bytes, not the cache copy (a plain checkout reads and checks the cache)', async () => {
    const kept = await fetchAndSpoilOne(await pushedClone(), true);
    await checkoutSelections(kept.repo, kept.selections);
    for (const [rel, data] of Object.entries(FILES)) expect(read(kept.repo.root, rel).equals(data), rel).toBe(true);

    // the control: without kept bytes, the same spoiled object is refused and nothing wrong is written
    const plain = await fetchAndSpoilOne(await pushedClone(), false);
    const err = await checkoutSelections(plain.repo, plain.selections).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlvError);
    expect((err as MlvError).code).toBe('OBJECT_CORRUPT');
    expect((err as MlvError).message).toContain(`data/shards/s7.bin: object ${plain.oid} in the cache is corrupt`);
    expect(Object.keys(fingerprint(plain.repo.root, { exclude: ['.git', '.mlv'] }))).not.toContain('data/shards/s7.bin');
  });

  it('keeps at most KEPT_BYTES_BUDGET bytes and hands each object over once', async () => {
    const store = new ObjectStore(tempDir('mlv-store-'), 'xxh128');
    const big = new Uint8Array(KEPT_BYTES_BUDGET - 10);
    store.keepVerifiedBytes('xxh128:aa', big);
    store.keepVerifiedBytes('xxh128:bb', new Uint8Array(11)); // over the budget: not kept
    store.keepVerifiedBytes('xxh128:cc', new Uint8Array(10)); // fits exactly
    expect(store.takeVerifiedBytes('xxh128:bb')).toBeUndefined();
    expect(store.takeVerifiedBytes('xxh128:aa')).toBe(big);
    expect(store.takeVerifiedBytes('xxh128:aa')).toBeUndefined(); // once
    store.keepVerifiedBytes('xxh128:bb', new Uint8Array(11)); // room again after the hand-over
    expect(store.takeVerifiedBytes('xxh128:bb')?.byteLength).toBe(11);
    expect(store.takeVerifiedBytes('xxh128:cc')?.byteLength).toBe(10);
  });
});
