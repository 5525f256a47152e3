/** `mlv diff` between revisions and against the workspace, through the library and the built CLI. */
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { add } from '../../src/core/api/add.js';
import { commit } from '../../src/core/api/commit.js';
import { diff, splitDiffArgs, type DiffEntry } from '../../src/core/api/diff.js';
import { remove } from '../../src/core/api/remove.js';
import { MlvError } from '../../src/core/errors.js';
import { mlv, show } from '../helpers/cli.js';
import { git, makeRepo, repoAt, writeFiles } from '../helpers/repo.js';

async function tagged(dir: string, tag: string): Promise<void> {
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', tag);
  git(dir, 'tag', tag);
}

/** v1: a folder, a model and a csv; v2: folder files added/deleted/modified/renamed, csv removed, new file. */
async function twoVersions(): Promise<string> {
  const dir = await makeRepo();
  writeFiles(dir, {
    'data/imgs/a.png': 'aaaa',
    'data/imgs/b.png': 'bbbb',
    'data/imgs/cats/c1.png': 'c1c1c1',
    'data/imgs/cats/c2.png': 'c2c2',
    'data/imgs/dogs/d1.png': 'd1',
    'model.bin': 'model one',
    'old.csv': 'x,y\n',
  });
  await add(repoAt(dir), ['data/imgs', 'model.bin', 'old.csv'], { cwd: dir });
  await tagged(dir, 'v1');
  writeFiles(dir, { 'data/imgs/a.png': 'AAAAAA', 'data/imgs/new.png': 'new!', 'model.bin': 'model two!' });
  rmSync(join(dir, 'data/imgs/b.png'));
  execFileSync('mv', [join(dir, 'data/imgs/cats/c2.png'), join(dir, 'data/imgs/cats/c2-renamed.png')]);
  await commit(repoAt(dir), [], { cwd: dir });
  await remove(repoAt(dir), ['old.csv'], { cwd: dir });
  writeFiles(dir, { 'extra.txt': 'extra' });
  await add(repoAt(dir), ['extra.txt'], { cwd: dir });
  git(dir, 'rm', '-q', '--cached', 'old.csv.mlv');
  await tagged(dir, 'v2');
  return dir;
}

const byPath = (entries: DiffEntry[]) => Object.fromEntries(entries.map((e) => [e.path, e]));

