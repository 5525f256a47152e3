import { Args, Flags } from '@oclif/core';
import { MlvCommand } from '../../base.js';
import { modifyRemote, REMOTE_KEYS } from '../../../core/api/remote-config.js';

export default class RemoteModify extends MlvCommand {
  static override summary = "Set or unset one of a remote's settings (secrets always go to config.local.yaml)";
  static override description = `Keys: ${Object.entries(REMOTE_KEYS)
    .map(([key, kinds]) => (kinds === 'all' ? key : `${key} (${kinds.join(', ')})`))
    .join(', ')}.`;
  static override examples = [
    '<%= config.bin %> remote modify origin endpoint http://127.0.0.1:9000',
    '<%= config.bin %> remote modify origin secret_access_key S3CR3T',
    '<%= config.bin %> remote modify origin jobs --unset',
  ];
  static override args = {
    name: Args.string({ required: true, description: 'remote name' }),
    key: Args.string({ required: true, description: 'setting' }),
    value: Args.string({ required: false, description: 'new value' }),
  };
  static override flags = {
    local: Flags.boolean({ description: 'write to .mlv/config.local.yaml (not committed)' }),
    unset: Flags.boolean({ description: 'remove the setting' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parseWithGlobals(RemoteModify);
    const repo = this.openRepo();
    const r = await modifyRemote(repo, args.name, args.key, args.value, { local: flags.local, unset: flags.unset });
    const where = r.writes.map((w) => w.file).join(', ') || 'no file (it was not set)';
    this.say(`${r.unset ? 'unset' : 'set'} ${r.name}.${r.key}${r.secret ? ' (secret, not shown)' : ''} in ${where}`);
    if (r.forcedLocal) this.say('  secrets are never written to the committed config; it went to .mlv/config.local.yaml, which Git ignores');
  }
}
