/**
 * Faults from the core issue, driven through the built CLI as separate processes: two writers at once,
 * `kill -9` in the middle of add and checkout, and a full disk. Each must leave nothing corrupt, and a
 * re-run must succeed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { appendFileSync, closeSync, openSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashFile } from '../../src/core/objects/hash.js';
import { mlv, ROOT, show, spawnMlv } from '../helpers/cli.js';
import { cacheObjects, exists, fingerprint, listFiles, makeRepo, readText, tempDir, writeFiles } from '../helpers/repo.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/** A process that just sleeps (its pid is "alive" for the lock's liveness check). */
function sleeper(): ChildProcess {
  return spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
}

/** A child process that takes the real repo lock through the library and holds it until killed. */
async function lockHolder(repoDir: string): Promise<ChildProcess> {
  const lockModule = join(ROOT, 'dist/core/workspace/lock.js');
  const script = `
    const { acquireLock } = await import(${JSON.stringify(lockModule)});
    await acquireLock(${JSON.stringify(join(repoDir, '.mlv/tmp'))}, 'mlv add held-by-test', 5);
    process.stdout.write('locked\\n');
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('locked') && resolve());
    child.on('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
  });
  return child;
}

/** Writes `size` bytes of incompressible data quickly (a random 1 MiB block, each copy salted). */
function bigFile(path: string, size: number): void {
  const block = randomBytes(1 << 20);
  const fd = openSync(path, 'w');
  try {
    for (let off = 0, i = 0; off < size; off += block.length, i++) {
      block.writeUInt32LE(i, 0);
      writeSync(fd, block, 0, Math.min(block.length, size - off));
    }
  } finally {
    closeSync(fd);
  }
}

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

describe('two mlv processes at once', () => {
  it('the second waits, then fails naming the holder; nothing changes; a dead holder is taken over', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'f.txt': 'data' });
    const holder = await lockHolder(dir);
    children.push(holder);
    const before = fingerprint(dir);
    const r = mlv(dir, ['add', 'f.txt'], { env: { MLV_LOCK_TIMEOUT: '1' } });
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain(`pid ${holder.pid}`);
    expect(r.stderr).toContain('mlv add held-by-test');
    expect(r.stderr).toMatch(/hint: /);
    expect(fingerprint(dir)).toEqual(before);
    expect(exists(dir, 'f.txt.mlv')).toBe(false);
    // The holder dies without releasing (kill -9): its lock is stale and the next command takes it over.
    holder.kill('SIGKILL');
    await exited(holder);
    expect(exists(dir, '.mlv/tmp/lock')).toBe(true);
    const again = mlv(dir, ['add', 'f.txt'], { env: { MLV_LOCK_TIMEOUT: '1' } });
    expect(again.code, show(again)).toBe(0);
    expect(exists(dir, 'f.txt.mlv')).toBe(true);
    expect(exists(dir, '.mlv/tmp/lock')).toBe(false);
  });

  it('a lock file naming a live process blocks every writing command; once that process is gone it is taken over', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'f.txt': 'data', 'g.txt': 'g' });
    expect(mlv(dir, ['add', 'g.txt']).code).toBe(0);
    const s = sleeper();
    children.push(s);
    writeFileSync(join(dir, '.mlv/tmp/lock'), JSON.stringify({ pid: s.pid, host: hostname(), command: 'mlv checkout', started: new Date().toISOString() }));
    const before = fingerprint(dir);
    for (const args of [['add', 'f.txt'], ['commit'], ['checkout']]) {
      const r = mlv(dir, args, { env: { MLV_LOCK_TIMEOUT: '1' } });
      expect(r.code, `${args.join(' ')}\n${show(r)}`).toBe(1);
      expect(r.stderr).toContain(`pid ${s.pid}`);
    }
    expect(fingerprint(dir)).toEqual(before);
    // status only reads: it does not wait for the lock.
    expect(mlv(dir, ['status'], { env: { MLV_LOCK_TIMEOUT: '1' } }).code).toBe(0);
    s.kill('SIGKILL');
    await exited(s);
    const r = mlv(dir, ['add', 'f.txt'], { env: { MLV_LOCK_TIMEOUT: '1' } });
    expect(r.code, show(r)).toBe(0);
  });

  it('two adds started together both succeed (one waits for the other) and the cache is intact', async () => {
    const dir = await makeRepo();
    bigFile(join(dir, 'a.bin'), 20 << 20);
    bigFile(join(dir, 'b.bin'), 20 << 20);
    const env = { MLV_LOCK_TIMEOUT: '60' };
    const [ra, rb] = await Promise.all([spawnMlv(dir, ['add', 'a.bin'], { env }).done, spawnMlv(dir, ['add', 'b.bin'], { env }).done]);
    expect(ra.code, show(ra)).toBe(0);
    expect(rb.code, show(rb)).toBe(0);
    expect(readText(dir, '.gitignore').split('\n').filter(Boolean).sort()).toEqual(['/a.bin', '/b.bin']);
    const v = mlv(dir, ['cache', 'verify']);
    expect(v.code, show(v)).toBe(0);
    expect(v.stdout).toContain('checked 2 objects');
  });
});

describe('kill -9 in the middle of a command', () => {
  it('add of a big file, checkout of it, commit of a new version: re-running succeeds and cache verify is clean', async () => {
    const dir = await makeRepo();
    const big = join(dir, 'big.bin');
    bigFile(big, 300 << 20);
    const want = (await hashFile('xxh128', big)).hex;

    const { child, done } = spawnMlv(dir, ['add', 'big.bin']);
    children.push(child);
    await sleep(200);
    child.kill('SIGKILL');
    const killed = await done;
    // Whatever instant it died at: no object, or a whole and correct one; the workspace file is intact.
    expect((await hashFile('xxh128', big)).hex).toBe(want);
    for (const o of cacheObjects(join(dir, '.mlv/cache'))) expect(o).toBe(`xxh128/${want.slice(0, 2)}/${want.slice(2)}`);
    if (killed.signal !== 'SIGKILL') console.warn(`note: add finished before the kill (exit ${killed.code})`);

    const again = mlv(dir, ['add', 'big.bin']);
    expect(again.code, show(again)).toBe(0);
    expect(readText(dir, 'big.bin.mlv')).toContain(`oid: xxh128:${want}`);
    const v1 = mlv(dir, ['cache', 'verify']);
    expect(v1.code, show(v1)).toBe(0);
    expect(v1.stdout).toContain('all objects are intact');
    expect(listFiles(join(dir, '.mlv/cache/tmp'))).toEqual([]); // stale temps of the killed add were cleaned

    // Now kill a checkout that is restoring it.
    rmSync(big);
    const co = spawnMlv(dir, ['checkout']);
    children.push(co.child);
    await sleep(200);
    co.child.kill('SIGKILL');
    await co.done;
    // The file is either absent or whole: it is staged and renamed into place, never half-written.
    if (exists(dir, 'big.bin')) expect((await hashFile('xxh128', big)).hex).toBe(want);
    const co2 = mlv(dir, ['checkout']);
    expect(co2.code, show(co2)).toBe(0);
    expect((await hashFile('xxh128', big)).hex).toBe(want);
    const st = mlv(dir, ['status']);
    expect(st.code, show(st)).toBe(0);
    expect(st.stdout).toContain('up to date');
    const v2 = mlv(dir, ['cache', 'verify']);
    expect(v2.code, show(v2)).toBe(0);
    expect(v2.stdout).toContain('all objects are intact');
    expect(listFiles(join(dir, '.mlv/tmp/staging'))).toEqual([]);

    // And a commit of a new version of it.
    appendFileSync(big, 'one more line\n');
    const want2 = (await hashFile('xxh128', big)).hex;
    const cm = spawnMlv(dir, ['commit']);
    children.push(cm.child);
    await sleep(200);
    cm.child.kill('SIGKILL');
    await cm.done;
    // The pointer names either version, never a half-written file.
    expect(readText(dir, 'big.bin.mlv')).toMatch(new RegExp(`oid: xxh128:(${want}|${want2})\n`));
    const cm2 = mlv(dir, ['commit']);
    expect(cm2.code, show(cm2)).toBe(0);
    expect(readText(dir, 'big.bin.mlv')).toContain(`oid: xxh128:${want2}`);
    const v3 = mlv(dir, ['cache', 'verify']);
    expect(v3.code, show(v3)).toBe(0);
    expect(v3.stdout).toContain('checked 2 objects');
    expect(mlv(dir, ['status']).stdout).toContain('up to date');
  });

  it('add of a folder of many small files: re-running succeeds and cache verify is clean', async () => {
    const dir = await makeRepo();
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 3000; i++) files[`d/${i % 30}/f${i}.bin`] = randomBytes(2048 + (i % 7));
    writeFiles(dir, files);
    const { child, done } = spawnMlv(dir, ['add', 'd']);
    children.push(child);
    await sleep(200);
    child.kill('SIGKILL');
    await done;
    const again = mlv(dir, ['add', 'd']);
    expect(again.code, show(again)).toBe(0);
    const v = mlv(dir, ['cache', 'verify']);
    expect(v.code, show(v)).toBe(0);
    expect(v.stdout).toContain('all objects are intact');
    rmSync(join(dir, 'd'), { recursive: true });
    expect(mlv(dir, ['checkout']).code).toBe(0);
    for (const [rel, data] of Object.entries(files).slice(0, 50)) expect(readText(dir, rel)).toBe(data.toString());
    expect(mlv(dir, ['status']).stdout).toContain('up to date');
  });
});

describe('a full disk', () => {
  const mnt = tempDir('mlv-tmpfs-');
  let mounted = false;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt], { stdio: 'pipe' });
    mounted = true;
  } catch (err) {
    console.warn(`SKIP full-disk tests: cannot mount a small tmpfs (${(err as Error).message.split('\n')[0]}); they need root`);
  }
  afterAll(() => {
    if (mounted) execFileSync('umount', [mnt]);
  });

  it.skipIf(!mounted).each([
    ['a big file (copied by the kernel)', { 'big.bin': 4 << 20 }, 'big.bin'],
    ['a folder of small files (batched)', Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`d/f${i}`, 100_000])), 'd'],
  ])('add of %s fails clearly, the workspace intact, no partial object, no pointer', async (_what, sizes, target) => {
    const cacheDir = join(mnt, `cache-${target}`);
    const dir = await makeRepo({ localConfig: `cache:\n  dir: ${cacheDir}\n` });
    const files: Record<string, Buffer> = {};
    for (const [rel, size] of Object.entries(sizes)) files[rel] = randomBytes(size);
    writeFiles(dir, files);
    const before = fingerprint(dir);
    const r = mlv(dir, ['add', target]);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toMatch(/space/i);
    expect(r.stderr).not.toMatch(/unexpected error|\n\s+at /);
    expect(fingerprint(dir)).toEqual(before); // workspace files intact, no pointer, no .gitignore
    expect(exists(dir, `${target}.mlv`)).toBe(false);
    expect(cacheObjects(cacheDir)).toEqual([]);
    expect(listFiles(join(cacheDir, 'tmp'))).toEqual([]);
    const json = mlv(dir, ['status', '--json']);
    expect(json.code, show(json)).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([]);
    rmSync(cacheDir, { recursive: true, force: true });
  });

  /** Runs `body` in an mlv repo on a 4 MiB tmpfs whose cache lives elsewhere (so only the workspace fills up). */
  async function onSmallWorkspaceDisk(body: (ws: string) => Promise<void>): Promise<void> {
    const ws = tempDir('mlv-tmpfs-ws-');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', ws]);
    try {
      execFileSync('git', ['init', '-q', '-b', 'main', ws]);
      expect(mlv(ws, ['init']).code).toBe(0);
      writeFileSync(join(ws, '.mlv/config.local.yaml'), `cache:\n  dir: ${tempDir('mlv-cache-')}\n`);
      await body(ws);
    } finally {
      execFileSync('umount', [ws]);
    }
  }

  it.skipIf(!mounted)('add of a big file whose copy does not fit beside it (cache and workspace on one full disk) fails clearly and changes nothing', async () => {
    const disk = tempDir('mlv-tmpfs-one-');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', disk]);
    try {
      execFileSync('git', ['init', '-q', '-b', 'main', disk]);
      expect(mlv(disk, ['init']).code).toBe(0);
      writeFileSync(join(disk, 'big.bin'), randomBytes(3_000_000));
      const past = Date.now() / 1000 - 60; // old enough for add to take its inode into the cache (adopt.ts)
      utimesSync(join(disk, 'big.bin'), past, past);
      const inode = statSync(join(disk, 'big.bin')).ino;
      const before = fingerprint(disk, { exclude: ['.mlv/cache'] }); // (checked below: empty)
      const r = mlv(disk, ['add', 'big.bin']);
      expect(r.code, show(r)).toBe(1);
      expect(r.stderr).toMatch(/space/i);
      expect(r.stderr).toContain('big.bin');
      expect(r.stderr).not.toMatch(/unexpected error|\n\s+at /);
      expect(fingerprint(disk, { exclude: ['.mlv/cache'] })).toEqual(before);
      const st = statSync(join(disk, 'big.bin'));
      expect([st.ino, st.nlink, st.mode & 0o777]).toEqual([inode, 1, 0o644]);
      expect(cacheObjects(join(disk, '.mlv/cache'))).toEqual([]);
      expect(listFiles(join(disk, '.mlv/cache/tmp'))).toEqual([]);
      expect(listFiles(join(disk, '.mlv/tmp/staging'))).toEqual([]);
    } finally {
      execFileSync('umount', [disk]);
    }
  });

  it.skipIf(!mounted)('checkout onto a full workspace disk fails clearly, leaves no partial file, and succeeds once there is room', async () => {
    await onSmallWorkspaceDisk(async (ws) => {
      writeFileSync(join(ws, 'big.bin'), randomBytes(3_000_000));
      const want = (await hashFile('xxh128', join(ws, 'big.bin'))).hex;
      expect(mlv(ws, ['add', 'big.bin']).code).toBe(0);
      rmSync(join(ws, 'big.bin'));
      writeFileSync(join(ws, 'filler'), Buffer.alloc(2_500_000));
      const r = mlv(ws, ['checkout']);
      expect(r.code, show(r)).toBe(1);
      expect(r.stderr).toMatch(/space/i);
      expect(r.stderr).toContain('big.bin');
      expect(exists(ws, 'big.bin')).toBe(false);
      expect(listFiles(join(ws, '.mlv/tmp/staging'))).toEqual([]);
      rmSync(join(ws, 'filler'));
      const again = mlv(ws, ['checkout']);
      expect(again.code, show(again)).toBe(0);
      expect((await hashFile('xxh128', join(ws, 'big.bin'))).hex).toBe(want);
    });
  });

  it.skipIf(!mounted)('checkout of many small files onto a full disk (written on writer threads) fails naming a file, then succeeds', async () => {
    await onSmallWorkspaceDisk(async (ws) => {
      const files = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`d/f${i}.bin`, randomBytes(100_000)]));
      writeFiles(ws, files);
      expect(mlv(ws, ['add', 'd']).code).toBe(0);
      rmSync(join(ws, 'd'), { recursive: true });
      writeFileSync(join(ws, 'filler'), Buffer.alloc(2_500_000));
      const r = mlv(ws, ['checkout']);
      expect(r.code, show(r)).toBe(1);
      expect(r.stderr).toMatch(/space/i);
      expect(r.stderr).toMatch(/d\/f\d+\.bin/);
      expect(r.stderr).not.toMatch(/unexpected error|\n\s+at /);
      expect(listFiles(join(ws, '.mlv/tmp/staging'))).toEqual([]);
      rmSync(join(ws, 'filler'));
      const again = mlv(ws, ['checkout']);
      expect(again.code, show(again)).toBe(0);
      for (const [rel, body] of Object.entries(files)) expect(readFileSync(join(ws, rel)).equals(body), rel).toBe(true);
    });
  });

  it.skipIf(!mounted)('checkout restores into a tracked folder that is a mount point (staged files cannot be renamed there)', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'd/a.txt': 'on the repo disk', 'd/m/.keep': '' });
    const mountPoint = join(dir, 'd/m');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountPoint]);
    try {
      writeFiles(dir, { 'd/m/b.txt': 'on another file system', 'd/m/c.sh': '#!/bin/sh\n' });
      execFileSync('chmod', ['+x', join(dir, 'd/m/c.sh')]);
      const added = mlv(dir, ['add', 'd']);
      expect(added.code, show(added)).toBe(0);
      for (const f of ['d/a.txt', 'd/m/b.txt', 'd/m/c.sh']) rmSync(join(dir, f));
      // Staging is in .mlv/tmp on the repo's disk: a rename into d/m fails with EXDEV and mlv writes in place.
      const r = mlv(dir, ['checkout']);
      expect(r.code, show(r)).toBe(0);
      expect(readText(dir, 'd/a.txt')).toBe('on the repo disk');
      expect(readText(dir, 'd/m/b.txt')).toBe('on another file system');
      expect(readText(dir, 'd/m/c.sh')).toBe('#!/bin/sh\n');
      expect(listFiles(join(dir, '.mlv/tmp/staging'))).toEqual([]);
      const st = mlv(dir, ['status', '--json']);
      expect(JSON.parse(st.stdout)[0]).toMatchObject({ path: 'd', state: 'unchanged' });
    } finally {
      execFileSync('umount', [mountPoint]);
    }
  });
});
