/** checkout, remove, unprotect and cache verify through the library API on real Git repos. */
import { appendFileSync, chmodSync, lstatSync, readFileSync, readlinkSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { add } from '../../src/core/api/add.js';
import { cacheVerify } from '../../src/core/api/cache-verify.js';
import { checkout } from '../../src/core/api/checkout.js';
import { commit } from '../../src/core/api/commit.js';
import { remove } from '../../src/core/api/remove.js';
import { status } from '../../src/core/api/status.js';
import { unprotect } from '../../src/core/api/unprotect.js';
import { MlvError } from '../../src/core/errors.js';
import { TEMP_HOST } from '../../src/core/objects/store.js';
import { hashFile } from '../../src/core/objects/hash.js';
import { parsePointer } from '../../src/core/objects/pointer.js';
import { mlv, show } from '../helpers/cli.js';
import { bytes, cacheObjects, exists, fingerprint, git, listFiles, makeRepo, mode, read, readStatIndexFile, readText, repoAt, sha256, writeFiles } from '../helpers/repo.js';

const objPath = (root: string, oid: string, cache = join(root, '.mlv/cache')) => {
  const [algo, hex] = oid.split(':') as [string, string];
  return join(cache, 'objects', algo, hex.slice(0, 2), hex.slice(2));
};

/** Flips one byte of a cache object (objects are 0444: make it writable first, as a careless tool would). */
function flipByte(file: string, at = 0): void {
  chmodSync(file, 0o644);
  const b = readFileSync(file);
  b[at] = b[at]! ^ 0xff;
  writeFileSync(file, b);
  chmodSync(file, 0o444);
}

function appendByte(file: string): void {
  chmodSync(file, 0o644);
  appendFileSync(file, 'x');
  chmodSync(file, 0o444);
}

async function allClean(dir: string): Promise<void> {
  const s = await status(repoAt(dir), [], { cwd: dir });
  expect(s.filter((e) => e.state !== 'unchanged')).toEqual([]);
}

async function caught(p: Promise<unknown>): Promise<MlvError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(MlvError);
    return err as MlvError;
  }
  throw new Error('expected the operation to fail');
}

