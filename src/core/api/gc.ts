/**
 * `mlv gc`: remove objects that nothing in a scope needs, from the cache and optionally a remote.
 *
 * The scope is required — `workspace` (the work tree's pointers), branches, tags, all commits, named
 * revisions, combinable — and the work tree's pointers are always kept too, so data added but not yet
 * committed is never collected. Every object reachable from the scope is kept: file objects, the
 * folders' trees and every file they name, read from the cache. If a kept folder's tree is missing or
 * corrupt in the cache, gc cannot know what it names and refuses before deleting anything.
 *
 * Deletion order: trees before the files they name (the opposite of push), so an interrupted gc never
 * leaves a tree whose content is gone. On a remote, objects younger than `gc.grace` (default 7 days, by
 * the remote's modification time) are never deleted, so a teammate's fresh push survives; objects whose
 * age the remote does not report are spared as well. `onlyPushed` narrows the cache removal to objects
 * the remote holds, so everything dropped can be fetched back.
 */
import { open, stat, unlink } from 'node:fs/promises';
import { MlvError, UsageError } from '../errors.js';
import { ProgressTicker, silentReporter, type Reporter } from '../events.js';
import { formatOid, hexLength, isHex, objectKey } from '../objects/oid.js';
import { parseTree, TREE_HEADER } from '../objects/tree.js';
import type { KindedRemote } from '../remotes/common.js';
import { mapLimit } from '../remotes/common.js';
import { openRepoRemote } from '../remotes/open-remote.js';
import { listArtifacts, type Artifact } from '../workspace/artifacts.js';
import { hasHistoryScope, historyArtifacts, type HistoryScope } from '../workspace/history-selection.js';
import { withLock } from '../workspace/lock.js';
import type { Repo } from '../workspace/repo.js';
import { StatIndex } from '../workspace/stat-index.js';

export interface GcScope extends HistoryScope {
  /** Keep what the work tree's pointers name (always kept; alone it means "only the workspace"). */
  workspace?: boolean;
}

export interface GcOptions {
  scope: GcScope;
  /** Only report what would be removed. */
  dryRun?: boolean;
  /** Also clean the remote (`remoteName`, else the default remote). */
  remote?: boolean;
  remoteName?: string;
  /** Drop from the cache only unreachable objects that the remote (`remoteName` or default) holds. */
  onlyPushed?: boolean;
  /** Asked with the plan before anything is deleted; false leaves everything as it was. */
  confirm?: (plan: GcPlan) => Promise<boolean>;
  reporter?: Reporter;
  /** Current time in ms (tests). */
  now?: number;
}

export interface GcPlan {
  /** Distinct artifact versions in the scope (workspace included). */
  versions: number;
  /** Objects reachable from the scope. */
  reachable: number;
  cache: {
    objects: number;
    bytes: number;
    /** With onlyPushed: unreachable objects kept because the remote lacks them. */
    notPushed?: number;
  };
  remote?: {
    name: string;
    objects: number;
    bytes: number;
    /** Unreachable objects younger than the grace period (or of unknown age), kept. */
    young: number;
    youngBytes: number;
    graceMs: number;
  };
}

export interface GcResult extends GcPlan {
  dryRun: boolean;
  /** False when `confirm` said no (nothing was deleted). */
  confirmed: boolean;
  removed: { cache: number; cacheBytes: number; remote: number; remoteBytes: number };
  /** Objects that could not be deleted (reported, the rest carried on). */
  failed: { oid: string; where: string; error: string }[];
}

export const DEFAULT_GRACE_MS = 7 * 24 * 3600 * 1000;

/** Parses a duration such as `7d`, `12h`, `30m`, `45s`, `2w` or a number of seconds. */
export function parseDuration(value: unknown, key = 'gc.grace'): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value * 1000;
  const m = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/.exec(value) : null;
  if (!m) {
    throw new MlvError('CONFIG_INVALID', `.mlv/config: '${key}' must be a duration like 7d, 12h, 30m or 45s, not ${JSON.stringify(value)}`, {
      hint: 'edit .mlv/config.yaml (or config.local.yaml)',
    });
  }
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] ?? 's']!;
  return Number(m[1]) * unit;
}

