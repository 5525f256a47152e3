import { readFileSync, writeFileSync } from 'node:fs';
import { MlvCommand } from '../base.js';
import { mergePointers } from '../../core/api/merge-pointers.js';

/**
 * Git's merge driver for `*.mlv` (merge.mlv.driver = `mlv merge-driver %O %A %B %P`): writes the merged
 * pointer to %A and exits 0, or leaves a conflict description in %A and exits 1.
 */
export default class MergeDriver extends MlvCommand {
  static override hidden = true;
  static override summary = 'Git merge driver for pointer files (set up by `mlv install`)';
  static override strict = false;

  async run(): Promise<void> {
    await this.parseWithGlobals(MergeDriver);
    const argv = this.argv; // verbatim: oclif's parsed argv may reorder repeated values
    const [base, ours, theirs, path] = argv as [string, string, string, string | undefined];
    const pointerRel = path ?? ours;
    const r = await mergePointers(this.openRepo(), pointerRel, readFileSync(base, 'utf8'), readFileSync(ours, 'utf8'), readFileSync(theirs, 'utf8'));
    writeFileSync(ours, r.text);
    if (r.merged) {
      if (r.treesWritten > 0) process.stderr.write(`mlv: merged ${r.dataPath}/ file by file (${pointerRel})\n`);
      return;
    }
    process.stderr.write(`mlv: merge conflict in ${pointerRel}: ${r.reason}\n`);
    for (const c of r.conflicts.slice(0, 50)) process.stderr.write(`  ${c}\n`);
    if (r.conflicts.length > 50) process.stderr.write(`  … and ${r.conflicts.length - 50} more\n`);
    process.exitCode = 1;
  }
}
