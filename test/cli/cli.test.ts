/** The built `mlv` CLI as users run it: output, exit codes, hints, -C, --json, --quiet. */
import { chmodSync, lstatSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mlv, show, type CliResult } from '../helpers/cli.js';
import { bytes, exists, git, makeRepo, mode, read, readText, tempDir, writeFiles } from '../helpers/repo.js';

function ok(r: CliResult): CliResult {
  expect(r.code, show(r)).toBe(0);
  return r;
}

function failed(r: CliResult, code = 1): CliResult {
  expect(r.code, show(r)).toBe(code);
  expect(r.stderr, show(r)).toMatch(/^mlv: /m);
  expect(r.stderr, 'no stack traces for expected errors').not.toMatch(/\n\s+at .+:\d+:\d+/);
  expect(r.stderr).not.toContain('unexpected error');
  return r;
}

describe('mlv CLI: setup', () => {
  it('--version answers', () => {
    expect(ok(mlv(tempDir(), ['--version'])).stdout).toMatch(/^mlv\/\d+\.\d+\.\d+ /);
  });

  it('init outside a Git repo fails with the hint `git init`', () => {
    const dir = tempDir('mlv-cli-nogit-');
    const r = failed(mlv(dir, ['init']));
    expect(r.stderr).toContain('not inside a Git work tree');
    expect(r.stderr).toMatch(/^hint: .*git init/m);
    expect(exists(dir, '.mlv')).toBe(false);
    failed(mlv(dir, ['status']));
  });

  it('commands in a Git repo without mlv fail with the hint `mlv init`', async () => {
    const dir = await makeRepo({ mlv: false });
    writeFiles(dir, { 'f.txt': 'x' });
    for (const args of [['add', 'f.txt'], ['status'], ['checkout']]) {
      const r = failed(mlv(dir, args));
      expect(r.stderr).toMatch(/^hint: .*mlv init/m);
    }
    expect(exists(dir, 'f.txt.mlv')).toBe(false);
    expect(exists(dir, '.mlv')).toBe(false);
  });

  it('init, then init again changes nothing and says so', async () => {
    const dir = await makeRepo({ mlv: false });
    const r1 = ok(mlv(dir, ['init']));
    expect(r1.stdout).toContain('Initialised mlv');
    const config = readText(dir, '.mlv/config.yaml');
    const mtime = statSync(join(dir, '.mlv/config.yaml')).mtimeMs;
    const r2 = ok(mlv(dir, ['init']));
    expect(r2.stdout).toMatch(/already initialised.*nothing changed/);
    expect(readText(dir, '.mlv/config.yaml')).toBe(config);
    expect(statSync(join(dir, '.mlv/config.yaml')).mtimeMs).toBe(mtime);
  });
});

