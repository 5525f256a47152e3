/**
 * Where reflink tests can run: `MLV_TEST_REFLINK_DIR` (set by `.ci/run`, which mounts a small XFS image
 * made with `-m reflink=1`), else the OS temp folder when its file system clones files (btrfs, XFS, APFS).
 */
import { constants, copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function clones(dir: string): boolean {
  let probe: string | undefined;
  try {
    probe = mkdtempSync(join(dir, 'mlv-reflink-probe-'));
    writeFileSync(join(probe, 'a'), 'probe');
    copyFileSync(join(probe, 'a'), join(probe, 'b'), constants.COPYFILE_FICLONE_FORCE);
    return true;
  } catch {
    return false;
  } finally {
    if (probe) rmSync(probe, { recursive: true, force: true });
  }
}

/** A folder on a file system with reflinks, or the reason there is none. */
export function reflinkParent(): { dir?: string; reason?: string } {
  const configured = process.env.MLV_TEST_REFLINK_DIR;
  if (configured) {
    return clones(configured) ? { dir: configured } : { reason: `MLV_TEST_REFLINK_DIR=${configured} cannot clone files` };
  }
  if (clones(tmpdir())) return { dir: tmpdir() };
  return { reason: `${tmpdir()} has no reflinks and MLV_TEST_REFLINK_DIR is not set (.ci/run mounts an XFS image for it)` };
}
