/** `mlv status` on the fast path (fast-path.ts). */
import { status } from '../../core/api/status.js';
import { currentRepo, runFastCommand } from '../fast-path.js';
import { renderStatus } from '../status-output.js';

export const runFast = (argv: string[]): Promise<boolean> =>
  runFastCommand(
    {
      flags: { '--json': 'json' },
      async run({ targets, json, reporter, say }) {
        const entries = await status(currentRepo(), targets, { reporter });
        if (json) process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
        else renderStatus(entries, say);
        return 0;
      },
    },
    argv,
  );
