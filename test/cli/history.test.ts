/**
 * History-wide operations through the built CLI on real Git repos: push/pull/fetch/status --remote over
 * --rev/--all-tags/--all-commits, a fresh clone working offline after `pull --all-commits`, gc (local and
 * remote, grace period, dry run, confirmations), ls and get at old revisions, and bad input.
 */
import { existsSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { add } from '../../src/core/api/add.js';
import { commit } from '../../src/core/api/commit.js';
import { historySelections } from '../../src/core/workspace/history-selection.js';
import { execFileSync } from 'node:child_process';
import { BIN, mlv, show } from '../helpers/cli.js';
import { bytes, cacheObjects, fingerprint, git, haveCommand, listFiles, makeRepo, read, repoAt, sha256, tempDir, testEnv, writeFiles } from '../helpers/repo.js';

const V1 = {
  'data.csv': 'id,v\n1,a\n',
  'imgs/a.png': bytes(3000, 1),
  'imgs/b.png': bytes(4000, 2),
  'model.bin': bytes(50_000, 10),
};
const V2 = { 'data.csv': 'id,v\n1,a\n2,b\n', 'imgs/b.png': bytes(4100, 3), 'imgs/sub/c.png': bytes(2000, 4), 'model.bin': bytes(50_000, 11) };
const V3 = { 'model.bin': bytes(50_000, 12) };

function ok(r: ReturnType<typeof mlv>): ReturnType<typeof mlv> {
  expect(r.code, show(r)).toBe(0);
  return r;
}

/** A repo with tags v1, v2 and a third commit on main, plus a folder remote `store` (default, committed). */
async function historyRepo(): Promise<{ dir: string; remote: string }> {
  const dir = await makeRepo();
  const remote = tempDir('mlv-store-');
  writeFiles(dir, V1);
  await add(repoAt(dir), ['data.csv', 'imgs', 'model.bin'], { cwd: dir });
  ok(mlv(dir, ['remote', 'add', 'store', remote, '--default']));
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'v1');
  git(dir, 'tag', 'v1');
  writeFiles(dir, V2);
  await commit(repoAt(dir), [], { cwd: dir });
  git(dir, 'commit', '-qam', 'v2');
  git(dir, 'tag', 'v2');
  writeFiles(dir, V3);
  await commit(repoAt(dir), [], { cwd: dir });
  git(dir, 'commit', '-qam', 'v3');
  return { dir, remote };
}

/** Bytes of every data file of a version, for comparison. */
function expectVersion(dir: string, files: Record<string, string | Buffer>): void {
  for (const [rel, content] of Object.entries(files)) expect(sha256(read(dir, rel)), rel).toBe(sha256(Buffer.from(content)));
}

const V2_ALL = { ...V1, ...V2 };
const V3_ALL = { ...V2_ALL, ...V3 };

function objectFiles(root: string): string[] {
  return listFiles(join(root, 'objects'));
}

