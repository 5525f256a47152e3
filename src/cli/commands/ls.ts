import { Args, Flags } from '@oclif/core';
import { jsonFlag, MlvCommand } from '../base.js';
import { ls, type LsEntry } from '../../core/api/ls.js';
import { formatBytes, shortOid } from '../format.js';

export default class Ls extends MlvCommand {
  static override summary = 'List tracked artifacts and the files in tracked folders, at a revision or in the workspace';
  static override description =
    'Shows size, oid, and whether the bytes are in the cache and on the default remote (`?` when no remote is configured or it cannot be reached). A tracked folder lists its files; -R lists everything below. Paths are repo-relative. Data files in the workspace are neither read nor changed (without --rev the pointer files in the work tree are read; folder listings fetched from the remote are kept in the cache).';
  static override examples = ['<%= config.bin %> ls', '<%= config.bin %> ls data/images --rev v1', '<%= config.bin %> ls -R --json'];
  static override args = { path: Args.string({ description: 'a tracked path, a path inside a tracked folder, or a folder holding pointers (default: everything)' }) };
  static override flags = {
    rev: Flags.string({ description: 'revision to list (default: the work tree\'s pointers)' }),
    recursive: Flags.boolean({ char: 'R', description: 'list every file below tracked folders' }),
    'remote-name': Flags.string({ char: 'r', description: 'remote to check (default: core.remote, or the only remote)' }),
    ...jsonFlag,
  };

  async run(): Promise<void> {
    const { flags, args } = await this.parseWithGlobals(Ls);
    const repo = this.openRepo();
    const r = await ls(repo, args.path, { rev: flags.rev, recursive: flags.recursive, remote: flags['remote-name'] });
    if (this.globalFlags.json) {
      this.printJson(r);
      return;
    }
    if (r.entries.length === 0) {
      this.say(r.rev ? `Nothing is tracked at '${r.rev}'.` : 'Nothing is tracked yet.');
      return;
    }
    const mark = (v: boolean | null) => (v === null ? '?' : v ? 'yes' : 'no');
    const rows = r.entries.map((e: LsEntry) => [mark(e.inCache), mark(e.onRemote), formatBytes(e.size), e.type === 'dir' && e.files !== undefined ? `${e.files}` : '', shortOid(e.oid), `${e.path}${e.type === 'dir' ? '/' : ''}`]);
    const header = ['cache', r.remote.name ? `remote:${r.remote.name}` : 'remote', 'size', 'files', 'oid', 'path'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 2 || i === 3 ? c.padStart(widths[i]!) : i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
    this.say(line(header));
    for (const row of rows) this.say(line(row));
    if (r.remote.state === 'unreachable') this.say(`(remote '${r.remote.name}' could not be checked: ${r.remote.message})`);
  }
}
