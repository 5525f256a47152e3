import { existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nativeHelper } from '../../src/core/native.js';
import { cacheStamp, fileFingerprint, StatIndex } from '../../src/core/workspace/stat-index.js';
import { tempDir } from '../helpers/repo.js';

/** Sets a file's mtime `secondsAgo` in the past (so it is older than an index written now). */
function age(file: string, secondsAgo: number): void {
  const t = new Date(Date.now() - secondsAgo * 1000);
  utimesSync(file, t, t);
}

function setup() {
  const dir = tempDir('mlv-index-');
  const tmp = join(dir, 'tmp');
  const file = join(dir, 'data.bin');
  writeFileSync(file, 'hello');
  return { dir, tmp, file };
}

/** An xxh128-length hash (the index stores its hashes in one column of fixed width). */
const HEX = 'aa'.repeat(16);
const HEX2 = 'b1'.repeat(16);

/** An index holding data.bin (mtime T, whole seconds) that was written in the file's tick: racy. */
function racyIndex() {
  const { tmp, file } = setup();
  const T = Math.floor(Date.now() / 1000) - 100; // whole seconds: both files get exactly this mtime
  utimesSync(file, T, T);
  const idx = StatIndex.load(tmp, 'xxh128');
  idx.record('data.bin', statSync(file), HEX);
  idx.save();
  const indexFile = join(tmp, 'stat-index.json');
  utimesSync(indexFile, T, T);
  return { tmp, file, T, indexFile };
}

