/** add, status and commit through the library API on real Git repos in temp folders. */
import { chmodSync, mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { add } from '../../src/core/api/add.js';
import { commit } from '../../src/core/api/commit.js';
import { status } from '../../src/core/api/status.js';
import { init } from '../../src/core/api/init.js';
import { parsePointer } from '../../src/core/objects/pointer.js';
import { parseTree } from '../../src/core/objects/tree.js';
import { hashFile } from '../../src/core/objects/hash.js';
import { bytes, cacheObjects, exists, fingerprint, git, haveCommand, makeRepo, mode, read, readStatIndexFile, readText, repoAt, sha256, writeFiles } from '../helpers/repo.js';
import { nativeHelper } from '../../src/core/native.js';
import { execFileSync } from 'node:child_process';

/** Moves mtimes 10 s into the past so the stat index's racy guard does not force a rehash. */
function ageAll(root: string, rels: string[]): void {
  const t = new Date(Date.now() - 10_000);
  for (const r of rels) utimesSync(join(root, r), t, t);
}

const objPath = (root: string, oid: string) => {
  const [algo, hex] = oid.split(':') as [string, string];
  return join(root, '.mlv/cache/objects', algo, hex.slice(0, 2), hex.slice(2));
};

describe('init', () => {
  it('creates .mlv/ with config and ignore rules, and a second run changes nothing', async () => {
    const dir = await makeRepo({ mlv: false });
    const first = await init(dir);
    expect(first.created).toBe(true);
    expect(first.written.sort()).toEqual(['.mlv/.gitignore', '.mlv/config.yaml']);
    expect(readText(dir, '.mlv/.gitignore')).toMatch(/\/cache/);
    expect(readText(dir, '.mlv/.gitignore')).toMatch(/\/tmp/);
    expect(readText(dir, '.mlv/.gitignore')).toMatch(/\/config\.local\.yaml/);
    const before = fingerprint(dir);
    const again = await init(dir);
    expect(again).toMatchObject({ created: false, written: [] });
    expect(fingerprint(dir)).toEqual(before);
    // Git sees only the two committed files.
    expect(git(dir, 'status', '--porcelain', '-uall').trim().split('\n').sort()).toEqual(['?? .mlv/.gitignore', '?? .mlv/config.yaml']);
  });

  it('works from a sub-folder of the work tree', async () => {
    const dir = await makeRepo({ mlv: false });
    mkdirSync(join(dir, 'a/b'), { recursive: true });
    const r = await init(join(dir, 'a/b'));
    expect(r.root).toBe(dir);
    expect(exists(dir, '.mlv/config.yaml')).toBe(true);
  });
});

describe('add', () => {
  it('adds a file: pointer, .gitignore entry, read-only cache object at objects/<algo>/<xx>/<rest>', async () => {
    const dir = await makeRepo();
    const data = bytes(3000, 1);
    writeFiles(dir, { 'data/train.csv': data });
    const [r] = await add(repoAt(dir), ['data/train.csv'], { cwd: dir });
    expect(r).toMatchObject({ path: 'data/train.csv', pointer: 'data/train.csv.mlv', kind: 'file', size: 3000, changed: true, hashed: 1, stored: 1 });
    const p = parsePointer(readText(dir, 'data/train.csv.mlv'), 'data/train.csv.mlv');
    expect(p).toEqual({ version: 1, kind: 'file', path: 'train.csv', oid: r!.oid, size: 3000 });
    expect(readText(dir, 'data/train.csv.mlv')).toMatch(/^# mlv pointer/);
    expect(readText(dir, 'data/.gitignore')).toBe('/train.csv\n');
    expect(p.oid).toMatch(/^xxh128:[0-9a-f]{32}$/);
    if (haveCommand('xxhsum')) {
      expect(p.oid.slice(7)).toBe(execFileSync('xxhsum', ['-H2', join(dir, 'data/train.csv')], { encoding: 'utf8' }).split(' ')[0]);
    }
    const hex = p.oid.slice(7);
    expect(cacheObjects(join(dir, '.mlv/cache'))).toEqual([`xxh128/${hex.slice(0, 2)}/${hex.slice(2)}`]);
    const obj = objPath(dir, p.oid);
    expect(statSync(obj).mode & 0o777).toBe(0o444);
    expect(read(dir, 'data/train.csv').equals(data)).toBe(true);
    expect(readFileBuf(obj).equals(data)).toBe(true);
    // Default link mode keeps the workspace file an ordinary writable file.
    expect(mode(dir, 'data/train.csv') & 0o200).toBe(0o200);
    // Git ignores the data and sees the pointer.
    const st = git(dir, 'status', '--porcelain', '-uall');
    expect(st).toContain('data/train.csv.mlv');
    expect(st).not.toMatch(/data\/train\.csv\n/);
  });

  it('adds a big file (streamed path) and stores it byte for byte', async () => {
    const dir = await makeRepo();
    const data = bytes(5 * 1024 * 1024 + 3, 2);
    writeFiles(dir, { 'model.bin': data });
    const [r] = await add(repoAt(dir), ['model.bin'], { cwd: dir });
    expect(r!.oid.slice(7)).toBe((await hashFile('xxh128', join(dir, 'model.bin'))).hex);
    expect(sha256(readFileBuf(objPath(dir, r!.oid)))).toBe(sha256(data));
    expect(statSync(objPath(dir, r!.oid)).mode & 0o777).toBe(0o444);
    expect(readText(dir, '.gitignore')).toBe('/model.bin\n');
  });

  it('adds a folder: dir pointer, one tree per folder, every file object', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'images/a.txt': 'aaa', 'images/sub/b.txt': 'bb', 'images/sub/deeper/c.txt': 'c', 'images/same.txt': 'aaa' });
    const [r] = await add(repoAt(dir), ['images'], { cwd: dir });
    expect(r).toMatchObject({ kind: 'dir', size: 9, files: 4, changed: true, hashed: 4 });
    const p = parsePointer(readText(dir, 'images.mlv'), 'images.mlv');
    expect(p).toMatchObject({ kind: 'dir', path: 'images', size: 9, files: 4 });
    expect(readText(dir, '.gitignore')).toBe('/images\n');
    // 3 distinct file contents + 3 trees.
    expect(cacheObjects(join(dir, '.mlv/cache'))).toHaveLength(6);
    const root = parseTree(readFileBuf(objPath(dir, p.oid)), p.oid, 32);
    expect(root.map((e) => `${e.type} ${e.name}`)).toEqual(['f a.txt', 'f same.txt', 'd sub']);
    const sub = root.find((e) => e.name === 'sub')!;
    expect(sub).toMatchObject({ type: 'd', size: 3, files: 2 });
    for (const e of root) expect(exists(dir, `.mlv/cache/objects/xxh128/${e.hex.slice(0, 2)}/${e.hex.slice(2)}`)).toBe(true);
  });

  it('re-adding unchanged paths rehashes nothing and rewrites nothing', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'f.bin': bytes(2000, 3), 'big.bin': bytes(2 * 1024 * 1024, 4), 'd/x': 'x', 'd/y/z': 'z' });
    ageAll(dir, ['f.bin', 'big.bin', 'd/x', 'd/y/z']);
    await add(repoAt(dir), ['f.bin', 'big.bin', 'd'], { cwd: dir });
    const before = fingerprint(dir);
    const again = await add(repoAt(dir), ['f.bin', 'big.bin', 'd'], { cwd: dir });
    for (const r of again) expect(r, r.path).toMatchObject({ changed: false, hashed: 0, stored: 0 });
    expect(fingerprint(dir)).toEqual(before); // pointer mtimes, .gitignore, cache: all untouched
  });

  it('re-adding after deleting the stat index rehashes but still rewrites nothing', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'f.bin': 'one', 'd/x': 'x' });
    await add(repoAt(dir), ['f.bin', 'd'], { cwd: dir });
    rmSync(join(dir, '.mlv/tmp/stat-index.json'));
    const before = fingerprint(dir);
    const again = await add(repoAt(dir), ['f.bin', 'd'], { cwd: dir });
    expect(again.map((r) => r.changed)).toEqual([false, false]);
    expect(again.map((r) => r.hashed)).toEqual([1, 1]);
    expect(fingerprint(dir)).toEqual(before);
  });

  it('re-adding a changed file records the new version and keeps the old object', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'f.txt': 'v1' });
    const [r1] = await add(repoAt(dir), ['f.txt'], { cwd: dir });
    writeFiles(dir, { 'f.txt': 'version two' });
    const [r2] = await add(repoAt(dir), ['f.txt'], { cwd: dir });
    expect(r2).toMatchObject({ changed: true, size: 11 });
    expect(r2!.oid).not.toBe(r1!.oid);
    expect(exists(dir, objPath(dir, r1!.oid).slice(dir.length + 1))).toBe(true);
    expect(readText(dir, '.gitignore')).toBe('/f.txt\n'); // one line, not two
  });

  it('records exec bits of files and of files in folders', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'run.sh': '#!/bin/sh\necho hi\n', 'tools/t.sh': '#!/bin/sh\n', 'tools/readme': 'r' });
    chmodSync(join(dir, 'run.sh'), 0o755);
    chmodSync(join(dir, 'tools/t.sh'), 0o755);
    await add(repoAt(dir), ['run.sh', 'tools'], { cwd: dir });
    expect(readText(dir, 'run.sh.mlv')).toMatch(/^exec: true$/m);
    const p = parsePointer(readText(dir, 'tools.mlv'), 'tools.mlv');
    const tree = parseTree(readFileBuf(objPath(dir, p.oid)), p.oid, 32);
    expect(tree.map((e) => e.type === 'f' && `${e.name} ${e.mode}`)).toEqual(['readme 644', 't.sh 755']);
  });

  it('accepts globs, relative paths from a sub-folder, unicode and spaces', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'data/a 1.csv': 'a', 'data/b.csv': 'b', 'data/c.txt': 'c', 'data/ünï cödé 😀.csv': 'u', 'data/#x.csv': 'h' });
    const rs = await add(repoAt(dir), ['*.csv'], { cwd: join(dir, 'data') });
    expect(rs.map((r) => r.path).sort()).toEqual(['data/#x.csv', 'data/a 1.csv', 'data/b.csv', 'data/ünï cödé 😀.csv'].sort());
    for (const r of rs) expect(exists(dir, r.pointer)).toBe(true);
    expect(exists(dir, 'data/c.txt.mlv')).toBe(false);
    // Git must ignore each data file exactly (escaped # and spaces).
    const untracked = git(dir, 'ls-files', '--others', '--exclude-standard', '-z').split('\0').filter(Boolean).sort();
    expect(untracked).toEqual(['.mlv/.gitignore', '.mlv/config.yaml', 'data/#x.csv.mlv', 'data/.gitignore', 'data/a 1.csv.mlv', 'data/b.csv.mlv', 'data/c.txt', 'data/ünï cödé 😀.csv.mlv'].sort());
  });

  it('uses sha256 when core.hash is sha256, matching sha256sum', async () => {
    const dir = await makeRepo({ config: 'core:\n  hash: sha256\n' });
    const data = bytes(1500, 5);
    writeFiles(dir, { 'f.bin': data, 'd/a': 'a', 'd/b/c': 'c' });
    const [f, d] = await add(repoAt(dir), ['f.bin', 'd'], { cwd: dir });
    expect(f!.oid).toBe(`sha256:${sha256(data)}`);
    expect(f!.oid).toBe(`sha256:${execFileSync('sha256sum', [join(dir, 'f.bin')], { encoding: 'utf8' }).split(' ')[0]}`);
    expect(d!.oid).toMatch(/^sha256:[0-9a-f]{64}$/);
    // The tree's oid is the sha256 of its bytes.
    expect(sha256(readFileBuf(objPath(dir, d!.oid)))).toBe(d!.oid.slice(7));
    expect(cacheObjects(join(dir, '.mlv/cache')).every((p) => p.startsWith('sha256/'))).toBe(true);
    const s = await status(repoAt(dir), [], { cwd: dir });
    expect(s.map((e) => e.state)).toEqual(['unchanged', 'unchanged']);
  });

  it('keeps empty files and empty folders', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'empty.bin': '', 'd/empty.txt': '', 'd/full.txt': 'x' });
    mkdirSync(join(dir, 'd/nothing/inside'), { recursive: true });
    const [e, d] = await add(repoAt(dir), ['empty.bin', 'd'], { cwd: dir });
    expect(e).toMatchObject({ size: 0 });
    expect(d).toMatchObject({ size: 1, files: 2 });
    const p = parsePointer(readText(dir, 'd.mlv'), 'd.mlv');
    const tree = parseTree(readFileBuf(objPath(dir, p.oid)), p.oid, 32);
    expect(tree.map((x) => x.name)).toEqual(['empty.txt', 'full.txt', 'nothing']);
  });
});

