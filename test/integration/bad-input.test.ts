/**
 * Bad input from the core issue: each case fails with a clear error (stable code, the path named, a hint)
 * and leaves the workspace, the pointers, the ignore files and the cache exactly as they were.
 */
import { mkdirSync, rmSync, symlinkSync, writeFileSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { add } from '../../src/core/api/add.js';
import { checkout } from '../../src/core/api/checkout.js';
import { commit } from '../../src/core/api/commit.js';
import { init } from '../../src/core/api/init.js';
import { status } from '../../src/core/api/status.js';
import { MlvError } from '../../src/core/errors.js';
import { openRepo } from '../../src/core/workspace/repo.js';
import { cacheObjects, exists, fingerprint, git, makeRepo, readText, repoAt, tempDir, writeFiles } from '../helpers/repo.js';

async function fails(p: Promise<unknown> | (() => unknown)): Promise<MlvError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    expect(err).toBeInstanceOf(MlvError);
    return err as MlvError;
  }
  throw new Error('expected an MlvError');
}

/** Runs `op`, expects it to fail with `code`, and checks that nothing in the repo changed. */
async function failsCleanly(dir: string, op: () => Promise<unknown>, code: string): Promise<MlvError> {
  const before = fingerprint(dir);
  const gitStatus = git(dir, 'status', '--porcelain', '-uall', '--ignored');
  const err = await fails(op);
  expect(err.code, err.message).toBe(code);
  expect(fingerprint(dir)).toEqual(before);
  expect(git(dir, 'status', '--porcelain', '-uall', '--ignored')).toBe(gitStatus);
  return err;
}

describe('outside a Git repo or mlv repo', () => {
  it('not a Git repo: init and every command fail with the hint `git init`', async () => {
    const dir = tempDir('mlv-nogit-');
    const e1 = await fails(() => init(dir));
    expect(e1.code).toBe('NOT_A_GIT_REPO');
    expect(e1.message).toContain(dir);
    expect(e1.hint).toContain('git init');
    const e2 = await fails(() => openRepo(dir));
    expect(e2.code).toBe('NOT_A_GIT_REPO');
    expect(exists(dir, '.mlv')).toBe(false);
  });

  it('a Git repo without mlv: the hint is `mlv init`', async () => {
    const dir = await makeRepo({ mlv: false });
    const err = await fails(() => openRepo(dir));
    expect(err.code).toBe('NOT_AN_MLV_REPO');
    expect(err.hint).toContain('mlv init');
    expect(exists(dir, '.mlv')).toBe(false);
  });
});

