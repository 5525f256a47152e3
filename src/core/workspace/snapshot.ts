/**
 * Snapshots of tracked paths: the content hash of a file, or the Merkle tree of a folder, computed with
 * the stat index so unchanged files are not rehashed. With `store`, new content is written to the cache
 * (file objects first, then the trees that name them). Shared by add, commit, status and checkout.
 */
import { lstatSync, statSync } from 'node:fs';
import { MlvError } from '../errors.js';
import { ProgressTicker, type Reporter } from '../events.js';
import { hashBytesSync, hashFile, readSmallFileSync, warmHasher } from '../objects/hash.js';
import { hexLength, hexOf } from '../objects/oid.js';
import { SMALL_OBJECT, type StoreBatch } from '../objects/store.js';
import { parseTree, serializeTree, treeTotals, type TreeEntry } from '../objects/tree.js';
import type { InodeAdopter } from './adopt.js';
import type { Repo } from './repo.js';
import { fileFingerprint, type StatIndex } from './stat-index.js';
import { scanFingerprint, walkDir, type FileStat, type WalkResult } from './walk.js';

export interface FileInfo {
  hex: string;
  size: number;
  exec: boolean;
}

export interface TreeSnapshot {
  hex: string;
  size: number;
  files: number;
  /** Folder-relative path → file content. */
  fileInfos: Map<string, FileInfo>;
  /** Every sub-folder, folder-relative. */
  dirs: string[];
  /** Tree objects (hex → canonical bytes), root included. */
  trees: Map<string, Buffer>;
}

export interface SnapshotContext {
  repo: Repo;
  index: StatIndex;
  reporter: Reporter;
  /**
   * The workspace will hold hard or symbolic links to the cache (`cache.link` prefers them and they work
   * here): big files then enter the cache as a second hard link of the workspace file, not a copy.
   */
  linkIntoCache?: boolean;
  /** Copy mode: big files' inodes may become cache objects, a copy taking their place (`adopt.ts`). */
  adopter?: InodeAdopter;
}

const isExec = (st: FileStat) => (st.mode & 0o111) !== 0;

/** Lists a folder and fails (before anything is written) on names that cannot be stored or on links. */
export function walkTrackedDir(repo: Repo, abs: string, displayPath: string, followSymlinks = false, index?: StatIndex): WalkResult {
  const known = index
    ? (rel: string, st: FileStat) => {
        const hex = index.lookup(`${displayPath}/${rel}`, st);
        return hex === undefined ? undefined : { hex, size: st.size, exec: (st.mode & 0o111) !== 0 };
      }
    : undefined;
  const walk = walkDir(abs, { followSymlinks, cacheObjectsDir: repo.store.objectsDir, known });
  if (walk.badNames.length > 0) {
    const list = walk.badNames.slice(0, 20).map((b) => `  ${displayPath}/${JSON.stringify(b.path).slice(1, -1)}: ${b.problem}`);
    throw new MlvError('BAD_FILE_NAME', `${walk.badNames.length} name(s) in ${displayPath} cannot be stored:\n${list.join('\n')}`, {
      hint: 'rename these files (tabs, newlines and NUL bytes are not allowed in names), then run the command again',
      details: { paths: walk.badNames.map((b) => `${displayPath}/${b.path}`) },
    });
  }
  if (walk.symlinks.length > 0) {
    const list = walk.symlinks.slice(0, 20).map((p) => `  ${displayPath}/${p}`);
    throw new MlvError('SYMLINK_IN_FOLDER', `${displayPath} contains ${walk.symlinks.length} symbolic link(s):\n${list.join('\n')}${walk.symlinks.length > 20 ? '\n  …' : ''}`, {
      hint: 'remove or replace the links (or `mlv add --follow-symlinks <folder>` to store the files they point to)',
      details: { paths: walk.symlinks.map((p) => `${displayPath}/${p}`) },
    });
  }
  if (walk.special.length > 0) {
    throw new MlvError('SPECIAL_FILE_IN_FOLDER', `${displayPath} contains sockets, pipes or devices: ${walk.special.slice(0, 5).join(', ')}`, {
      hint: 'remove them from the folder; only regular files and folders can be tracked',
      details: { paths: walk.special.map((p) => `${displayPath}/${p}`) },
    });
  }
  return walk;
}

/**
 * The tree of the workspace folder `dataRel` when the stat index holds its state: nothing in it changed
 * since a snapshot (a fingerprint scan, no object per file). Undefined when that is not known.
 */
