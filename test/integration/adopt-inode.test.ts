/**
 * Copy mode without reflinks (ext4): `add` of a big file makes the workspace file's own inode the cache
 * object and puts an independent copy, with the same mode and times, in its place — unless something
 * else can reach that inode (another hard link, a writer holding it open, a recent write).
 */
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, chmodSync, linkSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { add } from '../../src/core/api/add.js';
import { cacheVerify } from '../../src/core/api/cache-verify.js';
import { status } from '../../src/core/api/status.js';
import { nativeHelper } from '../../src/core/native.js';
import { parsePointer } from '../../src/core/objects/pointer.js';
import { BIN } from '../helpers/cli.js';
import { bytes, makeRepo, read, readText, repoAt, sha256, testEnv } from '../helpers/repo.js';

const BIG = 3 * 1024 * 1024; // above the small-object limit
const PAST = Date.now() / 1000 - 3600;

function writeOld(dir: string, rel: string, data: Buffer, fileMode = 0o644): void {
  mkdirSync(join(dir, rel, '..'), { recursive: true });
  writeFileSync(join(dir, rel), data);
  chmodSync(join(dir, rel), fileMode);
  utimesSync(join(dir, rel), PAST, PAST);
}

const stagingEntries = (dir: string) => {
  try {
    return readdirSync(join(dir, '.mlv/tmp/staging'));
  } catch {
    return [];
  }
};

describe.skipIf(!nativeHelper())('add in copy mode adopts the inode of a big file', () => {
  it('the object is the old inode, the workspace gets a writable copy with the same bytes, mode and mtime', async () => {
    const dir = await makeRepo({ config: 'cache:\n  link: [copy]\n' });
    const data = bytes(BIG, 11);
    writeOld(dir, 'model.bin', data);
    writeOld(dir, 'run.sh', Buffer.concat([Buffer.from('#!/bin/sh\n'), bytes(BIG, 12)]), 0o755);
    const before = { model: statSync(join(dir, 'model.bin')), run: statSync(join(dir, 'run.sh')) };

    // Through the CLI, as a user runs it.
    execFileSync(process.execPath, [BIN, 'add', '-q', 'model.bin', 'run.sh'], { cwd: dir, env: testEnv() });

    const repo = repoAt(dir);
    for (const [name, st] of [['model.bin', before.model], ['run.sh', before.run]] as const) {
      const oid = parsePointer(readText(dir, `${name}.mlv`), `${name}.mlv`).oid;
      const object = statSync(repo.store.path(oid));
      const now = statSync(join(dir, name));
      expect(object.ino, name).toBe(st.ino);
      expect(object.mode & 0o777).toBe(0o444);
      expect(object.nlink).toBe(1);
      expect(now.ino, name).not.toBe(st.ino);
      expect(now.nlink).toBe(1);
      expect(now.mode & 0o777).toBe(st.mode & 0o777);
      expect(Math.round(now.mtimeMs)).toBe(Math.round(st.mtimeMs));
    }
    expect(sha256(read(dir, 'model.bin'))).toBe(sha256(data));
    expect(stagingEntries(dir)).toEqual([]);

    // The stat index knows the new files: nothing is hashed again.
    expect((await status(repo, [], { cwd: dir })).map((s) => s.state)).toEqual(['unchanged', 'unchanged']);
    const again = await add(repoAt(dir), ['model.bin', 'run.sh'], { cwd: dir });
    expect(again.map((r) => r.hashed)).toEqual([0, 0]);

    // The workspace copy is the user's: writing to it leaves the cache whole.
    appendFileSync(join(dir, 'model.bin'), 'more');
    expect((await cacheVerify(repoAt(dir))).bad).toEqual([]);
    expect((await status(repoAt(dir), ['model.bin'], { cwd: dir }))[0]!.state).toBe('modified');
  });

  it('big files inside a folder are adopted too, and the folder stays unchanged for status', async () => {
    const dir = await makeRepo({ config: 'cache:\n  link: [copy]\n' });
    writeOld(dir, 'data/a.bin', bytes(BIG, 21));
    writeOld(dir, 'data/sub/b.bin', bytes(BIG + 1, 22));
    writeOld(dir, 'data/small.txt', Buffer.from('small'));
    const inoA = statSync(join(dir, 'data/a.bin')).ino;
    const [r] = await add(repoAt(dir), ['data'], { cwd: dir });
    expect(r!.hashed).toBe(3);
    expect(statSync(join(dir, 'data/a.bin')).ino).not.toBe(inoA);
    expect((await status(repoAt(dir), [], { cwd: dir }))[0]!.state).toBe('unchanged');
    expect((await add(repoAt(dir), ['data'], { cwd: dir }))[0]!.hashed).toBe(0);
    expect((await cacheVerify(repoAt(dir))).bad).toEqual([]);
  });

  it('a file with a second hard link is copied into the cache; both names keep their inode', async () => {
    const dir = await makeRepo({ config: 'cache:\n  link: [copy]\n' });
    writeOld(dir, 'model.bin', bytes(BIG, 31));
    linkSync(join(dir, 'model.bin'), join(dir, 'elsewhere.bin'));
    const before = statSync(join(dir, 'model.bin')).ino;
    const [r] = await add(repoAt(dir), ['model.bin'], { cwd: dir });
    expect(statSync(join(dir, 'model.bin')).ino).toBe(before);
    expect(statSync(join(dir, 'elsewhere.bin')).ino).toBe(before);
    expect(statSync(repoAt(dir).store.path(r!.oid)).ino).not.toBe(before);
  });

  it('a file another process holds open for writing is copied into the cache, not adopted', async () => {
    const dir = await makeRepo({ config: 'cache:\n  link: [copy]\n' });
    writeOld(dir, 'log.bin', bytes(BIG, 41));
    const before = statSync(join(dir, 'log.bin')).ino;
    const writer = spawn(process.execPath, ['-e', `require('fs').openSync(${JSON.stringify(join(dir, 'log.bin'))}, 'r+'); console.log('open'); setInterval(() => {}, 1000)`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        writer.stdout!.once('data', () => resolve());
        writer.once('exit', (code) => reject(new Error(`writer exited (${code})`)));
      });
      const [r] = await add(repoAt(dir), ['log.bin'], { cwd: dir });
      expect(statSync(join(dir, 'log.bin')).ino).toBe(before);
      expect(statSync(repoAt(dir).store.path(r!.oid)).ino).not.toBe(before);
    } finally {
      writer.kill('SIGKILL');
    }
    expect((await cacheVerify(repoAt(dir))).bad).toEqual([]);
  });

  it('a file written within the last second is copied (its hash could be racy)', async () => {
    const dir = await makeRepo({ config: 'cache:\n  link: [copy]\n' });
    writeFileSync(join(dir, 'fresh.bin'), bytes(BIG, 51));
    const before = statSync(join(dir, 'fresh.bin')).ino;
    const [r] = await add(repoAt(dir), ['fresh.bin'], { cwd: dir });
    expect(statSync(join(dir, 'fresh.bin')).ino).toBe(before);
    expect(statSync(repoAt(dir).store.path(r!.oid)).ino).not.toBe(before);
    expect(stagingEntries(dir)).toEqual([]);
  });
});
