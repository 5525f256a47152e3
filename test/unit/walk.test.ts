import { execFileSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nativeHelper, SCAN_FIELDS } from '../../src/core/native.js';
import { scanFingerprint, walkDir, walkJs, type WalkResult } from '../../src/core/workspace/walk.js';
import { prefetchFingerprints } from '../../src/core/workspace/prefetch.js';
import { tempDir } from '../helpers/repo.js';

const native = nativeHelper();
if (!native) {
  // CI builds the helper (MLV_REQUIRE_NATIVE=1 in .ci/run); elsewhere mlv falls back to the JS walk.
  console.log('walk.test: the native helper is not built (npm install builds it with node-gyp); native checks skipped');
}

/** A folder with every kind of entry a walk must tell apart. */
function tricky(): string {
  const dir = tempDir('mlv-walk-');
  const files: Record<string, string> = {
    'a.txt': 'a',
    'empty.bin': '',
    'sub/b.txt': 'bb',
    'sub/deeper/c.txt': 'ccc',
    'ünï cødé/ß p a c e s.txt': 'unicode',
    'Z-upper.txt': 'z',
    'run.sh': '#!/bin/sh\n',
  };
  for (const [rel, body] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), body);
  }
  chmodSync(join(dir, 'run.sh'), 0o755);
  mkdirSync(join(dir, 'empty-dir'));
  mkdirSync(join(dir, 'bad\tdir'));
  writeFileSync(join(dir, 'bad\tdir/inside.txt'), 'not listed: its folder cannot be stored');
  writeFileSync(join(dir, 'new\nline.txt'), 'x');
  symlinkSync('a.txt', join(dir, 'link-to-a'));
  execFileSync('mkfifo', [join(dir, 'sub/pipe')]);
  return dir;
}

/** A walk as plain sorted data (Maps and stat objects compared by their fields). */
function plain(w: WalkResult) {
  const stat = (s: { dev: number; ino: number; mtimeMs: number; size: number; mode: number; nlink: number }) => [s.dev, s.ino, s.mtimeMs, s.size, s.mode, s.nlink];
  return {
    files: [...w.files].map(([k, s]) => [k, stat(s)]).sort(),
    known: [...w.known].sort(),
    dirs: [...w.dirs].sort(),
    symlinks: [...w.symlinks].sort(),
    badNames: [...w.badNames].sort((x, y) => (x.path < y.path ? -1 : 1)),
    special: [...w.special].sort(),
    cacheLinks: [...w.cacheLinks.keys()].sort(),
  };
}