describe('history-wide transfer', () => {
  it('a fresh clone with `pull --all-commits` can check out every tag offline', async () => {
    const { dir, remote } = await historyRepo();
    const pushed = ok(mlv(dir, ['push', '--all-commits']));
    expect(pushed.stdout).toMatch(/pushed \d+ objects/);
    const clone = join(tempDir('mlv-clone-'), 'c');
    git(dir, 'clone', '-q', `file://${dir}`, clone);
    ok(mlv(clone, ['pull', '--all-commits']));
    expectVersion(clone, V3_ALL);
    // Every version is in the clone's cache now; the remote goes away.
    rmSync(remote, { recursive: true, force: true });
    for (const [tag, files] of [['v1', V1], ['v2', V2_ALL]] as const) {
      git(clone, 'checkout', '-q', tag);
      const r = ok(mlv(clone, ['checkout']));
      expect(r.stderr).not.toMatch(/missing|mlv pull/);
      expectVersion(clone, files);
      expect(existsSync(join(clone, 'imgs/sub/c.png'))).toBe(tag === 'v2');
    }
  });

  it('pull --rev fetches that version but restores only what the workspace pointers name', async () => {
    const { dir } = await historyRepo();
    ok(mlv(dir, ['push', '--all-tags', '--rev', 'main']));
    const clone = join(tempDir('mlv-clone-'), 'c');
    git(dir, 'clone', '-q', `file://${dir}`, clone);
    ok(mlv(clone, ['pull', '--rev', 'v1', 'model.bin']));
    // The workspace gets HEAD's model, the cache also holds v1's; data.csv was not asked for.
    expectVersion(clone, V3);
    expect(existsSync(join(clone, 'data.csv'))).toBe(false);
    const oids = [V1['model.bin'], V3['model.bin']].length;
    expect(cacheObjects(join(clone, '.mlv/cache'))).toHaveLength(oids);
  });

  it('push --rev sends only that revision; status --remote --all-tags shows each version', async () => {
    const { dir, remote } = await historyRepo();
    ok(mlv(dir, ['push', '--rev', 'v1']));
    // v1: data.csv, model.bin, imgs tree + a.png + b.png.
    expect(objectFiles(remote)).toHaveLength(5);
    const s = ok(mlv(dir, ['status', '--remote', '--all-tags', '--json']));
    const entries = JSON.parse(s.stdout).entries as { path: string; oid: string; state: string }[];
    const model = entries.filter((e) => e.path === 'model.bin');
    expect(model).toHaveLength(2);
    expect(model.map((e) => e.state).sort()).toEqual(['in-sync', 'needs-push']);
    // The library sees the same distinct versions: 3 artifacts × 2 tags, minus nothing shared.
    const sel = await historySelections(repoAt(dir), { allTags: true }, [], dir);
    expect(sel.map((x) => x.artifact.dataRel).sort()).toEqual(['data.csv', 'data.csv', 'imgs', 'imgs', 'model.bin', 'model.bin']);
    // Targets filter by path, across revisions; a path inside a tracked folder narrows to it.
    const narrowed = await historySelections(repoAt(dir), { allCommits: true }, ['imgs/sub'], dir);
    // (v1's folder is a different version, and whether it has `sub` is only known from its tree.)
    expect(narrowed.map((x) => [x.artifact.dataRel, x.subpath])).toEqual([['imgs', 'sub'], ['imgs', 'sub']]);
    expect(new Set(narrowed.map((x) => x.artifact.pointer.oid)).size).toBe(2);
  });
});

