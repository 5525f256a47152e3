/**
 * Ctrl-C (or SIGTERM) during `add`, `commit` or `checkout`: the command stops at once, as before, but
 * first removes this process's temp files — the part-written copy of a big file would otherwise fill the
 * disk until `mlv cache verify` — then exits 130 (143 for SIGTERM; the repo lock is released on exit).
 * What was already renamed into place is whole; running the command again carries on.
 */
import { constants as osConstants } from 'node:os';
import type { Repo } from '../core/workspace/repo.js';
import { removeOwnTemps } from '../core/workspace/temp-files.js';

/** The shell's exit code for a process ended by `name`: 128 + the signal's number (SIGINT 130, SIGTERM 143). */
export function signalExitCode(name: NodeJS.Signals): number {
  return 128 + osConstants.signals[name];
}

export function removeTempsOnInterrupt(repo: Repo): void {
  const onSignal = (name: NodeJS.Signals) => {
    process.stderr.write('\nmlv: interrupted; removing the temp files of the work under way\n');
    try {
      removeOwnTemps(repo);
    } catch {
      // (left for `mlv cache verify`)
    }
    process.exit(signalExitCode(name));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}
