import { Args, Flags } from '@oclif/core';
import { MlvCommand } from '../base.js';
import { pull } from '../../core/api/pull.js';
import { formatBytes, formatCount, plural } from '../format.js';
import { historyFlags, historyScopeFrom } from '../history-flags.js';
import { jobsFlag, remoteFlag } from '../remote-flags.js';
import { hasHistoryScope } from '../../core/git/history-scope.js';
import { printFailures, summaryLine } from '../transfer-output.js';

export default class Pull extends MlvCommand {
  static override summary = 'Fetch tracked data from a remote, then check it out into the workspace';
  static override description =
    'With --rev/--all-branches/--all-tags/--all-commits, every version in those revisions is fetched into the cache, and only what the current pointers name is checked out (so `git checkout <rev>` + `mlv checkout` then works offline).';
  static override examples = ['<%= config.bin %> pull', '<%= config.bin %> pull data/images/cats', '<%= config.bin %> pull --force', '<%= config.bin %> pull --all-commits'];
  static override strict = false;
  static override args = { targets: Args.string({ description: 'tracked paths, paths inside tracked folders, or pointer files (default: all)' }) };
  static override flags = {
    ...remoteFlag,
    ...jobsFlag,
    ...historyFlags,
    force: Flags.boolean({ char: 'f', description: 'discard workspace changes that are not in the cache' }),
  };

  async run(): Promise<void> {
    const { flags, argv } = await this.parseWithGlobals(Pull);
    const repo = this.openRepo();
    const scope = historyScopeFrom(flags);
    // The Git history reader is loaded only for history scopes (it costs ~50 ms of start-up).
    const sel = hasHistoryScope(scope) ? await (await import('../../core/workspace/history-selection.js')).pullSelections(repo, argv, scope) : undefined;
    const r = await pull(repo, argv, {
      remote: flags.remote,
      jobs: flags.jobs,
      force: flags.force,
      reporter: this.reporter(),
      signal: this.interruptSignal(),
      selections: sel?.checkout,
      fetchSelections: sel?.fetch,
    });
    this.say(summaryLine('fetched', r.fetch.remote, r.fetch));
    const c = r.checkout;
    this.say(`restored ${plural(c.restored, 'file')} (${formatBytes(c.bytes)})${c.deleted ? `, deleted ${plural(c.deleted, 'file')}` : ''}, ${formatCount(c.unchanged)} unchanged`);
    let failed = printFailures(r.fetch.failed);
    if (c.missing.length > 0) {
      process.stderr.write(`mlv: ${plural(c.missing.length, 'path')} could not be restored (neither the cache nor remote '${r.fetch.remote}' has them):\n`);
      for (const m of c.missing.slice(0, 20)) process.stderr.write(`  ${m.path}\n`);
      failed = true;
    }
    if (failed) process.exitCode = 1;
  }
}
