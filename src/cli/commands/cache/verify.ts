import { Flags } from '@oclif/core';
import { jsonFlag, MlvCommand } from '../../base.js';
import { cacheVerify } from '../../../core/api/cache-verify.js';
import { formatBytes, plural } from '../../format.js';

export default class CacheVerify extends MlvCommand {
  static override summary = 'Rehash every cached object and report any whose bytes do not match its oid';
  static override description = 'With --repair, bad objects are moved to <cache>/quarantine/ so they are never used; `mlv pull` or `mlv add` then restores them. Exits 1 when bad objects are found.';
  static override examples = ['<%= config.bin %> cache verify', '<%= config.bin %> cache verify --repair'];
  static override flags = {
    repair: Flags.boolean({ description: 'move bad objects aside' }),
    ...jsonFlag,
  };

  async run(): Promise<void> {
    const { flags } = await this.parseWithGlobals(CacheVerify);
    const repo = this.openRepo();
    const r = await cacheVerify(repo, { repair: flags.repair, reporter: this.reporter() });
    if (this.globalFlags.json) this.printJson(r);
    else {
      this.say(`checked ${plural(r.checked, 'object')} (${formatBytes(r.bytes)})`);
      for (const b of r.bad) this.say(`  corrupt: ${b.oid} (bytes hash to ${b.actual})${b.quarantinedTo ? ` → moved to ${b.quarantinedTo}` : ''}`);
      if (r.bad.length === 0) this.say('all objects are intact');
      else if (!flags.repair) this.say('run `mlv cache verify --repair` to move them aside');
    }
    if (r.bad.length > 0) process.exitCode = 1;
  }
}