describe('folder walk', () => {
  it('the JavaScript walk sorts every kind of entry', () => {
    const w = plain(walkJs(tricky()));
    expect(w.files.map(([k]) => k)).toEqual(['Z-upper.txt', 'a.txt', 'empty.bin', 'run.sh', 'sub/b.txt', 'sub/deeper/c.txt', 'ünï cødé/ß p a c e s.txt']);
    expect(w.dirs).toEqual(['empty-dir', 'sub', 'sub/deeper', 'ünï cødé']);
    expect(w.symlinks).toEqual(['link-to-a']);
    expect(w.special).toEqual(['sub/pipe']);
    expect(w.badNames.map((b) => b.path)).toEqual(['bad\tdir', 'new\nline.txt']);
  });

  it.skipIf(!native)('the native walk finds exactly what the JavaScript walk finds, with the same stat numbers', () => {
    const dir = tricky();
    const seen: string[] = [];
    const known = (rel: string) => (rel.endsWith('b.txt') ? (seen.push(rel), { hex: 'ab'.repeat(16), size: 2, exec: false }) : undefined);
    const viaNative = walkDir(dir, { known });
    expect(plain(viaNative)).toEqual(plain(walkJs(dir, { known })));
    expect(seen).toEqual(['sub/b.txt', 'sub/b.txt']);
    // The numbers match fs.lstatSync's exactly (the stat index compares them with ===).
    const st = lstatSync(join(dir, 'run.sh'));
    const mine = viaNative.files.get('run.sh')!;
    expect([mine.dev, mine.ino, mine.mtimeMs, mine.size, mine.mode, mine.nlink]).toEqual([st.dev, st.ino, st.mtimeMs, st.size, st.mode, st.nlink]);
  });

  it.skipIf(!native)('the native scan lists a folder before its contents, names in byte order, and fails like fs on a missing folder', () => {
    const dir = tricky();
    const scan = native!.scanTree(dir);
    expect(scan.stats.length).toBe(scan.paths.length * SCAN_FIELDS);
    expect(scan.paths.indexOf('sub')).toBeLessThan(scan.paths.indexOf('sub/b.txt'));
    const top = scan.paths.filter((p) => !p.includes('/'));
    expect(top).toEqual([...top].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    const missing = join(dir, 'no-such-folder');
    expect(() => native!.scanTree(missing)).toThrow(expect.objectContaining({ code: 'ENOENT', path: missing }));
    rmSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'sub'), 'now a file');
    expect(() => native!.scanTree(join(dir, 'sub'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
  });

  it.skipIf(!native)('a folder fingerprint changes with every change a tree or the stat index would see, and only then', async () => {
    const dir = tempDir('mlv-fp-');
    mkdirSync(join(dir, 'sub/deeper'), { recursive: true });
    writeFileSync(join(dir, 'a.txt'), 'aaaa');
    writeFileSync(join(dir, 'sub/b.txt'), 'bbbb');
    writeFileSync(join(dir, 'sub/deeper/c.txt'), 'cccc');
    const T = Math.floor(Date.now() / 1000) - 100;
    utimesSync(join(dir, 'sub/b.txt'), T, T);
    const first = await scanFingerprint(dir);
    expect(first).toBeDefined();
    expect(first!.maxMtimeMs).toBe(Math.max(...['a.txt', 'sub/b.txt', 'sub/deeper/c.txt'].map((f) => lstatSync(join(dir, f)).mtimeMs)));
    // The same on a rescan, from the sync scan, from a prefetched scan and from a full walk.
    expect(await scanFingerprint(dir)).toEqual(first);
    expect(walkDir(dir).fingerprint).toEqual(first);
    prefetchFingerprints([dir]);
    expect(await scanFingerprint(dir)).toEqual(first);

    const seen = new Set([first!.digest]);
    const changes: [string, () => void][] = [
      ['same size, new bytes and mtime', () => writeFileSync(join(dir, 'sub/b.txt'), 'BBBB')],
      ['mtime alone', () => utimesSync(join(dir, 'sub/b.txt'), T - 5, T - 5)],
      ['exec bit', () => chmodSync(join(dir, 'a.txt'), 0o755)],
      ['size', () => writeFileSync(join(dir, 'sub/deeper/c.txt'), 'ccccc')],
      ['a new empty folder', () => mkdirSync(join(dir, 'sub/empty'))],
      ['a rename', () => renameSync(join(dir, 'a.txt'), join(dir, 'a2.txt'))],
      ['a new file', () => writeFileSync(join(dir, 'sub/new.txt'), '')],
      ['a deletion', () => rmSync(join(dir, 'sub/deeper/c.txt'))],
      ['a file replaced by a copy (new inode)', () => {
        writeFileSync(join(dir, 'copy.tmp'), 'BBBB');
        utimesSync(join(dir, 'copy.tmp'), T - 5, T - 5);
        renameSync(join(dir, 'copy.tmp'), join(dir, 'sub/b.txt'));
      }],
    ];
    for (const [what, change] of changes) {
      change();
      const fp = await scanFingerprint(dir);
      expect(fp, what).toBeDefined();
      expect(seen.has(fp!.digest), what).toBe(false);
      seen.add(fp!.digest);
    }
  });

  it.skipIf(!native)('a folder holding links, pipes or unstorable names has no fingerprint; a missing one rejects', async () => {
    const dir = tempDir('mlv-fp-');
    writeFileSync(join(dir, 'a.txt'), 'a');
    expect(await scanFingerprint(dir)).toBeDefined();
    symlinkSync('a.txt', join(dir, 'link'));
    expect(await scanFingerprint(dir)).toBeUndefined();
    expect(walkDir(dir).fingerprint).toBeUndefined();
    rmSync(join(dir, 'link'));
    writeFileSync(join(dir, 'tab\there.txt'), 'x');
    expect(await scanFingerprint(dir)).toBeUndefined();
    rmSync(join(dir, 'tab\there.txt'));
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    expect(await scanFingerprint(dir)).toBeUndefined();
    const missing = join(dir, 'gone');
    await expect(scanFingerprint(missing)).rejects.toMatchObject({ code: 'ENOENT', path: missing });
    prefetchFingerprints([missing]); // a prefetch that fails is not an unhandled rejection; the taker gets the error
    await expect(scanFingerprint(missing)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