describe('gc', () => {
  it('--all-commits keeps every version reachable from history; --workspace then drops the old ones', async () => {
    const { dir } = await historyRepo();
    const cache = join(dir, '.mlv/cache');
    // An uncommitted intermediate version: recorded in the cache, then replaced before any Git commit.
    writeFiles(dir, { 'model.bin': bytes(50_000, 99) });
    await commit(repoAt(dir), ['model.bin'], { cwd: dir });
    writeFiles(dir, { 'model.bin': V3['model.bin'] });
    await commit(repoAt(dir), ['model.bin'], { cwd: dir });
    const before = cacheObjects(cache);

    const r = ok(mlv(dir, ['gc', '--all-commits', '--yes']));
    expect(r.stdout).toMatch(/removed 1 object \(48\.8 KiB\) from the cache/);
    expect(cacheObjects(cache)).toHaveLength(before.length - 1);
    // Every tagged version still checks out from the cache alone.
    for (const [tag, files] of [['v1', V1], ['v2', V2_ALL], ['main', V3_ALL]] as const) {
      git(dir, 'checkout', '-q', tag);
      const c = ok(mlv(dir, ['checkout']));
      expect(c.stderr).not.toMatch(/missing|mlv pull/);
      expectVersion(dir, files);
    }

    // --workspace keeps only what HEAD's pointers need: data.csv, model.bin, 3 files in the folder (a, b', c), 2 trees.
    const w = ok(mlv(dir, ['gc', '--workspace', '-y', '--json']));
    const result = JSON.parse(w.stdout);
    expect(result.removed.cache).toBeGreaterThan(0);
    expect(cacheObjects(cache)).toHaveLength(result.reachable);
    expect(result.reachable).toBe(7);
    git(dir, 'checkout', '-q', 'v1');
    const c = mlv(dir, ['checkout']);
    expect(c.stdout + c.stderr).toMatch(/mlv pull/);
    git(dir, 'checkout', '-q', 'main');
    ok(mlv(dir, ['checkout']));
    expectVersion(dir, V3_ALL);
  });

  it('--dry-run deletes nothing; a missing scope and a missing terminal are refused', async () => {
    const { dir, remote } = await historyRepo();
    ok(mlv(dir, ['push', '--all-commits']));
    const cacheBefore = fingerprint(join(dir, '.mlv/cache'));
    const remoteBefore = fingerprint(remote);
    const dry = ok(mlv(dir, ['gc', '--workspace', '--remote', '--dry-run']));
    expect(dry.stdout).toMatch(/cache: would remove \d+ objects/);
    expect(dry.stdout).toMatch(/dry run: nothing was deleted/);
    expect(fingerprint(join(dir, '.mlv/cache'))).toEqual(cacheBefore);
    expect(fingerprint(remote)).toEqual(remoteBefore);

    const none = mlv(dir, ['gc']);
    expect(none.code, show(none)).toBe(2);
    expect(none.stderr).toMatch(/--workspace.*--all-branches.*--all-tags.*--all-commits.*--rev/);
    const noTty = mlv(dir, ['gc', '--workspace'], { input: '' });
    expect(noTty.code, show(noTty)).toBe(2);
    expect(noTty.stderr).toMatch(/--yes/);
    expect(fingerprint(join(dir, '.mlv/cache'))).toEqual(cacheBefore);
  });

  it.skipIf(!haveCommand('script'))('on a terminal, asks y/N and deletes only on yes', async () => {
    const { dir } = await historyRepo();
    const cache = join(dir, '.mlv/cache');
    const before = cacheObjects(cache);
    // `script` gives mlv a pseudo-terminal; the answer arrives after the question is printed.
    const onTty = (answer: string) =>
      execFileSync('sh', ['-c', `(sleep 1; echo ${answer}) | script -qec "'${process.execPath}' '${BIN}' gc --workspace" /dev/null`], {
        cwd: dir,
        env: testEnv({ NO_COLOR: '1' }),
        encoding: 'utf8',
      });
    const no = onTty('n');
    expect(no).toMatch(/cache: would remove \d+ objects/);
    expect(no).toMatch(/Delete them\? \[y\/N\]/);
    expect(no).toMatch(/nothing was deleted/);
    expect(cacheObjects(cache)).toEqual(before);
    const yes = onTty('y');
    expect(yes).toMatch(/removed \d+ objects .* from the cache/);
    expect(cacheObjects(cache).length).toBeLessThan(before.length);
  });

  it('refuses, deleting nothing, when a kept folder listing is missing from the cache', async () => {
    const { dir } = await historyRepo();
    const repo = repoAt(dir);
    const v1Imgs = (await historySelections(repo, { revs: ['v1'] }, ['imgs'], dir))[0]!.artifact.pointer.oid;
    const treePath = repo.store.path(v1Imgs);
    rmSync(treePath, { force: true });
    const before = fingerprint(join(dir, '.mlv/cache'));
    const r = mlv(dir, ['gc', '--all-tags', '--yes']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain(`imgs (at v1): tree ${v1Imgs} is missing`);
    expect(r.stderr).toMatch(/nothing was deleted/);
    expect(r.stderr).toMatch(/mlv fetch/);
    expect(fingerprint(join(dir, '.mlv/cache'))).toEqual(before);
  });

  it('-r without --remote or --only-pushed is a usage error, not silently ignored', async () => {
    const dir = await makeRepo();
    const r = mlv(dir, ['gc', '--workspace', '--dry-run', '-r', 'origin']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain('neither was given');
  });

  it('--remote deletes old unreachable objects, spares young ones (gc.grace), keeps reachable ones', async () => {
    const { dir, remote } = await historyRepo();
    ok(mlv(dir, ['push', '--all-commits']));
    // Two unreachable objects on the remote: one pushed "long ago", one just now.
    const oldObj = bytes(10_000, 500);
    const youngObj = bytes(10_000, 501);
    writeFiles(dir, { 'model.bin': oldObj });
    await commit(repoAt(dir), ['model.bin'], { cwd: dir });
    ok(mlv(dir, ['push', 'model.bin']));
    const oldOid = (await import('../../src/core/workspace/artifacts.js')).readArtifact(repoAt(dir), 'model.bin.mlv').pointer.oid;
    writeFiles(dir, { 'model.bin': youngObj });
    await commit(repoAt(dir), ['model.bin'], { cwd: dir });
    ok(mlv(dir, ['push', 'model.bin']));
    const youngOid = (await import('../../src/core/workspace/artifacts.js')).readArtifact(repoAt(dir), 'model.bin.mlv').pointer.oid;
    git(dir, 'checkout', '--', 'model.bin.mlv');
    ok(mlv(dir, ['checkout', '--force']));
    // Everything pushed so far is two hours old, except the young object.
    const twoHoursAgo = new Date(Date.now() - 2 * 3600 * 1000);
    const key = (oid: string) => join(remote, 'objects', 'xxh128', oid.slice(7, 9), oid.slice(9));
    for (const f of objectFiles(remote)) utimesSync(join(remote, 'objects', f), twoHoursAgo, twoHoursAgo);
    const now = new Date();
    utimesSync(key(youngOid), now, now);
    writeFileSync(join(dir, '.mlv/config.local.yaml'), 'gc:\n  grace: 1h\n');
    const reachableOnRemote = objectFiles(remote).length - 2;

    const r = ok(mlv(dir, ['gc', '--all-commits', '--remote', '--yes', '--json']));
    const result = JSON.parse(r.stdout);
    expect(result.remote).toMatchObject({ name: 'store', objects: 1, young: 1 });
    expect(existsSync(key(oldOid))).toBe(false);
    expect(existsSync(key(youngOid))).toBe(true);
    expect(objectFiles(remote)).toHaveLength(reachableOnRemote + 1);
    // The default grace (7 days) spares everything pushed two hours ago.
    rmSync(join(dir, '.mlv/config.local.yaml'));
    const d = ok(mlv(dir, ['gc', '--all-commits', '--remote', '--dry-run', '--json']));
    expect(JSON.parse(d.stdout).remote).toMatchObject({ objects: 0, young: 1 });
    // What is left on the remote still serves every version to a fresh clone.
    const clone = join(tempDir('mlv-clone-'), 'c');
    git(dir, 'clone', '-q', `file://${dir}`, clone);
    ok(mlv(clone, ['pull', '--all-commits']));
    git(clone, 'checkout', '-q', 'v1');
    ok(mlv(clone, ['checkout']));
    expectVersion(clone, V1);
  });

  it('--only-pushed drops only unreachable objects the remote holds', async () => {
    const { dir, remote } = await historyRepo();
    ok(mlv(dir, ['push', '--rev', 'v1']));
    const r = ok(mlv(dir, ['gc', '--workspace', '--only-pushed', '--yes', '--json']));
    const result = JSON.parse(r.stdout);
    // Unreachable from HEAD: v1's and v2's model, data.csv, imgs trees and b.png versions. Only v1's are pushed.
    expect(result.cache.notPushed).toBeGreaterThan(0);
    expect(result.removed.cache).toBe(result.cache.objects);
    // v2 was never pushed: its objects must have survived in the original cache.
    git(dir, 'checkout', '-q', 'v2');
    const c = ok(mlv(dir, ['checkout']));
    expect(c.stderr).not.toMatch(/mlv pull/);
    expectVersion(dir, V2_ALL);
    // v1's objects are gone locally but come back from the remote.
    git(dir, 'checkout', '-q', 'v1');
    ok(mlv(dir, ['pull']));
    expectVersion(dir, V1);
    expect(objectFiles(remote)).toHaveLength(5);
  });
});

describe('ls and get at old revisions', () => {
  it('ls lists artifacts and folder files at a revision with cache and remote state', async () => {
    const { dir } = await historyRepo();
    ok(mlv(dir, ['push', '--rev', 'v1']));
    const r = ok(mlv(dir, ['ls', '--rev', 'v1', '-R', '--json']));
    const out = JSON.parse(r.stdout);
    expect(out.remote).toMatchObject({ name: 'store', state: 'checked' });
    const byPath = Object.fromEntries((out.entries as { path: string }[]).map((e) => [e.path, e]));
    expect(Object.keys(byPath).sort()).toEqual(['data.csv', 'imgs', 'imgs/a.png', 'imgs/b.png', 'model.bin']);
    expect(byPath['model.bin']).toMatchObject({ type: 'file', tracked: true, size: 50_000, inCache: true, onRemote: true });
    expect(byPath['imgs/b.png']).toMatchObject({ type: 'file', tracked: false, artifact: 'imgs', size: 4000, inCache: true, onRemote: true });
    expect(byPath['imgs']).toMatchObject({ type: 'dir', files: 2, inCache: true, onRemote: true });
    // HEAD's model was never pushed.
    const head = JSON.parse(ok(mlv(dir, ['ls', 'model.bin', '--json'])).stdout);
    expect(head.entries).toEqual([expect.objectContaining({ path: 'model.bin', onRemote: false, inCache: true })]);
    // A folder inside a tracked folder lists its children; the text output has a header and `/` on folders.
    const sub = ok(mlv(dir, ['ls', 'imgs', '--rev', 'v2']));
    expect(sub.stdout.split('\n')[0]).toMatch(/^cache\s+remote:store\s+size\s+files\s+oid\s+path$/);
    expect(sub.stdout).toMatch(/imgs\/sub\/\n/);
    expect(sub.stdout).toMatch(/imgs\/a\.png\n/);
    // No remote reachable: the remote column is unknown, the listing still works.
    rmSync(join(dir, '.mlv/config.yaml'));
    writeFileSync(join(dir, '.mlv/config.yaml'), 'core:\n  hash: xxh128\n');
    const none = JSON.parse(ok(mlv(dir, ['ls', '--rev', 'v1', '--json'])).stdout);
    expect(none.remote.state).toBe('none');
    expect(none.entries.every((e: { onRemote: unknown }) => e.onRemote === null)).toBe(true);
  });

  it('get writes an old artifact or a file inside an old folder without touching the workspace or HEAD', async () => {
    const { dir, remote } = await historyRepo();
    const out = tempDir('mlv-get-');
    const before = fingerprint(dir);
    const head = git(dir, 'rev-parse', 'HEAD');
    ok(mlv(dir, ['get', 'model.bin', '--rev', 'v1', '-o', join(out, 'model-v1.bin')]));
    expect(sha256(read(out, 'model-v1.bin'))).toBe(sha256(V1['model.bin']));
    ok(mlv(out, ['-C', dir, 'get', 'imgs/b.png', '--rev', 'v1', '-o', join(out, 'b.png')]));
    expect(sha256(read(out, 'b.png'))).toBe(sha256(V1['imgs/b.png']));
    ok(mlv(dir, ['get', 'imgs', '--rev', 'v2', '-o', join(out, 'imgs-v2')]));
    expect(listFiles(join(out, 'imgs-v2'))).toEqual(['a.png', 'b.png', 'sub/c.png']);
    expect(sha256(read(out, 'imgs-v2/b.png'))).toBe(sha256(V2['imgs/b.png']));
    expect(fingerprint(dir)).toEqual(before);
    expect(git(dir, 'rev-parse', 'HEAD')).toBe(head);

    // An existing output is refused unless --force; the default output is the basename in cwd.
    const again = mlv(dir, ['get', 'model.bin', '--rev', 'v1']);
    expect(again.code, show(again)).toBe(1);
    expect(again.stderr).toMatch(/model\.bin already exists/);
    expect(again.stderr).toMatch(/--force/);
    expect(fingerprint(dir)).toEqual(before);
    const forced = mlv(out, ['-C', dir, 'get', 'model.bin', '--rev', 'v2', '-o', join(out, 'model-v1.bin'), '--force']);
    expect(forced.code, show(forced)).toBe(0);
    expect(sha256(read(out, 'model-v1.bin'))).toBe(sha256(V2['model.bin']));

    // --force never replaces the repository (or the folder mlv runs in).
    const unsafe = mlv(dir, ['get', 'imgs', '--rev', 'v2', '-o', dir, '--force']);
    expect(unsafe.code, show(unsafe)).toBe(1);
    expect(unsafe.stderr).toMatch(/refusing to replace .*: it holds the repository or the current folder/);
    expect(fingerprint(dir)).toEqual(before);

    // Missing from the cache: fetched from the remote, verified, kept in the cache.
    ok(mlv(dir, ['push', '--rev', 'v1']));
    ok(mlv(dir, ['gc', '--workspace', '--yes']));
    const v1Model = repoAt(dir).store.path((await historySelections(repoAt(dir), { revs: ['v1'] }, ['model.bin'], dir))[0]!.artifact.pointer.oid);
    expect(existsSync(v1Model)).toBe(false);
    const fetched = ok(mlv(dir, ['get', 'model.bin', '--rev', 'v1', '-o', join(out, 'again.bin')]));
    expect(fetched.stdout).toMatch(/1 object fetched/);
    expect(sha256(read(out, 'again.bin'))).toBe(sha256(V1['model.bin']));
    expect(existsSync(v1Model)).toBe(true);
    expect(readFileSync(join(remote, 'objects', 'xxh128', v1Model.split('/').slice(-2).join('/')))).toBeTruthy();
  });
});

describe('bad input', () => {
  it('an unknown revision is named', async () => {
    const { dir } = await historyRepo();
    for (const args of [['push', '--rev', 'nope'], ['fetch', '--rev', 'v1', '--rev', 'nope'], ['ls', '--rev', 'nope'], ['get', 'model.bin', '--rev', 'nope'], ['gc', '--rev', 'nope', '--dry-run']]) {
      const r = mlv(dir, args);
      expect(r.code, show(r)).toBe(1);
      expect(r.stderr).toMatch(/unknown revision 'nope'/);
    }
  });

  it('a shallow clone: --all-commits and revisions before the cut-off are refused with a hint', async () => {
    const { dir } = await historyRepo();
    const clone = join(tempDir('mlv-shallow-'), 's');
    git(tempDir(), 'clone', '-q', '--depth', '1', `file://${dir}`, clone);
    const all = mlv(clone, ['fetch', '--all-commits']);
    expect(all.code, show(all)).toBe(1);
    expect(all.stderr).toMatch(/shallow clone/);
    expect(all.stderr).toMatch(/git fetch --unshallow/);
    const gcAll = mlv(clone, ['gc', '--all-commits', '--dry-run']);
    expect(gcAll.code, show(gcAll)).toBe(1);
    expect(gcAll.stderr).toMatch(/shallow clone/);
    const old = mlv(clone, ['ls', '--rev', 'HEAD~1']);
    expect(old.code, show(old)).toBe(1);
    expect(old.stderr).toMatch(/unknown revision 'HEAD~1' \(this is a shallow clone/);
    // The tip itself works.
    const tip = mlv(clone, ['ls', '--rev', 'HEAD', '--json']);
    expect(tip.code, show(tip)).toBe(0);
  });

  it('a malformed pointer at some revision is named with its file and revision', async () => {
    const { dir } = await historyRepo();
    const good = readFileSync(join(dir, 'data.csv.mlv'), 'utf8');
    writeFileSync(join(dir, 'data.csv.mlv'), good.replace('version: 1', 'version: 7'));
    git(dir, 'commit', '-qam', 'broken pointer');
    git(dir, 'tag', 'broken');
    const brokenCommit = git(dir, 'rev-parse', 'HEAD').trim();
    writeFileSync(join(dir, 'data.csv.mlv'), good);
    git(dir, 'commit', '-qam', 'fixed');
    const cache = fingerprint(join(dir, '.mlv/cache'));

    const ls = mlv(dir, ['ls', '--rev', 'broken']);
    expect(ls.code, show(ls)).toBe(1);
    expect(ls.stderr).toMatch(/data\.csv\.mlv \(at broken\): field 'version' is 7/);
    const push = mlv(dir, ['push', '--rev', 'broken']);
    expect(push.stderr).toMatch(/data\.csv\.mlv \(at broken\)/);
    const gc = mlv(dir, ['gc', '--all-commits', '--yes']);
    expect(gc.code, show(gc)).toBe(1);
    expect(gc.stderr).toContain(`data.csv.mlv (at broken): field 'version'`);
    git(dir, 'tag', '-d', 'broken');
    const untagged = mlv(dir, ['fetch', '--all-commits']);
    expect(untagged.stderr).toContain(`data.csv.mlv (at ${brokenCommit.slice(0, 12)}): field 'version'`);
    expect(fingerprint(join(dir, '.mlv/cache'))).toEqual(cache);
    // The workspace itself is fine.
    ok(mlv(dir, ['status']));
  });
});
