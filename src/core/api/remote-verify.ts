/**
 * `mlv remote verify [-r remote] [targets] [--repair]`: download and rehash every object the targets
 * need from the remote. Bad or missing remote copies are reported; with `repair`, good local copies are
 * uploaded over them (a plain push would skip them, since the remote "has" those keys).
 */
import { rm } from 'node:fs/promises';
import { MlvError } from '../errors.js';
import { ProgressTicker, silentReporter } from '../events.js';
import { hashBytesSync, hashFile, warmHasher } from '../objects/hash.js';
import { hexOf, objectKey } from '../objects/oid.js';
import { SMALL_OBJECT } from '../objects/store.js';
import { mapLimit, RemoteError, throwIfAborted } from '../remotes/common.js';
import { openRepoRemote } from '../remotes/open-remote.js';
import { uploadObjects } from '../remotes/transfer.js';
import type { Repo } from '../workspace/repo.js';
import { neededObjects, resolveSelections } from '../workspace/selection.js';
import type { TransferOptions } from './push.js';

export interface RemoteVerifyProblem {
  oid: string;
  /** `unreadable`: the download failed for this object alone (the run goes on; `reason` says why). */
  problem: 'corrupt' | 'missing' | 'unreadable';
  /** With repair: whether a good local copy replaced it. */
  repaired?: boolean;
  /** Why it could not be read, or (with repair) why it could not be repaired. */
  reason?: string;
}

export interface RemoteVerifyResult {
  remote: string;
  checked: number;
  bytes: number;
  problems: RemoteVerifyProblem[];
}

export async function remoteVerify(repo: Repo, targets: string[] = [], opts: TransferOptions & { repair?: boolean } = {}): Promise<RemoteVerifyResult> {
  const selections = (opts.selections ?? (await resolveSelections(repo, targets, opts.cwd))).map((s) => ({ artifact: s.artifact }));
  const needed = await neededObjects(repo, selections);
  const oids = [...needed.files.keys(), ...needed.trees];
  for (const s of needed.unlisted) oids.push(s.artifact.pointer.oid);
  const remote = await openRepoRemote(repo, opts.remote);
  const result: RemoteVerifyResult = { remote: remote.name, checked: 0, bytes: 0, problems: [] };
  try {
    const present = await remote.hasMany(oids.map(objectKey));
    const ticker = new ProgressTicker(opts.reporter ?? silentReporter, 'verifying', oids.length);
    const jobs = opts.jobs ?? remote.defaultJobs;
    await warmHasher(repo.store.algo);
    /**
     * Downloads and hashes one object: a small one (as its pointer or tree says, or a tree) into memory
     * where the remote offers it — 20,000 small objects then cost no temp file each to create, read back
     * and delete — a big one where it lies (a folder remote), else through a temp file.
     */
    const fetchAndHash = async (oid: string): Promise<{ hex: string; size: number }> => {
      const expected = needed.files.get(oid);
      if (remote.getBytes && (expected === undefined || expected <= SMALL_OBJECT)) {
        const data = await remote.getBytes(objectKey(oid), SMALL_OBJECT, { signal: opts.signal });
        if (data !== null) return { hex: hashBytesSync(repo.store.algo, data), size: data.length };
        // bigger than that: in place or through a file below
      }
      if (remote.hashInPlace) return await remote.hashInPlace(objectKey(oid), repo.store.algo, { signal: opts.signal });
      const tmp = repo.store.newTempPath();
      try {
        await remote.get(objectKey(oid), tmp, { signal: opts.signal });
        return await hashFile(repo.store.algo, tmp);
      } finally {
        await rm(tmp, { force: true });
      }
    };
    await mapLimit(oids, jobs, async (oid) => {
      throwIfAborted(opts.signal);
      if (!present.has(objectKey(oid))) {
        result.problems.push({ oid, problem: 'missing' });
        ticker.tick();
        return;
      }
      try {
        const { hex, size } = await fetchAndHash(oid);
        result.checked++;
        result.bytes += size;
        if (hex !== hexOf(oid)) result.problems.push({ oid, problem: 'corrupt' });
      } catch (err) {
        // One bad object must not end the check of all the others; a remote-wide failure (or Ctrl-C) does.
        if (!(err instanceof MlvError) || (err instanceof RemoteError && err.remoteWide) || opts.signal?.aborted) throw err;
        result.problems.push({ oid, problem: 'unreadable', reason: err.message });
      } finally {
        ticker.tick();
      }
    });
    ticker.end();
    if (opts.repair && result.problems.length > 0) {
      const bad = result.problems.map((p) => p.oid);
      const trees = new Set(bad.filter((o) => needed.trees.has(o)));
      const summary = await uploadObjects(
        repo.store,
        remote,
        { files: bad.filter((o) => !trees.has(o)), trees },
        { jobs: opts.jobs, reporter: opts.reporter, overwrite: true, signal: opts.signal },
      );
      const failed = new Map(summary.failed.map((f) => [f.oid, f.error] as [string, MlvError]));
      for (const p of result.problems) {
        const err = failed.get(p.oid);
        p.repaired = !err;
        if (err) p.reason = err.message;
      }
    }
  } finally {
    await remote.close();
  }
  result.problems.sort((a, b) => (a.oid < b.oid ? -1 : 1));
  return result;
}