describe('mlv CLI: the everyday loop', () => {
  it('add → status → edit → status --json → commit → git commit → delete → checkout', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'data/train.csv': 'id,x\n1,2\n', 'data/images/a.png': bytes(3000, 1), 'data/images/b.png': bytes(3000, 2), 'models/m.bin': bytes(2 << 20, 3) });
    const add = ok(mlv(dir, ['add', 'data/train.csv', 'data/images', 'models/m.bin']));
    expect(add.stdout).toMatch(/^added +data\/train\.csv \(9 B\) xxh128:[0-9a-f]{12}$/m);
    expect(add.stdout).toMatch(/^added +data\/images \(2 files, /m);
    expect(add.stdout).toContain('git add data/train.csv.mlv data/images.mlv models/m.bin.mlv');
    expect(readText(dir, 'data/.gitignore')).toBe('/train.csv\n/images\n');

    const again = ok(mlv(dir, ['add', 'data/train.csv']));
    expect(again.stdout).toMatch(/^unchanged data\/train\.csv/m);
    expect(again.stdout).not.toContain('git add');

    expect(ok(mlv(dir, ['status'])).stdout).toContain('Data and pointers are up to date (3 tracked)');

    writeFiles(dir, { 'data/train.csv': 'id,x\n1,2\n3,4\n', 'data/images/c.png': 'new' });
    rmSync(join(dir, 'data/images/a.png'));
    rmSync(join(dir, 'models/m.bin'));
    const st = ok(mlv(dir, ['status']));
    expect(st.stdout).toContain('data/train.csv: modified');
    expect(st.stdout).toContain('data/images/: modified');
    expect(st.stdout).toMatch(/added: +c\.png/);
    expect(st.stdout).toMatch(/deleted: +a\.png/);
    expect(st.stdout).toMatch(/models\/m\.bin: deleted \(restore with `mlv checkout`\)/);
    const json = JSON.parse(ok(mlv(dir, ['status', '--json'])).stdout) as { path: string; state: string; changes?: unknown }[];
    expect(json.map((e) => [e.path, e.state])).toEqual([
      ['data/images', 'modified'],
      ['data/train.csv', 'modified'],
      ['models/m.bin', 'deleted'],
    ]);
    expect(json[0]!.changes).toEqual({ added: ['c.png'], modified: [], deleted: ['a.png'] });

    // checkout refuses: the edits are not in the cache.
    const refused = failed(mlv(dir, ['checkout']));
    expect(refused.stderr).toContain('data/train.csv');
    expect(refused.stderr).toContain('data/images/c.png');
    expect(refused.stderr).toMatch(/hint: .*--force/);
    expect(exists(dir, 'models/m.bin')).toBe(false); // nothing was restored either

    const committed = ok(mlv(dir, ['commit', 'data']));
    expect(committed.stdout).toContain('recorded data/train.csv');
    expect(committed.stdout).toContain('recorded data/images');
    expect(ok(mlv(dir, ['commit'])).stdout).toContain('Nothing to commit');
    const co = ok(mlv(dir, ['checkout']));
    expect(co.stdout).toMatch(/restored 1 file/);
    expect(read(dir, 'models/m.bin').equals(bytes(2 << 20, 3))).toBe(true);
    expect(ok(mlv(dir, ['status'])).stdout).toContain('up to date');
    expect(ok(mlv(dir, ['checkout'])).stdout).toContain('already matches');
  });

  it('status through the binary (folders scanned before the command loads) still sees a same-size edit, an exec bit and a new file', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'd/a.txt': 'aaaa', 'd/sub/b.txt': 'bbbb' });
    const past = new Date(Date.now() - 60_000); // older than the index: its recorded state is trusted
    for (const f of ['d/a.txt', 'd/sub/b.txt']) utimesSync(join(dir, f), past, past);
    ok(mlv(dir, ['add', 'd']));
    expect(ok(mlv(dir, ['status'])).stdout).toContain('up to date');
    expect(ok(mlv(dir, ['status'])).stdout).toContain('up to date'); // (now from the state alone)
    writeFileSync(join(dir, 'd/a.txt'), 'AAAA');
    expect(ok(mlv(dir, ['status'])).stdout).toMatch(/modified: +a\.txt/);
    writeFileSync(join(dir, 'd/a.txt'), 'aaaa');
    utimesSync(join(dir, 'd/a.txt'), past, past);
    expect(ok(mlv(dir, ['status'])).stdout).toContain('up to date');
    chmodSync(join(dir, 'd/sub/b.txt'), 0o755);
    expect(ok(mlv(dir, ['status'])).stdout).toMatch(/modified: +sub\/b\.txt/);
    chmodSync(join(dir, 'd/sub/b.txt'), 0o644);
    writeFiles(dir, { 'd/sub/new.txt': 'n' });
    expect(ok(mlv(dir, ['status'])).stdout).toMatch(/added: +sub\/new\.txt/);
    const readd = ok(mlv(dir, ['add', 'd']));
    expect(readd.stdout).toMatch(/^added +d \(3 files/m);
  });

  it('status exits 0 for every state, including not in cache', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'a.txt': 'a' });
    ok(mlv(dir, ['add', 'a.txt']));
    rmSync(join(dir, '.mlv/cache'), { recursive: true });
    const r = ok(mlv(dir, ['status']));
    expect(r.stdout).toContain('a.txt: not in cache');
    rmSync(join(dir, 'a.txt'));
    expect(ok(mlv(dir, ['status'])).stdout).toContain('deleted, and not in cache');
    // checkout cannot restore it: it says so and exits 1.
    const co = mlv(dir, ['checkout']);
    expect(co.code).toBe(1);
    expect(co.stderr).toContain('a.txt');
    expect(co.stderr).toMatch(/mlv pull/);
  });

  it('checkout --force discards local changes; git checkout of an old commit + mlv checkout restores it', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'run.sh': '#!/bin/sh\necho v1\n' });
    chmodSync(join(dir, 'run.sh'), 0o755);
    ok(mlv(dir, ['add', 'run.sh']));
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'v1');
    writeFiles(dir, { 'run.sh': '#!/bin/sh\necho v2\n' });
    ok(mlv(dir, ['commit']));
    git(dir, 'commit', '-qam', 'v2');
    git(dir, 'checkout', '-q', 'HEAD~1');
    ok(mlv(dir, ['checkout']));
    expect(readText(dir, 'run.sh')).toBe('#!/bin/sh\necho v1\n');
    expect(mode(dir, 'run.sh')).toBe(0o755);
    writeFiles(dir, { 'run.sh': 'local edit' });
    failed(mlv(dir, ['checkout', 'run.sh']));
    expect(readText(dir, 'run.sh')).toBe('local edit');
    const forced = ok(mlv(dir, ['checkout', '--force', 'run.sh']));
    expect(forced.stdout).toContain('discarded local changes in: run.sh');
    expect(readText(dir, 'run.sh')).toBe('#!/bin/sh\necho v1\n');
    expect(mode(dir, 'run.sh')).toBe(0o755);
  });

  it('remove stops tracking; the data stays', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'a.csv': 'a' });
    ok(mlv(dir, ['add', 'a.csv']));
    expect(ok(mlv(dir, ['remove', 'a.csv'])).stdout).toContain('stopped tracking a.csv');
    expect(exists(dir, 'a.csv.mlv')).toBe(false);
    expect(exists(dir, '.gitignore')).toBe(false);
    expect(readText(dir, 'a.csv')).toBe('a');
    failed(mlv(dir, ['remove', 'a.csv']));
  });

  it('unprotect with cache.link [hardlink, copy] and [symlink, copy]', async () => {
    for (const link of ['hardlink', 'symlink']) {
      const dir = await makeRepo({ config: `cache:\n  link: [${link}, copy]\n` });
      writeFiles(dir, { 'm.bin': bytes(5000, 4) });
      ok(mlv(dir, ['add', 'm.bin']));
      const before = lstatSync(join(dir, 'm.bin'));
      if (link === 'symlink') expect(before.isSymbolicLink()).toBe(true);
      else expect(before.nlink).toBe(2);
      expect(ok(mlv(dir, ['unprotect', 'm.bin'])).stdout).toContain('made 1 file editable');
      const after = lstatSync(join(dir, 'm.bin'));
      expect(after.isFile() && after.nlink === 1 && (after.mode & 0o200) !== 0).toBe(true);
      expect(read(dir, 'm.bin').equals(bytes(5000, 4))).toBe(true);
      expect(ok(mlv(dir, ['status'])).stdout).toContain('up to date');
    }
  });

  it('cache verify finds a flipped byte (exit 1) and --repair quarantines it', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'a.bin': bytes(4000, 5), 'b.bin': bytes(4000, 6) });
    const add = ok(mlv(dir, ['add', 'a.bin', 'b.bin']));
    expect(add.stdout).toBeTruthy();
    expect(ok(mlv(dir, ['cache', 'verify'])).stdout).toContain('all objects are intact');
    const oid = /oid: (\S+)/.exec(readText(dir, 'a.bin.mlv'))![1]!;
    const hex = oid.slice(7);
    const obj = join(dir, '.mlv/cache/objects/xxh128', hex.slice(0, 2), hex.slice(2));
    chmodSync(obj, 0o644);
    const b = readFileSync(obj);
    b[123] ^= 1;
    writeFileSync(obj, b);
    const v = mlv(dir, ['cache', 'verify']);
    expect(v.code, show(v)).toBe(1);
    expect(v.stdout).toContain(`corrupt: ${oid}`);
    expect(v.stdout).toContain('--repair');
    const vj = JSON.parse(mlv(dir, ['cache', 'verify', '--json']).stdout) as { checked: number; bad: { oid: string }[] };
    expect(vj.checked).toBe(2);
    expect(vj.bad.map((x) => x.oid)).toEqual([oid]);
    const rep = mlv(dir, ['cache', 'verify', '--repair']);
    expect(rep.code).toBe(1);
    expect(rep.stdout).toMatch(/moved to .*quarantine/);
    expect(exists(dir, obj.slice(dir.length + 1))).toBe(false);
    expect(ok(mlv(dir, ['cache', 'verify'])).stdout).toContain('all objects are intact');
    // Re-adding the intact workspace copy heals the cache.
    ok(mlv(dir, ['add', 'a.bin']));
    expect(exists(dir, obj.slice(dir.length + 1))).toBe(true);
    expect(ok(mlv(dir, ['cache', 'verify'])).stdout).toContain('checked 2 objects');
  });

  it('checkout by copy refuses a corrupt object and names it', async () => {
    const dir = await makeRepo({ config: 'cache:\n  link: [copy]\n' });
    writeFiles(dir, { 'a.bin': bytes(4000, 7) });
    ok(mlv(dir, ['add', 'a.bin']));
    const oid = /oid: (\S+)/.exec(readText(dir, 'a.bin.mlv'))![1]!;
    const obj = join(dir, '.mlv/cache/objects/xxh128', oid.slice(7, 9), oid.slice(9));
    chmodSync(obj, 0o644);
    writeFileSync(obj, Buffer.concat([readFileSync(obj).subarray(0, 3999), Buffer.from('!')]));
    rmSync(join(dir, 'a.bin'));
    const r = failed(mlv(dir, ['checkout']));
    expect(r.stderr).toContain(oid);
    expect(r.stderr).toMatch(/cache verify/);
    expect(exists(dir, 'a.bin')).toBe(false);
  });
});