/** `gc.grace` from the config, in ms. */
export function graceOf(repo: Repo): number {
  const gc = repo.config.raw.gc;
  const v = gc && typeof gc === 'object' ? (gc as Record<string, unknown>).grace : undefined;
  return v === undefined || v === null ? DEFAULT_GRACE_MS : parseDuration(v);
}

export function hasGcScope(scope: GcScope): boolean {
  return scope.workspace === true || hasHistoryScope(scope);
}

export async function gc(repo: Repo, opts: GcOptions): Promise<GcResult> {
  if (!hasGcScope(opts.scope)) {
    throw new UsageError(
      'gc needs to know what to keep: pass --workspace, --all-branches, --all-tags, --all-commits or --rev <rev> (combinable)',
      'everything the chosen revisions (and the work tree) need is kept; the rest is removed. Try `mlv gc --all-commits --dry-run` first',
    );
  }
  if (opts.onlyPushed && opts.remote) {
    throw new UsageError('--only-pushed and --remote cannot be combined', '--only-pushed keeps unpushed objects in the cache because the remote copy is the backup; --remote deletes those remote copies');
  }
  const graceMs = opts.remote ? graceOf(repo) : 0;
  const reporter = opts.reporter ?? silentReporter;
  const label = ['mlv gc', opts.remote ? '--remote' : '', opts.dryRun ? '--dry-run' : ''].filter(Boolean).join(' ');
  return withLock(repo.tmpDir, label, repo.config.core.lockTimeout, async () => {
    const { keep, versions } = await reachableObjects(repo, opts.scope);
    const cacheCandidates = await unreachableInCache(repo, keep);
    const plan: GcPlan = { versions, reachable: keep.size, cache: { objects: 0, bytes: 0 } };
    let remote: KindedRemote | undefined;
    try {
      let dropFromCache = cacheCandidates;
      if (opts.onlyPushed || opts.remote) remote = await openRepoRemote(repo, opts.remoteName);
      if (opts.onlyPushed && remote) {
        const held = await remote.hasMany(cacheCandidates.map((c) => objectKey(c.oid)));
        dropFromCache = cacheCandidates.filter((c) => held.has(objectKey(c.oid)));
        plan.cache.notPushed = cacheCandidates.length - dropFromCache.length;
      }
      plan.cache.objects = dropFromCache.length;
      plan.cache.bytes = dropFromCache.reduce((n, c) => n + c.size, 0);

      let remotePlan: RemotePlan | undefined;
      if (opts.remote && remote) {
        remotePlan = await planRemote(repo, remote, keep, graceMs, opts.now ?? Date.now(), reporter);
        plan.remote = {
          name: remote.name,
          objects: remotePlan.delete.length,
          bytes: remotePlan.delete.reduce((n, c) => n + c.size, 0),
          young: remotePlan.young,
          youngBytes: remotePlan.youngBytes,
          graceMs,
        };
      }

      const result: GcResult = {
        ...plan,
        dryRun: opts.dryRun === true,
        confirmed: true,
        removed: { cache: 0, cacheBytes: 0, remote: 0, remoteBytes: 0 },
        failed: [],
      };
      const nothing = plan.cache.objects === 0 && (plan.remote?.objects ?? 0) === 0;
      if (opts.dryRun || nothing) return result;
      if (opts.confirm && !(await opts.confirm(plan))) return { ...result, confirmed: false };

      if (remote && remotePlan) await deleteRemote(repo, remote, remotePlan, result, reporter);
      await deleteFromCache(repo, dropFromCache, result, reporter);
      return result;
    } finally {
      await remote?.close();
    }
  });
}