export async function stateTreeOf(ctx: SnapshotContext, dataRel: string): Promise<string | undefined> {
  // No state recorded (a first run, a folder of links): the scan could not match and the caller walks the
  // folder anyway — do not scan it twice.
  if (!ctx.index.hasState(dataRel)) return undefined;
  try {
    const fp = await scanFingerprint(`${ctx.repo.root}/${dataRel}`);
    return fp && ctx.index.knownState(dataRel, fp);
  } catch {
    return undefined; // unreadable: the full walk reports it
  }
}

/**
 * The tree of the workspace folder `dataRel` when the stat index knows its state or every file in it
 * (nothing to hash) and nothing in it is unstorable; else undefined. Lets `checkout` see in one walk
 * that a folder already matches its pointer, without reading its stored trees or checking 100k objects.
 */
export async function knownTreeOf(ctx: SnapshotContext, dataRel: string): Promise<string | undefined> {
  const { repo, index } = ctx;
  const known = await stateTreeOf(ctx, dataRel);
  if (known) return known;
  let walk: WalkResult;
  try {
    walk = walkTrackedDir(repo, `${repo.root}/${dataRel}`, dataRel, false, index);
  } catch {
    return undefined; // unreadable, or holding what cannot be stored: the full plan reports it
  }
  if (walk.files.size > 0) return undefined; // files the stat index does not know
  const fileInfos: Map<string, FileInfo> = walk.known;
  for (const [rel, link] of walk.cacheLinks) fileInfos.set(rel, { hex: link.hex, size: link.st.size, exec: false });
  await warmHasher(repo.store.algo);
  const t = buildTrees(repo.store.algo, fileInfos, walk.dirs);
  if (walk.fingerprint) index.recordState(dataRel, walk.fingerprint, t.hex);
  return t.hex;
}

/**
 * Hashes (and with `batch`, stores) every file of a walked folder whose hash the stat index does not
 * know — or, when storing, whose object the cache lacks.
 */
export async function hashWalkedFiles(
  ctx: SnapshotContext,
  dataRel: string,
  absDir: string,
  walk: WalkResult,
  batch?: StoreBatch,
  phase = 'hashing',
): Promise<{
  fileInfos: Map<string, FileInfo>;
  hashed: number;
  stored: number;
  /** Files whose inode went into the cache, a copy taking their place (their stat changed). */
  replaced: number;
  trees?: Omit<TreeSnapshot, 'fileInfos' | 'dirs'>;
}> {
  const { repo, index } = ctx;
  const store = repo.store;
  await warmHasher(store.algo);
  const fileInfos: Map<string, FileInfo> = walk.known; // taken over (not copied: 100k entries)
  const todo: [string, FileStat][] = [];
  for (const [rel, link] of walk.cacheLinks) fileInfos.set(rel, { hex: link.hex, size: link.st.size, exec: false });
  for (const [rel, st] of walk.files) {
    const hex = index.lookup(`${dataRel}/${rel}`, st);
    if (hex) fileInfos.set(rel, { hex, size: st.size, exec: isExec(st) });
    else todo.push([rel, st]);
  }
  let trees: Omit<TreeSnapshot, 'fileInfos' | 'dirs'> | undefined;
  if (batch && todo.length === 0 && index.hasCompleteClaims()) {
    // Nothing to hash: when the folder's tree is one the cache is known to hold whole (a re-add of an
    // unchanged folder), there is nothing to store either — skip checking 100k objects one by one.
    trees = buildTrees(store.algo, fileInfos, walk.dirs);
    if (index.isComplete(trees.hex)) return { fileInfos, hashed: 0, stored: 0, replaced: 0, trees };
  }
  if (batch && fileInfos.size > 0) {
    const present = await store.presentSet([...fileInfos.values()].map((f) => store.oid(f.hex)));
    for (const [rel, info] of fileInfos) {
      if (!present.has(store.oid(info.hex))) {
        fileInfos.delete(rel);
        todo.push([rel, lstatSync(`${absDir}/${rel}`)]);
      }
    }
  }
  let stored = 0;
  let replaced = 0;
  if (todo.length === 0) return { fileInfos, hashed: 0, stored, replaced, trees }; // (trees, when built above, still hold)
  if (batch && todo.length >= 1024) store.expectManyChecks(todo.length);
  const ticker = new ProgressTicker(ctx.reporter, phase, todo.length, todo.reduce((n, [, st]) => n + st.size, 0));
  for (const [rel, st] of todo) {
    const abs = `${absDir}/${rel}`;
    const info = await hashOne(ctx, abs, st, batch, (n) => ticker.addBytes(n));
    if (info.stored) stored++;
    if (info.st) replaced++;
    index.record(`${dataRel}/${rel}`, info.st ?? st, info.hex);
    fileInfos.set(rel, { hex: info.hex, size: st.size, exec: isExec(st) });
    ticker.tick(1);
    if (batch) await batch.maybeFlush();
  }
  ticker.end();
  return { fileInfos, hashed: todo.length, stored, replaced };
}

