/**
 * `mlv pull [targets] [-r remote] [-j n] [--force]`: fetch, then checkout — for the whole artifacts,
 * or just the files under a path inside a tracked folder. With `fetchSelections` (history-wide pulls),
 * those are fetched and only `selections` are checked out.
 */
import { silentReporter } from '../events.js';
import { openRepoRemote } from '../remotes/open-remote.js';
import type { Repo } from '../workspace/repo.js';
import { resolveSelections, type Selection } from '../workspace/selection.js';
import { checkoutSelections, type CheckoutResult } from './checkout.js';
import { fetchWith, type FetchResult } from './fetch.js';
import type { TransferOptions } from './push.js';

export interface PullResult {
  fetch: FetchResult;
  checkout: CheckoutResult;
}

export async function pull(repo: Repo, targets: string[] = [], opts: TransferOptions & { force?: boolean; fetchSelections?: Selection[] } = {}): Promise<PullResult> {
  const selections = opts.selections ?? (await resolveSelections(repo, targets, opts.cwd));
  const remote = await openRepoRemote(repo, opts.remote);
  let fetched: FetchResult;
  try {
    // (small files' checked bytes stay in memory for the checkout, within a budget: not read back)
    fetched = await fetchWith(repo, remote, opts.fetchSelections ?? selections, { ...opts, keepSmallForCheckout: true });
  } finally {
    await remote.close();
  }
  const checkedOut = await checkoutSelections(repo, selections, { force: opts.force, reporter: opts.reporter ?? silentReporter, signal: opts.signal });
  return { fetch: fetched, checkout: checkedOut };
}
