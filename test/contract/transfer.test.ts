/**
 * The transfer engine (push/pull/fetch) over a real folder remote: verification on both sides, upload
 * order of files and trees, retries, failure collection and remote-wide stops.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { MlvError } from '../../src/core/errors.js';
import type { ProgressEvent } from '../../src/core/events.js';
import { hexOf, objectKey } from '../../src/core/objects/oid.js';
import { ObjectStore } from '../../src/core/objects/store.js';
import { serializeTree, type TreeEntry } from '../../src/core/objects/tree.js';
import { RemoteError } from '../../src/core/remotes/common.js';
import { LocalRemote } from '../../src/core/remotes/local-remote.js';
import type { RemoteStore, TransferOptions } from '../../src/core/remotes/remote-store.js';
import { downloadObjects, uploadObjects } from '../../src/core/remotes/transfer.js';

const base = mkdtempSync(join(tmpdir(), 'mlv-transfer-'));
let n = 0;
let store: ObjectStore;
let remote: LocalRemote;
let remoteDir: string;

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

beforeEach(() => {
  const dir = join(base, `case${++n}`);
  store = new ObjectStore(join(dir, 'cache'), 'xxh128');
  remoteDir = join(dir, 'remote');
  mkdirSync(remoteDir, { recursive: true });
  remote = new LocalRemote('origin', remoteDir, remoteDir);
});

/** Files f0..f{count-1} in a folder `sub/` inside a root folder: returns oids of files and both trees. */
async function sampleTree(count = 6): Promise<{ files: string[]; subtree: string; root: string }> {
  const files: string[] = [];
  const entries: TreeEntry[] = [];
  for (let i = 0; i < count; i++) {
    const data = Buffer.from(`content of file ${i}\n`);
    const { oid } = await store.addBytes(data);
    files.push(oid);
    entries.push({ type: 'f', name: `f${i}`, hex: hexOf(oid), size: data.length, mode: 644 });
  }
  const { oid: subtree } = await store.addBytes(serializeTree(entries));
  const { oid: root } = await store.addBytes(
    serializeTree([{ type: 'd', name: 'sub', hex: hexOf(subtree), size: 0, files: count }]),
  );
  return { files, subtree, root };
}

/** Overwrites a (read-only) file with other bytes. */
function damage(path: string): void {
  chmodSync(path, 0o644);
  writeFileSync(path, 'these are not the bytes you are looking for');
}

/** A remote that records puts and can be told to fail. */
class ScriptedRemote implements RemoteStore {
  readonly name = 'scripted';
  readonly url = 'test://scripted';
  readonly puts: string[] = [];
  constructor(
    private readonly inner: RemoteStore,
    private readonly failPut: (key: string, attempt: number) => Error | undefined = () => undefined,
  ) {}
  private attempts = new Map<string, number>();
  hasMany(keys: string[]) {
    return this.inner.hasMany(keys);
  }
  stat(key: string) {
    return this.inner.stat(key);
  }
  async put(key: string, localPath: string, opts?: TransferOptions) {
    const attempt = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, attempt);
    const err = this.failPut(key, attempt);
    if (err) throw err;
    this.puts.push(key);
    return this.inner.put(key, localPath, opts);
  }
  get(key: string, localPath: string, opts?: TransferOptions) {
    return this.inner.get(key, localPath, opts);
  }
  list(prefix: string) {
    return this.inner.list(prefix);
  }
  delete(key: string) {
    return this.inner.delete(key);
  }
  close() {
    return this.inner.close();
  }
}

