/**
 * One interface for every kind of remote (DESIGN §7). Keys are store-relative object paths exactly as in
 * the local cache: `objects/<algo>/<hex[0:2]>/<hex[2:]>` (see `objectKey` in objects/oid.ts). Adapters live
 * one per file beside this one and are loaded only when their kind is used.
 *
 * Contract (checked by test/contract):
 *  - `put` is atomic from a reader's point of view: the object appears whole or not at all (temp name +
 *    rename, or a single PUT / completed multipart upload). Re-putting an existing key is harmless.
 *  - `get` writes the bytes to `localPath` (a temp file chosen by the caller); it does not verify — the
 *    caller rehashes before placing the object in the cache.
 *  - `hasMany` answers for a batch of keys (adapters choose stat/HEAD per key or a prefix listing).
 *  - Errors are MlvErrors naming the remote and the key; secrets never appear in messages.
 */
import type { HashAlgo } from '../objects/oid.js';

export interface RemoteObjectInfo {
  key: string;
  size: number;
  /** Last-modified time in ms since the epoch, when the store reports it. */
  mtimeMs?: number;
}

export interface TransferOptions {
  /** Called with the number of bytes moved since the last call. */
  onBytes?: (n: number) => void;
  signal?: AbortSignal;
  /**
   * What the bytes must hash to. Only adapters with `checksWhileCopying` look at it: they hash the bytes
   * in the same pass that copies them and, on a mismatch, throw a CorruptObjectError naming `source` and
   * leave nothing behind (no object on the remote; for `get`, no file at `localPath`).
   */
  expect?: { oid: string; algo: HashAlgo; source: string };
}

/**
 * Puts whose durability and visibility are deferred to `flush`: each object is written under a temp
 * name, and `flush` makes all of them durable with one file-system sync before renaming them into place.
 * For stores where a per-object fsync dominates (a folder of 20,000 small objects).
 */
export interface DeferredPuts {
  put(key: string, localPath: string, opts?: TransferOptions): Promise<void>;
  /** Syncs and publishes every deferred put; after it resolves they are visible and durable. */
  flush(): Promise<void>;
  /** Drops unpublished temp files. */
  discard(): Promise<void>;
  /** Optional: like `put`, for a small object the engine has already read (and verified) in memory. */
  putBytes?(key: string, data: Uint8Array, opts?: TransferOptions): Promise<void>;
}

export interface RemoteStore {
  /**
   * True when `put` and `get` check `opts.expect` while copying (a folder remote: the bytes pass through
   * this process anyway), so the engine need not read the object a second time to verify it.
   */
  readonly checksWhileCopying?: boolean;
  /** The remote's configured name (for messages). */
  readonly name: string;
  /** The remote's URL without credentials (for messages). */
  readonly url: string;
  /** Which of `keys` exist on the remote. */
  hasMany(keys: string[]): Promise<Set<string>>;
  /** Size and mtime of one key, or undefined when absent. */
  stat(key: string): Promise<RemoteObjectInfo | undefined>;
  /** Uploads the file at `localPath` as `key`. */
  put(key: string, localPath: string, opts?: TransferOptions): Promise<void>;
  /** Downloads `key` into `localPath` (overwriting it). */
  get(key: string, localPath: string, opts?: TransferOptions): Promise<void>;
  /** Every key under `prefix` (e.g. 'objects/xxh128/'). */
  list(prefix: string): AsyncIterable<RemoteObjectInfo>;
  /** Deletes `key`; deleting an absent key is not an error. */
  delete(key: string): Promise<void>;
  /** Releases connections. */
  close(): Promise<void>;
  /** Optional batching of small puts (see DeferredPuts); the transfer engine uses it when offered. */
  deferredPuts?(): DeferredPuts;
  /**
   * Optional fast path for small objects (at most `SMALL_OBJECT` bytes, read or verified whole in memory
   * by the engine): saves a temp file and a second read per object. Same atomicity as `put`.
   */
  putBytes?(key: string, data: Uint8Array, opts?: TransferOptions): Promise<void>;
  /**
   * Optional: downloads a small object into memory (the caller verifies it before it lands), or answers
   * null, having read nothing, when the object is bigger than `maxBytes` (the caller then uses `get`).
   */
  getBytes?(key: string, maxBytes: number, opts?: TransferOptions): Promise<Buffer | null>;
  /**
   * Optional, for stores whose objects can be read where they lie (a folder): hashes `key` with `algo`
   * without copying it anywhere, for `remote verify`. Kinds without it are verified through a download.
   */
  hashInPlace?(key: string, algo: HashAlgo, opts?: TransferOptions): Promise<{ hex: string; size: number }>;
}