describe('checkout', () => {
  it('restores deleted files and folders byte for byte, with exec bits, empty files and empty folders', async () => {
    const dir = await makeRepo();
    const big = bytes(3 * 1024 * 1024 + 5, 11);
    writeFiles(dir, {
      'model.bin': big, 'run.sh': '#!/bin/sh\n', 'empty': '',
      'd/a.txt': 'a', 'd/sub/b.bin': bytes(5000, 12), 'd/sub/tool': 'x', 'd/e': '', 'd/ü ñ 😀.txt': 'u',
    });
    writeFiles(dir, { 'd/nothing/.keep-not': 'x' });
    rmSync(join(dir, 'd/nothing/.keep-not'));
    chmodSync(join(dir, 'run.sh'), 0o755);
    chmodSync(join(dir, 'd/sub/tool'), 0o755);
    await add(repoAt(dir), ['model.bin', 'run.sh', 'empty', 'd'], { cwd: dir });
    const before = fingerprint(dir, { exclude: ['.mlv'] });
    for (const p of ['model.bin', 'run.sh', 'empty', 'd']) rmSync(join(dir, p), { recursive: true });
    const r = await checkout(repoAt(dir), [], { cwd: dir });
    expect(r).toMatchObject({ restored: 8, missing: [], discarded: [] });
    const after = fingerprint(dir, { exclude: ['.mlv'] });
    // Same content, types and modes (mtimes differ: the files are new).
    const strip = (fp: Record<string, string>) => Object.fromEntries(Object.entries(fp).map(([k, v]) => [k, v.split(' ').slice(0, 4).join(' ')]));
    expect(strip(after)).toEqual(strip(before));
    expect(mode(dir, 'run.sh')).toBe(0o755);
    expect(mode(dir, 'd/sub/tool')).toBe(0o755);
    expect(mode(dir, 'model.bin')).toBe(0o644);
    expect(lstatSync(join(dir, 'd/nothing')).isDirectory()).toBe(true);
    expect(sha256(read(dir, 'model.bin'))).toBe(sha256(big));
    await allClean(dir);
    // A second checkout has nothing to do.
    const again = await checkout(repoAt(dir), [], { cwd: dir });
    expect(again).toMatchObject({ restored: 0, deleted: 0 });
  });

  it('an abort signal stops it after the files under way: they are recorded, the lock is free, a rerun restores the rest', async () => {
    const dir = await makeRepo();
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 300; i++) files[`shards/${String(i).padStart(3, '0')}.bin`] = bytes(2000, i + 1);
    writeFiles(dir, files);
    await add(repoAt(dir), ['shards'], { cwd: dir });
    rmSync(join(dir, 'shards'), { recursive: true });
    const stop = new AbortController();
    // Pressed while the first files are restored (the first progress event comes with the first file).
    const reporter = { progress: () => stop.abort() };
    const err = await checkout(repoAt(dir), [], { cwd: dir, reporter, signal: stop.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlvError);
    expect((err as MlvError).code).toBe('ABORTED');
    expect((err as MlvError).message).toMatch(/interrupted after restoring \d+ of 300 files/);
    const restored = listFiles(join(dir, 'shards'));
    expect(restored.length).toBeGreaterThan(0);
    expect(restored.length).toBeLessThan(300);
    for (const f of restored) expect(read(dir, `shards/${f}`).equals(files[`shards/${f}`]!)).toBe(true);
    expect(listFiles(join(dir, '.mlv', 'tmp')).filter((f) => f !== 'stat-index.json')).toEqual([]); // no lock, no staging file
    // What was restored is in the stat index (so the next command need not hash it again).
    const indexed = new Set(readStatIndexFile(dir).columns.paths);
    for (const f of restored) expect(indexed.has(`shards/${f}`)).toBe(true);
    const again = await checkout(repoAt(dir), [], { cwd: dir });
    expect(again.restored).toBe(300 - restored.length);
    await allClean(dir);
  });

  it('after `git checkout` of an older commit restores that version, and back again', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'data.csv': 'id,v\n1,a\n', 'imgs/1.png': 'one', 'imgs/2.png': 'two', 'model.bin': bytes(2 * 1024 * 1024, 1) });
    await add(repoAt(dir), ['data.csv', 'imgs', 'model.bin'], { cwd: dir });
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'v1');
    const v1 = fingerprint(dir, { exclude: ['.mlv'] });
    writeFiles(dir, { 'data.csv': 'id,v\n1,a\n2,b\n', 'imgs/3.png': 'three', 'model.bin': bytes(2 * 1024 * 1024, 2) });
    rmSync(join(dir, 'imgs/1.png'));
    await commit(repoAt(dir), [], { cwd: dir });
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'v2');
    const v2 = fingerprint(dir, { exclude: ['.mlv'] });

    git(dir, 'checkout', '-q', 'HEAD~1');
    await checkout(repoAt(dir), [], { cwd: dir });
    const content = (fp: Record<string, string>) => Object.fromEntries(Object.entries(fp).map(([k, v]) => [k, v.split(' ').slice(0, 4).join(' ')]));
    expect(content(fingerprint(dir, { exclude: ['.mlv'] }))).toEqual(content(v1));
    expect(readText(dir, 'data.csv')).toBe('id,v\n1,a\n');
    expect(exists(dir, 'imgs/3.png')).toBe(false);
    await allClean(dir);

    git(dir, 'checkout', '-q', 'main');
    await checkout(repoAt(dir), [], { cwd: dir });
    expect(content(fingerprint(dir, { exclude: ['.mlv'] }))).toEqual(content(v2));
    await allClean(dir);
  });

  it('refuses to overwrite or delete changes that are not in the cache, listing them and changing nothing; --force discards', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'a.txt': 'a', 'b.txt': 'b', 'd/x': 'x', 'd/y': 'y' });
    await add(repoAt(dir), ['a.txt', 'b.txt', 'd'], { cwd: dir });
    writeFiles(dir, { 'a.txt': 'local edit', 'd/x': 'edited x', 'd/untracked-new': 'new' });
    rmSync(join(dir, 'b.txt'));
    const before = fingerprint(dir);
    const err = await caught(checkout(repoAt(dir), [], { cwd: dir }));
    expect(err.code).toBe('CHECKOUT_CONFLICT');
    expect(err.message).toContain('a.txt');
    expect(err.message).toContain('d/x');
    expect(err.message).toContain('d/untracked-new');
    expect(err.details?.paths).toEqual(expect.arrayContaining(['a.txt', 'd/x', 'd/untracked-new']));
    expect(err.hint).toMatch(/--force/);
    expect(fingerprint(dir)).toEqual(before); // b.txt was NOT restored either: nothing changed
    const forced = await checkout(repoAt(dir), [], { cwd: dir, force: true });
    expect(forced.discarded.sort()).toEqual(['a.txt', 'd/untracked-new', 'd/x']);
    expect(readText(dir, 'a.txt')).toBe('a');
    expect(readText(dir, 'b.txt')).toBe('b');
    expect(readText(dir, 'd/x')).toBe('x');
    expect(exists(dir, 'd/untracked-new')).toBe(false);
    await allClean(dir);
  });

  it('replaces content that is already in the cache without asking (nothing is lost)', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'a.txt': 'v1' });
    await add(repoAt(dir), ['a.txt'], { cwd: dir });
    const v1Pointer = readText(dir, 'a.txt.mlv');
    writeFiles(dir, { 'a.txt': 'v2' });
    await add(repoAt(dir), ['a.txt'], { cwd: dir });
    writeFileSync(join(dir, 'a.txt.mlv'), v1Pointer);
    await checkout(repoAt(dir), [], { cwd: dir });
    expect(readText(dir, 'a.txt')).toBe('v1');
  });

  it('only touches the targets it is given', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'a.txt': 'a', 'b.txt': 'b' });
    await add(repoAt(dir), ['a.txt', 'b.txt'], { cwd: dir });
    rmSync(join(dir, 'a.txt'));
    rmSync(join(dir, 'b.txt'));
    await checkout(repoAt(dir), ['a.txt'], { cwd: dir });
    expect(exists(dir, 'a.txt')).toBe(true);
    expect(exists(dir, 'b.txt')).toBe(false);
  });

  it('reports missing objects without failing the others', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'a.txt': 'a', 'b.txt': 'b' });
    const [a] = await add(repoAt(dir), ['a.txt', 'b.txt'], { cwd: dir });
    rmSync(join(dir, 'a.txt'));
    rmSync(join(dir, 'b.txt'));
    rmSync(objPath(dir, a!.oid));
    const r = await checkout(repoAt(dir), [], { cwd: dir });
    expect(r.missing).toEqual([{ path: 'a.txt', oid: a!.oid }]);
    expect(readText(dir, 'b.txt')).toBe('b');
  });

  it('records every restored file in the stat index with its stat (so the next status rehashes nothing)', async () => {
    const dir = await makeRepo();
    const files = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`d/s${i % 3}/f${i}.txt`, `file ${i}`]));
    writeFiles(dir, files);
    await add(repoAt(dir), ['d'], { cwd: dir });
    rmSync(join(dir, 'd'), { recursive: true });
    rmSync(join(dir, '.mlv/tmp/stat-index.json'));
    const r = await checkout(repoAt(dir), [], { cwd: dir });
    expect(r.restored).toBe(300);
    const index = readStatIndexFile(dir).columns;
    const recorded = new Map(index.paths.map((p, i) => [p, index.stats.slice(i * 4, i * 4 + 4)]));
    for (const rel of Object.keys(files)) {
      const st = lstatSync(join(dir, rel));
      expect(recorded.get(rel), rel).toEqual([st.dev, st.ino, st.mtimeMs, st.size]);
    }
  });

  it('sees from the stat index alone that a folder already matches (no tree read), and still spots a changed file', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'd/a.txt': 'a', 'd/sub/b.txt': 'b' });
    const [d] = await add(repoAt(dir), ['d'], { cwd: dir });
    git(dir, 'add', '-A');
    // Files written in the same clock tick as the index are not trusted yet; age them as time would.
    for (const f of ['d/a.txt', 'd/sub/b.txt']) utimesSync(join(dir, f), new Date(Date.now() - 5000), new Date(Date.now() - 5000));
    await status(repoAt(dir), [], { cwd: dir }); // re-records the aged files
    // With the folder's stored tree gone, only the quick path can tell the folder is as its pointer says.
    rmSync(objPath(dir, d!.oid));
    const before = fingerprint(dir);
    const r = await checkout(repoAt(dir), [], { cwd: dir });
    expect(r).toMatchObject({ restored: 0, unchanged: 2, missing: [] });
    expect(fingerprint(dir)).toEqual(before);
    // A changed file makes the folder differ: the full plan runs, needs the tree, and says it is missing.
    writeFileSync(join(dir, 'd/a.txt'), 'changed');
    const again = await checkout(repoAt(dir), [], { cwd: dir });
    expect(again.missing).toEqual([{ path: 'd', oid: d!.oid }]);
    expect(readText(dir, 'd/a.txt')).toBe('changed');
  });

  it('without the native helper (MLV_NATIVE=0), a big object is copied by the kernel and checked: restored whole, refused when corrupt', async () => {
    const dir = await makeRepo({ config: 'cache:\n  link: [copy]\n' });
    const data = bytes(3 * 1024 * 1024 + 5, 9);
    writeFiles(dir, { 'm.bin': data });
    const env = { MLV_NATIVE: '0' };
    const added = mlv(dir, ['add', 'm.bin'], { env });
    expect(added.code, show(added)).toBe(0);
    rmSync(join(dir, 'm.bin'));
    const restored = mlv(dir, ['checkout'], { env });
    expect(restored.code, show(restored)).toBe(0);
    expect(sha256(read(dir, 'm.bin'))).toBe(sha256(data));
    expect(mode(dir, 'm.bin')).toBe(0o644);
    const oid = parsePointer(readText(dir, 'm.bin.mlv'), 'm.bin.mlv').oid;
    flipByte(objPath(dir, oid), 1000);
    rmSync(join(dir, 'm.bin'));
    const refused = mlv(dir, ['checkout'], { env });
    expect(refused.code, show(refused)).toBe(1);
    expect(refused.stderr).toContain(oid);
    expect(exists(dir, 'm.bin')).toBe(false);
    expect(listFiles(join(dir, '.mlv/tmp/staging'))).toEqual([]);
  });

  // Small objects are read with the size their tree gives, stopping at that size: the read must still
  // see bytes beyond it, or an object with bytes appended would restore (and go unreported).
  it.each([
    ['small (read whole), a byte flipped', 2000, 'flip'],
    ['small (read whole), a byte appended', 4096, 'append'],
    ['big (streamed), a byte flipped', 2 * 1024 * 1024 + 1, 'flip'],
  ])('refuses a corrupt cache object when copying (%s): error names the object, nothing placed', async (_what, size, damage) => {
    const dir = await makeRepo({ config: 'cache:\n  link: [copy]\n' });
    writeFiles(dir, { 'f.bin': bytes(size, 3), 'd/g.bin': bytes(size, 4) });
    const [f, d] = await add(repoAt(dir), ['f.bin', 'd'], { cwd: dir });
    const gOid = `xxh128:${(await hashFile('xxh128', join(dir, 'd/g.bin'))).hex}`;
    for (const [oid, at] of [[f!.oid, 100], [gOid, 7]] as const) {
      if (damage === 'flip') flipByte(objPath(dir, oid), at);
      else appendByte(objPath(dir, oid));
    }
    rmSync(join(dir, 'f.bin'));
    rmSync(join(dir, 'd'), { recursive: true });
    const err = await caught(checkout(repoAt(dir), [], { cwd: dir }));
    expect(err.code).toBe('OBJECT_CORRUPT');
    expect(err.message).toContain(f!.oid);
    expect(err.message).toContain(gOid);
    expect(err.message).toContain('f.bin');
    expect(exists(dir, 'f.bin')).toBe(false);
    expect(exists(dir, 'd/g.bin')).toBe(false);
    expect(listFiles(join(dir, '.mlv/tmp/staging'))).toEqual([]);
    // cache verify finds both; --repair moves them to quarantine.
    const v = await cacheVerify(repoAt(dir));
    expect(v.bad.map((b) => b.oid).sort()).toEqual([f!.oid, gOid].sort());
    expect(v.bad.every((b) => b.actual !== b.oid && !b.quarantinedTo)).toBe(true);
    expect(exists(dir, objPath(dir, f!.oid).slice(dir.length + 1))).toBe(true);
    const repaired = await cacheVerify(repoAt(dir), { repair: true });
    expect(repaired.bad).toHaveLength(2);
    for (const b of repaired.bad) {
      expect(b.quarantinedTo).toContain(join(dir, '.mlv/cache/quarantine'));
      expect(exists(dir, b.quarantinedTo!.slice(dir.length + 1))).toBe(true);
      expect(exists(dir, objPath(dir, b.oid).slice(dir.length + 1))).toBe(false);
    }
    expect((await cacheVerify(repoAt(dir))).bad).toEqual([]);
    // Status now knows the content is gone; re-adding a good copy heals the cache.
    expect((await status(repoAt(dir), ['f.bin'], { cwd: dir }))[0]).toMatchObject({ state: 'deleted', inCache: false });
    expect(d!.kind).toBe('dir');
  });
});