describe('uploadObjects', () => {
  it('sends files first, then each tree after the subtrees it names, and reports progress', async () => {
    const { files, subtree, root } = await sampleTree();
    const scripted = new ScriptedRemote(remote);
    const events: ProgressEvent[] = [];
    const summary = await uploadObjects(store, scripted, { files, trees: [root, subtree] }, { jobs: 4, reporter: { progress: (e) => events.push(e) } });
    expect(summary).toMatchObject({ transferred: 8, skipped: 0, failed: [] });
    expect(summary.bytes).toBeGreaterThan(0);
    const order = scripted.puts;
    expect(order.slice(-2)).toEqual([objectKey(subtree), objectKey(root)]);
    expect(new Set(order.slice(0, 6))).toEqual(new Set(files.map(objectKey)));
    const last = events.filter((e) => e.phase === 'uploading').at(-1);
    expect(last).toMatchObject({ done: 8, total: 8 });
  });

  it('classifies a flat list with isTree', async () => {
    const { files, subtree, root } = await sampleTree(3);
    const trees = new Set([subtree, root]);
    const scripted = new ScriptedRemote(remote);
    await uploadObjects(store, scripted, [root, ...files, subtree], { isTree: (o) => trees.has(o) });
    expect(scripted.puts.slice(-2)).toEqual([objectKey(subtree), objectKey(root)]);
  });

  it('skips objects the remote has, unless asked to overwrite them', async () => {
    const { files } = await sampleTree(4);
    await uploadObjects(store, remote, files.slice(0, 2));
    const scripted = new ScriptedRemote(remote);
    const summary = await uploadObjects(store, scripted, files);
    expect(summary).toMatchObject({ transferred: 2, skipped: 2 });
    expect(scripted.puts.sort()).toEqual(files.slice(2).map(objectKey).sort());
    const forced = await uploadObjects(store, scripted, files, { overwrite: true });
    expect(forced).toMatchObject({ transferred: 4, skipped: 0 });
  });

  it('refuses to upload a corrupt cache object, names it, and holds back the trees that name it', async () => {
    const { files, subtree, root } = await sampleTree();
    damage(store.path(files[2]!));
    const summary = await uploadObjects(store, remote, { files, trees: [subtree, root] });
    expect(summary.transferred).toBe(5);
    const byOid = new Map(summary.failed.map((f) => [f.oid, f.error]));
    expect(byOid.get(files[2]!)?.code).toBe('OBJECT_CORRUPT');
    expect(byOid.get(files[2]!)?.message).toContain(files[2]);
    expect(byOid.get(subtree)?.code).toBe('TREE_HELD_BACK');
    expect(byOid.get(root)?.code).toBe('TREE_HELD_BACK');
    expect(await remote.hasMany([files[2], subtree, root].map((o) => objectKey(o!)))).toEqual(new Set());
  });

  it('reports an object missing from the cache', async () => {
    const missing = store.oid('0'.repeat(32));
    const summary = await uploadObjects(store, remote, [missing]);
    expect(summary.failed.map((f) => [f.oid, f.error.code])).toEqual([[missing, 'OBJECT_MISSING']]);
  });

  it('retries transient failures with backoff, and gives up after the retry budget', async () => {
    const { files } = await sampleTree(2);
    const flaky = new ScriptedRemote(remote, (key, attempt) =>
      key === objectKey(files[0]!) && attempt <= 2 ? new RemoteError('REMOTE_IO', 'scripted', 'connection reset', { transient: true }) : undefined,
    );
    expect(await uploadObjects(store, flaky, files, { backoffMs: 1 })).toMatchObject({ transferred: 2, failed: [] });

    const { files: more } = await sampleTree(3);
    const broken = new ScriptedRemote(remote, (key) =>
      key === objectKey(more[2]!) ? new RemoteError('REMOTE_IO', 'scripted', 'still failing', { transient: true }) : undefined,
    );
    const summary = await uploadObjects(store, broken, more, { backoffMs: 1, retries: 2 });
    expect(summary.failed.map((f) => f.oid)).toEqual([more[2]]);
  });

  it('stops at once on a remote-wide failure and throws it', async () => {
    const { files } = await sampleTree(10);
    let calls = 0;
    const denied = new ScriptedRemote(remote, () => {
      calls++;
      return new RemoteError('REMOTE_AUTH', 'scripted', "remote 'scripted': the credentials were rejected");
    });
    const err = await uploadObjects(store, denied, files, { jobs: 2 }).then(() => undefined, (e: unknown) => e);
    expect((err as MlvError).code).toBe('REMOTE_AUTH');
    expect(calls).toBeLessThanOrEqual(2);
  });

  it('stops when the signal aborts', async () => {
    const { files } = await sampleTree(4);
    const controller = new AbortController();
    controller.abort();
    const err = await uploadObjects(store, remote, files, { signal: controller.signal }).then(() => undefined, (e: unknown) => e);
    expect((err as MlvError).code).toBe('ABORTED');
  });
});

