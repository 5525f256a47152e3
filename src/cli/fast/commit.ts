/** `mlv commit` on the fast path (fast-path.ts). */
import { commit } from '../../core/api/commit.js';
import { currentRepo, runFastCommand } from '../fast-path.js';
import { removeTempsOnInterrupt } from '../interrupt.js';
import { renderCommit } from '../record-output.js';

export const runFast = (argv: string[]): Promise<boolean> =>
  runFastCommand(
    {
      flags: {},
      async run({ targets, reporter, say }) {
        const repo = currentRepo();
        removeTempsOnInterrupt(repo);
        const results = await commit(repo, targets, { reporter });
        renderCommit(results, say);
        return 0;
      },
    },
    argv,
  );