describe('mlv diff', () => {
  it('between two tags: artifacts added, deleted, modified; files added, deleted, modified, renamed, with sizes', async () => {
    const dir = await twoVersions();
    const r = await diff(repoAt(dir), ['v1', 'v2'], [], { cwd: dir });
    const e = byPath(r.entries);
    expect(Object.keys(e).sort()).toEqual(['data/imgs', 'extra.txt', 'model.bin', 'old.csv']);
    expect(e['extra.txt']).toMatchObject({ change: 'added', after: { kind: 'file', size: 5 } });
    expect(e['old.csv']).toMatchObject({ change: 'deleted', before: { kind: 'file', size: 4 } });
    expect(e['model.bin']).toMatchObject({ change: 'modified', before: { size: 9 }, after: { size: 10 } });
    const imgs = e['data/imgs']!;
    expect(imgs).toMatchObject({ change: 'modified', before: { files: 5, size: 20 }, after: { files: 5, size: 22 } });
    expect(imgs.files!.added.map((f) => [f.path, f.size])).toEqual([['new.png', 4]]);
    expect(imgs.files!.deleted.map((f) => [f.path, f.size])).toEqual([['b.png', 4]]);
    expect(imgs.files!.modified.map((f) => [f.path, f.before.size, f.after.size])).toEqual([['a.png', 4, 6]]);
    expect(imgs.files!.renamed).toMatchObject([{ from: 'cats/c2.png', to: 'cats/c2-renamed.png', size: 4 }]);
    // dogs/ is identical on both sides: its tree is never read (root ×2 + cats ×2).
    expect(r.treeReads).toBe(4);
    // And back: the opposite changes.
    const back = byPath((await diff(repoAt(dir), ['v2', 'v1'], [], { cwd: dir })).entries);
    expect(back['extra.txt']!.change).toBe('deleted');
    expect(back['data/imgs']!.files!.renamed).toMatchObject([{ from: 'cats/c2-renamed.png', to: 'cats/c2.png' }]);
  });

  it('against the workspace (default HEAD): the data on disk, including uncommitted edits', async () => {
    const dir = await twoVersions();
    expect((await diff(repoAt(dir), [], [], { cwd: dir })).entries).toEqual([]);
    writeFiles(dir, { 'data/imgs/dogs/d2.png': 'woof', 'model.bin': 'model three' });
    const r = byPath((await diff(repoAt(dir), [], [], { cwd: dir })).entries);
    expect(r['data/imgs']!.files!.added.map((f) => f.path)).toEqual(['dogs/d2.png']);
    expect(r['model.bin']).toMatchObject({ change: 'modified', after: { size: 11 } });
    // One revision: that revision against the workspace.
    const fromV1 = byPath((await diff(repoAt(dir), ['v1'], [], { cwd: dir })).entries);
    expect(fromV1['data/imgs']!.files!.added.map((f) => f.path).sort()).toEqual(['dogs/d2.png', 'new.png']);
    // Deleted data counts as deleted.
    rmSync(join(dir, 'extra.txt'));
    expect(byPath((await diff(repoAt(dir), [], [], { cwd: dir })).entries)['extra.txt']!.change).toBe('deleted');
  });

  it('targets narrow the diff, also to a path inside a tracked folder', async () => {
    const dir = await twoVersions();
    const r = await diff(repoAt(dir), ['v1', 'v2'], ['data/imgs/cats'], { cwd: dir });
    expect(r.entries.map((e) => e.path)).toEqual(['data/imgs']);
    const f = r.entries[0]!.files!;
    expect([f.added.length, f.deleted.length, f.modified.length, f.renamed.length]).toEqual([0, 0, 0, 1]);
    expect((await diff(repoAt(dir), ['v1', 'v2'], ['model.bin.mlv'], { cwd: dir })).entries.map((e) => e.path)).toEqual(['model.bin']);
    await expect(diff(repoAt(dir), ['v1', 'v2'], ['nope'], { cwd: dir })).rejects.toMatchObject({ code: 'NOT_TRACKED' });
  });

  it('a pointer moved with the same content is a renamed artifact', async () => {
    const dir = await twoVersions();
    execFileSync('git', ['mv', 'extra.txt.mlv', 'extra2.txt.mlv'], { cwd: dir });
    writeFileSync(join(dir, 'extra2.txt.mlv'), git(dir, 'show', 'HEAD:extra.txt.mlv').replace('path: extra.txt', 'path: extra2.txt'));
    await tagged(dir, 'v3');
    const r = await diff(repoAt(dir), ['v2', 'v3'], [], { cwd: dir });
    expect(r.entries).toMatchObject([{ path: 'extra2.txt', change: 'renamed', from: 'extra.txt' }]);
  });

  it('unknown revisions and ambiguous arguments are clear errors', async () => {
    const dir = await twoVersions();
    await expect(diff(repoAt(dir), ['no-such-tag'], [], { cwd: dir })).rejects.toMatchObject({ code: 'UNKNOWN_REVISION' });
    expect(await splitDiffArgs(repoAt(dir), ['v1', 'data/imgs'], dir)).toEqual({ revs: ['v1'], targets: ['data/imgs'] });
    writeFiles(dir, { v1: 'a file named like the tag' });
    const err = await splitDiffArgs(repoAt(dir), ['v1'], dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlvError);
    expect((err as MlvError).code).toBe('AMBIGUOUS_ARGUMENT');
    expect(await splitDiffArgs(repoAt(dir), ['v1', '--'], dir)).toEqual({ revs: ['v1'], targets: [] });
  });

  it('CLI: text, --json and --md', async () => {
    const dir = await twoVersions();
    const text = mlv(dir, ['diff', 'v1', 'v2']);
    expect(text.code, show(text)).toBe(0);
    expect(text.stdout).toContain('Data changes v1 → v2:');
    expect(text.stdout).toContain('modified  data/imgs/: 5 → 5 files, +1 −1 ~1, 1 renamed, 20 B → 22 B');
    expect(text.stdout).toContain('> cats/c2.png → cats/c2-renamed.png (4 B)');
    expect(text.stdout).toContain('added     extra.txt: new file, 5 B');
    expect(text.stdout).toContain('deleted   old.csv: deleted file, 4 B');

    const summaryOnly = mlv(dir, ['diff', 'v1', 'v2', '--limit', '0']);
    expect(summaryOnly.code, show(summaryOnly)).toBe(0);
    expect(summaryOnly.stdout).toContain('modified  data/imgs/: 5 → 5 files');
    expect(summaryOnly.stdout).not.toContain('cats/c2-renamed.png');
    expect(summaryOnly.stdout).not.toContain('more');

    const json = mlv(dir, ['diff', 'v1', 'v2', '--json']);
    expect(json.code, show(json)).toBe(0);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.from.rev).toBe('v1');
    expect(parsed.to).toMatchObject({ rev: 'v2', workspace: false });
    expect(parsed.entries.map((e: DiffEntry) => e.change)).toEqual(['modified', 'added', 'modified', 'deleted']);

    const md = mlv(dir, ['diff', 'v1', 'v2', '--md']);
    expect(md.code, show(md)).toBe(0);
    expect(md.stdout).toContain('### Data changes `v1` → `v2`');
    expect(md.stdout).toContain('| Path | Change | Files | Size |');
    expect(md.stdout).toContain('| `data/imgs/` | modified | 5 → 5 (+1 −1 ~1, 1 renamed) | 20 B → 22 B |');
    expect(md.stdout).toContain('| `cats/c2-renamed.png` | renamed from `cats/c2.png` | 4 B |');

    const ws = mlv(dir, ['diff']);
    expect(ws.stdout).toContain('No data changes (HEAD → workspace).');
    const paths = mlv(dir, ['diff', 'v1', '--', 'model.bin']);
    expect(paths.code, show(paths)).toBe(0);
    expect(paths.stdout).toContain('Data changes v1 → workspace:');
    expect(paths.stdout).not.toContain('data/imgs');
    const bad = mlv(dir, ['diff', 'nope', '--', 'x']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("unknown revision 'nope'");
  });
});