describe('link modes and unprotect', () => {
  it('cache.link [hardlink, copy]: workspace files are read-only hard links; unprotect makes editable copies', async () => {
    const dir = await makeRepo({ config: 'cache:\n  link: [hardlink, copy]\n' });
    writeFiles(dir, { 'f.bin': bytes(4000, 1), 'd/a': 'a', 'd/b': 'b', 'run.sh': 'x' });
    chmodSync(join(dir, 'run.sh'), 0o755);
    const [f] = await add(repoAt(dir), ['f.bin', 'd', 'run.sh'], { cwd: dir });
    const st = lstatSync(join(dir, 'f.bin'));
    expect(st.ino).toBe(statSync(objPath(dir, f!.oid)).ino);
    expect(st.mode & 0o777).toBe(0o444);
    expect(lstatSync(join(dir, 'd/a')).nlink).toBeGreaterThan(1);
    expect(mode(dir, 'run.sh')).toBe(0o755); // executables stay copies
    await allClean(dir);
    // Checkout restores hard links too.
    rmSync(join(dir, 'f.bin'));
    await checkout(repoAt(dir), [], { cwd: dir });
    expect(lstatSync(join(dir, 'f.bin')).ino).toBe(statSync(objPath(dir, f!.oid)).ino);
    const r = await unprotect(repoAt(dir), ['f.bin', 'd'], { cwd: dir });
    expect(r.unprotected.sort()).toEqual(['d/a', 'd/b', 'f.bin']);
    const after = lstatSync(join(dir, 'f.bin'));
    expect(after.nlink).toBe(1);
    expect(after.mode & 0o200).toBe(0o200);
    expect(sha256(read(dir, 'f.bin'))).toBe(sha256(bytes(4000, 1)));
    // Editing the copy cannot corrupt the cache.
    writeFileSync(join(dir, 'f.bin'), 'edited');
    expect((await cacheVerify(repoAt(dir))).bad).toEqual([]);
    expect((await status(repoAt(dir), ['f.bin'], { cwd: dir }))[0]!.state).toBe('modified');
    // Unprotecting again finds nothing to do.
    expect((await unprotect(repoAt(dir), ['d'], { cwd: dir })).unprotected).toEqual([]);
  });

  it('cache.link [symlink, copy]: workspace files are links into the cache; unprotect makes editable copies', async () => {
    const dir = await makeRepo({ config: 'cache:\n  link: [symlink, copy]\n' });
    writeFiles(dir, { 'f.bin': bytes(4000, 2), 'd/a': 'a', 'd/s/b': 'b' });
    const [f] = await add(repoAt(dir), ['f.bin', 'd'], { cwd: dir });
    expect(lstatSync(join(dir, 'f.bin')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(dir, 'f.bin'))).toBe(objPath(dir, f!.oid));
    expect(lstatSync(join(dir, 'd/s/b')).isSymbolicLink()).toBe(true);
    await allClean(dir);
    // Re-adding the linked paths changes nothing.
    const before = fingerprint(dir);
    const again = await add(repoAt(dir), ['f.bin', 'd'], { cwd: dir });
    expect(again.map((x) => x.changed)).toEqual([false, false]);
    expect(fingerprint(dir)).toEqual(before);
    rmSync(join(dir, 'd'), { recursive: true });
    await checkout(repoAt(dir), [], { cwd: dir });
    expect(lstatSync(join(dir, 'd/a')).isSymbolicLink()).toBe(true);
    const r = await unprotect(repoAt(dir), ['f.bin', 'd/s'], { cwd: dir });
    expect(r.unprotected.sort()).toEqual(['d/s/b', 'f.bin']);
    expect(lstatSync(join(dir, 'f.bin')).isFile()).toBe(true);
    expect(mode(dir, 'f.bin') & 0o200).toBe(0o200);
    expect(read(dir, 'f.bin').equals(bytes(4000, 2))).toBe(true);
    expect(lstatSync(join(dir, 'd/a')).isSymbolicLink()).toBe(true); // not named: left alone
    await allClean(dir);
  });

  it('default link mode leaves files editable and unprotect has nothing to do', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'f.bin': 'f' });
    await add(repoAt(dir), ['f.bin'], { cwd: dir });
    expect(await unprotect(repoAt(dir), ['f.bin'], { cwd: dir })).toEqual({ unprotected: [], alreadyEditable: 1 });
  });
});

