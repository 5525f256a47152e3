import { Args, Flags } from '@oclif/core';
import { MlvCommand } from '../base.js';
import { get } from '../../core/api/get.js';
import { formatBytes, plural } from '../format.js';
import { jobsFlag } from '../remote-flags.js';

export default class Get extends MlvCommand {
  static override summary = 'Write an artifact (or a file or folder inside a tracked folder) as it was at a revision';
  static override description =
    'The workspace, the pointers and HEAD are not touched. Objects come from the cache, or else the default remote (verified, and kept in the cache). The output is written under a temp name and renamed into place; an existing output is replaced only with --force.';
  static override examples = [
    '<%= config.bin %> get model.bin --rev v1',
    '<%= config.bin %> get data/images/cats/001.png --rev v1 -o old-cat.png',
    '<%= config.bin %> get data/images --rev main~3 -o /tmp/images-then',
  ];
  static override args = { path: Args.string({ description: 'tracked path, or a path inside a tracked folder', required: true }) };
  static override flags = {
    rev: Flags.string({ description: 'revision (default: HEAD)' }),
    out: Flags.string({ char: 'o', description: 'output path (default: the basename of <path> in the current folder)' }),
    force: Flags.boolean({ char: 'f', description: 'replace an existing output' }),
    'remote-name': Flags.string({ char: 'r', description: 'remote to fetch missing objects from (default: core.remote, or the only remote)' }),
    ...jobsFlag,
  };

  async run(): Promise<void> {
    const { flags, args } = await this.parseWithGlobals(Get);
    const repo = this.openRepo();
    const r = await get(repo, args.path, { rev: flags.rev, out: flags.out, force: flags.force, remote: flags['remote-name'], jobs: flags.jobs, reporter: this.reporter(), signal: this.interruptSignal() });
    const what = r.type === 'dir' ? `${plural(r.files, 'file')} (${formatBytes(r.bytes)})` : formatBytes(r.bytes);
    this.say(`wrote ${r.out}${r.type === 'dir' ? '/' : ''}: ${what} from ${r.artifact} at '${r.rev}' (${r.commit.slice(0, 12)})${r.fetched ? `, ${plural(r.fetched, 'object')} fetched` : ''}`);
  }
}
