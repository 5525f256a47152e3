/**
 * Reading the stat index file (stat-index.ts) up to its first line, without parsing the columns after
 * it: shared by StatIndex and by the start-up prefetch (prefetch.ts), which must stay small.
 */
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';

export const STAT_INDEX_FILE = 'stat-index.json';

/** The digest of a tracked file's state starts with this; a folder's is a base64 hash. */
export const FILE_STATE_PREFIX = 'f:';

/**
 * The first line of the index at `file` parsed (for versions 1 and 2, the whole file), the bytes after
 * it, and the file's mtime. Throws when the file is missing or its first line is not JSON.
 */
export function readStatIndexFile(file: string): { first: Record<string, unknown>; rest: Buffer | undefined; mtimeMs: number } {
  const mtimeMs = statSync(file).mtimeMs;
  const bytes = readFileSync(file);
  const newline = bytes.indexOf(10);
  const first = JSON.parse(bytes.toString('utf8', 0, newline < 0 ? bytes.length : newline)) as Record<string, unknown>;
  return { first, rest: newline < 0 ? undefined : bytes.subarray(newline + 1), mtimeMs };
}

/** The first line of the index at `file`, parsed, reading no more of the file than it needs. Throws like readStatIndexFile. */
export function readStatIndexHeader(file: string): Record<string, unknown> {
  const fd = openSync(file, 'r');
  try {
    const chunk = Buffer.allocUnsafe(64 * 1024);
    const n = readSync(fd, chunk, 0, chunk.length, 0);
    const newline = chunk.subarray(0, n).indexOf(10);
    if (newline >= 0) return JSON.parse(chunk.toString('utf8', 0, newline)) as Record<string, unknown>;
  } finally {
    closeSync(fd);
  }
  return readStatIndexFile(file).first; // a header longer than the chunk
}