interface Candidate {
  oid: string;
  size: number;
  /** Known to be a tree (deleted before files). */
  tree?: boolean;
}

/** Every object the scope needs: file objects, and each kept tree with everything below it. */
async function reachableObjects(repo: Repo, scope: GcScope): Promise<{ keep: Set<string>; versions: number }> {
  const versions = new Map<string, { artifact: Artifact; label: string }>();
  for (const artifact of await listArtifacts(repo)) versions.set(`${artifact.dataRel}\0${artifact.pointer.oid}`, { artifact, label: 'the workspace' });
  if (hasHistoryScope(scope)) {
    for (const h of await historyArtifacts(repo, scope)) {
      const key = `${h.artifact.dataRel}\0${h.artifact.pointer.oid}`;
      if (!versions.has(key)) versions.set(key, { artifact: h.artifact, label: h.label });
    }
  }
  const keep = new Set<string>();
  const seenTrees = new Set<string>();
  const missing: string[] = [];
  const len = hexLength(repo.store.algo);
  for (const { artifact, label } of versions.values()) {
    const p = artifact.pointer;
    keep.add(p.oid);
    if (p.kind !== 'dir') continue;
    const stack: [string, string][] = [[p.oid, artifact.dataRel]];
    while (stack.length > 0) {
      const [oid, where] = stack.pop()!;
      if (seenTrees.has(oid)) continue;
      seenTrees.add(oid);
      keep.add(oid);
      let entries;
      try {
        entries = parseTree(await repo.store.readVerified(oid), oid, len);
      } catch (err) {
        const why = err instanceof MlvError && err.code === 'OBJECT_CORRUPT' ? 'corrupt' : err instanceof MlvError && err.code === 'OBJECT_MISSING' ? 'missing' : 'unreadable';
        missing.push(`${where} (at ${label}): tree ${oid} is ${why}`);
        continue;
      }
      for (const e of entries) {
        const child = formatOid(repo.store.algo, e.hex);
        if (e.type === 'f') keep.add(child);
        else stack.push([child, `${where}/${e.name}`]);
      }
    }
  }
  if (missing.length > 0) {
    throw new MlvError(
      'GC_TREE_MISSING',
      `gc cannot tell what ${missing.length} kept folder version(s) contain, because their listings are not in the cache; nothing was deleted:\n${missing
        .slice(0, 20)
        .map((m) => `  ${m}`)
        .join('\n')}${missing.length > 20 ? '\n  …' : ''}`,
      {
        hint: 'fetch them first with `mlv fetch` and the same scope flags (e.g. `mlv fetch --all-commits`), or narrow the scope',
        details: { missing },
      },
    );
  }
  return { keep, versions: versions.size };
}

/** Reads the first bytes of a local file: is it a tree object? */
async function looksLikeTree(path: string): Promise<boolean> {
  const header = Buffer.from(`${TREE_HEADER}\n`);
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return false;
  }
  try {
    const buf = Buffer.alloc(header.length);
    const { bytesRead } = await fh.read(buf, 0, header.length, 0);
    return bytesRead === header.length && buf.equals(header);
  } finally {
    await fh.close();
  }
}

async function unreachableInCache(repo: Repo, keep: Set<string>): Promise<Candidate[]> {
  const out: Candidate[] = [];
  for await (const oid of repo.store.list()) {
    if (keep.has(oid)) continue;
    const path = repo.store.path(oid);
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch {
      continue;
    }
    out.push({ oid, size });
  }
  return out;
}

interface RemotePlan {
  delete: Candidate[];
  young: number;
  youngBytes: number;
}

