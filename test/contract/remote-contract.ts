/**
 * The contract every RemoteStore adapter must pass (DESIGN §7), run by one `*.test.ts` per kind against a
 * real server on 127.0.0.1. Each case opens its remote through `openRemote`, exactly as mlv does.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { MlvError } from '../../src/core/errors.js';
import { ObjectStore } from '../../src/core/objects/store.js';
import { serializeTree, type TreeEntry } from '../../src/core/objects/tree.js';
import { hexOf, objectKey } from '../../src/core/objects/oid.js';
import type { RemoteStore } from '../../src/core/remotes/remote-store.js';
import { downloadObjects, uploadObjects } from '../../src/core/remotes/transfer.js';

export interface ContractHarness {
  /** A new, empty remote of this kind (its own folder or prefix). */
  fresh(): Promise<RemoteStore>;
  /** A remote whose folder or bucket does not exist. */
  missingRoot(): Promise<RemoteStore>;
  /** A remote with credentials the server rejects; `secret` must never appear in the error. */
  badCredentials?(): Promise<{ remote: RemoteStore; secret?: string }>;
  /** A remote on a loopback port where nothing listens, with `timeout: 3` (network kinds). */
  refusedPort?(): Promise<RemoteStore>;
  /** A remote on a port that accepts connections but never answers, with `timeout: 2`. */
  silentHost?(): Promise<RemoteStore>;
}

export interface ContractOptions {
  /** Size of the "big object" case; S3 sets it above its multipart threshold. */
  bigSize?: number;
  /**
   * Cases that do not apply to a kind and are therefore not declared (rather than skipped): a folder
   * has no credentials and no network.
   */
  omit?: ('badCredentials' | 'refusedPort' | 'silentHost')[];
  /** The kind offers `putBytes`/`getBytes` (small objects moved through memory): declares their case. */
  inMemory?: boolean;
}

/** A well-formed object key for test number `i`. */
export function keyFor(i: number | string): string {
  const hex = createHash('md5').update(String(i)).digest('hex');
  return `objects/xxh128/${hex.slice(0, 2)}/${hex.slice(2)}`;
}

