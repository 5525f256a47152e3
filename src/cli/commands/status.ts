import { Args, Flags } from '@oclif/core';
import { jsonFlag, MlvCommand } from '../base.js';
import { UsageError } from '../../core/errors.js';
import { status } from '../../core/api/status.js';
import { renderStatus } from '../status-output.js';
import type { RemoteStatusEntry } from '../../core/api/remote-status.js';
import type { Repo } from '../../core/workspace/repo.js';
import { hasHistoryScope, type HistoryScope } from '../../core/git/history-scope.js';
import { shortOid } from '../format.js';
import { historyFlags, historyScopeFrom } from '../history-flags.js';

export default class Status extends MlvCommand {
  static override summary = 'Show which tracked data differs from its pointers, and what the cache lacks';
  static override description =
    'For each pointer: unchanged, modified, deleted, or not in cache; for folders, the files added, modified or deleted inside. Always exits 0 when it could check.';
  static override examples = ['<%= config.bin %> status', '<%= config.bin %> status data/images --json', '<%= config.bin %> status --remote --all-tags'];
  static override strict = false;
  static override args = { targets: Args.string({ description: 'tracked paths or pointer files (default: all)' }) };
  static override flags = {
    ...jsonFlag,
    remote: Flags.boolean({ aliases: ['cloud'], description: 'compare the cache with a remote instead of the workspace (alias: --cloud)' }),
    'remote-name': Flags.string({ char: 'r', description: 'which remote, with --remote (default: core.remote, or the only remote)' }),
    ...historyFlags,
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parseWithGlobals(Status);
    const repo = this.openRepo();
    const scope = historyScopeFrom(flags);
    if (flags.remote || flags['remote-name'] !== undefined) {
      await this.remoteStatus(repo, argv, flags['remote-name'], scope);
      return;
    }
    if (hasHistoryScope(scope)) {
      throw new UsageError('--rev, --all-branches, --all-tags and --all-commits apply to `mlv status --remote`', 'add --remote, or use `mlv ls --rev <rev>` to see what a revision tracks');
    }
    const entries = await status(repo, argv, { reporter: this.reporter() });
    if (this.globalFlags.json) this.printJson(entries);
    else renderStatus(entries, (line) => this.say(line));
  }

  private async remoteStatus(repo: Repo, targets: string[], remote: string | undefined, scope: HistoryScope): Promise<void> {
    const history = hasHistoryScope(scope);
    // Loaded on demand: plain `mlv status` must not pay for the Git reader and the remote SDKs.
    const { historySelections } = await import('../../core/workspace/history-selection.js');
    const { remoteStatus } = await import('../../core/api/remote-status.js');
    const selections = history ? await historySelections(repo, scope, targets) : undefined;
    const r = await remoteStatus(repo, targets, { remote, selections });
    if (this.globalFlags.json) {
      this.printJson(r);
      return;
    }
    const label: Record<RemoteStatusEntry['state'], string> = {
      'in-sync': 'in sync',
      'needs-push': 'only local: `mlv push` sends',
      'needs-pull': 'only on the remote: `mlv pull` fetches',
      diverged: 'some objects only local, some only on the remote',
      missing: 'missing everywhere',
    };
    for (const e of r.entries) {
      const counts = [e.localOnly && `${e.localOnly} only local`, e.remoteOnly && `${e.remoteOnly} only remote`, e.missing && `${e.missing} missing`].filter(Boolean).join(', ');
      this.say(`${e.path}${history ? ` @ ${shortOid(e.oid)}` : ''}: ${label[e.state]}${counts ? ` (${counts} of ${e.objects} objects)` : ''}${e.listed ? '' : ' — folder listing not in the cache'}`);
    }
    if (r.entries.length === 0) this.say('Nothing is tracked yet.');
    this.say(`(remote '${r.remote}')`);
  }

}
