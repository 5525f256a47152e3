/**
 * The transfer engine behind push, pull, fetch and `remote verify --repair` (DESIGN §7).
 *
 * Uploads: skip what the remote already has (one batched existence check), rehash each local object
 * before sending it (a corrupt cache object is reported, never uploaded), send file objects before trees
 * and each tree only after the subtrees and files it names — so a tree present on a remote implies its
 * whole content is there, even when a push is killed half-way.
 * Downloads: skip what the cache already has, download to a temp file in the cache and let
 * `importVerified` rehash it before it lands.
 * Both: `jobs` transfers at once, transient errors retried with exponential backoff, per-object failures
 * collected while the rest carries on; a remote-wide failure (unreachable, bad credentials, missing
 * bucket) stops the run at once and is thrown, since every further object would fail the same way.
 */
import { statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { CorruptObjectError, MlvError, systemError } from '../errors.js';
import { hashBytesSync, readWholeIfSmall, warmHasher } from '../objects/hash.js';
import { ProgressTicker, silentReporter, type Reporter } from '../events.js';
import { hexLength, hexOf, objectKey } from '../objects/oid.js';
import { SMALL_OBJECT, type ObjectStore } from '../objects/store.js';
import { parseTree } from '../objects/tree.js';
import { abortedError, RemoteError, isTransientNetworkError } from './common.js';
import type { RemoteStore } from './remote-store.js';

export interface TransferFailure {
  oid: string;
  error: MlvError;
}

export interface TransferSummary {
  /** Objects moved in this run. */
  transferred: number;
  /** Bytes moved in this run. */
  bytes: number;
  /** Objects already present at the destination. */
  skipped: number;
  failed: TransferFailure[];
}

export interface TransferRunOptions {
  /** Concurrent transfers (default: the remote's `jobs` setting or its kind's default). */
  jobs?: number;
  reporter?: Reporter;
  signal?: AbortSignal;
  /** Retries of a transiently failing object (default 4, so 5 attempts). */
  retries?: number;
  /** First backoff delay in ms, doubled per retry (default 250). */
  backoffMs?: number;
}

/** File objects and tree objects to upload; trees go up only after what they name. */
export interface ObjectGroups {
  files: Iterable<string>;
  trees: Iterable<string>;
}

export interface UploadOptions extends TransferRunOptions {
  /** Tells trees from file objects when `oids` is a flat list (e.g. from the pointers' `kind`). */
  isTree?: (oid: string) => boolean;
  /** Upload even objects the remote reports present (repairing bad remote copies). */
  overwrite?: boolean;
}

export interface DownloadOptions extends TransferRunOptions {
  /** Expected sizes (from pointers and trees), for a byte total in progress events. */
  sizeOf?: (oid: string) => number | undefined;
  /** Keep the checked bytes of small objects in memory for a checkout that follows (`mlv pull`). */
  keepSmallForCheckout?: boolean;
}

const MAX_BACKOFF_MS = 8_000;

/**
 * Uploads `oids` from the cache to `remote`. `oids` is either a flat list (split with `isTree`, else all
 * treated as file objects) or `{ files, trees }`.
 */
export async function uploadObjects(
  store: ObjectStore,
  remote: RemoteStore,
  oids: Iterable<string> | ObjectGroups,
  opts: UploadOptions = {},
): Promise<TransferSummary> {
  const reporter = opts.reporter ?? silentReporter;
  const { files, trees } = splitGroups(oids, opts.isTree);
  const all = [...files, ...trees];
  const summary: TransferSummary = { transferred: 0, bytes: 0, skipped: 0, failed: [] };
  const failedOids = new Set<string>();
  const fail = (oid: string, error: MlvError) => {
    failedOids.add(oid);
    summary.failed.push({ oid, error });
  };

  let present = new Set<string>();
  if (!opts.overwrite && all.length > 0) {
    const checking = new ProgressTicker(reporter, 'checking remote', all.length);
    const keys = await remote.hasMany(all.map(objectKey));
    checking.tick(all.length);
    checking.end();
    present = new Set(all.filter((oid) => keys.has(objectKey(oid))));
  }
  summary.skipped = present.size;

  const toSendFiles = files.filter((o) => !present.has(o));
  const toSendTrees = trees.filter((o) => !present.has(o));
  const { levels, names, unreadable } = await planTrees(store, toSendTrees);
  for (const [oid, error] of unreadable) fail(oid, error);

  const ticker = new ProgressTicker(reporter, 'uploading', toSendFiles.length + toSendTrees.length);
  const runner = new Runner(remote, opts, ticker);
  // Small objects may be published in batches (one sync each); a level is flushed before the trees
  // that name its objects go up, so "a tree on the remote implies its content" still holds.
  const deferred = remote.deferredPuts?.();
  await warmHasher(store.algo);
  const sendBytes = deferred?.putBytes?.bind(deferred) ?? remote.putBytes?.bind(remote);
  const put = deferred ? deferred.put : remote.put.bind(remote);
  const uploadOne = async (oid: string) => {
    const path = store.path(oid);
    const key = objectKey(oid);
    // Small objects: read once, checked in memory, and those very bytes are sent.
    const data = sendBytes ? readSmallObject(path) : null;
    if (data === undefined) throw missingForPush(oid);
    let size: number;
    let send: (onBytes: (n: number) => void, signal?: AbortSignal) => Promise<void>;
    if (data !== null) {
      const actual = store.oid(hashBytesSync(store.algo, data));
      if (actual !== oid) throw new CorruptObjectError(oid, 'the cache', actual);
      size = data.length;
      send = (onBytes, signal) => sendBytes!(key, data, { onBytes, signal });
    } else if (remote.checksWhileCopying) {
      // The adapter hashes the object in the pass that copies it: one read instead of two.
      const known = sizeOfCacheFile(path);
      if (known === undefined) throw missingForPush(oid);
      size = known;
      const expect = { oid, algo: store.algo, source: 'the cache' };
      send = (onBytes, signal) => put(key, path, { onBytes, signal, expect });
    } else {
      const measured = await store.measure(oid); // verifies the local copy and gives its size in one read
      if (measured === undefined) throw missingForPush(oid);
      if (measured.actual !== oid) throw new CorruptObjectError(oid, 'the cache', measured.actual);
      size = measured.size;
      send = (onBytes, signal) => put(key, path, { onBytes, signal });
    }
    await runner.retrying(oid, send);
    summary.transferred++;
    summary.bytes += size;
  };

  try {
    await runner.run(toSendFiles, uploadOne, fail);
    await deferred?.flush();
    for (const level of levels) {
      // A tree goes up only when everything it names made it; otherwise it waits for the next push.
      const ready = level.filter((tree) => {
        const blocker = names.get(tree)?.find((o) => failedOids.has(o));
        if (blocker) {
          fail(tree, new MlvError('TREE_HELD_BACK', `tree ${tree} was not uploaded because object ${blocker} it names failed`, {
            hint: 'fix the failure above and push again',
            details: { oid: tree, blocker },
          }));
          ticker.tick();
        }
        return !blocker;
      });
      await runner.run(ready, uploadOne, fail);
      await deferred?.flush();
    }
  } catch (err) {
    await deferred?.discard();
    throw err;
  } finally {
    ticker.end();
  }
  return summary;
}

/**
 * Downloads `oids` from `remote` into the cache, verifying each before it lands. Objects already in the
 * cache are skipped; an object whose bytes do not match its oid is reported and not placed.
 */
export async function downloadObjects(
  store: ObjectStore,
  remote: RemoteStore,
  oids: Iterable<string>,
  opts: DownloadOptions = {},
): Promise<TransferSummary> {
  const reporter = opts.reporter ?? silentReporter;
  const wanted = [...new Set(oids)];
  const present = await store.presentSet(wanted);
  let todo = wanted.filter((o) => !present.has(o));
  const summary: TransferSummary = { transferred: 0, bytes: 0, skipped: present.size, failed: [] };
  let totalBytes: number | undefined;
  if (opts.sizeOf) {
    // Big objects first: each is copied by the kernel (or streamed) while the other jobs bring the many
    // small ones, instead of one long copy left at the end with nothing beside it.
    totalBytes = 0;
    const big: string[] = [];
    const small: string[] = [];
    for (const oid of todo) {
      const size = opts.sizeOf(oid) ?? 0;
      totalBytes += size;
      (size > SMALL_OBJECT ? big : small).push(oid);
    }
    todo = big.concat(small);
  }
  const ticker = new ProgressTicker(reporter, 'downloading', todo.length, totalBytes);
  const runner = new Runner(remote, opts, ticker);
  const source = `remote '${remote.name}'`;
  await warmHasher(store.algo);
  const downloadOne = async (oid: string) => {
    const key = objectKey(oid);
    const expected = opts.sizeOf?.(oid);
    if (remote.getBytes && expected !== undefined && expected <= SMALL_OBJECT) {
      // Small objects whose size is known: downloaded into memory, checked, then written once.
      let data: Buffer | null = null;
      await runner.retrying(oid, async (onBytes, signal) => {
        data = await remote.getBytes!(key, expected, { onBytes, signal });
      });
      if (data !== null) {
        const bytes: Buffer = data;
        const actual = store.oid(hashBytesSync(store.algo, bytes));
        if (actual !== oid) throw new CorruptObjectError(oid, source, actual);
        store.addBytesSync(bytes, hexOf(oid), batch, true); // `todo` holds only objects the cache lacks
        if (opts.keepSmallForCheckout) store.keepVerifiedBytes(oid, bytes);
        await batch.maybeFlush();
        summary.transferred++;
        summary.bytes += bytes.length;
        return;
      }
      // bigger than its pointer says: fetched to a file below, where the check reports it
    }
    const tmp = store.newTempPath();
    const expect = remote.checksWhileCopying ? { oid, algo: store.algo, source } : undefined;
    await runner.retrying(oid, (onBytes, signal) => remote.get(key, tmp, { onBytes, signal, expect }), tmp);
    const { size } = await store.importVerified(tmp, oid, source, batch, expect !== undefined);
    summary.transferred++;
    summary.bytes += size;
  };
  const batch = store.batch();
  try {
    await runner.run(todo, downloadOne, (oid, error) => summary.failed.push({ oid, error }));
    await batch.flush();
  } catch (err) {
    await batch.discard();
    throw err;
  } finally {
    ticker.end();
  }
  return summary;
}

/** A cache object's bytes when it is small, null when it is big, undefined when it is absent. */
function readSmallObject(path: string): Buffer | null | undefined {
  try {
    return readWholeIfSmall(path, SMALL_OBJECT);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw systemError(err, 'reading cache object', path);
  }
}

function sizeOfCacheFile(path: string): number | undefined {
  try {
    return statSync(path).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw systemError(err, 'reading cache object', path);
  }
}

function missingForPush(oid: string): MlvError {
  return new MlvError('OBJECT_MISSING', `object ${oid} is not in the cache, so it cannot be pushed`, {
    hint: 'run `mlv add` on its data again (or `mlv pull` it from another remote), then push',
    details: { oid },
  });
}

/** Orders a flat list or groups into file objects and trees. */
function splitGroups(oids: Iterable<string> | ObjectGroups, isTree?: (oid: string) => boolean): { files: string[]; trees: string[] } {
  if (isGroups(oids)) {
    const trees = [...new Set(oids.trees)];
    const treeSet = new Set(trees);
    return { files: [...new Set(oids.files)].filter((o) => !treeSet.has(o)), trees };
  }
  const unique = [...new Set(oids)];
  if (!isTree) return { files: unique, trees: [] };
  return { files: unique.filter((o) => !isTree(o)), trees: unique.filter((o) => isTree(o)) };
}

function isGroups(value: Iterable<string> | ObjectGroups): value is ObjectGroups {
  return typeof (value as ObjectGroups).files === 'object' && typeof (value as ObjectGroups).trees === 'object';
}

/**
 * Reads the trees to upload from the cache and sorts them into levels: a tree's subtrees (those in this
 * upload) sit in an earlier level. Also returns, per tree, every oid it names, to hold a tree back when
 * one of them failed. A tree that cannot be read or parsed is returned as a failure.
 */
async function planTrees(
  store: ObjectStore,
  trees: string[],
): Promise<{ levels: string[][]; names: Map<string, string[]>; unreadable: Map<string, MlvError> }> {
  const names = new Map<string, string[]>();
  const subtrees = new Map<string, string[]>();
  const unreadable = new Map<string, MlvError>();
  const inUpload = new Set(trees);
  for (const tree of trees) {
    try {
      const entries = parseTree(await store.readVerified(tree), tree, hexLength(store.algo));
      const named = entries.map((e) => store.oid(e.hex));
      names.set(tree, named);
      subtrees.set(tree, entries.filter((e) => e.type === 'd').map((e) => store.oid(e.hex)).filter((o) => inUpload.has(o)));
    } catch (err) {
      unreadable.set(tree, err instanceof MlvError ? err : new MlvError('TREE_INVALID', `tree ${tree} in the cache cannot be read: ${(err as Error).message}`, { details: { oid: tree } }));
    }
  }
  const depth = new Map<string, number>();
  const depthOf = (tree: string, seen: Set<string>): number => {
    const known = depth.get(tree);
    if (known !== undefined) return known;
    if (seen.has(tree)) return 0; // a cycle cannot occur with content addressing; guard anyway
    seen.add(tree);
    const d = Math.max(-1, ...(subtrees.get(tree) ?? []).map((t) => depthOf(t, seen))) + 1;
    depth.set(tree, d);
    return d;
  };
  const levels: string[][] = [];
  for (const tree of trees) {
    if (unreadable.has(tree)) continue;
    const d = depthOf(tree, new Set());
    (levels[d] ??= []).push(tree);
  }
  return { levels: levels.filter(Boolean), names, unreadable };
}

/**
 * Runs object transfers with bounded concurrency, retries and failure collection. A remote-wide error
 * stops new work and is rethrown once the transfers already running have settled.
 */
class Runner {
  private readonly jobs: number;
  private readonly retries: number;
  private readonly backoffMs: number;
  private fatal: MlvError | undefined;

  constructor(
    remote: RemoteStore,
    private readonly opts: TransferRunOptions,
    private readonly ticker: ProgressTicker,
  ) {
    const kindDefault = (remote as { defaultJobs?: number }).defaultJobs;
    this.jobs = Math.max(1, Math.floor(opts.jobs ?? kindDefault ?? 4));
    this.retries = opts.retries ?? 4;
    this.backoffMs = opts.backoffMs ?? 250;
  }

  async run(oids: string[], task: (oid: string) => Promise<void>, fail: (oid: string, error: MlvError) => void): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < oids.length && !this.fatal) {
        if (this.opts.signal?.aborted) {
          this.fatal = abortedError();
          break;
        }
        const oid = oids[next++]!;
        try {
          await task(oid);
        } catch (err) {
          const error = asMlvError(err, oid);
          if (error.code === 'ABORTED' || (error instanceof RemoteError && error.remoteWide)) {
            this.fatal ??= error;
            break;
          }
          fail(oid, error);
        }
        this.ticker.tick();
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.jobs, oids.length) }, worker));
    if (this.fatal) throw this.fatal;
  }

  /**
   * Calls `attempt` until it succeeds, retrying transient failures with exponential backoff and jitter.
   * `tmp` (a download target) is removed after a failed final attempt.
   */
  async retrying(
    oid: string,
    attempt: (onBytes: (n: number) => void, signal?: AbortSignal) => Promise<void>,
    tmp?: string,
  ): Promise<void> {
    const onBytes = (n: number) => this.ticker.addBytes(n);
    for (let i = 0; ; i++) {
      try {
        await attempt(onBytes, this.opts.signal);
        return;
      } catch (err) {
        if (i >= this.retries || !isTransient(err) || this.opts.signal?.aborted) {
          if (tmp) await rm(tmp, { force: true }).catch(() => undefined);
          throw asMlvError(err, oid);
        }
        const delay = Math.min(MAX_BACKOFF_MS, this.backoffMs * 2 ** i) * (0.5 + Math.random());
        await sleep(delay, this.opts.signal);
      }
    }
  }
}


function isTransient(err: unknown): boolean {
  if (err instanceof RemoteError) return err.transient;
  if (err instanceof MlvError) return false;
  return isTransientNetworkError(err);
}

function asMlvError(err: unknown, oid: string): MlvError {
  if (err instanceof MlvError) return err;
  return new MlvError('TRANSFER_FAILED', `object ${oid}: ${(err as Error)?.message ?? String(err)}`, { cause: err, details: { oid } });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
