/**
 * Loads a fast-path command bundle (dist/fast/<command>.cjs, see scripts/bundle-fast-path.js) with a V8
 * code cache kept beside it, as Python keeps `.pyc` files beside its sources. Loading the ~380 KiB bundle
 * took ~18 ms of the ~60 ms `mlv status` cost above Node's own start-up on an unchanged 20,000-file
 * folder, about half of it compiling; with the cache, V8 takes the functions it compiled in an earlier
 * run instead of parsing and compiling them again (~10 ms).
 *
 * The cache file (`<bundle>.v8cache`) holds a header line — a format tag and the bundle file's size,
 * mtime, ctime and inode (V8 itself checks only the source's length; a content hash would mean loading
 * node:crypto before `status` can start its scans) — then V8's data. A cache made for another file (the
 * bundle was rebuilt or edited) or one V8 refuses (another Node or V8 version, other V8 flags) is not
 * used: the bundle is compiled as usual, and the cache is written anew after the command ran (a temp
 * file renamed into place). Where the package folder is not writable (a global install owned by root),
 * the cache goes to the user's cache folder instead (`$XDG_CACHE_HOME/mlv/v8cache/`, else
 * `~/.cache/mlv/v8cache/`); where neither is, nothing is written and nothing fails.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

const TAG = 'mlv-v8cache-2';

/** What became of the code cache on load: used, or why not. */
export type CodeCacheState = 'used' | 'missing' | 'stale' | 'rejected';

export interface LoadedBundle<T> {
  exports: T;
  cache: CodeCacheState;
  /** Writes the code cache (with every function compiled so far) when the one found was not used. */
  saveCodeCache(): void;
}

/** Where the code cache of bundle `file` may be: beside it, then in the user's cache folder. */
export function codeCachePaths(file: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const userCache = env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, '.cache') : undefined);
  const paths = [`${file}.v8cache`];
  if (userCache) paths.push(join(userCache, 'mlv', 'v8cache', `${file.replaceAll('/', '%')}.v8cache`));
  return paths;
}

/**
 * Runs the CommonJS bundle `file` and returns its exports. `shared` maps the specifiers the bundle leaves
 * external (modules bin/run.js has already loaded, so both use one instance) to those modules; every
 * other `require` is resolved from the bundle's folder. `cachePaths`: where its code cache is looked for
 * and written, in order.
 */
export function loadBundle<T>(file: string, shared: Record<string, unknown> = {}, cachePaths = codeCachePaths(file)): LoadedBundle<T> {
  const fd = openSync(file, 'r');
  let source: string;
  let header: string;
  try {
    const st = fstatSync(fd, { bigint: true });
    header = `${TAG} ${st.size} ${st.mtimeNs} ${st.ctimeNs} ${st.ino}\n`;
    source = readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
  let cachedData: Buffer | undefined;
  let cache: CodeCacheState = 'missing';
  for (const path of cachePaths) {
    try {
      const bytes = readFileSync(path);
      if (bytes.subarray(0, header.length).toString('latin1') === header) {
        cachedData = bytes.subarray(header.length);
        break;
      }
      cache = 'stale';
    } catch {
      // none here (or unreadable): the next place, else compiled as usual
    }
  }
  // The wrapper Node gives CommonJS modules, on the bundle's first line so its line numbers stay right.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData });
  if (cachedData) cache = script.cachedDataRejected ? 'rejected' : 'used';
  const requireFromBundle = createRequire(file);
  const bundleRequire = Object.assign((id: string): unknown => (Object.hasOwn(shared, id) ? shared[id] : requireFromBundle(id)), requireFromBundle);
  const module = { exports: {} as T };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, bundleRequire, module, file, dirname(file));
  return {
    exports: module.exports,
    cache,
    saveCodeCache() {
      if (cache === 'used') return;
      const data = Buffer.concat([Buffer.from(header, 'latin1'), script.createCachedData()]);
      for (const path of cachePaths) {
        const tmp = `${path}.${process.pid}.tmp`;
        try {
          if (path !== cachePaths[0]) mkdirSync(dirname(path), { recursive: true });
          writeFileSync(tmp, data);
          renameSync(tmp, path);
          return;
        } catch {
          try {
            rmSync(tmp, { force: true });
          } catch {
            // a folder we may not write in: there was nothing to remove
          }
        }
      }
    },
  };
}
