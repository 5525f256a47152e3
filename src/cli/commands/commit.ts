import { Args } from '@oclif/core';
import { MlvCommand } from '../base.js';
import { commit } from '../../core/api/commit.js';
import { formatBytes, plural, shortOid } from '../format.js';

export default class Commit extends MlvCommand {
  static override summary = 'Record the current workspace content of tracked paths into the cache and pointers';
  static override examples = ['<%= config.bin %> commit', '<%= config.bin %> commit data/images'];
  static override strict = false;
  static override args = { targets: Args.string({ description: 'tracked paths or pointer files (default: all)' }) };

  async run(): Promise<void> {
    const { argv } = await this.parseWithGlobals(Commit);
    const repo = this.openRepo();
    const results = await commit(repo, argv, { reporter: this.reporter() });
    const changed = results.filter((r) => r.changed);
    for (const r of changed) {
      const what = r.kind === 'dir' ? `${plural(r.files ?? 0, 'file')}, ${formatBytes(r.size)}` : formatBytes(r.size);
      this.say(`recorded ${r.path} (${what}) ${shortOid(r.oid)}`);
    }
    if (changed.length === 0) this.say('Nothing to commit: the pointers already match the workspace.');
    else this.say(`\nTo record this in Git, run:\n  git add ${changed.map((r) => r.pointer).join(' ')}`);
  }
}
