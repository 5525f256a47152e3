/**
 * Ctrl-C (or SIGTERM) during `add`, `commit` or `checkout`: the command stops at once, as before, but
 * first removes this process's temp files — the part-written copy of a big file would otherwise fill the
 * disk until `mlv cache verify` — then exits 130 (the repo lock is released on exit). What was already
 * renamed into place is whole; running the command again carries on.
 */
import type { Repo } from '../core/workspace/repo.js';
import { removeOwnTemps } from '../core/workspace/temp-files.js';

export function removeTempsOnInterrupt(repo: Repo): void {
  const onSignal = (name: NodeJS.Signals) => {
    process.stderr.write('\nmlv: interrupted; removing the temp files of the work under way\n');
    try {
      removeOwnTemps(repo);
    } catch {
      // (left for `mlv cache verify`)
    }
    process.exit(name === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}