describe('downloadObjects', () => {
  it('downloads into the cache, skipping what is there, and never places bad bytes', async () => {
    const { files, subtree, root } = await sampleTree();
    await uploadObjects(store, remote, { files, trees: [subtree, root] });
    damage(join(remoteDir, ...objectKey(files[1]!).split('/')));

    const other = new ObjectStore(join(base, `dest${n}`), 'xxh128');
    await other.addBytes(Buffer.from('content of file 0\n'));
    const events: ProgressEvent[] = [];
    const summary = await downloadObjects(other, remote, [root, subtree, ...files], {
      reporter: { progress: (e) => events.push(e) },
      sizeOf: () => 18,
    });
    expect(summary.skipped).toBe(1);
    expect(summary.transferred).toBe(6);
    expect(summary.failed.map((f) => [f.oid, f.error.code])).toEqual([[files[1], 'OBJECT_CORRUPT']]);
    expect(summary.failed[0]!.error.message).toContain("remote 'origin'");
    expect(await other.has(files[1]!)).toBe(false);
    expect(readdirSync(other.tmpDir)).toEqual([]);
    for (const oid of [root, subtree, files[2]!]) expect(await other.rehash(oid)).toBe(oid);
    expect(events.at(-1)).toMatchObject({ phase: 'downloading', done: 7, total: 7, totalBytes: 7 * 18 });
  });

  it('checks big objects in the pass that copies them, both ways, and leaves no partial file behind', async () => {
    const big = (seed: number) => Buffer.alloc(3 << 20, seed); // above the in-memory limit for small objects
    const { oid: bad } = await store.addBytes(big(1));
    const { oid: good } = await store.addBytes(big(2));
    damage(store.path(bad));
    const up = await uploadObjects(store, remote, [bad, good]);
    expect(up.failed.map((f) => [f.oid, f.error.code])).toEqual([[bad, 'OBJECT_CORRUPT']]);
    expect(up.failed[0]!.error.message).toContain('the cache');
    expect(await remote.hasMany([objectKey(bad), objectKey(good)])).toEqual(new Set([objectKey(good)]));
    expect(readdirSync(join(remoteDir, 'tmp'))).toEqual([]);

    const other = new ObjectStore(join(base, `dest${n}`), 'xxh128');
    const intact = await downloadObjects(other, remote, [good], { sizeOf: () => 3 << 20 });
    expect(intact).toMatchObject({ transferred: 1, failed: [] });
    expect(await other.rehash(good)).toBe(good);

    damage(join(remoteDir, ...objectKey(good).split('/')));
    const third = new ObjectStore(join(base, `third${n}`), 'xxh128');
    const down = await downloadObjects(third, remote, [good], { sizeOf: () => 3 << 20 });
    expect(down.failed.map((f) => [f.oid, f.error.code])).toEqual([[good, 'OBJECT_CORRUPT']]);
    expect(await third.has(good)).toBe(false);
    expect(readdirSync(third.tmpDir)).toEqual([]);
  });

  it('remembers the big objects it placed after checking them (pull then clones them without rehashing)', async () => {
    const { oid } = await store.addBytes(Buffer.alloc(2 << 20, 4));
    await uploadObjects(store, remote, [oid]);
    expect(store.wasJustVerified(oid)).toBe(false); // added, not fetched
    const other = new ObjectStore(join(base, `dest${n}`), 'xxh128');
    await downloadObjects(other, remote, [oid], { sizeOf: () => 2 << 20 });
    expect(other.wasJustVerified(oid)).toBe(true);
    expect(new ObjectStore(other.root, 'xxh128').wasJustVerified(oid)).toBe(false); // only within this process's store
  });

  it('fetches an object whose size hint is too small through the file path instead', async () => {
    const { oid } = await store.addBytes(Buffer.alloc(2 << 20, 9));
    await uploadObjects(store, remote, [oid]);
    const other = new ObjectStore(join(base, `dest${n}`), 'xxh128');
    const summary = await downloadObjects(other, remote, [oid], { sizeOf: () => 10 });
    expect(summary).toMatchObject({ transferred: 1, failed: [], bytes: 2 << 20 });
    expect(await other.rehash(oid)).toBe(oid);
  });

  it('reports objects missing on the remote and carries on', async () => {
    const { files } = await sampleTree(3);
    await uploadObjects(store, remote, files.slice(1));
    const other = new ObjectStore(join(base, `dest${n}`), 'xxh128');
    const summary = await downloadObjects(other, remote, files);
    expect(summary.transferred).toBe(2);
    expect(summary.failed.map((f) => [f.oid, f.error.code])).toEqual([[files[0], 'REMOTE_OBJECT_MISSING']]);
  });
});