function sha(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<MlvError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected an MlvError with code ${code}`).toBeInstanceOf(MlvError);
  expect((err as MlvError).code, (err as Error).message).toBe(code);
  return err as MlvError;
}

async function collect(remote: RemoteStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of remote.list(prefix)) keys.push(info.key);
  return keys.sort();
}

export function remoteContract(kind: string, harness: () => ContractHarness, opts: ContractOptions = {}): void {
  const omit = opts.omit ?? [];
  const bigSize = opts.bigSize ?? 20 * 1024 * 1024;
  let work: string;
  let bigFile: string;
  const opened: RemoteStore[] = [];
  const track = async (p: Promise<RemoteStore>) => {
    const r = await p;
    opened.push(r);
    return r;
  };
  const file = (name: string, data: Buffer | string) => {
    const path = join(work, name);
    writeFileSync(path, data);
    return path;
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), `mlv-contract-${kind}-`));
    bigFile = file('big.bin', randomBytes(bigSize));
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((r) => r.close()));
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('puts, stats, gets, lists and deletes objects', async () => {
    const remote = await track(harness().fresh());
    const a = keyFor('a');
    const b = keyFor('b');
    expect(await remote.stat(a)).toBeUndefined();
    await remote.put(a, file('a', 'alpha\n'));
    await remote.put(b, file('b', 'bravo!\n'));
    expect((await remote.stat(a))?.size).toBe(6);
    const out = join(work, 'a.out');
    await remote.get(a, out);
    expect(readFileSync(out, 'utf8')).toBe('alpha\n');
    expect(await remote.hasMany([a, b, keyFor('c')])).toEqual(new Set([a, b]));
    expect(await collect(remote, 'objects/')).toEqual([a, b].sort());
    expect(await collect(remote, a.slice(0, a.lastIndexOf('/') + 1))).toEqual([a]);
    await remote.delete(a);
    await remote.delete(a); // deleting an absent key is not an error
    expect(await remote.stat(a)).toBeUndefined();
    expect(await collect(remote, 'objects/')).toEqual([b]);
  });

  it('reports a missing object as REMOTE_OBJECT_MISSING naming the remote and key', async () => {
    const remote = await track(harness().fresh());
    const key = keyFor('absent');
    const err = await expectCode(remote.get(key, join(work, 'absent.out')), 'REMOTE_OBJECT_MISSING');
    expect(err.message).toContain(key);
    expect(err.message).toContain(remote.name);
  });

  it(`streams a big object (${bigSize >> 20} MiB) up and down`, { timeout: 120_000 }, async () => {
    const remote = await track(harness().fresh());
    const key = keyFor('big');
    let up = 0;
    let upCalls = 0;
    await remote.put(key, bigFile, { onBytes: (n) => ((up += n), upCalls++) });
    expect(up).toBe(bigSize);
    expect(upCalls).toBeGreaterThan(1);
    expect((await remote.stat(key))?.size).toBe(bigSize);
    const out = join(work, 'big.out');
    let down = 0;
    await remote.get(key, out, { onBytes: (n) => (down += n) });
    expect(down).toBe(bigSize);
    expect(sha(out)).toBe(sha(bigFile));
  });

  if (opts.inMemory) {
    it('moves small objects through memory (putBytes/getBytes), refusing ones above the limit', async () => {
      const remote = await track(harness().fresh());
      expect(typeof remote.putBytes).toBe('function');
      expect(typeof remote.getBytes).toBe('function');
      const key = keyFor('in-memory');
      const data = randomBytes(100_000);
      let up = 0;
      await remote.putBytes!(key, data, { onBytes: (n) => (up += n) });
      expect(up).toBe(data.length);
      expect((await remote.stat(key))?.size).toBe(data.length);
      let down = 0;
      expect(await remote.getBytes!(key, data.length, { onBytes: (n) => (down += n) })).toEqual(data);
      expect(down).toBe(data.length);
      expect(await remote.getBytes!(key, data.length - 1)).toBeNull();
      await remote.putBytes!(key, data); // re-putting an existing key is harmless
      const empty = keyFor('in-memory-empty');
      await remote.putBytes!(empty, Buffer.alloc(0));
      expect(await remote.getBytes!(empty, 10)).toEqual(Buffer.alloc(0));
      await expectCode(remote.getBytes!(keyFor('in-memory-absent'), 10), 'REMOTE_OBJECT_MISSING');
    });
  }

  it('stores an empty object', async () => {
    const remote = await track(harness().fresh());
    const key = keyFor('empty');
    await remote.put(key, file('empty', ''));
    expect((await remote.stat(key))?.size).toBe(0);
    expect(await remote.hasMany([key])).toEqual(new Set([key]));
    const out = file('empty.out', 'stale bytes that must be overwritten');
    await remote.get(key, out);
    expect(readFileSync(out).length).toBe(0);
  });

  it('survives concurrent puts of the same object', { timeout: 60_000 }, async () => {
    const remote = await track(harness().fresh());
    const key = keyFor('same');
    const src = file('same', randomBytes(3 * 1024 * 1024));
    await Promise.all(Array.from({ length: 5 }, () => remote.put(key, src)));
    const out = join(work, 'same.out');
    await remote.get(key, out);
    expect(sha(out)).toBe(sha(src));
    expect(await collect(remote, 'objects/')).toEqual([key]);
  });

  it('leaves no partial object visible when a put is interrupted', { timeout: 60_000 }, async () => {
    const remote = await track(harness().fresh());
    const key = keyFor('interrupted');
    const controller = new AbortController();
    await expectCode(remote.put(key, bigFile, { signal: controller.signal, onBytes: () => controller.abort() }), 'ABORTED');
    expect(await remote.stat(key)).toBeUndefined();
    expect(await remote.hasMany([key])).toEqual(new Set());
    expect(await collect(remote, 'objects/')).toEqual([]);
    // and running it again simply works
    await remote.put(key, bigFile);
    expect((await remote.stat(key))?.size).toBe(bigSize);
  });

  it('answers hasMany for many keys (the listing path) correctly', { timeout: 60_000 }, async () => {
    const remote = await track(harness().fresh());
    const stored = Array.from({ length: 40 }, (_, i) => keyFor(`many-${i}`));
    const src = file('many', 'x');
    await Promise.all(stored.map((k) => remote.put(k, src)));
    const asked = [...stored, ...Array.from({ length: 400 }, (_, i) => keyFor(`none-${i}`))];
    expect(await remote.hasMany(asked)).toEqual(new Set(stored));
  });

  it('moves a tree and its files (small and big at once) with the transfer engine, verified, then skips them', { timeout: 60_000 }, async () => {
    const remote = await track(harness().fresh());
    const source = new ObjectStore(mkdtempSync(join(work, 'src-')), 'xxh128');
    const files: string[] = [];
    const sizes = new Map<string, number>();
    const entries: TreeEntry[] = [];
    for (let i = 0; i < 20; i++) {
      // two objects above the in-memory limit travel beside the small ones, as in a real push
      const data = i % 10 === 3 ? randomBytes((2 << 20) + i) : Buffer.from(`file ${i}\n`);
      const { oid } = await source.addBytes(data);
      files.push(oid);
      sizes.set(oid, data.length);
      entries.push({ type: 'f', name: `f${String(i).padStart(2, '0')}`, hex: hexOf(oid), size: data.length, mode: 644 });
    }
    const { oid: tree } = await source.addBytes(serializeTree(entries));
    const up = await uploadObjects(source, remote, { files, trees: [tree] });
    expect(up).toMatchObject({ transferred: 21, skipped: 0, failed: [] });
    expect(await remote.stat(objectKey(tree))).toBeDefined();

    const dest = new ObjectStore(mkdtempSync(join(work, 'dst-')), 'xxh128');
    const down = await downloadObjects(dest, remote, [tree, ...files], { sizeOf: (o) => sizes.get(o) });
    expect(down).toMatchObject({ transferred: 21, skipped: 0, failed: [] });
    for (const oid of [tree, ...files]) expect(await dest.rehash(oid)).toBe(oid);

    const again = await uploadObjects(source, remote, { files, trees: [tree] });
    expect(again).toMatchObject({ transferred: 0, skipped: 21, failed: [] });
  });

  it('names a missing folder or bucket with REMOTE_NOT_FOUND', async () => {
    const remote = await track(harness().missingRoot());
    const err = await expectCode(remote.hasMany([keyFor('x')]), 'REMOTE_NOT_FOUND');
    expect(err.message).toContain(remote.name);
  });

  if (!omit.includes('badCredentials')) {
    it('rejects wrong credentials with REMOTE_AUTH and never prints the secret', async () => {
      const h = harness();
      const { remote, secret } = await h.badCredentials!();
      opened.push(remote);
      const err = await expectCode(remote.hasMany([keyFor('x')]), 'REMOTE_AUTH');
      expect(err.message).toContain(remote.name);
      if (secret) {
        expect(err.message).not.toContain(secret);
        expect(err.hint ?? '').not.toContain(secret);
        expect(JSON.stringify(err.details ?? {})).not.toContain(secret);
      }
    });
  }

  if (!omit.includes('refusedPort')) {
    it('fails fast with REMOTE_UNREACHABLE when nothing listens', { timeout: 20_000 }, async () => {
      const h = harness();
      const remote = await track(h.refusedPort!());
      const started = Date.now();
      const err = await expectCode(remote.hasMany([keyFor('x')]), 'REMOTE_UNREACHABLE');
      expect(Date.now() - started).toBeLessThan(8_000);
      expect(err.message).toContain(remote.name);
    });
  }

  if (!omit.includes('silentHost')) {
    it('gives up on a host that never answers within the timeout', { timeout: 20_000 }, async () => {
      const h = harness();
      const remote = await track(h.silentHost!());
      const started = Date.now();
      await expectCode(remote.hasMany([keyFor('x')]), 'REMOTE_UNREACHABLE');
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(1_500);
      expect(elapsed).toBeLessThan(8_000);
    });
  }
}

/**
 * A TCP server that accepts connections and never says a word: a host that is "up" but hangs, which
 * only a timeout can detect.
 */
export async function startSilentServer(): Promise<{ port: number; stop(): Promise<void> }> {
  const { createServer } = await import('node:net');
  const sockets = new Set<import('node:net').Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
