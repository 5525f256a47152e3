import { existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { Flags } from '@oclif/core';
import { MlvCommand } from '../base.js';
import { install } from '../../core/api/install.js';

export default class Install extends MlvCommand {
  static override summary = 'Install Git hooks and the diff/merge drivers so plain Git commands keep the data in step';
  static override description =
    'post-checkout, post-merge and post-rewrite (after a rebase) restore the data of the new HEAD; pre-push pushes the data of the pushed commits to the default remote. ' +
    'Hooks already there are kept (renamed <hook>.pre-mlv and run first); --uninstall puts them back. ' +
    'Also adds `*.mlv diff=mlv merge=mlv` to .gitattributes and the matching drivers to .git/config.';
  static override examples = ['<%= config.bin %> install', '<%= config.bin %> install --uninstall'];
  static override flags = {
    uninstall: Flags.boolean({ description: 'remove the hooks and drivers, restoring any hooks that were there before' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parseWithGlobals(Install);
    const repo = this.openRepo();
    const r = await install(repo, { uninstall: flags.uninstall, command: { node: process.execPath, bin: this.entryPoint() } });
    const words: Record<string, string> = {
      installed: 'installed',
      updated: 'updated',
      chained: 'installed (the existing hook is kept as <hook>.pre-mlv and runs first)',
      removed: 'removed',
      restored: 'removed; the previous hook is back',
      absent: 'not installed',
    };
    for (const h of r.hooks) this.say(`${h.hook.padEnd(13)} ${words[h.action]}`);
    this.say(`hooks folder: ${r.hooksDir}`);
    if (flags.uninstall) {
      if (r.attributes === 'removed') this.say('.gitattributes: removed `*.mlv diff=mlv merge=mlv`');
      if (r.gitConfig.length > 0) this.say(`git config: removed ${r.gitConfig.join(', ')}`);
    } else {
      this.say(`.gitattributes: ${r.attributes === 'added' ? 'added' : 'already has'} \`*.mlv diff=mlv merge=mlv\`${r.attributes === 'added' ? ' (commit it so teammates get the drivers too)' : ''}`);
      this.say(`git config: set ${r.gitConfig.join(', ')}`);
    }
  }

  /** The absolute path of this mlv's bin/run.js (hooks start it with the same Node binary). */
  private entryPoint(): string {
    const bin = join(this.config.root, 'bin', 'run.js');
    if (existsSync(bin)) return realpathSync(bin);
    return realpathSync(process.argv[1]!);
  }
}