describe('stat index', () => {
  it('trusts an entry only after it was saved and the file is older than the index', () => {
    const { tmp, file } = setup();
    age(file, 10);
    const idx = StatIndex.load(tmp, 'xxh128');
    idx.record('data.bin', statSync(file), HEX);
    // Not yet written: the in-memory index has no "written at" time, so nothing is trusted.
    expect(idx.lookup('data.bin', statSync(file))).toBeUndefined();
    idx.save();
    expect(idx.lookup('data.bin', statSync(file))).toBe(HEX);
    expect(StatIndex.load(tmp, 'xxh128').lookup('data.bin', statSync(file))).toBe(HEX);
  });

  it('treats a file modified at or after the index write as racy (rehash)', () => {
    const { tmp, file } = setup();
    const T = Math.floor(Date.now() / 1000) + 100; // whole seconds: restorable exactly, not older than the index
    utimesSync(file, T, T);
    const idx = StatIndex.load(tmp, 'xxh128');
    idx.record('data.bin', statSync(file), HEX);
    idx.save();
    // Same size, same inode, same mtime, different bytes: only the racy guard can tell.
    writeFileSync(file, 'HELLO');
    utimesSync(file, T, T);
    expect(idx.lookup('data.bin', statSync(file))).toBeUndefined();
    expect(StatIndex.load(tmp, 'xxh128').lookup('data.bin', statSync(file))).toBeUndefined();
  });

  it('an entry recorded with a racy mtime becomes trusted once it is older than a later index write', () => {
    // The index was written in the same timestamp tick as the file was modified: racy, rehash.
    const { tmp, file, T, indexFile } = racyIndex();
    expect(StatIndex.load(tmp, 'xxh128').lookup('data.bin', statSync(file))).toBeUndefined();
    // Later the index is rewritten (a new tick): the entry is now safe.
    utimesSync(indexFile, T + 1, T + 1);
    expect(StatIndex.load(tmp, 'xxh128').lookup('data.bin', statSync(file))).toBe(HEX);
  });

  it('ignores entries whose size, mtime or inode changed', () => {
    const { tmp, file, dir } = setup();
    age(file, 10);
    const idx = StatIndex.load(tmp, 'xxh128');
    idx.record('data.bin', statSync(file), HEX);
    idx.save();
    const st = statSync(file);
    expect(idx.lookup('data.bin', st)).toBe(HEX);
    expect(idx.lookup('data.bin', { ...st, size: st.size + 1 } as typeof st)).toBeUndefined();
    expect(idx.lookup('data.bin', { ...st, mtimeMs: st.mtimeMs - 1 } as typeof st)).toBeUndefined();
    expect(idx.lookup('data.bin', { ...st, ino: st.ino + 1 } as typeof st)).toBeUndefined();
    expect(idx.lookup('data.bin', { ...st, dev: st.dev + 1 } as typeof st)).toBeUndefined();
    expect(idx.lookup('other.bin', st)).toBeUndefined();
    // Replacing the file (new inode) with the same size and mtime is caught too.
    const mt = st.mtime;
    rmSync(file);
    writeFileSync(join(dir, 'filler'), 'x'); // keep the old inode number from being reused at once
    writeFileSync(file, 'HELLO');
    utimesSync(file, mt, mt);
    const st2 = statSync(file);
    if (st2.ino !== st.ino) expect(idx.lookup('data.bin', st2)).toBeUndefined();
  });

  it('forget and forgetUnder drop entries', () => {
    const { tmp, file } = setup();
    age(file, 10);
    const idx = StatIndex.load(tmp, 'xxh128');
    const st = statSync(file);
    for (const k of ['a', 'd/x', 'd/y/z', 'dd/x']) idx.record(k, st, HEX);
    idx.save();
    idx.forget('a');
    idx.forgetUnder('d');
    idx.save();
    const r = StatIndex.load(tmp, 'xxh128');
    expect(r.lookup('a', st)).toBeUndefined();
    expect(r.lookup('d/x', st)).toBeUndefined();
    expect(r.lookup('d/y/z', st)).toBeUndefined();
    expect(r.lookup('dd/x', st)).toBe(HEX);
  });

  it('starts empty when the index is missing, corrupt or for another algorithm', () => {
    const { tmp, file } = setup();
    age(file, 10);
    const idx = StatIndex.load(tmp, 'xxh128');
    idx.record('data.bin', statSync(file), HEX);
    idx.save();
    expect(StatIndex.load(tmp, 'sha256').lookup('data.bin', statSync(file))).toBeUndefined();
    expect(StatIndex.load(tmp, 'xxh128').lookup('data.bin', statSync(file))).toBe(HEX);
    writeFileSync(join(tmp, 'stat-index.json'), '{not json');
    expect(StatIndex.load(tmp, 'xxh128').lookup('data.bin', statSync(file))).toBeUndefined();
    rmSync(join(tmp, 'stat-index.json'));
    expect(StatIndex.load(tmp, 'xxh128').lookup('data.bin', statSync(file))).toBeUndefined();
  });

  it('keeps a re-recorded hash, and a path forgotten then recorded again, across saves', () => {
    const { tmp, file } = setup();
    age(file, 10);
    const st = statSync(file);
    const idx = StatIndex.load(tmp, 'xxh128');
    for (const k of ['a', 'b', 'c']) idx.record(k, st, HEX);
    idx.save();
    const again = StatIndex.load(tmp, 'xxh128');
    again.record('b', st, HEX2); // same stat, new content hash
    again.forget('c');
    again.record('c', st, HEX2);
    again.record('d', st, HEX2);
    again.save();
    const r = StatIndex.load(tmp, 'xxh128');
    expect(['a', 'b', 'c', 'd'].map((k) => r.lookup(k, st))).toEqual([HEX, HEX2, HEX2, HEX2]);
  });

  it('reads an index written in version 1 (one array per path) and ignores inconsistent columns', () => {
    const { tmp, file } = setup();
    age(file, 10);
    const st = statSync(file);
    mkdirSync(tmp, { recursive: true });
    const indexFile = join(tmp, 'stat-index.json');
    writeFileSync(indexFile, JSON.stringify({ version: 1, algo: 'xxh128', entries: { 'data.bin': [st.dev, st.ino, st.mtimeMs, st.size, HEX] } }));
    expect(StatIndex.load(tmp, 'xxh128').lookup('data.bin', st)).toBe(HEX);
    // A hash column one character short: the whole file is distrusted (it only costs rehashing).
    writeFileSync(indexFile, JSON.stringify({ version: 2, algo: 'xxh128', paths: ['data.bin'], stats: [st.dev, st.ino, st.mtimeMs, st.size], hexes: HEX.slice(1) }));
    expect(StatIndex.load(tmp, 'xxh128').lookup('data.bin', st)).toBeUndefined();
    writeFileSync(indexFile, JSON.stringify({ version: 2, algo: 'xxh128', paths: ['data.bin'], stats: [st.dev, st.ino, st.mtimeMs, st.size], hexes: HEX }));
    expect(StatIndex.load(tmp, 'xxh128').lookup('data.bin', st)).toBe(HEX);
  });

  it('save writes nothing when nothing changed', () => {
    const { tmp } = setup();
    StatIndex.load(tmp, 'xxh128').save();
    expect(existsSync(join(tmp, 'stat-index.json'))).toBe(false);
  });
});

