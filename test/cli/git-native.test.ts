/**
 * `mlv install`: with the hooks and drivers installed, plain Git commands (checkout, switch, merge, pull,
 * rebase, worktree add, push) keep the data in step, run through real Git and the built CLI.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mlv, show } from '../helpers/cli.js';
import { exists, git, makeRepo, readStatIndexFile, readText, tempDir, testEnv, writeFiles } from '../helpers/repo.js';
import { execFileSync, spawnSync } from 'node:child_process';

function ok(dir: string, ...args: string[]): string {
  const r = mlv(dir, args);
  expect(r.code, show(r)).toBe(0);
  return r.stdout + r.stderr;
}

/** Runs git and returns stdout + stderr and the exit code (hooks print on stderr). */
function gitRun(dir: string, ...args: string[]): { code: number | null; out: string } {
  const r = spawnSync('git', args, { cwd: dir, env: testEnv(), encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

function gitOk(dir: string, ...args: string[]): string {
  const r = gitRun(dir, ...args);
  expect(r.code, r.out).toBe(0);
  return r.out;
}

/** Every tracked path unchanged and in the cache, per `mlv status --json`. */
function expectInSync(dir: string): void {
  const r = mlv(dir, ['status', '--json']);
  expect(r.code, show(r)).toBe(0);
  const entries = JSON.parse(r.stdout) as { path: string; state: string }[];
  expect(entries.length).toBeGreaterThan(0);
  expect(entries.filter((e) => e.state !== 'unchanged'), r.stdout).toEqual([]);
}

/** A repo with v1 and v2 (tags) of a folder and a model, hooks installed; HEAD on main at v2. */
async function project(): Promise<string> {
  const dir = await makeRepo();
  writeFiles(dir, { 'imgs/a.txt': 'a1', 'imgs/b.txt': 'b1', 'imgs/sub/c.txt': 'c1', 'imgs/old.txt': 'same', 'model.bin': 'model v1' });
  ok(dir, 'add', 'imgs', 'model.bin');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'v1');
  git(dir, 'tag', 'v1');
  writeFiles(dir, { 'imgs/a.txt': 'a2', 'imgs/new.txt': 'new', 'model.bin': 'model v2' });
  execFileSync('mv', [join(dir, 'imgs/old.txt'), join(dir, 'imgs/sub/moved.txt')]);
  ok(dir, 'commit');
  git(dir, 'commit', '-qam', 'v2');
  git(dir, 'tag', 'v2');
  ok(dir, 'install');
  git(dir, 'add', '.gitattributes');
  git(dir, 'commit', '-qm', 'mlv drivers');
  return dir;
}

const V1 = { 'imgs/a.txt': 'a1', 'imgs/b.txt': 'b1', 'imgs/sub/c.txt': 'c1', 'imgs/old.txt': 'same', 'model.bin': 'model v1' };
const V2 = { 'imgs/a.txt': 'a2', 'imgs/b.txt': 'b1', 'imgs/sub/c.txt': 'c1', 'imgs/sub/moved.txt': 'same', 'imgs/new.txt': 'new', 'model.bin': 'model v2' };

function expectFiles(dir: string, files: Record<string, string>, absent: string[] = []): void {
  for (const [rel, text] of Object.entries(files)) expect(readText(dir, rel), rel).toBe(text);
  for (const rel of absent) expect(exists(dir, rel), rel).toBe(false);
}


/** Commits `side` changes on a new branch `side` and `main` changes on main (each with `mlv commit`). */
function diverge(dir: string, side: Record<string, string>, main: Record<string, string>): void {
  git(dir, 'switch', '-q', '-c', 'side');
  writeFiles(dir, side);
  ok(dir, 'commit');
  git(dir, 'commit', '-qam', 'side');
  gitOk(dir, 'switch', '-q', 'main');
  writeFiles(dir, main);
  ok(dir, 'commit');
  git(dir, 'commit', '-qam', 'main');
}
describe('mlv install: hooks', () => {
  it('git checkout of a tag (detached HEAD) and git switch back restore the data with no mlv command', async () => {
    const dir = await project();
    gitOk(dir, 'checkout', '-q', 'v1');
    expectFiles(dir, V1, ['imgs/new.txt', 'imgs/sub/moved.txt']);
    expectInSync(dir);
    gitOk(dir, 'switch', '-q', 'main');
    expectFiles(dir, V2, ['imgs/old.txt']);
    expectInSync(dir);
    // `git checkout -- <file>` is not a branch checkout: the hook leaves the data alone.
    writeFileSync(join(dir, 'model.bin'), 'local edit');
    gitOk(dir, 'checkout', '--', 'imgs.mlv');
    expect(readText(dir, 'model.bin')).toBe('local edit');
  });

  it('git merge: different files of one folder merge into a new tree that post-merge checks out', async () => {
    const dir = await project();
    diverge(dir, { 'imgs/b.txt': 'b from side' }, { 'imgs/sub/c.txt': 'c from main' });
    const r = gitRun(dir, 'merge', '--no-edit', 'side');
    expect(r.code, r.out).toBe(0);
    expect(git(dir, 'status', '--porcelain')).toBe('');
    expectFiles(dir, { 'imgs/b.txt': 'b from side', 'imgs/sub/c.txt': 'c from main', 'imgs/a.txt': 'a2', 'imgs/new.txt': 'new' });
    expectInSync(dir);
    // The merged pointer names a tree that is neither side's.
    const merged = readText(dir, 'imgs.mlv');
    expect(merged).not.toBe(git(dir, 'show', 'main~1:imgs.mlv'));
    expect(merged).not.toBe(git(dir, 'show', 'side:imgs.mlv'));
    expect(merged).toContain('files: 5');
  });

  it('git merge: the same file changed on both sides conflicts and lists the files', async () => {
    const dir = await project();
    diverge(dir, { 'imgs/a.txt': 'a side', 'imgs/sub/c.txt': 'c side', 'imgs/b.txt': 'b side' }, { 'imgs/a.txt': 'a main', 'imgs/sub/c.txt': 'c main', 'imgs/new.txt': 'new main' });
    const r = gitRun(dir, 'merge', '--no-edit', 'side');
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('CONFLICT');
    expect(r.out).toMatch(/merge conflict in imgs\.mlv: both sides changed 2 file\(s\) of imgs\/ differently\n\s+a\.txt\n\s+sub\/c\.txt/);
    const left = readText(dir, 'imgs.mlv');
    expect(left).toContain('#   a.txt\n#   sub/c.txt\n');
    expect(left).not.toContain('b.txt'); // changed on one side only: not a conflict
    expect(left).toContain('<<<<<<< ours');
    gitOk(dir, 'merge', '--abort');
  });

  it('file pointers changed on both sides conflict', async () => {
    const dir = await project();
    diverge(dir, { 'model.bin': 'side model' }, { 'model.bin': 'main model' });
    const r = gitRun(dir, 'merge', '--no-edit', 'side');
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('merge conflict in model.bin.mlv: both sides changed the file');
  });

  it('git pull in a clone brings the new data (core.autopull fetches what the cache lacks)', async () => {
    const origin = await project();
    const store = tempDir('mlv-store-');
    ok(origin, 'remote', 'add', 'store', store, '--default');
    git(origin, 'commit', '-qam', 'remote');
    ok(origin, 'push');
    const clone = join(tempDir('mlv-clone-'), 'c');
    execFileSync('git', ['clone', '-q', origin, clone], { env: testEnv() });
    ok(clone, 'pull');
    ok(clone, 'install');
    writeFileSync(join(clone, '.mlv/config.local.yaml'), 'core:\n  autopull: true\n');
    writeFiles(origin, { 'imgs/a.txt': 'a3', 'model.bin': 'model v3' });
    ok(origin, 'commit');
    git(origin, 'commit', '-qam', 'v3');
    ok(origin, 'push');
    const r = gitRun(clone, 'pull', '-q', '--no-rebase');
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('core.autopull: fetched');
    expectFiles(clone, { 'imgs/a.txt': 'a3', 'model.bin': 'model v3' });
    expectInSync(clone);
  });

  it('without autopull, a checkout whose objects are missing says how many and suggests mlv pull, and does not fail', async () => {
    const origin = await project();
    const clone = join(tempDir('mlv-clone-'), 'c');
    execFileSync('git', ['clone', '-q', origin, clone], { env: testEnv() });
    ok(clone, 'install');
    const r = gitRun(clone, 'checkout', '-q', 'v1');
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/mlv: 2 tracked paths are not in the cache, so they were not restored; `mlv pull` fetches them/);
  });

  it('an existing hook keeps running after install, and uninstall restores it exactly', async () => {
    const dir = await project();
    ok(dir, 'install', '--uninstall');
    const hooks = join(dir, '.git/hooks');
    const userHook = '#!/bin/sh\necho "user hook $3" >> "$(git rev-parse --show-toplevel)/.git/user-hook.log"\n';
    writeFileSync(join(hooks, 'post-checkout'), userHook);
    chmodSync(join(hooks, 'post-checkout'), 0o750);
    const out = ok(dir, 'install');
    expect(out).toContain('post-checkout installed (the existing hook is kept as <hook>.pre-mlv and runs first)');
    ok(dir, 'install'); // twice: still one chained copy, not a chain of mlv hooks
    expect(readFileSync(join(hooks, 'post-checkout.pre-mlv'), 'utf8')).toBe(userHook);
    gitOk(dir, 'checkout', '-q', 'v1');
    expect(readFileSync(join(dir, '.git/user-hook.log'), 'utf8')).toBe('user hook 1\n');
    expectFiles(dir, V1);
    const un = ok(dir, 'install', '--uninstall');
    expect(un).toContain('post-checkout removed; the previous hook is back');
    expect(readFileSync(join(hooks, 'post-checkout'), 'utf8')).toBe(userHook);
    expect(statSync(join(hooks, 'post-checkout')).mode & 0o777).toBe(0o750);
    for (const h of ['post-merge', 'pre-push', 'post-rewrite', 'post-checkout.pre-mlv']) expect(existsSync(join(hooks, h)), h).toBe(false);
    expect(gitRun(dir, 'config', '--get', 'merge.mlv.driver').code).toBe(1);
    expect(gitRun(dir, 'config', '--get', 'diff.mlv.command').code).toBe(1);
    // Without the hooks, a checkout leaves the data alone.
    gitOk(dir, 'checkout', '-q', 'main');
    expectFiles(dir, V1);
  });

  it('a rebase with hooks installed completes, and the data follows the rebased HEAD', async () => {
    const dir = await project();
    git(dir, 'switch', '-q', '-c', 'topic', 'v2');
    writeFiles(dir, { 'imgs/b.txt': 'b topic' });
    ok(dir, 'commit');
    git(dir, 'commit', '-qam', 'topic: b');
    gitOk(dir, 'switch', '-q', 'main');
    writeFiles(dir, { 'model.bin': 'model main' });
    ok(dir, 'commit');
    git(dir, 'commit', '-qam', 'main: model');
    gitOk(dir, 'switch', '-q', 'topic');
    expect(readText(dir, 'model.bin')).toBe('model v2');
    const r = gitRun(dir, 'rebase', 'main');
    expect(r.code, r.out).toBe(0);
    expect(git(dir, 'log', '--format=%s', '-2').trim().split('\n')).toEqual(['topic: b', 'main: model']);
    expectFiles(dir, { 'imgs/b.txt': 'b topic', 'model.bin': 'model main' });
    expectInSync(dir);
  });

  it('git worktree add checks out the data in the new worktree (sharing the main cache)', async () => {
    const dir = await project();
    const wt = join(tempDir('mlv-wt-'), 'wt');
    const r = gitRun(dir, 'worktree', 'add', '-q', wt, 'v1');
    expect(r.code, r.out).toBe(0);
    expectFiles(wt, V1, ['imgs/new.txt']);
    expectInSync(wt);
    // Hooks live in the common git dir; checkouts inside the worktree use them too.
    gitOk(wt, 'checkout', '-q', 'v2');
    expectFiles(wt, V2);
    expectFiles(dir, V2);
  });

  it('pre-push: pushes the data of the pushed commits; with no mlv remote the Git push still goes ahead', async () => {
    const dir = await project();
    const bare = join(tempDir('mlv-bare-'), 'o.git');
    execFileSync('git', ['init', '-q', '--bare', bare], { env: testEnv() });
    git(dir, 'remote', 'add', 'origin', bare);
    const noRemote = gitRun(dir, 'push', 'origin', 'main');
    expect(noRemote.code, noRemote.out).toBe(0);
    expect(noRemote.out).toContain('note: data not pushed (no remote is configured); the Git push goes ahead');
    const store = tempDir('mlv-store-');
    ok(dir, 'remote', 'add', 'store', store, '--default');
    git(dir, 'commit', '-qam', 'remote');
    const pushed = gitRun(dir, 'push', 'origin', 'main');
    expect(pushed.code, pushed.out).toBe(0);
    expect(pushed.out).toMatch(/mlv: pushed \d+ object\(s\) to remote 'store'/);
    const status = mlv(dir, ['status', '--remote', '--json']);
    expect(JSON.parse(status.stdout).entries.every((e: { state: string }) => e.state === 'in-sync'), status.stdout).toBe(true);
    const inStore = (rev: string, pointer: string) => {
      const oid = /oid: (\S+)/.exec(git(dir, 'show', `${rev}:${pointer}`))![1]!;
      const [algo, hex] = oid.split(':') as [string, string];
      return existsSync(join(store, 'objects', algo, hex.slice(0, 2), hex.slice(2)));
    };
    // origin already had v1 (pushed above without an mlv remote, with a note): only new commits count.
    expect(inStore('v1', 'model.bin.mlv')).toBe(false);
    // A Git remote that has none of the commits: every pushed commit's data goes, not only the tip's.
    const mirror = join(tempDir('mlv-bare-'), 'm.git');
    execFileSync('git', ['init', '-q', '--bare', mirror], { env: testEnv() });
    git(dir, 'remote', 'add', 'mirror', mirror);
    const all = gitRun(dir, 'push', 'mirror', 'main');
    expect(all.code, all.out).toBe(0);
    expect(inStore('v1', 'model.bin.mlv')).toBe(true);
    expect(inStore('v1', 'imgs.mlv')).toBe(true);
    // Two commits pushed at once: the one in the middle carries its data too; commits the remote has
    // (origin/main) are not scanned again.
    writeFiles(dir, { 'model.bin': 'model v3' });
    ok(dir, 'commit');
    git(dir, 'commit', '-qam', 'v3');
    writeFiles(dir, { 'model.bin': 'model v4' });
    ok(dir, 'commit');
    git(dir, 'commit', '-qam', 'v4');
    const both = gitRun(dir, 'push', 'origin', 'main');
    expect(both.code, both.out).toBe(0);
    expect(both.out).toContain("mlv: pushed 2 object(s) to remote 'store'");
    expect(inStore('HEAD~1', 'model.bin.mlv')).toBe(true);
    expect(inStore('HEAD', 'model.bin.mlv')).toBe(true);
  });

  it('pre-push fails the Git push when data it needs is neither in the cache nor on the remote', async () => {
    const dir = await project();
    const store = tempDir('mlv-store-');
    ok(dir, 'remote', 'add', 'store', store, '--default');
    git(dir, 'commit', '-qam', 'remote');
    const bare = join(tempDir('mlv-bare-'), 'o.git');
    execFileSync('git', ['init', '-q', '--bare', bare], { env: testEnv() });
    git(dir, 'remote', 'add', 'origin', bare);
    // Lose model v2's object from the cache (it was never pushed).
    const oid = /oid: (\S+)/.exec(readText(dir, 'model.bin.mlv'))![1]!;
    const [algo, hex] = oid.split(':') as [string, string];
    const obj = join(dir, '.mlv/cache/objects', algo, hex.slice(0, 2), hex.slice(2));
    execFileSync('rm', ['-f', obj]);
    const r = gitRun(dir, 'push', 'origin', 'main');
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('could not be pushed');
    expect(r.out).toContain(oid);
    expect(gitRun(bare, 'rev-parse', '--verify', '-q', 'refs/heads/main').code).not.toBe(0);
  });
});

describe('mlv install: diff driver', () => {
  it('git diff on pointers shows counts, sizes and the changed files instead of YAML', async () => {
    const dir = await project();
    const out = gitOk(dir, 'diff', 'v1', 'v2', '--', 'imgs.mlv', 'model.bin.mlv');
    expect(out).toContain('diff --mlv a/imgs.mlv b/imgs.mlv');
    expect(out).toContain('imgs/: 4 → 5 files, +1 −0 ~1, 1 renamed, 10 B → 13 B');
    expect(out).toContain('+ new.txt (3 B)');
    expect(out).toContain('~ a.txt (2 B → 2 B)');
    expect(out).toContain('> old.txt → sub/moved.txt (4 B)');
    expect(out).toMatch(/model\.bin: 8 B → 8 B, xxh128:[0-9a-f]{12} → xxh128:[0-9a-f]{12}/);
    expect(out).not.toContain('oid:');
  });

  it('without the trees in the cache it still shows counts and sizes from the pointers', async () => {
    const origin = await project();
    const clone = join(tempDir('mlv-clone-'), 'c');
    execFileSync('git', ['clone', '-q', origin, clone], { env: testEnv() });
    ok(clone, 'install');
    const out = gitOk(clone, 'diff', 'v1', 'v2', '--', 'imgs.mlv');
    expect(out).toMatch(/imgs\/: 4 → 5 files, 10 B → 13 B \(file details unavailable: /);
  });
});

describe('mlv install: bad setups', () => {
  it('refuses, changing nothing, when a foreign hook and a leftover <hook>.pre-mlv both exist', async () => {
    const dir = await makeRepo();
    const hooks = join(dir, '.git/hooks');
    mkdirSync(hooks, { recursive: true });
    writeFileSync(join(hooks, 'post-merge'), '#!/bin/sh\necho mine\n');
    writeFileSync(join(hooks, 'post-merge.pre-mlv'), '#!/bin/sh\necho older\n');
    const r = mlv(dir, ['install']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('post-merge.pre-mlv exist and neither is mlv\'s');
    expect(existsSync(join(hooks, 'post-checkout'))).toBe(false);
    expect(existsSync(join(dir, '.gitattributes'))).toBe(false);
  });
});

describe('mlv install: data of pointers that a branch switch removes', () => {
  it('is removed when unchanged and cached, restored on switching back, and kept when it has changes', async () => {
    const dir = await project();
    gitOk(dir, 'switch', '-q', '-c', 'feature');
    writeFiles(dir, { 'extra/table.csv': 'a,b\n1,2\n', 'extra/folder/x.txt': 'x' });
    ok(dir, 'add', 'extra/table.csv', 'extra/folder');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'extra data');

    const back = gitOk(dir, 'switch', '-q', 'main');
    expect(back).toContain('removed the data of 2 path(s)');
    expect(exists(dir, 'extra/table.csv')).toBe(false);
    expect(exists(dir, 'extra/folder')).toBe(false);
    expect(gitRun(dir, 'status', '--porcelain').out).toBe(''); // nothing left for `git add -A` to sweep up
    // The hook keeps the stat index's claims about complete folders (it used to drop them on save).
    expect(readStatIndexFile(dir).header.complete?.length ?? 0).toBeGreaterThan(0);
    expectInSync(dir);

    gitOk(dir, 'switch', '-q', 'feature');
    expect(readText(dir, 'extra/table.csv')).toBe('a,b\n1,2\n');
    expect(readText(dir, 'extra/folder/x.txt')).toBe('x');

    // A local change that is not in the cache is never deleted.
    writeFileSync(join(dir, 'extra/table.csv'), 'a,b\n1,2\n3,4\n');
    const again = gitOk(dir, 'switch', '-q', 'main');
    expect(again).toContain('kept 1 path(s)');
    expect(readText(dir, 'extra/table.csv')).toBe('a,b\n1,2\n3,4\n');
    expect(exists(dir, 'extra/folder')).toBe(false);
  });
});
