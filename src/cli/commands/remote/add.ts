import { Args, Flags } from '@oclif/core';
import { MlvCommand } from '../../base.js';
import { addRemote } from '../../../core/api/remote-config.js';

export default class RemoteAdd extends MlvCommand {
  static override summary = 'Add a remote: a folder, s3://bucket/prefix, ssh://[user@]host[:port]/path, or http(s)://';
  static override examples = [
    '<%= config.bin %> remote add origin s3://ml-artifacts/project --default',
    '<%= config.bin %> remote add nas /mnt/shared/mlv-store',
    '<%= config.bin %> remote add lab ssh://me@gpu-box/srv/mlv',
  ];
  static override args = {
    name: Args.string({ required: true, description: 'remote name' }),
    url: Args.string({ required: true, description: 'where the objects live' }),
  };
  static override flags = {
    default: Flags.boolean({ char: 'd', description: 'make it the default remote (core.remote)' }),
    local: Flags.boolean({ description: 'write it to .mlv/config.local.yaml (not committed) instead of config.yaml' }),
  };

  async run(): Promise<void> {
    const { flags, args } = await this.parseWithGlobals(RemoteAdd);
    const repo = this.openRepo();
    const r = await addRemote(repo, args.name, args.url, { default: flags.default, local: flags.local });
    this.say(`added ${r.kind} remote '${r.name}' → ${r.url}${r.isDefault ? ' (default)' : ''}`);
    for (const w of r.writes) this.say(`  wrote ${w.keys.join(', ')} to ${w.file}`);
    if (r.secretsStoredLocally.length > 0) this.say(`  secrets (${r.secretsStoredLocally.join(', ')}) went to .mlv/config.local.yaml, which Git ignores`);
  }
}
