import { Args, Flags } from '@oclif/core';
import { MlvCommand } from '../base.js';
import { checkout } from '../../core/api/checkout.js';
import { renderCheckout } from '../checkout-output.js';
import { removeTempsOnInterrupt } from '../interrupt.js';

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
    removeTempsOnInterrupt(repo);
    const r = await checkout(repo, argv, { force: flags.force, relink: flags.relink, reporter: this.reporter() });
    const code = renderCheckout(r, (line) => this.say(line));
    if (code !== 0) process.exitCode = code;
  }
}
