import { Args } from '@oclif/core';
import { MlvCommand } from '../base.js';
import { unprotect } from '../../core/api/unprotect.js';
import { plural } from '../format.js';

export default class Unprotect extends MlvCommand {
  static override summary = 'Replace hard or symbolic links to the cache with editable copies';
  static override examples = ['<%= config.bin %> unprotect models/model.bin'];
  static override strict = false;
  static override args = { paths: Args.string({ description: 'tracked files or folders', required: true }) };

  async run(): Promise<void> {
    const { argv } = await this.parseWithGlobals(Unprotect);
    const repo = this.openRepo();
    const r = await unprotect(repo, argv, { reporter: this.reporter() });
    this.say(`made ${plural(r.unprotected.length, 'file')} editable${r.alreadyEditable ? `; ${plural(r.alreadyEditable, 'file was', 'files were')} already editable` : ''}`);
  }
}