describe('add: bad targets change nothing', () => {
  it('a target outside the repo (relative and absolute)', async () => {
    const dir = await makeRepo();
    const outside = tempDir('mlv-outside-');
    writeFiles(outside, { 'x.bin': 'x' });
    writeFiles(dir, { 'ok.txt': 'ok' });
    const e1 = await failsCleanly(dir, () => add(repoAt(dir), ['ok.txt', join(outside, 'x.bin')], { cwd: dir }), 'TARGET_OUTSIDE_REPO');
    expect(e1.message).toContain(join(outside, 'x.bin'));
    await failsCleanly(dir, () => add(repoAt(dir), ['../x.bin'], { cwd: dir }), 'TARGET_OUTSIDE_REPO');
    expect(exists(outside, 'x.bin.mlv')).toBe(false);
  });

  it('a target inside .git or .mlv, or the repo root itself', async () => {
    const dir = await makeRepo();
    const e1 = await failsCleanly(dir, () => add(repoAt(dir), ['.git/config'], { cwd: dir }), 'TARGET_INTERNAL');
    expect(e1.message).toContain('.git');
    await failsCleanly(dir, () => add(repoAt(dir), ['.git'], { cwd: dir }), 'TARGET_INTERNAL');
    await failsCleanly(dir, () => add(repoAt(dir), ['.mlv/config.yaml'], { cwd: dir }), 'TARGET_INTERNAL');
    await failsCleanly(dir, () => add(repoAt(dir), ['.'], { cwd: dir }), 'TARGET_IS_REPO_ROOT');
  });

  it('a path Git already tracks, or a folder holding one: hint `git rm --cached`', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'tracked.csv': 'a', 'd/in-git.txt': 'g', 'd/other.bin': 'o' });
    git(dir, 'add', 'tracked.csv', 'd/in-git.txt');
    git(dir, 'commit', '-qm', 'x');
    const e1 = await failsCleanly(dir, () => add(repoAt(dir), ['tracked.csv'], { cwd: dir }), 'TRACKED_BY_GIT');
    expect(e1.message).toContain('tracked.csv');
    expect(e1.hint).toMatch(/git rm (-r )?--cached/);
    expect(e1.hint).toContain('tracked.csv');
    const e2 = await failsCleanly(dir, () => add(repoAt(dir), ['d'], { cwd: dir }), 'TRACKED_BY_GIT');
    expect(e2.message).toContain('d/in-git.txt');
    expect(e2.hint).toMatch(/git rm -r --cached d/);
  });

  it('a path inside a tracked folder, and a folder containing a tracked path', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'd/a.txt': 'a', 'd/sub/b.txt': 'b', 'top/x/file.bin': 'f', 'top/y.txt': 'y' });
    await add(repoAt(dir), ['d', 'top/x/file.bin'], { cwd: dir });
    const e1 = await failsCleanly(dir, () => add(repoAt(dir), ['d/sub/b.txt'], { cwd: dir }), 'TARGET_IN_TRACKED_FOLDER');
    expect(e1.message).toContain('d.mlv');
    await failsCleanly(dir, () => add(repoAt(dir), ['d/sub'], { cwd: dir }), 'TARGET_IN_TRACKED_FOLDER');
    const e2 = await failsCleanly(dir, () => add(repoAt(dir), ['top'], { cwd: dir }), 'TARGET_CONTAINS_TRACKED');
    expect(e2.message).toContain('top/x/file.bin.mlv');
  });

  it('nested targets in one command, a pointer file, a missing path', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'd/a.txt': 'a', 'f.txt': 'f' });
    await add(repoAt(dir), ['f.txt'], { cwd: dir });
    await failsCleanly(dir, () => add(repoAt(dir), ['d', 'd/a.txt'], { cwd: dir }), 'TARGET_NESTED');
    await failsCleanly(dir, () => add(repoAt(dir), ['f.txt.mlv'], { cwd: dir }), 'TARGET_IS_POINTER');
    const e = await failsCleanly(dir, () => add(repoAt(dir), ['d', 'nope.csv'], { cwd: dir }), 'TARGET_MISSING');
    expect(e.message).toContain('nope.csv');
    await failsCleanly(dir, () => add(repoAt(dir), ['*.parquet'], { cwd: dir }), 'NO_MATCH');
  });

  it.each([
    ['a tab', 'bad\tname.txt'],
    ['a newline', 'bad\nname.txt'],
    ['a carriage return', 'bad\rname.txt'],
  ])('a file name with %s inside a folder is reported before anything is written', async (_what, bad) => {
    const dir = await makeRepo();
    writeFiles(dir, { 'good.bin': 'g', 'd/ok.txt': 'ok', [`d/sub/${bad}`]: 'x', 'd/big.bin': Buffer.alloc(2 << 20, 1) });
    const err = await failsCleanly(dir, () => add(repoAt(dir), ['good.bin', 'd'], { cwd: dir }), 'BAD_FILE_NAME');
    expect(err.message).toContain('d/sub/');
    expect(err.details?.paths).toEqual([`d/sub/${bad}`]);
    expect(cacheObjects(join(dir, '.mlv/cache'))).toEqual([]);
    expect(exists(dir, 'good.bin.mlv')).toBe(false);
    expect(exists(dir, 'd.mlv')).toBe(false);
    expect(exists(dir, '.gitignore')).toBe(false);
  });

  it('a top-level file name with a newline is refused too', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'a\nb.csv': 'x' });
    await failsCleanly(dir, () => add(repoAt(dir), ['a\nb.csv'], { cwd: dir }), 'BAD_FILE_NAME');
  });

  it('a top-level name with a backslash is refused (its pointer could not be read back); inside a folder it is kept', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'back\\slash.csv': 'b', 'd/also\\here.csv': 'h' });
    const err = await failsCleanly(dir, () => add(repoAt(dir), ['back\\slash.csv'], { cwd: dir }), 'BAD_FILE_NAME');
    expect(err.message).toContain('backslash');
    await add(repoAt(dir), ['d'], { cwd: dir });
    rmSync(join(dir, 'd'), { recursive: true });
    await checkout(repoAt(dir), [], { cwd: dir });
    expect(readText(dir, 'd/also\\here.csv')).toBe('h');
    expect((await status(repoAt(dir), [], { cwd: dir })).map((e) => e.state)).toEqual(['unchanged']);
  });

  it('symbolic links inside a folder are listed; --follow-symlinks stores what they point to', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'd/real.txt': 'real', 'elsewhere/target.txt': 'target', 'elsewhere/t2/x': 'x2' });
    symlinkSync('../elsewhere/target.txt', join(dir, 'd/link.txt'));
    mkdirSync(join(dir, 'd/sub'));
    symlinkSync('../../elsewhere/t2', join(dir, 'd/sub/dirlink'));
    symlinkSync('/nonexistent/dangling', join(dir, 'd/dangling'));
    const err = await failsCleanly(dir, () => add(repoAt(dir), ['d'], { cwd: dir }), 'SYMLINK_IN_FOLDER');
    expect(err.message).toContain('d/link.txt');
    expect(err.message).toContain('d/sub/dirlink');
    expect(err.message).toContain('d/dangling');
    expect(err.hint).toContain('--follow-symlinks');
    expect(cacheObjects(join(dir, '.mlv/cache'))).toEqual([]);
    // Following: the dangling link still cannot be stored.
    const e2 = await failsCleanly(dir, () => add(repoAt(dir), ['d'], { cwd: dir, followSymlinks: true }), 'SYMLINK_IN_FOLDER');
    expect(e2.message).toContain('d/dangling');
    expect(e2.message).not.toContain('d/link.txt');
    rmSync(join(dir, 'd/dangling'));
    const [r] = await add(repoAt(dir), ['d'], { cwd: dir, followSymlinks: true });
    expect(r).toMatchObject({ files: 3, size: 'real'.length + 'target'.length + 'x2'.length });
    // Checkout writes regular files where the links were.
    rmSync(join(dir, 'd'), { recursive: true });
    await checkout(repoAt(dir), [], { cwd: dir });
    expect(lstatSync(join(dir, 'd/link.txt')).isFile()).toBe(true);
    expect(readText(dir, 'd/link.txt')).toBe('target');
    expect(readText(dir, 'd/sub/dirlink/x')).toBe('x2');
  });

  it('a symlink as a top-level target is refused unless following', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'real.bin': 'r' });
    symlinkSync('real.bin', join(dir, 'alias.bin'));
    await failsCleanly(dir, () => add(repoAt(dir), ['alias.bin'], { cwd: dir }), 'TARGET_IS_SYMLINK');
  });
});