describe('status', () => {
  it('reports unchanged, modified, deleted and not-in-cache', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'a.txt': 'a', 'b.txt': 'b', 'c.txt': 'c', 'd.txt': 'd' });
    const rs = await add(repoAt(dir), ['a.txt', 'b.txt', 'c.txt', 'd.txt'], { cwd: dir });
    writeFiles(dir, { 'b.txt': 'B changed' });
    rmSync(join(dir, 'c.txt'));
    rmSync(objPath(dir, rs[3]!.oid), { force: true });
    const s = await status(repoAt(dir), [], { cwd: dir });
    expect(s.map((e) => [e.path, e.state, e.inCache])).toEqual([
      ['a.txt', 'unchanged', true],
      ['b.txt', 'modified', true],
      ['c.txt', 'deleted', true],
      ['d.txt', 'not-in-cache', false],
    ]);
  });

  it('notices a same-size edit whose stat looks unchanged (racy-clean guard)', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'a.txt': 'aaaa', 'd/b.txt': 'bbbb' });
    // A whole-second mtime that is not older than the index write: exactly restorable, and racy.
    const T = Math.floor(Date.now() / 1000) + 100;
    for (const f of ['a.txt', 'd/b.txt']) utimesSync(join(dir, f), T, T);
    await add(repoAt(dir), ['a.txt', 'd'], { cwd: dir });
    for (const f of ['a.txt', 'd/b.txt']) {
      writeFileSync(join(dir, f), 'XXXX'); // same size, same inode…
      utimesSync(join(dir, f), T, T); // …and the same mtime: only the racy guard can tell
    }
    const s = await status(repoAt(dir), [], { cwd: dir });
    expect(s.map((e) => [e.path, e.state])).toEqual([
      ['a.txt', 'modified'],
      ['d', 'modified'],
    ]);
  });

  it('notices an exec-bit change', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'run.sh': 'echo' });
    await add(repoAt(dir), ['run.sh'], { cwd: dir });
    chmodSync(join(dir, 'run.sh'), 0o755);
    expect((await status(repoAt(dir), [], { cwd: dir }))[0]!.state).toBe('modified');
  });

  it('lists files added, modified and deleted inside a folder', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'd/keep': 'k', 'd/mod': 'm', 'd/gone': 'g', 'd/sub/gone2': 'g2' });
    await add(repoAt(dir), ['d'], { cwd: dir });
    writeFiles(dir, { 'd/mod': 'changed', 'd/new': 'n', 'd/sub/new2': 'n2' });
    rmSync(join(dir, 'd/gone'));
    rmSync(join(dir, 'd/sub/gone2'));
    const [e] = await status(repoAt(dir), ['d'], { cwd: dir });
    expect(e).toMatchObject({
      path: 'd', kind: 'dir', state: 'modified', inCache: true,
      changes: { added: ['new', 'sub/new2'], modified: ['mod'], deleted: ['gone', 'sub/gone2'] },
    });
  });

  it('reports a deleted folder and a folder whose file objects are missing', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'd/a': 'a', 'e/b': 'b' });
    await add(repoAt(dir), ['d', 'e'], { cwd: dir });
    rmSync(join(dir, 'd'), { recursive: true });
    const [eFile] = await hashFileOid(join(dir, 'e/b'));
    rmSync(objPath(dir, eFile), { force: true });
    const s = await status(repoAt(dir), [], { cwd: dir });
    expect(s.map((x) => [x.path, x.state, x.inCache])).toEqual([
      ['d', 'deleted', true],
      ['e', 'not-in-cache', false],
    ]);
  });

  it('accepts targets: a pointer file, a tracked path, a path inside a folder; refuses untracked ones', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'a.txt': 'a', 'd/x': 'x', 'other.txt': 'o' });
    await add(repoAt(dir), ['a.txt', 'd'], { cwd: dir });
    expect((await status(repoAt(dir), ['a.txt.mlv'], { cwd: dir })).map((e) => e.path)).toEqual(['a.txt']);
    expect((await status(repoAt(dir), ['d/x'], { cwd: dir })).map((e) => e.path)).toEqual(['d']);
    await expect(status(repoAt(dir), ['other.txt'], { cwd: dir })).rejects.toMatchObject({ code: 'NOT_TRACKED' });
  });
});

