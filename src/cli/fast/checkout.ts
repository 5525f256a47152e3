/** `mlv checkout` on the fast path (fast-path.ts). */
import { checkout } from '../../core/api/checkout.js';
import { renderCheckout } from '../checkout-output.js';
import { currentRepo, runFastCommand } from '../fast-path.js';
import { removeTempsOnInterrupt } from '../interrupt.js';

export const runFast = (argv: string[]): Promise<boolean> =>
  runFastCommand(
    {
      flags: { '-f': 'force', '--force': 'force', '--relink': 'relink' },
      async run({ targets, flags, reporter, say }) {
        const repo = currentRepo();
        removeTempsOnInterrupt(repo);
        const r = await checkout(repo, targets, { force: flags.has('force'), relink: flags.has('relink'), reporter });
        return renderCheckout(r, say);
      },
    },
    argv,
  );