describe('mlv CLI: paths, global flags and usage errors', () => {
  it('-C <dir> before the command, and paths relative to the current folder', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'sub/deep/x.bin': 'x' });
    ok(mlv(tempDir(), ['-C', join(dir, 'sub'), 'add', 'deep/x.bin']));
    expect(exists(dir, 'sub/deep/x.bin.mlv')).toBe(true);
    expect(ok(mlv(join(dir, 'sub/deep'), ['status', 'x.bin'])).stdout).toContain('up to date');
    expect(ok(mlv(tempDir(), ['status', '-C', dir, '--json'])).stdout).toContain('"sub/deep/x.bin"');
    expect(mlv(dir, ['-C', join(dir, 'missing'), 'status']).code).toBe(2);
  });

  it('--quiet prints nothing on success', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'x.bin': 'x' });
    const r = ok(mlv(dir, ['add', '--quiet', 'x.bin']));
    expect(r.stdout).toBe('');
    expect(ok(mlv(dir, ['status', '-q'])).stdout).toBe('');
  });

  it('bad targets: outside the repo and inside .git exit 2; a Git-tracked path hints `git rm --cached`', async () => {
    const dir = await makeRepo();
    const other = tempDir();
    writeFiles(other, { 'o.bin': 'o' });
    writeFiles(dir, { 'tracked.txt': 't', 'name with spaces ü.bin': 'u' });
    git(dir, 'add', 'tracked.txt');
    const outside = failed(mlv(dir, ['add', join(other, 'o.bin')]), 2);
    expect(outside.stderr).toContain('outside the repository');
    failed(mlv(dir, ['add', '.git/HEAD']), 2);
    failed(mlv(dir, ['add', '.mlv/config.yaml']), 2);
    const tracked = failed(mlv(dir, ['add', 'tracked.txt']));
    expect(tracked.stderr).toMatch(/hint: .*git rm (-r )?--cached tracked\.txt/);
    ok(mlv(dir, ['add', 'name with spaces ü.bin']));
    expect(readText(dir, '.gitignore')).toContain('/name with spaces ü.bin');
    expect(git(dir, 'status', '--porcelain', '-z', '-uall').split('\0')).not.toContain('?? name with spaces ü.bin');
  });

  it('a folder with a tab in a file name is refused before anything is written', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'd/ok.txt': 'ok', 'd/bad\tname.txt': 'x' });
    const r = failed(mlv(dir, ['add', 'd']));
    expect(r.stderr).toContain('d/bad\\tname.txt');
    expect(r.stderr).toMatch(/tab/);
    expect(exists(dir, 'd.mlv')).toBe(false);
    expect(exists(dir, '.mlv/cache/objects')).toBe(false);
  });

  it('a malformed pointer: the error names file and field; --json gives a structured error', async () => {
    const dir = await makeRepo();
    writeFiles(dir, { 'x.bin.mlv': 'version: 1\nkind: file\npath: x.bin\noid: xxh128:0123\nsize: 1\n' });
    const r = failed(mlv(dir, ['status']));
    expect(r.stderr).toMatch(/x\.bin\.mlv: field 'oid'/);
    const j = mlv(dir, ['status', '--json']);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout)).toMatchObject({ error: { code: 'POINTER_INVALID', file: 'x.bin.mlv', field: 'oid' } });
  });

  it('usage errors exit 2: unknown flag, add without paths', async () => {
    const dir = await makeRepo();
    expect(mlv(dir, ['status', '--no-such-flag']).code).toBe(2);
    expect(mlv(dir, ['add']).code).toBe(2);
  });
});