/**
 * The content hash of the workspace file `rel` (whose stat is `st`): from the stat index when it knows
 * the file, else by reading it (and then recorded). Nothing is stored.
 */
export async function workspaceFileHex(ctx: SnapshotContext, rel: string, st: FileStat): Promise<string> {
  const known = ctx.index.knownState(rel, fileFingerprint(st)) ?? ctx.index.lookup(rel, st);
  if (known) return known;
  const { hex } = await hashOne(ctx, `${ctx.repo.root}/${rel}`, st, undefined, () => undefined);
  ctx.index.record(rel, st, hex);
  return hex;
}

/** Hashes one file (storing it with `batch`); small files synchronously, big ones streamed. */
async function hashOne(
  ctx: SnapshotContext,
  abs: string,
  st: FileStat,
  batch: StoreBatch | undefined,
  onBytes: (n: number) => void,
): Promise<{ hex: string; stored: boolean; st?: FileStat }> {
  const store = ctx.repo.store;
  if (st.size <= SMALL_OBJECT) {
    let data: Buffer;
    try {
      data = readSmallFileSync(abs); // valid until the next read: hashed and written before then
    } catch (err) {
      throw new MlvError('READ_FAILED', `cannot read ${abs}: ${(err as Error).message}`, { cause: err });
    }
    const hex = hashBytesSync(store.algo, data);
    onBytes(data.byteLength);
    if (!batch) return { hex, stored: false };
    return { hex, stored: store.addBytesSync(data, hex, batch).written };
  }
  if (!batch) return { hex: (await hashFile(store.algo, abs, onBytes)).hex, stored: false };
  if (ctx.linkIntoCache && st.nlink === 1 && (st.mode & 0o111) === 0) {
    const { hex } = await hashFile(store.algo, abs, onBytes);
    const linked = await store.linkFileIn(abs, st, hex);
    if (linked) return { hex, stored: linked.written };
  }
  const useReflink = ctx.repo.config.cache.link[0] === 'reflink';
  if (ctx.adopter?.canAdopt(st)) {
    const cloned = useReflink ? await store.addFile(abs, { reflink: true, cloneOnly: true, onBytes }) : undefined;
    if (cloned) return { hex: hexOf(cloned.oid), stored: cloned.written };
    const adopted = await ctx.adopter.adopt(abs, st, onBytes);
    if (adopted) return { hex: adopted.hex, stored: adopted.written, st: adopted.st };
  }
  const r = await store.addFile(abs, { reflink: useReflink, onBytes });
  return { hex: hexOf(r.oid), stored: r.written };
}

/** Builds the Merkle trees of a folder from its files and sub-folders (DESIGN §5). */
export function buildTrees(algo: Repo['store']['algo'], fileInfos: Map<string, FileInfo>, dirs: string[]): Omit<TreeSnapshot, 'fileInfos' | 'dirs'> {
  const children = new Map<string, TreeEntry[]>();
  children.set('', []);
  const allDirs = new Set(dirs);
  for (const d of dirs) if (!children.has(d)) children.set(d, []);
  const parentOf = (p: string) => {
    const i = p.lastIndexOf('/');
    return i < 0 ? '' : p.slice(0, i);
  };
  const nameOf = (p: string) => p.slice(p.lastIndexOf('/') + 1);
  for (const [rel, info] of fileInfos) {
    const parent = parentOf(rel);
    let list = children.get(parent);
    if (!list) {
      // A parent folder not listed (can happen with followed links): add it and its ancestors.
      for (let p = parent; p !== '' && !allDirs.has(p); p = parentOf(p)) {
        allDirs.add(p);
        children.set(p, []);
      }
      list = children.get(parent)!;
    }
    list.push({ type: 'f', name: nameOf(rel), hex: info.hex, size: info.size, mode: info.exec ? 755 : 644 });
  }
  const ordered = [...allDirs].sort((a, b) => depth(b) - depth(a));
  const trees = new Map<string, Buffer>();
  const finish = (dir: string): { hex: string; size: number; files: number } => {
    const entries = children.get(dir)!;
    const bytes = serializeTree(entries);
    const hex = hashBytesSync(algo, bytes);
    trees.set(hex, bytes);
    return { hex, ...treeTotals(entries) };
  };
  for (const dir of ordered) {
    const t = finish(dir);
    children.get(parentOf(dir))!.push({ type: 'd', name: nameOf(dir), hex: t.hex, size: t.size, files: t.files });
  }
  const root = finish('');
  return { hex: root.hex, size: root.size, files: root.files, trees };
}

