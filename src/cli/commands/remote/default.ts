import { Args, Flags } from '@oclif/core';
import { MlvCommand } from '../../base.js';
import { setDefaultRemote } from '../../../core/api/remote-config.js';

export default class RemoteDefault extends MlvCommand {
  static override summary = 'Set the default remote (core.remote)';
  static override args = { name: Args.string({ required: true, description: 'remote name' }) };
  static override flags = { local: Flags.boolean({ description: 'only for this machine (.mlv/config.local.yaml)' }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parseWithGlobals(RemoteDefault);
    const repo = this.openRepo();
    const r = await setDefaultRemote(repo, args.name, { local: flags.local });
    this.say(`default remote is now '${r.name}' (${r.writes.map((w) => w.file).join(', ')})`);
  }
}
