/**
 * Objects for read-only views of the past (`mlv ls`, `mlv get`): from the cache, or else downloaded from
 * a remote (verified before it lands, and kept in the cache like any fetched object). The remote is
 * opened only when the cache lacks something.
 */
import { MlvError } from '../errors.js';
import { silentReporter, type Reporter } from '../events.js';
import { hexLength } from '../objects/oid.js';
import { parseTree, type TreeEntry } from '../objects/tree.js';
import type { Repo } from '../workspace/repo.js';
import type { KindedRemote } from './common.js';
import { openRepoRemote } from './open-remote.js';
import { downloadObjects } from './transfer.js';

export class ObjectSource {
  private remote: Promise<KindedRemote> | undefined;

  constructor(
    private readonly repo: Repo,
    private readonly opts: { remote?: string; jobs?: number; reporter?: Reporter; signal?: AbortSignal } = {},
  ) {}

  /** Makes sure every one of `oids` is in the cache, downloading the missing ones. */
  async ensure(oids: Iterable<string>, sizeOf?: (oid: string) => number | undefined): Promise<number> {
    const wanted = [...new Set(oids)];
    const present = await this.repo.store.presentSet(wanted);
    const missing = wanted.filter((o) => !present.has(o));
    if (missing.length === 0) return 0;
    let remote: KindedRemote;
    try {
      this.remote ??= openRepoRemote(this.repo, this.opts.remote);
      remote = await this.remote;
    } catch (err) {
      this.remote = undefined;
      const why = err instanceof MlvError ? err.message : String(err);
      throw new MlvError('OBJECT_MISSING', `${missing.length} object(s) needed (e.g. ${missing[0]}) are not in the cache, and no remote can supply them: ${why}`, {
        hint: err instanceof MlvError && err.hint ? err.hint : 'configure a remote with `mlv remote add`',
        cause: err,
      });
    }
    const s = await downloadObjects(this.repo.store, remote, missing, { jobs: this.opts.jobs, reporter: this.opts.reporter ?? silentReporter, signal: this.opts.signal, sizeOf });
    if (s.failed.length > 0) {
      const first = s.failed[0]!.error;
      throw new MlvError(first.code, s.failed.length === 1 ? first.message : `${s.failed.length} objects could not be fetched; the first: ${first.message}`, {
        hint: first.hint,
        details: { failed: s.failed.map((f) => f.oid) },
      });
    }
    return s.transferred;
  }

  /** The entries of tree `oid`, fetching it first when the cache lacks it. */
  async readTree(oid: string): Promise<TreeEntry[]> {
    await this.ensure([oid]);
    return parseTree(await this.repo.store.readVerified(oid), oid, hexLength(this.repo.store.algo));
  }

  async close(): Promise<void> {
    if (!this.remote) return;
    try {
      await (await this.remote).close();
    } catch {
      // never opened
    }
  }
}