describe('commit', () => {
  it('records modified tracked paths into cache and pointers; unchanged ones are left alone', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'a.txt': 'a', 'b.txt': 'b', 'd/x': 'x' });
    ageAll(dir, ['a.txt', 'b.txt', 'd/x']);
    await add(repoAt(dir), ['a.txt', 'b.txt', 'd'], { cwd: dir });
    const aPointer = fingerprint(dir)['a.txt.mlv'];
    writeFiles(dir, { 'b.txt': 'B2', 'd/y': 'new' });
    const rs = await commit(repoAt(dir), [], { cwd: dir });
    expect(rs.map((r) => [r.path, r.changed])).toEqual([
      ['a.txt', false],
      ['b.txt', true],
      ['d', true],
    ]);
    expect(fingerprint(dir)['a.txt.mlv']).toBe(aPointer);
    expect(parsePointer(readText(dir, 'd.mlv'), 'd.mlv').files).toBe(2);
    expect((await status(repoAt(dir), [], { cwd: dir })).every((e) => e.state === 'unchanged')).toBe(true);
    const again = await commit(repoAt(dir), [], { cwd: dir });
    expect(again.every((r) => !r.changed)).toBe(true);
  });

  it('refuses a named target that was deleted, changing nothing', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'a.txt': 'a' });
    await add(repoAt(dir), ['a.txt'], { cwd: dir });
    rmSync(join(dir, 'a.txt'));
    const before = fingerprint(dir);
    await expect(commit(repoAt(dir), ['a.txt'], { cwd: dir })).rejects.toMatchObject({ code: 'TARGET_MISSING' });
    expect(fingerprint(dir)).toEqual(before);
  });
});