describe('remove', () => {
  it('deletes the pointer and the ignore line; the data and the cache stay', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'data/a.csv': 'a', 'data/b.csv': 'b', 'data/.gitignore': '# mine\n*.tmp\n' });
    await add(repoAt(dir), ['data/a.csv', 'data/b.csv'], { cwd: dir });
    expect(readText(dir, 'data/.gitignore')).toBe('# mine\n*.tmp\n/a.csv\n/b.csv\n');
    const objects = cacheObjects(join(dir, '.mlv/cache'));
    const r = await remove(repoAt(dir), ['data/a.csv'], { cwd: dir });
    expect(r).toEqual([{ path: 'data/a.csv', pointer: 'data/a.csv.mlv' }]);
    expect(exists(dir, 'data/a.csv.mlv')).toBe(false);
    expect(readText(dir, 'data/a.csv')).toBe('a');
    expect(readText(dir, 'data/.gitignore')).toBe('# mine\n*.tmp\n/b.csv\n');
    expect(cacheObjects(join(dir, '.mlv/cache'))).toEqual(objects);
    // By pointer name too; an emptied .gitignore mlv created is deleted.
    writeFiles(dir, { 'x/y.bin': 'y' });
    await add(repoAt(dir), ['x/y.bin'], { cwd: dir });
    await remove(repoAt(dir), ['x/y.bin.mlv'], { cwd: dir });
    expect(exists(dir, 'x/.gitignore')).toBe(false);
    expect(exists(dir, 'x/y.bin')).toBe(true);
    expect((await status(repoAt(dir), [], { cwd: dir })).map((e) => e.path)).toEqual(['data/b.csv']);
  });

  it('refuses an untracked path and changes nothing', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'a.txt': 'a', 'b.txt': 'b' });
    await add(repoAt(dir), ['a.txt'], { cwd: dir });
    const before = fingerprint(dir);
    const err = await caught(remove(repoAt(dir), ['a.txt', 'b.txt'], { cwd: dir }));
    expect(err.code).toBe('NOT_TRACKED');
    expect(fingerprint(dir)).toEqual(before);
  });
});

