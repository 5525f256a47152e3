/**
 * Reading the stat index file (stat-index.ts) up to its first line, without parsing the columns after
 * it: shared by StatIndex and by the start-up prefetch (prefetch.ts), which must stay small.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';

export const STAT_INDEX_FILE = 'stat-index.json';

/** A tracked path's state: [fingerprint digest, newest file mtime, content hex] (see stat-index.ts). */
export type State = [digest: string, maxMtimeMs: number, hex: string];

/** The digest of a tracked file's state starts with this; a folder's is a base64 hash. */
export const FILE_STATE_PREFIX = 'f:';

/** The states recorded in an index's first line (version 3; none in older ones). */
export function statesOf(first: Record<string, unknown>): Record<string, State> {
  return first.version === 3 && first.states && typeof first.states === 'object' ? (first.states as Record<string, State>) : {};
}

/** Whether a state is a folder's (a scan fingerprint) rather than a tracked file's. */
export const isFolderState = (s: State): boolean => !String(s[0]).startsWith(FILE_STATE_PREFIX);

/** The first line of the index at `file`, parsed, reading no more of the file than it needs. Throws like openStatIndexFile. */
export function readStatIndexHeader(file: string): Record<string, unknown> {
  return openStatIndexFile(file).first;
}

/**
 * The first line of the index at `file` parsed (for versions 1 and 2, the whole file), and the file's
 * mtime. Only the first line is read now: `rest()` reads the bytes after it when
 * they are needed — from the same file only (same inode, size and mtime; else undefined, as for a
 * missing index: it only costs rehashing). For `status`, which rarely needs them, of a 100k-file index.
 * Throws when the file is missing or its first line is not JSON.
 */
export function openStatIndexFile(file: string): { first: Record<string, unknown>; rest: () => Buffer | undefined; mtimeMs: number } {
  const fd = openSync(file, 'r');
  let st;
  let chunk = Buffer.allocUnsafe(64 * 1024);
  let n: number;
  try {
    st = fstatSync(fd);
    n = readSync(fd, chunk, 0, chunk.length, 0);
  } finally {
    closeSync(fd);
  }
  let newline = chunk.subarray(0, n).indexOf(10);
  if (newline < 0 && n === chunk.length) {
    chunk = readFileSync(file); // a first line longer than the chunk (or a one-line version 1/2 file)
    n = chunk.length;
    newline = chunk.indexOf(10);
  }
  const first = JSON.parse(chunk.toString('utf8', 0, newline < 0 ? n : newline)) as Record<string, unknown>;
  const { ino, size, mtimeMs } = st;
  const offset = newline + 1;
  const rest = (): Buffer | undefined => {
    if (newline < 0) return undefined;
    if (n === size) return chunk.subarray(offset, n); // all of it was read already
    const again = openSync(file, 'r');
    try {
      const now = fstatSync(again);
      if (now.ino !== ino || now.size !== size || now.mtimeMs !== mtimeMs) return undefined; // replaced since
      const bytes = Buffer.allocUnsafe(size - offset);
      let at = 0;
      while (at < bytes.length) {
        const got = readSync(again, bytes, at, bytes.length - at, offset + at);
        if (got === 0) return undefined;
        at += got;
      }
      return bytes;
    } finally {
      closeSync(again);
    }
  };
  return { first, rest, mtimeMs };
}
