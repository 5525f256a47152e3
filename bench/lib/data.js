// Test data: a big random file and a folder of many small random files, written fast (AES-CTR keystream,
// so every file is distinct and incompressible) and deterministically from a seed.
import { createCipheriv, createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const MiB = 1 << 20;
export const FILES_PER_DIR = 1000;

function keystream(seed) {
  const key = createHash('sha256').update(String(seed)).digest().subarray(0, 16);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  return (n) => cipher.update(Buffer.alloc(n));
}

/** Write `mib` MiB of random bytes to `file`. */
export function writeBigFile(file, mib, seed = 'big') {
  const next = keystream(seed);
  const fd = openSync(file, 'w');
  try {
    let left = mib * MiB;
    while (left > 0) {
      const n = Math.min(left, 8 * MiB);
      const buf = next(n);
      let off = 0;
      while (off < n) off += writeSync(fd, buf, off, n - off);
      left -= n;
    }
  } finally {
    closeSync(fd);
  }
}

/** Write `count` files of `size` bytes under `dir`, FILES_PER_DIR per sub-folder (d000/f0000000.bin …). */
export function writeFolder(dir, count, size = 4096, seed = 'folder') {
  const next = keystream(seed);
  mkdirSync(dir, { recursive: true });
  for (let start = 0, d = 0; start < count; start += FILES_PER_DIR, d++) {
    const sub = join(dir, `d${String(d).padStart(3, '0')}`);
    mkdirSync(sub);
    const n = Math.min(FILES_PER_DIR, count - start);
    const buf = next(n * size);
    for (let i = 0; i < n; i++) {
      writeFileSync(join(sub, `f${String(start + i).padStart(7, '0')}.bin`), buf.subarray(i * size, (i + 1) * size));
    }
  }
}

/** Read every file under `path` once so the page cache is warm. Returns { files, bytes }. */
export function warm(path) {
  const buf = Buffer.allocUnsafe(8 * MiB);
  let files = 0;
  let bytes = 0;
  const visit = (p, isDir) => {
    if (isDir) {
      for (const e of readdirSync(p, { withFileTypes: true })) {
        if (e.isDirectory()) visit(join(p, e.name), true);
        else if (e.isFile()) visit(join(p, e.name), false);
      }
      return;
    }
    const fd = openSync(p, 'r');
    try {
      let n;
      while ((n = readSync(fd, buf, 0, buf.length, null)) > 0) bytes += n;
    } finally {
      closeSync(fd);
    }
    files++;
  };
  let isDir = false;
  try {
    readdirSync(path);
    isDir = true;
  } catch {
    isDir = false;
  }
  visit(path, isDir);
  return { files, bytes };
}

/** Count regular files and bytes under `path` without reading them (for checking a restore). */
export function countFiles(path) {
  let files = 0;
  const visit = (p) => {
    for (const e of readdirSync(p, { withFileTypes: true })) {
      if (e.isDirectory()) visit(join(p, e.name));
      else files++;
    }
  };
  visit(path);
  return files;
}
