import { Args, Flags } from '@oclif/core';
import { MlvCommand } from '../base.js';
import { pull } from '../../core/api/pull.js';
import { formatBytes, plural } from '../format.js';
import { jobsFlag, remoteFlag } from '../remote-flags.js';
import { printFailures, summaryLine } from '../transfer-output.js';

export default class Pull extends MlvCommand {
  static override summary = 'Fetch tracked data from a remote, then check it out into the workspace';
  static override examples = ['<%= config.bin %> pull', '<%= config.bin %> pull data/images/cats', '<%= config.bin %> pull --force'];
  static override strict = false;
  static override args = { targets: Args.string({ description: 'tracked paths, paths inside tracked folders, or pointer files (default: all)' }) };
  static override flags = {
    ...remoteFlag,
    ...jobsFlag,
    force: Flags.boolean({ char: 'f', description: 'discard workspace changes that are not in the cache' }),
  };

  async run(): Promise<void> {
    const { flags, argv } = await this.parseWithGlobals(Pull);
    const repo = this.openRepo();
    const r = await pull(repo, argv, { remote: flags.remote, jobs: flags.jobs, force: flags.force, reporter: this.reporter() });
    this.say(summaryLine('fetched', r.fetch.remote, r.fetch));
    const c = r.checkout;
    this.say(`restored ${plural(c.restored, 'file')} (${formatBytes(c.bytes)})${c.deleted ? `, deleted ${plural(c.deleted, 'file')}` : ''}, ${c.unchanged.toLocaleString('en-US')} unchanged`);
    let failed = printFailures(r.fetch.failed);
    if (c.missing.length > 0) {
      process.stderr.write(`mlv: ${plural(c.missing.length, 'path')} could not be restored (neither the cache nor remote '${r.fetch.remote}' has them):\n`);
      for (const m of c.missing.slice(0, 20)) process.stderr.write(`  ${m.path}\n`);
      failed = true;
    }
    if (failed) process.exitCode = 1;
  }
}
