import { readFileSync } from 'node:fs';
import { MlvCommand } from '../base.js';
import { diffPointerTexts } from '../../core/api/pointer-diff.js';
import { openRepo, type Repo } from '../../core/workspace/repo.js';
import { changeSummary, displayPath, fileLines } from '../diff-format.js';

/**
 * Git's external diff for `*.mlv` (diff.mlv.command): called with
 * `path old-file old-hex old-mode new-file new-hex new-mode` (9 arguments with a rename, 1 for an
 * unmerged path). Prints a readable summary of the data change instead of the pointers' YAML.
 */
export default class DiffDriver extends MlvCommand {
  static override hidden = true;
  static override summary = 'Git diff driver for pointer files (set up by `mlv install`)';
  static override strict = false;

  async run(): Promise<void> {
    await this.parseWithGlobals(DiffDriver);
    // Git's arguments, verbatim (oclif's parsed argv may reorder repeated values such as two equal modes).
    const argv = this.argv;
    const path = argv[0] ?? '';
    if (argv.length < 7) {
      process.stdout.write(`* Unmerged path ${path}\n`);
      return;
    }
    const newPath = argv.length >= 9 ? argv[7]! : path;
    const read = (file: string, mode: string) => (mode === '.' || file === '/dev/null' ? undefined : readFileSync(file, 'utf8'));
    const oldText = read(argv[1]!, argv[3]!);
    const newText = read(argv[4]!, argv[6]!);
    let repo: Repo | undefined;
    try {
      repo = openRepo(process.cwd());
    } catch {
      repo = undefined;
    }
    const out = [`diff --mlv a/${path} b/${newPath}`];
    const r = await diffPointerTexts(repo, newPath, oldText, newText);
    if (r.invalid !== undefined) {
      out.push(`(not a readable mlv pointer: ${r.invalid})`);
      for (const l of (oldText ?? '').split('\n').filter(Boolean)) out.push(`-${l}`);
      for (const l of (newText ?? '').split('\n').filter(Boolean)) out.push(`+${l}`);
    } else if (!r.entry) {
      out.push('same data; only the pointer text changed');
    } else {
      out.push(`${displayPath(r.entry)}: ${changeSummary(r.entry)}`);
      if (r.entry.files) out.push(...fileLines(r.entry.files, 20, '  '));
    }
    process.stdout.write(out.join('\n') + '\n');
  }
}
