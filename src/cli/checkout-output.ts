/** Human output of `mlv checkout` (shared by the oclif command and the start-up fast path). */
import type { CheckoutResult } from '../core/api/checkout.js';
import { formatBytes, formatCount, plural } from './format.js';

/** Prints the summary (and, on stderr, what could not be restored); returns the exit code. */
export function renderCheckout(r: CheckoutResult, say: (line: string) => void): number {
  if (r.restored + r.deleted === 0 && r.missing.length === 0) say(`Workspace already matches the pointers (${plural(r.unchanged, 'file')}).`);
  else {
    const parts = [`restored ${plural(r.restored, 'file')} (${formatBytes(r.bytes)})`];
    if (r.deleted) parts.push(`deleted ${plural(r.deleted, 'file')}`);
    parts.push(`${formatCount(r.unchanged)} unchanged`);
    say(parts.join(', '));
  }
  if (r.discarded.length > 0) say(`discarded local changes in: ${r.discarded.slice(0, 10).join(', ')}${r.discarded.length > 10 ? ', …' : ''}`);
  if (r.missing.length === 0) return 0;
  process.stderr.write(`mlv: ${plural(r.missing.length, 'path')} could not be restored because the cache does not have their content:\n`);
  for (const m of r.missing.slice(0, 20)) process.stderr.write(`  ${m.path}\n`);
  if (r.missing.length > 20) process.stderr.write(`  …\n`);
  process.stderr.write('hint: run `mlv pull` to fetch them from a remote\n');
  return 1;
}
