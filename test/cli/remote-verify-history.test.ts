/** `mlv remote verify` with history flags checks the objects of old revisions too. */
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mlv, show } from '../helpers/cli.js';
import { git, makeRepo, tempDir, writeFiles } from '../helpers/repo.js';

function ok(dir: string, ...args: string[]): string {
  const r = mlv(dir, args);
  expect(r.code, show(r)).toBe(0);
  return r.stdout;
}

describe('mlv remote verify --rev', () => {
  it('finds and repairs a corrupt object of an old revision that the workspace no longer names', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'data.csv': 'v1 rows\n' });
    ok(dir, 'add', 'data.csv');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'v1');
    git(dir, 'tag', 'v1');
    const v1Oid = /oid: (\S+)/.exec(readFileSync(join(dir, 'data.csv.mlv'), 'utf8'))![1]!;
    writeFiles(dir, { 'data.csv': 'v2 rows\n' });
    ok(dir, 'commit');
    git(dir, 'commit', '-qam', 'v2');
    const store = tempDir('mlv-remote-');
    ok(dir, 'remote', 'add', 'shared', store, '--default');
    ok(dir, 'push', '--all-commits');

    const [algo, hex] = v1Oid.split(':') as [string, string];
    const object = join(store, 'objects', algo, hex.slice(0, 2), hex.slice(2));
    chmodSync(object, 0o644);
    writeFileSync(object, 'v1 rowz\n');

    expect(ok(dir, 'remote', 'verify')).toContain('all objects are intact'); // HEAD does not name v1's object
    const bad = mlv(dir, ['remote', 'verify', '--rev', 'v1']);
    expect(bad.code, show(bad)).toBe(1);
    expect(bad.stdout).toContain(`corrupt: ${v1Oid}`);
    ok(dir, 'remote', 'verify', '--rev', 'v1', '--repair');
    expect(readFileSync(object, 'utf8')).toBe('v1 rows\n');
    expect(ok(dir, 'remote', 'verify', '--all-commits')).toContain('all objects are intact');
  });

  it('an object that cannot be read is reported and the check of the others goes on', async () => {
    const dir = await makeRepo();
    // Enough objects (300 files in a folder) that existence is answered by listing the remote's folders,
    // so the broken object is seen as present and its download fails.
    const files: Record<string, string> = { 'a.csv': 'a\n' };
    for (let i = 0; i < 300; i++) files[`many/f${i}.txt`] = `file ${i}\n`;
    writeFiles(dir, files);
    ok(dir, 'add', 'a.csv', 'many');
    const store = tempDir('mlv-remote-');
    ok(dir, 'remote', 'add', 'shared', store, '--default');
    ok(dir, 'push');
    const aOid = /oid: (\S+)/.exec(readFileSync(join(dir, 'a.csv.mlv'), 'utf8'))![1]!;
    const [algo, hex] = aOid.split(':') as [string, string];
    const object = join(store, 'objects', algo, hex.slice(0, 2), hex.slice(2));
    rmSync(object);
    mkdirSync(object); // a folder where the object should be: reading it fails for this object only
    const r = mlv(dir, ['remote', 'verify']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stdout).toContain(`unreadable: ${aOid}`);
    expect(r.stdout).toMatch(/checked 301 objects/); // 300 files + the folder's tree: the rest was checked
  });
});
