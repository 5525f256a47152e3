import { Args, Flags } from '@oclif/core';
import { jsonFlag, MlvCommand } from '../../base.js';
import { remoteVerify } from '../../../core/api/remote-verify.js';
import { formatBytes, plural } from '../../format.js';
import { jobsFlag, remoteFlag } from '../../remote-flags.js';
import { historyFlags, historyScopeFrom } from '../../history-flags.js';
import { selectionsFor } from '../../../core/workspace/selection.js';

export default class RemoteVerify extends MlvCommand {
  static override summary = "Download and rehash every object the targets need from a remote; --repair re-uploads good local copies";
  static override examples = ['<%= config.bin %> remote verify', '<%= config.bin %> remote verify -r origin --repair', '<%= config.bin %> remote verify --all-tags'];
  static override strict = false;
  static override args = { targets: Args.string({ description: 'tracked paths or pointer files (default: all)' }) };
  static override flags = { ...remoteFlag, ...jobsFlag, ...historyFlags, repair: Flags.boolean({ description: 'upload good local copies over bad or missing remote ones' }), ...jsonFlag };

  async run(): Promise<void> {
    const { flags, argv } = await this.parseWithGlobals(RemoteVerify);
    const repo = this.openRepo();
    const selections = await selectionsFor(repo, argv, historyScopeFrom(flags));
    const r = await remoteVerify(repo, argv, { remote: flags.remote, jobs: flags.jobs, repair: flags.repair, reporter: this.reporter(), selections, signal: this.interruptSignal() });
    if (this.globalFlags.json) this.printJson(r);
    else {
      this.say(`checked ${plural(r.checked, 'object')} (${formatBytes(r.bytes)}) on remote '${r.remote}'`);
      for (const p of r.problems) {
        const fix = p.repaired === undefined ? '' : p.repaired ? ' → repaired from the local cache' : ` → not repaired: ${p.reason}`;
        const why = p.problem === 'unreadable' && p.repaired === undefined ? ` (${p.reason})` : '';
        this.say(`  ${p.problem}: ${p.oid}${why}${fix}`);
      }
      if (r.problems.length === 0) this.say('all objects are intact');
      else if (!flags.repair) this.say('run `mlv remote verify --repair` to upload good local copies over them');
    }
    if (r.problems.some((p) => !p.repaired)) process.exitCode = 1;
  }
}
