/**
 * The optional native helper (native/scan.c, built by `npm install` with node-gyp). It lists a folder
 * tree and stats its files in one call, which makes `status` and re-`add` of big folders about twice as
 * fast. Without it (no compiler at install time, another platform, or `MLV_NATIVE=0`) mlv uses the
 * JavaScript walk, which gives the same results.
 */
import { createRequire } from 'node:module';

export interface NativeScan {
  /** Root-relative paths, each folder followed by its contents. */
  paths: string[];
  /** SCAN_FIELDS numbers per path: kind, dev, ino, mtimeMs, size, mode, nlink (stat numbers for files only). */
  stats: Float64Array;
}

interface NativeHelper {
  scanTree(root: string): NativeScan;
}

export const SCAN_FIELDS = 7;
export const SCAN_KIND = { gone: 0, file: 1, dir: 2, symlink: 3, other: 4 } as const;

let loaded: NativeHelper | null | undefined;

/**
 * The helper, or undefined when it is not built or is turned off. The compiled module is looked for
 * relative to this file as compiled (dist/core/workspace/) and as bundled into the command-line fast
 * path (dist/cli/).
 */
export function nativeHelper(): NativeHelper | undefined {
  if (loaded === undefined) {
    loaded = null;
    if (process.env.MLV_NATIVE !== '0') {
      const require = createRequire(import.meta.url);
      for (const candidate of ['../../../build/Release/mlv_native.node', '../../build/Release/mlv_native.node']) {
        try {
          loaded = require(candidate) as NativeHelper;
          break;
        } catch {
          // not built, or built for another Node ABI: try the next place, then use the JavaScript walk
        }
      }
    }
  }
  return loaded ?? undefined;
}