describe('cache verify', () => {
  it('is clean on a fresh cache and removes stale temp files of dead processes', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'a': 'a', 'd/b': 'b' });
    await add(repoAt(dir), ['a', 'd'], { cwd: dir });
    writeFiles(dir, { '.mlv/cache/tmp/999999.1.abcd': 'partial', '.mlv/tmp/staging/999999-1': 'partial' });
    const r = await cacheVerify(repoAt(dir));
    expect(r).toMatchObject({ checked: 3, bad: [], tempsRemoved: 2 }); // a, d/b and d's tree
    expect(listFiles(join(dir, '.mlv/cache/tmp'))).toEqual([]);
  });

  it('judges temp files of another host sharing the cache by age, not by pid', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { a: 'a' });
    await add(repoAt(dir), ['a'], { cwd: dir });
    const other = TEMP_HOST === 'ffffffff' ? 'eeeeeeee' : 'ffffffff';
    const tmp = join(dir, '.mlv/cache/tmp');
    writeFiles(tmp, {
      [`999999.${TEMP_HOST}0badc0de.1`]: 'this host, process gone',
      [`${process.pid}.${TEMP_HOST}0badc0de.2`]: 'this host, this process',
      [`999999.${other}0badc0de.3`]: 'another host, being written (pid 999999 means nothing here)',
      [`999999.${other}0badc0de.4`]: 'another host, untouched for two days',
      [`999999.${other}0badc0de.d5/6`]: 'another host, spread folder, fresh',
    });
    const old = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    utimesSync(join(tmp, `999999.${other}0badc0de.4`), old, old);
    const r = await cacheVerify(repoAt(dir));
    expect(r.tempsRemoved).toBe(2);
    expect(listFiles(tmp)).toEqual([`${process.pid}.${TEMP_HOST}0badc0de.2`, `999999.${other}0badc0de.3`, `999999.${other}0badc0de.d5/6`].sort());
  });
});
