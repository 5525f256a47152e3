import { Args } from '@oclif/core';
import { MlvCommand } from '../base.js';
import { push } from '../../core/api/push.js';
import { historyFlags, historyScopeFrom } from '../history-flags.js';
import { jobsFlag, remoteFlag } from '../remote-flags.js';
import { selectionsFor } from '../../core/workspace/selection.js';
import { printFailures, summaryLine } from '../transfer-output.js';

export default class Push extends MlvCommand {
  static override summary = 'Upload tracked data and models to a remote';
  static override description = 'Objects the remote already has are skipped; file objects go up before the folder listings (trees) that name them. Safe to interrupt and run again.';
  static override examples = ['<%= config.bin %> push', '<%= config.bin %> push data/images -r backup -j 32', '<%= config.bin %> push --all-commits'];
  static override strict = false;
  static override args = { targets: Args.string({ description: 'tracked paths or pointer files (default: all)' }) };
  static override flags = { ...remoteFlag, ...jobsFlag, ...historyFlags };

  async run(): Promise<void> {
    const { flags, argv } = await this.parseWithGlobals(Push);
    const repo = this.openRepo();
    const selections = await selectionsFor(repo, argv, historyScopeFrom(flags));
    const r = await push(repo, argv, { remote: flags.remote, jobs: flags.jobs, reporter: this.reporter(), selections, signal: this.interruptSignal() });
    this.say(summaryLine('pushed', r.remote, r));
    if (printFailures(r.failed)) process.exitCode = 1;
  }
}
