import { Args, Flags } from '@oclif/core';
import { MlvCommand } from '../base.js';
import { checkout } from '../../core/api/checkout.js';
import { formatBytes, plural } from '../format.js';

export default class Checkout extends MlvCommand {
  static override summary = 'Make the workspace match the pointers (restore, update, delete tracked data)';
  static override description =
    'Touches only what differs. Refuses, listing the paths, to overwrite or delete workspace content that is not in the cache; --force discards it.';
  static override examples = ['<%= config.bin %> checkout', '<%= config.bin %> checkout data/images --force'];
  static override strict = false;
  static override args = { targets: Args.string({ description: 'tracked paths or pointer files (default: all)' }) };
  static override flags = {
    force: Flags.boolean({ char: 'f', description: 'discard workspace changes that are not in the cache' }),
    relink: Flags.boolean({ description: 'recreate every file with the current cache.link setting' }),
  };

  async run(): Promise<void> {
    const { flags, argv } = await this.parseWithGlobals(Checkout);
    const repo = this.openRepo();
    const r = await checkout(repo, argv, { force: flags.force, relink: flags.relink, reporter: this.reporter() });
    if (r.restored + r.deleted === 0 && r.missing.length === 0) this.say(`Workspace already matches the pointers (${plural(r.unchanged, 'file')}).`);
    else {
      const parts = [`restored ${plural(r.restored, 'file')} (${formatBytes(r.bytes)})`];
      if (r.deleted) parts.push(`deleted ${plural(r.deleted, 'file')}`);
      parts.push(`${formatCountWord(r.unchanged)} unchanged`);
      this.say(parts.join(', '));
    }
    if (r.discarded.length > 0) this.say(`discarded local changes in: ${r.discarded.slice(0, 10).join(', ')}${r.discarded.length > 10 ? ', …' : ''}`);
    if (r.missing.length > 0) {
      process.stderr.write(`mlv: ${plural(r.missing.length, 'path')} could not be restored because the cache does not have their content:\n`);
      for (const m of r.missing.slice(0, 20)) process.stderr.write(`  ${m.path}\n`);
      if (r.missing.length > 20) process.stderr.write(`  …\n`);
      process.stderr.write('hint: run `mlv pull` to fetch them from a remote\n');
      process.exitCode = 1;
    }
  }
}

function formatCountWord(n: number): string {
  return n.toLocaleString('en-US');
}