describe('malformed pointers: errors name the file and the field, nothing changes', () => {
  const OID = 'xxh128:0123456789abcdef0123456789abcdef';
  it.each([
    ['malformed YAML', 'version: 1\nkind: [file\n', undefined],
    ['an unknown version', `version: 7\nkind: file\npath: x.bin\noid: ${OID}\nsize: 1\n`, 'version'],
    ['a path escaping the folder', `version: 1\nkind: file\npath: ../../etc/passwd\noid: ${OID}\nsize: 1\n`, 'path'],
    ['an absolute path', `version: 1\nkind: file\npath: /etc/passwd\noid: ${OID}\nsize: 1\n`, 'path'],
    ['a bad oid', `version: 1\nkind: file\npath: x.bin\noid: xxh128:zz\nsize: 1\n`, 'oid'],
    ['a negative size', `version: 1\nkind: file\npath: x.bin\noid: ${OID}\nsize: -5\n`, 'size'],
    ['a non-integer size', `version: 1\nkind: file\npath: x.bin\noid: ${OID}\nsize: 2.5\n`, 'size'],
    ['a dir without files', `version: 1\nkind: dir\npath: x.bin\noid: ${OID}\nsize: 1\n`, 'files'],
  ])('%s', async (_what, text, field) => {
    const dir = await makeRepo();
    writeFiles(dir, { 'good.txt': 'g' });
    await add(repoAt(dir), ['good.txt'], { cwd: dir });
    writeFiles(dir, { 'sub/x.bin.mlv': text });
    for (const op of [
      () => status(repoAt(dir), [], { cwd: dir }),
      () => checkout(repoAt(dir), [], { cwd: dir }),
      () => commit(repoAt(dir), [], { cwd: dir }),
    ]) {
      const err = await failsCleanly(dir, op, 'POINTER_INVALID');
      expect(err.message).toContain('sub/x.bin.mlv');
      if (field) expect(err.message).toContain(`field '${field}'`);
      expect(err.details).toMatchObject({ file: 'sub/x.bin.mlv' });
    }
    expect(exists(dir, '/etc/passwd.mlv')).toBe(false);
  });
});

describe('kind changes and config errors', () => {
  it('a tracked file replaced by a folder is refused by add and commit', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'x': 'file' });
    await add(repoAt(dir), ['x'], { cwd: dir });
    rmSync(join(dir, 'x'));
    writeFiles(dir, { 'x/inner': 'i' });
    await failsCleanly(dir, () => add(repoAt(dir), ['x'], { cwd: dir }), 'KIND_CHANGED');
    await failsCleanly(dir, () => commit(repoAt(dir), [], { cwd: dir }), 'KIND_CHANGED');
  });

  it('core.lock_timeout comes from the config or MLV_LOCK_TIMEOUT; an empty variable means unset', async () => {
    const dir = await makeRepo({ config: 'core:\n  lock_timeout: 7\n' });
    const saved = process.env.MLV_LOCK_TIMEOUT;
    try {
      delete process.env.MLV_LOCK_TIMEOUT;
      expect(openRepo(dir).config.core.lockTimeout).toBe(7);
      process.env.MLV_LOCK_TIMEOUT = '2';
      expect(openRepo(dir).config.core.lockTimeout).toBe(2);
      process.env.MLV_LOCK_TIMEOUT = '';
      expect(openRepo(dir).config.core.lockTimeout).toBe(7);
      process.env.MLV_LOCK_TIMEOUT = 'soon';
      expect((await fails(() => openRepo(dir))).message).toContain('lock_timeout');
    } finally {
      if (saved === undefined) delete process.env.MLV_LOCK_TIMEOUT;
      else process.env.MLV_LOCK_TIMEOUT = saved;
    }
  });

  it('an invalid config names the key', async () => {
    const dir = await makeRepo({ config: 'cache:\n  link: [teleport]\n' });
    const err = await fails(() => openRepo(dir));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain('cache.link');
    writeFileSync(join(dir, '.mlv/config.yaml'), 'core:\n  hash: md5\n');
    expect((await fails(() => openRepo(dir))).message).toContain('core.hash');
  });
});
