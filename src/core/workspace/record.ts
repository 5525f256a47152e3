/**
 * Recording workspace content into the cache and pointer files — the engine behind `add` and `commit`.
 * For each path: snapshot (hash what the stat index does not know, store what the cache lacks), write
 * the pointer only when it changed, make sure Git ignores the data, and link the workspace copy back to
 * the cache when `cache.link` prefers hard or symbolic links.
 */
import { constants, existsSync, lstatSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { copyFile, writeFile, rename } from 'node:fs/promises';
import { posix } from 'node:path';
import { systemError } from '../errors.js';
import type { Reporter } from '../events.js';
import { ProgressTicker } from '../events.js';
import { serializePointer, type Pointer } from '../objects/pointer.js';
import { addIgnoreEntry } from './gitignore.js';
import { Linker } from './link.js';
import type { Repo } from './repo.js';
import { snapshotDir, snapshotFile, type FileInfo, type SnapshotContext } from './snapshot.js';
import type { StatIndex } from './stat-index.js';
import type { WalkResult } from './walk.js';
import { cacheLinkTarget } from './walk.js';
import type { Artifact } from './artifacts.js';
import { pointerRelFor } from './artifacts.js';
import type { LinkMode } from './config.js';
import { InodeAdopter } from './adopt.js';
import { stagingDirOf } from './temp-files.js';

export interface RecordItem {
  dataRel: string;
  kind: 'file' | 'dir';
  /** The folder listing, when the caller already walked it (to validate before writing). */
  walk?: WalkResult;
  /** The existing pointer, when the path is already tracked. */
  previous?: Artifact;
  /** A folder known (from its state in the stat index) to be unchanged: the tree of `previous`. */
  unchangedTree?: string;
}

export interface RecordResult {
  path: string;
  pointer: string;
  kind: 'file' | 'dir';
  oid: string;
  size: number;
  files?: number;
  /** Whether the pointer file was (re)written. */
  changed: boolean;
  /** Files whose bytes were read and hashed. */
  hashed: number;
  /** Objects newly written to the cache. */
  stored: number;
}

export async function recordArtifacts(
  repo: Repo,
  index: StatIndex,
  items: RecordItem[],
  opts: { reporter: Reporter; followSymlinks?: boolean },
): Promise<RecordResult[]> {
  const results: RecordResult[] = [];
  const linkMode = await preferredLinkMode(repo);
  const linkIntoCache = linkMode === 'hardlink' || linkMode === 'symlink';
  const ctx: SnapshotContext = { repo, index, reporter: opts.reporter, linkIntoCache, adopter: linkIntoCache ? undefined : new InodeAdopter(repo.store, stagingDirOf(repo)) };
  for (const item of items) {
    const batch = repo.store.batch();
    let pointer: Pointer;
    let hashed: number;
    let stored: number;
    let fileInfos: Map<string, FileInfo> | undefined;
    try {
      if (item.unchangedTree && item.previous && index.isComplete(item.unchangedTree) && !ctx.linkIntoCache) {
        // Unchanged and whole in the cache, and no links to make: nothing to hash, store or write.
        await batch.discard();
        pointer = item.previous.pointer;
        hashed = 0;
        stored = 0;
      } else if (item.kind === 'dir') {
        const snap = await snapshotDir(ctx, item.dataRel, { batch, followSymlinks: opts.followSymlinks, walk: item.walk });
        pointer = { version: 1, kind: 'dir', path: posix.basename(item.dataRel), oid: repo.store.oid(snap.hex), size: snap.size, files: snap.files };
        hashed = snap.hashed;
        stored = snap.stored;
        fileInfos = snap.fileInfos;
        index.markComplete(snap.hex);
      } else {
        const abs = `${repo.root}/${item.dataRel}`;
        const linked = lstatSync(abs).isSymbolicLink() ? cacheLinkTarget(abs, repo.store.objectsDir) : undefined;
        const snap = linked
          ? { hex: linked.hex, size: linked.st.size, exec: false, hashed: false, stored: false }
          : await snapshotFile(ctx, item.dataRel, { batch, followSymlinks: opts.followSymlinks });
        pointer = { version: 1, kind: 'file', path: posix.basename(item.dataRel), oid: repo.store.oid(snap.hex), size: snap.size };
        if (snap.exec) pointer.exec = true;
        hashed = snap.hashed ? 1 : 0;
        stored = snap.stored ? 1 : 0;
        if (!linked) fileInfos = new Map([['', { hex: snap.hex, size: snap.size, exec: snap.exec }]]);
      }
    } catch (err) {
      await batch.discard();
      throw err;
    }
    if (item.previous?.pointer.desc !== undefined) pointer.desc = item.previous.pointer.desc;
    const pointerRel = item.previous?.pointerRel ?? pointerRelFor(item.dataRel);
    // An unchanged pointer is not serialised again (which would load the YAML writer for nothing).
    const text = item.previous && samePointer(pointer, item.previous.pointer) ? item.previous.pointerText : serializePointer(pointer, item.previous?.pointerText);
    const changed = text !== item.previous?.pointerText;
    if (changed) {
      const abs = `${repo.root}/${pointerRel}`;
      const tmp = `${abs}.tmp-${process.pid}`;
      try {
        await writeFile(tmp, text);
        await rename(tmp, abs);
      } catch (err) {
        throw systemError(err, 'writing pointer', pointerRel);
      }
    }
    await addIgnoreEntry(repo.root, item.dataRel);
    if (fileInfos && (linkMode === 'hardlink' || linkMode === 'symlink')) {
      await linkBack(repo, index, item, fileInfos, linkMode, opts.reporter);
    }
    results.push({
      path: item.dataRel,
      pointer: pointerRel,
      kind: item.kind,
      oid: pointer.oid,
      size: pointer.size,
      files: pointer.files,
      changed,
      hashed,
      stored,
    });
  }
  return results;
}

function samePointer(a: Pointer, b: Pointer): boolean {
  return a.kind === b.kind && a.path === b.path && a.oid === b.oid && a.size === b.size && a.files === b.files && a.exec === b.exec && a.desc === b.desc;
}

/**
 * The first mode of `cache.link` that works between this cache and workspace. Reflink clones made by
 * `add` already share blocks with the workspace file and plain copies are already in place, so only
 * hard and symbolic links need the workspace file replaced.
 */
async function preferredLinkMode(repo: Repo): Promise<LinkMode> {
  const modes = repo.config.cache.link;
  // Only hard and symbolic links change what add does; without them (the default [reflink, copy]) there
  // is nothing to probe, so no probe file is written on every add.
  if (!modes.includes('hardlink') && !modes.includes('symlink')) return 'copy';
  for (const mode of modes) {
    if (mode === 'copy' || mode === 'symlink') return mode;
    if (mode === 'hardlink') {
      try {
        const cacheDev = statSync(existsSync(repo.store.root) ? repo.store.root : repo.mlvDir).dev;
        if (cacheDev === statSync(repo.root).dev) return mode;
      } catch {
        // fall through
      }
      continue;
    }
    if (mode === 'reflink' && (await reflinkWorks(repo))) return mode;
  }
  return 'copy';
}

/** Probes whether a clone from the cache's file system into the workspace's succeeds. */
async function reflinkWorks(repo: Repo): Promise<boolean> {
  const src = repo.store.newTempPath();
  const dest = `${repo.tmpDir}/reflink-probe-${process.pid}`;
  try {
    mkdirSync(repo.tmpDir, { recursive: true });
    writeFileSync(src, 'probe');
    await copyFile(src, dest, constants.COPYFILE_FICLONE_FORCE);
    return true;
  } catch {
    return false;
  } finally {
    rmSync(src, { force: true });
    rmSync(dest, { force: true });
  }
}

/** Replaces workspace files by hard or symbolic links to their cache objects (skipping linked ones). */
async function linkBack(
  repo: Repo,
  index: StatIndex,
  item: RecordItem,
  fileInfos: Map<string, FileInfo>,
  mode: LinkMode,
  reporter: Reporter,
): Promise<void> {
  const linker = new Linker(repo.store, [mode, 'copy'], stagingDirOf(repo));
  const ticker = new ProgressTicker(reporter, 'linking', fileInfos.size);
  for (const [rel, info] of fileInfos) {
    const dataRel = rel === '' ? item.dataRel : `${item.dataRel}/${rel}`;
    const abs = `${repo.root}/${dataRel}`;
    const oid = repo.store.oid(info.hex);
    if (info.exec) continue; // executables stay copies (links would drop the exec bit)
    const st = lstatSync(abs);
    if (mode === 'hardlink' && st.isFile() && st.ino === statSync(repo.store.path(oid)).ino) continue;
    if (mode === 'symlink' && st.isSymbolicLink()) continue;
    await linker.materialize(oid, info.size, abs, false);
    if (mode === 'hardlink') index.record(dataRel, lstatSync(abs), info.hex);
    ticker.tick();
  }
  ticker.end();
}
