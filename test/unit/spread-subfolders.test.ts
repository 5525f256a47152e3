/**
 * `spreadSubfolders` (native/dirs.c) sets a folder's FS_TOPDIR_FL, so ext4 places its new sub-folders
 * in block groups of their own; `SpreadTempFolders` marks its base folder before making sub-folders in
 * it. Checked with `lsattr`, which shows the flag as `T`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nativeHelper } from '../../src/core/native.js';
import { SpreadTempFolders } from '../../src/core/objects/store.js';
import { haveCommand, tempDir } from '../helpers/repo.js';

const native = nativeHelper();

/** lsattr's flags of folder `dir` (e.g. "-------------Te-------"), undefined where it cannot tell. */
function dirFlags(dir: string): string | undefined {
  try {
    return execFileSync('lsattr', ['-d', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split(/\s+/)[0];
  } catch {
    return undefined;
  }
}

/** Why the flag cannot be checked here, or undefined when it can. */
function cannotCheck(): string | undefined {
  if (!native) return 'the native helper is not built';
  if (!haveCommand('lsattr')) return 'lsattr (e2fsprogs) is not installed';
  const probe = tempDir('mlv-topdir-probe-');
  if (!native.spreadSubfolders(probe) || !dirFlags(probe)?.includes('T')) return `the temp folder's file system has no FS_TOPDIR_FL (ext2/3/4 only)`;
  return undefined;
}

const reason = cannotCheck();
if (reason) console.warn(`SKIP spread-subfolders flag checks: ${reason}`);

describe.skipIf(reason !== undefined)('spreadSubfolders', () => {
  it('sets the flag once and says so again when it is already set', () => {
    const dir = tempDir('mlv-topdir-');
    expect(dirFlags(dir)).not.toContain('T');
    expect(native!.spreadSubfolders(dir)).toBe(true);
    expect(dirFlags(dir)).toContain('T');
    expect(native!.spreadSubfolders(dir)).toBe(true);
  });

  it('SpreadTempFolders marks its base folder before its first sub-folder', () => {
    const base = join(tempDir('mlv-topdir-'), 'staging');
    const spread = new SpreadTempFolders(base, 'x-d');
    writeFileSync(spread.next(), 'a');
    expect(dirFlags(base)).toContain('T');
    expect(dirFlags(join(base, 'x-d1'))).not.toContain('T'); // (only the base: sub-folders are spread, not re-marked)
  });
});

describe.skipIf(!native)('spreadSubfolders on what it cannot mark', () => {
  it('answers false for a missing folder or a file, and throws a TypeError without a string', () => {
    const dir = tempDir('mlv-topdir-');
    writeFileSync(join(dir, 'file'), 'x');
    mkdirSync(join(dir, 'sub'));
    expect(native!.spreadSubfolders(join(dir, 'missing'))).toBe(false);
    expect(native!.spreadSubfolders(join(dir, 'file'))).toBe(false);
    expect(() => (native!.spreadSubfolders as unknown as (x: unknown) => boolean)(42)).toThrow(TypeError);
    expect(() => (native!.spreadSubfolders as unknown as () => boolean)()).toThrow(TypeError);
  });
});