describe('stat index: racy entries across saves', () => {
  it('leaves out an entry that was racy when loaded and not read again, so a later save cannot make it trusted', () => {
    const { tmp, file, T, indexFile } = racyIndex();
    // Another command records something else and saves (at a later time); data.bin was never reread.
    const other = StatIndex.load(tmp, 'xxh128');
    expect(other.lookup('data.bin', statSync(file))).toBeUndefined();
    other.record('other', statSync(file), HEX2);
    other.save();
    expect(statSync(indexFile).mtimeMs).toBeGreaterThan(T * 1000);
    const r = StatIndex.load(tmp, 'xxh128');
    expect(r.lookup('data.bin', statSync(file))).toBeUndefined();
    expect(r.lookup('other', statSync(file))).toBe(HEX2); // read in that command, after its mtime
  });

  it('keeps a racy entry that was hashed again with the same result, trusted after the next save', () => {
    const { tmp, file } = racyIndex();
    const again = StatIndex.load(tmp, 'xxh128');
    again.record('data.bin', statSync(file), HEX); // its bytes were read again: confirmed
    again.save();
    expect(StatIndex.load(tmp, 'xxh128').lookup('data.bin', statSync(file))).toBe(HEX);
  });
});

describe('stat index: states of tracked paths', () => {
  const fp = (digest: string, maxMtimeMs: number) => ({ digest, maxMtimeMs });
  const old = Date.now() - 100_000;

  it('knows a state recorded before the last save, and not a different or racy one', () => {
    const { tmp } = setup();
    const idx = StatIndex.load(tmp, 'xxh128');
    idx.recordState('images', fp('d1', old), HEX);
    expect(idx.knownState('images', fp('d1', old))).toBeUndefined(); // not saved yet
    idx.save();
    const r = StatIndex.load(tmp, 'xxh128');
    expect(r.knownState('images', fp('d1', old))).toBe(HEX);
    expect(r.knownState('images', fp('d2', old))).toBeUndefined();
    expect(r.knownState('other', fp('d1', old))).toBeUndefined();
    expect(r.folderStates()).toEqual(['images']);
    expect([r.hasState('images'), r.hasState('other')]).toEqual([true, false]);
    // A state whose newest file is not older than the index: racy, not trusted.
    const future = Date.now() + 100_000;
    r.recordState('racy', fp('d3', future), HEX2);
    r.save();
    expect(StatIndex.load(tmp, 'xxh128').knownState('racy', fp('d3', future))).toBeUndefined();
  });

  it('a tracked file\'s state is its stat and exec bits', () => {
    const { tmp, file } = setup();
    age(file, 10);
    const idx = StatIndex.load(tmp, 'xxh128');
    idx.recordState('data.bin', fileFingerprint(statSync(file)), HEX);
    idx.save();
    const r = StatIndex.load(tmp, 'xxh128');
    expect(r.knownState('data.bin', fileFingerprint(statSync(file)))).toBe(HEX);
    expect(r.folderStates()).toEqual([]);
    const st = statSync(file);
    expect(r.knownState('data.bin', fileFingerprint({ ...st, dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, mode: st.mode | 0o100 }))).toBeUndefined();
    expect(r.knownState('data.bin', fileFingerprint({ dev: st.dev, ino: st.ino, size: st.size + 1, mtimeMs: st.mtimeMs, mode: st.mode }))).toBeUndefined();
  });

  it('saving a state alone copies the entries unparsed, and they still work', () => {
    const { tmp, file } = setup();
    age(file, 10);
    const idx = StatIndex.load(tmp, 'xxh128');
    idx.record('data.bin', statSync(file), HEX);
    idx.save();
    const indexFile = join(tmp, 'stat-index.json');
    const columnsBefore = readFileSync(indexFile, 'utf8').split('\n')[1];
    const again = StatIndex.load(tmp, 'xxh128');
    again.recordState('images', fp('d1', old), HEX2);
    again.save();
    expect(readFileSync(indexFile, 'utf8').split('\n')[1]).toBe(columnsBefore);
    const r = StatIndex.load(tmp, 'xxh128');
    expect(r.lookup('data.bin', statSync(file))).toBe(HEX);
    expect(r.knownState('images', fp('d1', old))).toBe(HEX2);
  });

  it('reads its entries only when needed, only from the file its header came from, and keeps them across its own save', () => {
    const { tmp, file } = setup();
    age(file, 10);
    const st = statSync(file);
    const first = StatIndex.load(tmp, 'xxh128');
    first.record('data.bin', st, HEX);
    for (let i = 0; i < 3000; i++) first.record(`many/${i}`, st, HEX); // past the first read's 64 KiB
    first.save();
    const lazy = StatIndex.load(tmp, 'xxh128'); // header read; entries not yet
    const other = StatIndex.load(tmp, 'xxh128');
    other.record('data.bin', st, HEX2);
    other.save(); // the file is replaced meanwhile
    // Never the new file's entries under the old header (or the reverse): the entries are dropped.
    expect(lazy.lookup('data.bin', st)).toBeUndefined();
    expect(lazy.lookup('many/1', st)).toBeUndefined();
    const again = StatIndex.load(tmp, 'xxh128');
    again.recordState('images', fp('d1', old), HEX);
    again.save(); // copies the entries unparsed…
    expect(again.lookup('data.bin', st)).toBe(HEX2); // …and still has them afterwards
    expect(StatIndex.load(tmp, 'xxh128').lookup('data.bin', st)).toBe(HEX2);
  });

  it('forget and forgetUnder drop states too; a loaded racy state not seen again is dropped on save', () => {
    const { tmp } = setup();
    const idx = StatIndex.load(tmp, 'xxh128');
    for (const rel of ['a', 'd/x', 'dd']) idx.recordState(rel, fp(rel, old), HEX);
    idx.save();
    const r = StatIndex.load(tmp, 'xxh128');
    r.forget('a');
    r.forgetUnder('d');
    r.save();
    expect(StatIndex.load(tmp, 'xxh128').folderStates()).toEqual(['dd']);
    // 'dd' becomes racy (the index written in its tick); a save by a command that did not look at it drops it.
    const T = Math.floor(old / 1000);
    const x = StatIndex.load(tmp, 'xxh128');
    x.recordState('dd', fp('dd', T * 1000), HEX);
    x.save();
    utimesSync(join(tmp, 'stat-index.json'), T, T);
    const y = StatIndex.load(tmp, 'xxh128');
    y.recordState('e', fp('e', old), HEX);
    y.save();
    expect(StatIndex.load(tmp, 'xxh128').folderStates().sort()).toEqual(['e']);
  });
});

