/** `mlv add` on the fast path (fast-path.ts). */
import { add } from '../../core/api/add.js';
import { currentRepo, runFastCommand } from '../fast-path.js';
import { removeTempsOnInterrupt } from '../interrupt.js';
import { renderAdd } from '../record-output.js';

export const runFast = (argv: string[]): Promise<boolean> =>
  runFastCommand(
    {
      flags: { '--follow-symlinks': 'follow-symlinks' },
      needsTargets: true,
      async run({ targets, flags, reporter, say }) {
        const repo = currentRepo();
        removeTempsOnInterrupt(repo);
        const results = await add(repo, targets, { reporter, followSymlinks: flags.has('follow-symlinks') });
        renderAdd(results, say);
        return 0;
      },
    },
    argv,
  );
