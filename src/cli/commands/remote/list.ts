import { jsonFlag, MlvCommand } from '../../base.js';
import { listRemotes } from '../../../core/api/remote-config.js';

export default class RemoteList extends MlvCommand {
  static override summary = 'List remotes (secrets are masked)';
  static override examples = ['<%= config.bin %> remote list', '<%= config.bin %> remote list --json'];
  static override flags = { ...jsonFlag };

  async run(): Promise<void> {
    await this.parseWithGlobals(RemoteList);
    const repo = this.openRepo();
    const remotes = listRemotes(repo);
    if (this.globalFlags.json) {
      this.printJson(remotes);
      return;
    }
    if (remotes.length === 0) {
      this.say('No remotes. Add one with `mlv remote add <name> <url> --default`.');
      return;
    }
    for (const r of remotes) {
      this.say(`${r.isDefault ? '*' : ' '} ${r.name}\t${r.kind}\t${r.url}${r.defined.includes('local') ? '\t(local settings)' : ''}`);
      for (const [k, v] of Object.entries(r.settings)) this.say(`      ${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
    }
  }
}
