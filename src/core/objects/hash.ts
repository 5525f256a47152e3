/**
 * Streaming hashing with the repo's algorithm. XXH3-128 comes from hash-wasm (DESIGN §1), sha256 from
 * node:crypto. Raw bytes are hashed, never normalised, so `xxhsum -H2 FILE` / `sha256sum FILE` print the
 * same hex as mlv.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createXXHash128, type IHasher } from 'hash-wasm';
import type { HashAlgo } from './oid.js';

export interface Hasher {
  update(data: Uint8Array): void;
  /** Lowercase hex digest; the hasher must not be used afterwards (release it to the pool). */
  digestHex(): string;
}

// hash-wasm caches its compiled WASM module, so a new hasher is cheap; finished ones are pooled anyway.
const xxhPool: IHasher[] = [];

/** Returns an initialised hasher. Call `releaseHasher` when done so the next file reuses it. */
export async function acquireHasher(algo: HashAlgo): Promise<Hasher> {
  if (algo === 'sha256') {
    const h = createHash('sha256');
    return { update: (d) => void h.update(d), digestHex: () => h.digest('hex') };
  }
  const inner = xxhPool.pop() ?? (await createXXHash128());
  inner.init();
  return new XxhHasher(inner);
}

class XxhHasher implements Hasher {
  constructor(readonly inner: IHasher) {}
  update(data: Uint8Array): void {
    this.inner.update(data);
  }
  digestHex(): string {
    const hex = this.inner.digest('hex');
    xxhPool.push(this.inner);
    return hex;
  }
}

/** Hashes a whole in-memory buffer. */
export async function hashBytes(algo: HashAlgo, data: Uint8Array): Promise<string> {
  const h = await acquireHasher(algo);
  h.update(data);
  return h.digestHex();
}

/**
 * The hasher of `hashBytesSync`, kept apart from the pool: pooled hashers are held across awaits by
 * streaming hashes (a big file being copied), and a synchronous hash must never find the pool empty.
 */
let syncXxh: IHasher | undefined;

/** Make sure a WASM hasher is ready so that synchronous hashing can be used afterwards. */
export async function warmHasher(algo: HashAlgo): Promise<void> {
  if (algo === 'xxh128') syncXxh ??= await createXXHash128();
}

/** Synchronous one-shot hash (requires `warmHasher` to have run for xxh128). */
export function hashBytesSync(algo: HashAlgo, data: Uint8Array): string {
  if (algo === 'sha256') return createHash('sha256').update(data).digest('hex');
  if (!syncXxh) throw new Error('hashBytesSync called before warmHasher');
  syncXxh.init();
  syncXxh.update(data);
  return syncXxh.digest('hex');
}

export const CHUNK_SIZE = 1 << 20;

/**
 * Reusable I/O buffers. Allocating a fresh 1–4 MiB buffer per file made pulling 20,000 small files
 * spend most of its time in garbage collection; concurrent transfers each borrow one and give it back.
 */
const bufferPool = new Map<number, Buffer[]>();

export function borrowBuffer(size: number): Buffer {
  return bufferPool.get(size)?.pop() ?? Buffer.allocUnsafe(size);
}

export function returnBuffer(buf: Buffer): void {
  let list = bufferPool.get(buf.length);
  if (!list) bufferPool.set(buf.length, (list = []));
  if (list.length < 16) list.push(buf);
}

/**
 * Streams a file through the hasher with two fixed-size buffers (no whole-file buffers): the next chunk
 * is read by the thread pool while the current one is hashed, so reading and hashing overlap.
 */
export async function hashFile(
  algo: HashAlgo,
  path: string,
  onBytes?: (n: number) => void,
): Promise<{ hex: string; size: number }> {
  const fh = await open(path, 'r');
  const h = await acquireHasher(algo);
  let size = 0;
  const bufs = [borrowBuffer(HASH_CHUNK), borrowBuffer(HASH_CHUNK)] as const;
  let which = 0;
  let pending: Promise<{ bytesRead: number }> = fh.read(bufs[0], 0, HASH_CHUNK, 0);
  try {
    for (;;) {
      const { bytesRead } = await pending;
      if (bytesRead === 0) break;
      const current = bufs[which]!;
      size += bytesRead;
      which ^= 1;
      pending = fh.read(bufs[which]!, 0, HASH_CHUNK, size);
      h.update(current.subarray(0, bytesRead));
      onBytes?.(bytesRead);
    }
  } catch (err) {
    h.digestHex();
    throw err;
  } finally {
    await pending.catch(() => undefined); // never hand back a buffer a read is still filling
    returnBuffer(bufs[0]);
    returnBuffer(bufs[1]);
    await fh.close();
  }
  return { hex: h.digestHex(), size };
}

const HASH_CHUNK = 2 * CHUNK_SIZE;

/** One buffer for `readSmallFileSync`: the small-file loops are synchronous, so it is never shared. */
let smallReadBuffer: Buffer | undefined;

/**
 * Reads a small file into a shared buffer and returns a view of it that is valid only until the next
 * call. Used by synchronous loops over tens of thousands of small files (hash → write elsewhere), where a
 * fresh Buffer per file left hundreds of MB of garbage (and RSS) behind on 100k-file folders.
 * Files larger than `SMALL_READ_LIMIT` are read into a buffer of their own. `expectedSize`: the size the
 * caller knows the file has and will check by its hash — never a size from an earlier `stat` of a file
 * that may have grown since (a workspace file would then be recorded short).
 */
export const SMALL_READ_LIMIT = 1 << 20;

export function readSmallFileSync(path: string, expectedSize?: number): Buffer {
  smallReadBuffer ??= Buffer.allocUnsafe(SMALL_READ_LIMIT + 1);
  const buf = smallReadBuffer;
  const fd = openSync(path, 'r');
  let off = 0;
  try {
    for (;;) {
      const n = readSync(fd, buf, off, buf.length - off, null);
      if (n === 0) break;
      off += n;
      if (off === buf.length) return readFileSync(path); // bigger than expected: its own buffer
      // With the size known (a cache object named by a tree), a read that returns just that many bytes
      // of the more asked for is the end: one read instead of a second one that finds the end (~5 µs a
      // file here). A shorter read goes on (network and FUSE file systems may return less); a longer
      // file is read whole, and fails its hash check.
      if (off === expectedSize) break;
    }
  } finally {
    closeSync(fd);
  }
  return buf.subarray(0, off);
}

/**
 * Reads a file into a buffer of its own when it holds at most `limit` bytes; returns null (having read
 * nothing) when it is bigger. Synchronous: open, fstat, read, close, with no thread-pool round trips —
 * for loops over many small objects whose bytes then go elsewhere (an upload) after a hash check.
 */
export function readWholeIfSmall(path: string, limit: number): Buffer | null {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size > limit) return null;
    const buf = Buffer.allocUnsafe(size);
    let off = 0;
    while (off < size) {
      const n = readSync(fd, buf, off, size - off, null);
      if (n === 0) return buf.subarray(0, off); // shrank while being read: the caller's hash check tells
      off += n;
    }
    return buf;
  } finally {
    closeSync(fd);
  }
}