describe('stat index completeness claims', () => {
  it('are kept while the cache objects folder is unchanged and dropped when an object disappears', () => {
    const dir = tempDir('mlv-index-');
    const tmp = join(dir, 'tmp');
    const objects = join(dir, 'cache/objects/xxh128');
    mkdirSync(join(objects, 'ab'), { recursive: true });
    writeFileSync(join(objects, 'ab/cdef'), 'x');
    writeFileSync(join(objects, 'ab/0123'), 'y');
    const idx = StatIndex.load(tmp, 'xxh128', objects);
    idx.markComplete('tree1');
    idx.save();
    expect(StatIndex.load(tmp, 'xxh128', objects).isComplete('tree1')).toBe(true);
    // Without the cache location a claim cannot be checked: it is not trusted.
    expect(StatIndex.load(tmp, 'xxh128').isComplete('tree1')).toBe(false);
    // An object deleted behind mlv's back (by hand, by another repo sharing the cache, by gc).
    rmSync(join(objects, 'ab/cdef'));
    const t = new Date(Date.now() + 5000); // make sure the folder's mtime differs even on coarse clocks
    utimesSync(join(objects, 'ab'), t, t);
    expect(StatIndex.load(tmp, 'xxh128', objects).isComplete('tree1')).toBe(false);
  });
});

describe('cacheStamp', () => {
  it('is the same from the native helper and from JavaScript, and changes when an object folder does', () => {
    const objects = join(tempDir('mlv-stamp-'), 'objects');
    for (const name of ['ff', '0a', 'c3', '00']) mkdirSync(join(objects, name), { recursive: true });
    writeFileSync(join(objects, '0a', 'bc'), 'x');
    symlinkSync(join(objects, 'c3'), join(objects, 'd4')); // a linked folder: its target's numbers count
    const native = nativeHelper();
    const js = cacheStamp(objects, undefined);
    expect(js).toMatch(/^[0-9a-f]{40}$/);
    if (native) expect(cacheStamp(objects, native)).toBe(js);
    rmSync(join(objects, '0a', 'bc'));
    const t = new Date(Date.now() + 5000);
    utimesSync(join(objects, '0a'), t, t);
    const after = cacheStamp(objects, undefined);
    expect(after).not.toBe(js);
    if (native) expect(cacheStamp(objects, native)).toBe(after);
    expect(cacheStamp(join(objects, 'missing'), undefined)).toBe('absent');
    if (native) expect(cacheStamp(join(objects, 'missing'), native)).toBe('absent');
  });
});