function readFileBuf(p: string): Buffer {
  return readFileSync(p);
}

async function hashFileOid(p: string): Promise<[string]> {
  return [`xxh128:${(await hashFile('xxh128', p)).hex}`];
}

describe('status on a folder that gained paths mlv cannot store', () => {
  it('reports the folder as modified and lists them (exit 0 on the CLI), instead of failing', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'd/a.txt': 'a' });
    await add(repoAt(dir), ['d'], { cwd: dir });
    const { symlinkSync } = await import('node:fs');
    symlinkSync('a.txt', join(dir, 'd/link'));
    writeFileSync(join(dir, 'd/tab\there'), 'x');
    const [entry] = await status(repoAt(dir), [], { cwd: dir });
    expect(entry!.state).toBe('modified');
    expect(entry!.unstorable?.sort()).toEqual(['d/tab\there']); // names are checked first, then links
    rmSync(join(dir, 'd/tab\there'));
    const [again] = await status(repoAt(dir), [], { cwd: dir });
    expect(again!.unstorable).toEqual(['d/link']);
    const { mlv } = await import('../helpers/cli.js');
    const r = mlv(dir, ['status']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('cannot be stored: d/link');
  });
});

describe.skipIf(!nativeHelper())('states of tracked paths (one scan instead of 100k index lookups)', () => {
  const indexFile = (dir: string) => join(dir, '.mlv/tmp/stat-index.json');
  const columnsOf = (dir: string) => readFileSync(indexFile(dir), 'utf8').split('\n')[1];

  it('status and re-add of unchanged paths read only the index header: its columns are never needed', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'f.bin': bytes(3000, 1), 'd/a': 'a', 'd/sub/b': 'b', 'd/sub/deeper/c': 'c' });
    ageAll(dir, ['f.bin', 'd/a', 'd/sub/b', 'd/sub/deeper/c']);
    await add(repoAt(dir), ['f.bin', 'd'], { cwd: dir });
    expect(readStatIndexFile(dir).header.states).toHaveProperty('d');
    expect(readStatIndexFile(dir).header.states).toHaveProperty('f.bin');
    // Unreadable columns would make any command that needs them rehash everything and rewrite them.
    const text = readFileSync(indexFile(dir), 'utf8');
    writeFileSync(indexFile(dir), `${text.split('\n')[0]}\n{"not": "columns"`);
    const aged = new Date(Date.now() + 60_000); // keep the index newer than every file (not racy)
    utimesSync(indexFile(dir), aged, aged);
    const s = await status(repoAt(dir), [], { cwd: dir });
    expect(s.map((e) => [e.path, e.state])).toEqual([['d', 'unchanged'], ['f.bin', 'unchanged']]);
    const again = await add(repoAt(dir), ['f.bin', 'd'], { cwd: dir });
    for (const r of again) expect(r, r.path).toMatchObject({ changed: false, hashed: 0, stored: 0 });
    expect(columnsOf(dir)).toBe('{"not": "columns"');
  });

  it('after a folder state is recorded, status sees every kind of change in it', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'd/a.txt': 'aaaa', 'd/sub/b.txt': 'bbbb', 'd/run.sh': 'echo' });
    ageAll(dir, ['d/a.txt', 'd/sub/b.txt', 'd/run.sh']);
    await add(repoAt(dir), ['d'], { cwd: dir });
    await status(repoAt(dir), [], { cwd: dir }); // (confirms the state)
    const changes: [string, () => void, Partial<Record<'added' | 'modified' | 'deleted', string[]>>, () => void][] = [
      ['same-size edit', () => writeFileSync(join(dir, 'd/a.txt'), 'AAAA'), { modified: ['a.txt'] }, () => writeFileSync(join(dir, 'd/a.txt'), 'aaaa')],
      ['exec bit', () => chmodSync(join(dir, 'd/run.sh'), 0o755), { modified: ['run.sh'] }, () => chmodSync(join(dir, 'd/run.sh'), 0o644)],
      ['rename', () => execFileSync('mv', [join(dir, 'd/sub/b.txt'), join(dir, 'd/sub/c.txt')]), { added: ['sub/c.txt'], deleted: ['sub/b.txt'] }, () => execFileSync('mv', [join(dir, 'd/sub/c.txt'), join(dir, 'd/sub/b.txt')])],
      ['deletion', () => rmSync(join(dir, 'd/a.txt')), { deleted: ['a.txt'] }, () => writeFileSync(join(dir, 'd/a.txt'), 'aaaa')],
    ];
    for (const [what, change, expected, undo] of changes) {
      change();
      const [e] = await status(repoAt(dir), [], { cwd: dir });
      expect(e!.state, what).toBe('modified');
      expect(e!.changes, what).toEqual({ added: [], modified: [], deleted: [], ...expected });
      undo();
      expect((await status(repoAt(dir), [], { cwd: dir }))[0]!.state, `${what} undone`).toBe('unchanged');
    }
    // An empty folder is part of the tree.
    mkdirSync(join(dir, 'd/empty'));
    expect((await status(repoAt(dir), [], { cwd: dir }))[0]!.state).toBe('modified');
  });

  it('re-add of an unchanged folder stores again what the cache lost', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'd/a': 'a', 'd/b': 'b' });
    ageAll(dir, ['d/a', 'd/b']);
    const [r] = await add(repoAt(dir), ['d'], { cwd: dir });
    await status(repoAt(dir), [], { cwd: dir });
    const [aOid] = await hashFileOid(join(dir, 'd/a'));
    rmSync(objPath(dir, aOid), { force: true });
    const [again] = await add(repoAt(dir), ['d'], { cwd: dir });
    expect(again).toMatchObject({ oid: r!.oid, changed: false, stored: 1 });
    expect(exists(dir, objPath(dir, aOid).slice(dir.length + 1))).toBe(true);
  });
});
