import { Args, Flags } from '@oclif/core';
import { MlvCommand } from '../base.js';
import { add } from '../../core/api/add.js';
import { renderAdd } from '../record-output.js';
import { removeTempsOnInterrupt } from '../interrupt.js';

export default class Add extends MlvCommand {
  static override summary = 'Track files and folders: store their bytes in the cache and write <path>.mlv pointers';
  static override description =
    'Each path gets a pointer file <path>.mlv beside it (commit that to Git) and a .gitignore entry. ' +
    'Adding an unchanged path again rehashes and rewrites nothing. Globs are expanded by mlv when quoted.';
  static override examples = ['<%= config.bin %> add data/train.csv', '<%= config.bin %> add data/images models/model.bin', "<%= config.bin %> add 'data/*.parquet'"];
  static override strict = false;
  static override args = { paths: Args.string({ description: 'files, folders or glob patterns', required: true }) };
  static override flags = {
    'follow-symlinks': Flags.boolean({ description: 'store the files that symbolic links inside folders point to' }),
  };

  async run(): Promise<void> {
    const { flags, argv } = await this.parseWithGlobals(Add);
    const repo = this.openRepo();
    removeTempsOnInterrupt(repo);
    const results = await add(repo, argv, { reporter: this.reporter(), followSymlinks: flags['follow-symlinks'] });
    renderAdd(results, (line) => this.say(line));
  }
}
