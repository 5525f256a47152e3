import { Args } from '@oclif/core';
import { MlvCommand } from '../base.js';
import { remove } from '../../core/api/remove.js';

export default class Remove extends MlvCommand {
  static override summary = 'Stop tracking paths: delete their pointers and .gitignore entries (the data stays)';
  static override examples = ['<%= config.bin %> remove data/train.csv'];
  static override strict = false;
  static override args = { targets: Args.string({ description: 'tracked paths or pointer files', required: true }) };

  async run(): Promise<void> {
    const { argv } = await this.parseWithGlobals(Remove);
    const repo = this.openRepo();
    const results = await remove(repo, argv);
    for (const r of results) this.say(`stopped tracking ${r.path} (deleted ${r.pointer}; the data is still there)`);
  }
}
