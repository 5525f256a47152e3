import { Args } from '@oclif/core';
import { MlvCommand } from '../base.js';
import { commit } from '../../core/api/commit.js';
import { renderCommit } from '../record-output.js';
import { removeTempsOnInterrupt } from '../interrupt.js';

export default class Commit extends MlvCommand {
  static override summary = 'Record the current workspace content of tracked paths into the cache and pointers';
  static override examples = ['<%= config.bin %> commit', '<%= config.bin %> commit data/images'];
  static override strict = false;
  static override args = { targets: Args.string({ description: 'tracked paths or pointer files (default: all)' }) };

  async run(): Promise<void> {
    const { argv } = await this.parseWithGlobals(Commit);
    const repo = this.openRepo();
    removeTempsOnInterrupt(repo);
    const results = await commit(repo, argv, { reporter: this.reporter() });
    renderCommit(results, (line) => this.say(line));
  }
}
