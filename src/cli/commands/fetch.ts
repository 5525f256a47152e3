import { Args } from '@oclif/core';
import { MlvCommand } from '../base.js';
import { fetch } from '../../core/api/fetch.js';
import { historyFlags, historyScopeFrom } from '../history-flags.js';
import { jobsFlag, remoteFlag } from '../remote-flags.js';
import { selectionsFor } from '../../core/workspace/selection.js';
import { printFailures, summaryLine } from '../transfer-output.js';

export default class Fetch extends MlvCommand {
  static override summary = 'Download tracked data from a remote into the cache (the workspace is not touched)';
  static override examples = ['<%= config.bin %> fetch', '<%= config.bin %> fetch data/images/cats -r origin', '<%= config.bin %> fetch --rev v1 --rev v2'];
  static override strict = false;
  static override args = { targets: Args.string({ description: 'tracked paths, paths inside tracked folders, or pointer files (default: all)' }) };
  static override flags = { ...remoteFlag, ...jobsFlag, ...historyFlags };

  async run(): Promise<void> {
    const { flags, argv } = await this.parseWithGlobals(Fetch);
    const repo = this.openRepo();
    const selections = await selectionsFor(repo, argv, historyScopeFrom(flags));
    const r = await fetch(repo, argv, { remote: flags.remote, jobs: flags.jobs, reporter: this.reporter(), selections, signal: this.interruptSignal() });
    this.say(summaryLine('fetched', r.remote, r));
    if (printFailures(r.failed)) process.exitCode = 1;
  }
}