function depth(p: string): number {
  let n = 0;
  for (let i = 0; i < p.length; i++) if (p.charCodeAt(i) === 47) n++;
  return n;
}

/** Snapshot of a tracked folder in the workspace (storing new content with `batch`). */
export async function snapshotDir(
  ctx: SnapshotContext,
  dataRel: string,
  opts: { batch?: StoreBatch; followSymlinks?: boolean; walk?: WalkResult } = {},
): Promise<TreeSnapshot & { hashed: number; stored: number }> {
  const abs = `${ctx.repo.root}/${dataRel}`;
  const walk = opts.walk ?? walkTrackedDir(ctx.repo, abs, dataRel, opts.followSymlinks, ctx.index);
  const { fileInfos, hashed, stored, replaced, trees } = await hashWalkedFiles(ctx, dataRel, abs, walk, opts.batch);
  await warmHasher(ctx.repo.store.algo);
  const t = trees ?? buildTrees(ctx.repo.store.algo, fileInfos, walk.dirs);
  if (walk.fingerprint && replaced === 0) ctx.index.recordState(dataRel, walk.fingerprint, t.hex);
  let storedTrees = 0;
  if (opts.batch) {
    // Trees go in only after the file objects they name are durable.
    await opts.batch.flush();
    for (const [hex, bytes] of t.trees) if (opts.batch && ctx.repo.store.addBytesSync(bytes, hex, opts.batch).written) storedTrees++;
    await opts.batch.flush();
  }
  return { ...t, fileInfos, dirs: walk.dirs, hashed, stored: stored + storedTrees };
}

/** Snapshot of a tracked file (storing it with `batch`). */
export async function snapshotFile(
  ctx: SnapshotContext,
  dataRel: string,
  opts: { batch?: StoreBatch; followSymlinks?: boolean } = {},
): Promise<FileInfo & { hashed: boolean; stored: boolean }> {
  const abs = `${ctx.repo.root}/${dataRel}`;
  const st = opts.followSymlinks ? statSync(abs) : lstatSync(abs);
  // A tracked file's state is in the index's header: checking it does not parse the 100k-entry columns.
  const fp = fileFingerprint(st);
  const known = ctx.index.knownState(dataRel, fp) ?? ctx.index.lookup(dataRel, st);
  if (known && (!opts.batch || ctx.repo.store.hasSync(ctx.repo.store.oid(known)))) {
    ctx.index.recordState(dataRel, fp, known);
    return { hex: known, size: st.size, exec: isExec(st), hashed: false, stored: false };
  }
  await warmHasher(ctx.repo.store.algo);
  const ticker = new ProgressTicker(ctx.reporter, 'hashing', 1, st.size);
  const r = await hashOne(ctx, abs, st, opts.batch, (n) => ticker.addBytes(n));
  ticker.tick(1);
  ticker.end();
  if (opts.batch) await opts.batch.flush();
  ctx.index.record(dataRel, r.st ?? st, r.hex);
  ctx.index.recordState(dataRel, r.st ? fileFingerprint(r.st) : fp, r.hex);
  return { hex: r.hex, size: st.size, exec: isExec(st), hashed: true, stored: r.stored };
}

/** Reads a stored tree and all its sub-trees into a flat map (folder-relative paths). */
export async function readTreeFlat(
  repo: Repo,
  rootHex: string,
): Promise<{ fileInfos: Map<string, FileInfo>; dirs: string[]; treeHexes: string[] }> {
  const store = repo.store;
  await warmHasher(store.algo);
  const fileInfos = new Map<string, FileInfo>();
  const dirs: string[] = [];
  const treeHexes: string[] = [];
  const stack: [string, string][] = [[rootHex, '']];
  while (stack.length > 0) {
    const [hex, prefix] = stack.pop()!;
    treeHexes.push(hex);
    const oid = store.oid(hex);
    const bytes = await store.readVerified(oid);
    let entries: TreeEntry[];
    try {
      entries = parseTree(bytes, oid, hexLength(store.algo));
    } catch (err) {
      throw new MlvError('TREE_INVALID', (err as Error).message, { hint: 'run `mlv cache verify`' });
    }
    for (const e of entries) {
      const rel = prefix === '' ? e.name : `${prefix}/${e.name}`;
      if (e.type === 'f') fileInfos.set(rel, { hex: e.hex, size: e.size, exec: e.mode === 755 });
      else {
        dirs.push(rel);
        stack.push([e.hex, rel]);
      }
    }
  }
  return { fileInfos, dirs, treeHexes };
}
