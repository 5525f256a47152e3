import { Args } from '@oclif/core';
import { MlvCommand } from '../../base.js';
import { removeRemote } from '../../../core/api/remote-config.js';

export default class RemoteRemove extends MlvCommand {
  static override summary = 'Remove a remote from the configuration (its stored objects are not touched)';
  static override args = { name: Args.string({ required: true, description: 'remote name' }) };

  async run(): Promise<void> {
    const { args } = await this.parseWithGlobals(RemoteRemove);
    const repo = this.openRepo();
    const r = await removeRemote(repo, args.name);
    this.say(`removed remote '${r.name}'${r.wasDefault ? ' (it was the default; set another with `mlv remote default <name>`)' : ''}`);
  }
}
