import { Args, Flags } from '@oclif/core';
import { jsonFlag, MlvCommand } from '../base.js';
import { diff, splitDiffArgs } from '../../core/api/diff.js';
import { changeSummary, displayPath, fileLines, markdown, sidesLabel } from '../diff-format.js';

export default class Diff extends MlvCommand {
  static override summary = 'Show data changes between two revisions, or a revision and the workspace';
  static override description =
    'Added, deleted, modified and renamed (same content, new path) files inside tracked folders, and added, deleted, modified or renamed artifacts, with sizes. ' +
    'With no revision: HEAD against the data in the workspace; with one: that revision against the workspace. Identical sub-folders are skipped by hash. ' +
    'Put paths after `--` when they could be mistaken for revisions.';
  static override examples = [
    '<%= config.bin %> diff',
    '<%= config.bin %> diff v1 v2',
    '<%= config.bin %> diff main -- data/images',
    '<%= config.bin %> diff v1 v2 --md > data-changes.md',
  ];
  static override strict = false;
  static override args = {
    'rev-a': Args.string({ description: 'the older revision (default HEAD)' }),
    'rev-b': Args.string({ description: 'the newer revision (default: the workspace)' }),
  };
  static override flags = {
    ...jsonFlag,
    md: Flags.boolean({ description: 'print a Markdown report (for a pull-request comment)', exclusive: ['json'] }),
    limit: Flags.integer({ description: 'changed files listed per folder (0: summary lines only)', default: 20, min: 0 }),
  };

  async run(): Promise<void> {
    const { flags, argv } = await this.parseWithGlobals(Diff);
    const repo = this.openRepo();
    // oclif drops `--`; take the positional arguments from the raw argv when it was given.
    const dash = this.argv.indexOf('--');
    const args = dash >= 0 ? [...argv.filter((a) => this.argv.indexOf(a) < dash), '--', ...this.argv.slice(dash + 1)] : argv;
    const { revs, targets } = await splitDiffArgs(repo, args);
    const r = await diff(repo, revs, targets, { reporter: this.reporter() });
    if (this.globalFlags.json) {
      this.printJson(r);
      return;
    }
    if (flags.md) {
      process.stdout.write(markdown(r));
      return;
    }
    if (r.entries.length === 0) {
      this.say(`No data changes (${sidesLabel(r)}).`);
      return;
    }
    this.say(`Data changes ${sidesLabel(r)}:`);
    for (const e of r.entries) {
      this.say(`  ${e.change.padEnd(9)} ${displayPath(e)}: ${changeSummary(e)}`);
      if (e.files) for (const line of fileLines(e.files, flags.limit, '      ')) this.say(line);
    }
  }
}
