/** The fast path's bundle loader (src/cli/load-bundle.ts): a V8 code cache that is used only for its own file. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeCachePaths, loadBundle } from '../../src/cli/load-bundle.js';
import { tempDir } from '../helpers/repo.js';

interface Exports {
  answer: () => string;
  shared: unknown;
  sep: string;
}

/** A small CommonJS "bundle": one shared module, one built-in, and enough functions to cache. */
function bundleSource(word: string): string {
  const helpers = Array.from({ length: 50 }, (_, i) => `function h${i}(x) { return x + ${i}; }`).join('\n');
  return `${helpers}
const shared = require('mlv:test-shared');
const { sep } = require('node:path');
exports.answer = () => '${word}:' + h49(0);
exports.shared = shared;
exports.sep = sep;
`;
}

describe('loadBundle', () => {
  it('runs the bundle with its shared modules, writes a code cache, and uses it on the next load', () => {
    const dir = tempDir();
    const file = join(dir, 'cmd.cjs');
    writeFileSync(file, bundleSource('one'));
    const shared = { marker: 1 };
    const first = loadBundle<Exports>(file, { 'mlv:test-shared': shared });
    expect(first.cache).toBe('missing');
    expect(first.exports.answer()).toBe('one:49');
    expect(first.exports.shared).toBe(shared); // the very instance handed in
    expect(first.exports.sep).toBe('/');
    first.saveCodeCache();
    expect(readFileSync(`${file}.v8cache`, 'latin1')).toMatch(/^mlv-v8cache-\d+ \d+ \d+ \d+ \d+\n/);

    const second = loadBundle<Exports>(file, { 'mlv:test-shared': shared });
    expect(second.cache).toBe('used');
    expect(second.exports.answer()).toBe('one:49');
    second.saveCodeCache(); // nothing to do: the cache was used
    expect(existsSync(`${file}.v8cache`)).toBe(true);
  });

  it('does not use the cache of a changed bundle, even one of the same length (V8 checks only the length)', () => {
    const dir = tempDir();
    const file = join(dir, 'cmd.cjs');
    writeFileSync(file, bundleSource('one'));
    loadBundle<Exports>(file, { 'mlv:test-shared': {} }).saveCodeCache();
    writeFileSync(file, bundleSource('two')); // same length, edited in place (same inode)
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const edited = loadBundle<Exports>(file, { 'mlv:test-shared': {} });
    expect(edited.cache).toBe('stale');
    expect(edited.exports.answer()).toBe('two:49');
    edited.saveCodeCache();
    expect(loadBundle<Exports>(file, { 'mlv:test-shared': {} }).cache).toBe('used');
    // A rebuilt bundle (a new file renamed over the old one) does not match either.
    writeFileSync(`${file}.new`, bundleSource('six'));
    renameSync(`${file}.new`, file);
    const rebuilt = loadBundle<Exports>(file, { 'mlv:test-shared': {} });
    expect(rebuilt.cache).toBe('stale');
    expect(rebuilt.exports.answer()).toBe('six:49');
  });

  it('in a new process, V8 takes the cache; one it refuses is compiled over and written anew', () => {
    // (Within one process V8 keeps compiled scripts in memory and never reads the cache: a child it is.)
    const dir = tempDir();
    const file = join(dir, 'cmd.cjs');
    writeFileSync(file, bundleSource('one'));
    const loader = new URL('../../dist/cli/load-bundle.js', import.meta.url).href;
    const load = () =>
      execFileSync(process.execPath, ['--input-type=module', '-e', `
        const { loadBundle } = await import(${JSON.stringify(loader)});
        const b = loadBundle(${JSON.stringify(file)}, { 'mlv:test-shared': {} });
        process.stdout.write(b.cache + ' ' + b.exports.answer());
        b.saveCodeCache();`], { encoding: 'utf8' });
    expect(load()).toBe('missing one:49');
    expect(load()).toBe('used one:49');
    const cache = readFileSync(`${file}.v8cache`);
    const headerEnd = cache.indexOf(10) + 1;
    writeFileSync(`${file}.v8cache`, Buffer.concat([cache.subarray(0, headerEnd), Buffer.alloc(cache.length - headerEnd, 7)]));
    expect(load()).toBe('rejected one:49');
    expect(load()).toBe('used one:49');
  });

  it('where the package folder cannot be written, the cache goes to the user cache folder', () => {
    const dir = tempDir();
    const file = join(dir, 'cmd.cjs');
    writeFileSync(file, bundleSource('one'));
    writeFileSync(join(dir, 'not-a-folder'), '');
    // (As root every folder is writable: a path below a file stands for one the user cannot write in.)
    const paths = [join(dir, 'not-a-folder', 'cmd.cjs.v8cache'), join(dir, 'user-cache', 'mlv', 'v8cache', 'cmd.v8cache')];
    const first = loadBundle<Exports>(file, { 'mlv:test-shared': {} }, paths);
    expect(first.cache).toBe('missing');
    first.saveCodeCache();
    expect(existsSync(paths[1]!)).toBe(true);
    expect(loadBundle<Exports>(file, { 'mlv:test-shared': {} }, paths).cache).toBe('used');

    expect(codeCachePaths('/opt/mlv/dist/fast/status.cjs', { XDG_CACHE_HOME: '/c', HOME: '/h' })).toEqual([
      '/opt/mlv/dist/fast/status.cjs.v8cache',
      '/c/mlv/v8cache/%opt%mlv%dist%fast%status.cjs.v8cache',
    ]);
    expect(codeCachePaths('/x/s.cjs', { HOME: '/h' })[1]).toBe('/h/.cache/mlv/v8cache/%x%s.cjs.v8cache');
    expect(codeCachePaths('/x/s.cjs', {})).toEqual(['/x/s.cjs.v8cache']);
  });

  it('a cache that cannot be written is skipped without an error', () => {
    const dir = tempDir();
    const file = join(dir, 'cmd.cjs');
    writeFileSync(file, bundleSource('one'));
    const loaded = loadBundle<Exports>(file, { 'mlv:test-shared': {} }, [`${file}.v8cache`]); // (not the user's cache folder)
    rmSync(dir, { recursive: true }); // (as root, a read-only folder would still be writable)
    expect(() => loaded.saveCodeCache()).not.toThrow();
    expect(existsSync(dir)).toBe(false);
  });
});