describe('mlv CLI: the start-up fast path', () => {
  it('status, add, commit and checkout print exactly what the full oclif commands print', async () => {
    // `--cwd .` is a flag the fast path does not take: it sends the same command through oclif.
    const a = await makeRepo();
    const b = await makeRepo();
    const files = { 'data/x.csv': 'a,b\n1,2\n', 'data/sub/y.bin': bytes(3000, 2), 'model.bin': bytes(5000, 3) };
    writeFiles(a, files);
    writeFiles(b, files);
    const same = (args: string[], fn?: (dir: string) => void) => {
      fn?.(a);
      fn?.(b);
      const fast = mlv(a, args);
      const full = mlv(b, [...args, '--cwd', '.']);
      const norm = (r: CliResult) => ({ code: r.code, stdout: r.stdout.replaceAll(a, '<repo>').replaceAll(b, '<repo>'), stderr: r.stderr.replaceAll(a, '<repo>').replaceAll(b, '<repo>') });
      expect(norm(fast), `mlv ${args.join(' ')}`).toEqual(norm(full));
      return fast;
    };
    expect(same(['add', 'data', 'model.bin']).stdout).toContain('To record this in Git');
    same(['add', 'data']);
    same(['status']);
    same(['status', '--json'], (d) => writeFileSync(join(d, 'data/x.csv'), 'changed\n'));
    same(['status', 'data']);
    expect(same(['commit']).stdout).toContain('recorded data');
    same(['commit', '-q']);
    expect(same(['checkout'], (d) => rmSync(join(d, 'model.bin'))).stdout).toContain('restored 1 file');
    same(['checkout', '--force', 'data']);
    same(['add', 'no-such-file']);
    const missing = same(['checkout'], (d) => {
      const oid = /oid: (\S+)/.exec(readText(d, 'model.bin.mlv'))![1]!.replace(':', '/');
      rmSync(join(d, '.mlv/cache/objects', oid.slice(0, oid.indexOf('/') + 3), oid.slice(oid.indexOf('/') + 3)), { force: true });
      rmSync(join(d, 'model.bin'));
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('mlv pull');
  });
});