/** Objects on the remote that the scope does not need and that are older than the grace period. */
async function planRemote(repo: Repo, remote: KindedRemote, keep: Set<string>, graceMs: number, now: number, reporter: Reporter): Promise<RemotePlan> {
  const algo = repo.store.algo;
  const len = hexLength(algo);
  const prefix = `objects/${algo}/`;
  const plan: RemotePlan = { delete: [], young: 0, youngBytes: 0 };
  const ticker = new ProgressTicker(reporter, 'listing remote');
  for await (const info of remote.list(prefix)) {
    ticker.tick(1);
    const rest = info.key.slice(prefix.length);
    if (rest.length !== len + 1 || rest[2] !== '/') continue;
    const hex = rest.slice(0, 2) + rest.slice(3);
    if (!isHex(hex, len)) continue;
    const oid = formatOid(algo, hex);
    if (keep.has(oid)) continue;
    if (info.mtimeMs === undefined || now - info.mtimeMs < graceMs) {
      plan.young++;
      plan.youngBytes += info.size;
      continue;
    }
    plan.delete.push({ oid, size: info.size });
  }
  ticker.end();
  return plan;
}

/**
 * Tells trees from file objects among the remote objects to delete, so trees go first (DESIGN §7). Done
 * only when deleting — a dry run or a declined confirmation reads nothing.
 */
async function classifyRemoteCandidates(repo: Repo, remote: KindedRemote, candidates: Candidate[]): Promise<void> {
  const unknownKind: Candidate[] = [];
  for (const c of candidates) {
    if (repo.store.hasSync(c.oid)) c.tree = await looksLikeTree(repo.store.path(c.oid));
    else unknownKind.push(c);
  }
  // Objects only on the remote: small ones are looked at (a tree is text starting with its header) so
  // trees can go first; big ones are file content in practice (a 1 MiB tree lists ~15,000 entries).
  const small = unknownKind.filter((c) => c.size <= 1 << 20);
  await mapLimit(small, remote.defaultJobs, async (c) => {
    const tmp = repo.store.newTempPath();
    try {
      await remote.get(objectKey(c.oid), tmp);
      c.tree = await looksLikeTree(tmp);
    } catch {
      c.tree = false;
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  });
}

async function deleteRemote(repo: Repo, remote: KindedRemote, plan: RemotePlan, result: GcResult, reporter: Reporter): Promise<void> {
  await classifyRemoteCandidates(repo, remote, plan.delete);
  const trees = plan.delete.filter((c) => c.tree);
  const files = plan.delete.filter((c) => !c.tree);
  const ticker = new ProgressTicker(reporter, 'deleting remote', plan.delete.length);
  for (const group of [trees, files]) {
    await mapLimit(group, remote.defaultJobs, async (c) => {
      try {
        await remote.delete(objectKey(c.oid));
        result.removed.remote++;
        result.removed.remoteBytes += c.size;
      } catch (err) {
        result.failed.push({ oid: c.oid, where: `remote '${remote.name}'`, error: (err as Error).message });
      }
      ticker.tick(1);
    });
  }
  ticker.end();
}

async function deleteFromCache(repo: Repo, candidates: Candidate[], result: GcResult, reporter: Reporter): Promise<void> {
  // Trees go before the files they name; telling them apart reads each object's header, so it is done
  // only now that deleting is decided.
  for (const c of candidates) c.tree = await looksLikeTree(repo.store.path(c.oid));
  const ordered = [...candidates.filter((c) => c.tree), ...candidates.filter((c) => !c.tree)];
  // Loaded before deleting, while its completeness claims still match the cache, so they can be cleared.
  const index = StatIndex.forRepo(repo);
  const ticker = new ProgressTicker(reporter, 'deleting', ordered.length);
  try {
    for (const c of ordered) {
      try {
        await unlink(repo.store.path(c.oid));
        result.removed.cache++;
        result.removed.cacheBytes += c.size;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
          result.failed.push({ oid: c.oid, where: 'the cache', error: (err as Error).message });
        }
      }
      ticker.tick(1);
    }
  } finally {
    ticker.end();
    if (result.removed.cache > 0) {
      // Claims that "every object of folder X is in the cache" may no longer hold.
      index.clearComplete();
      index.save();
    }
  }
}
