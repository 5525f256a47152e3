/** Shared rendering of transfer summaries (push, fetch, pull). */
import type { MlvError } from '../core/errors.js';
import type { TransferSummary } from '../core/remotes/transfer.js';
import { formatBytes, formatCount, plural } from './format.js';

export function summaryLine(verb: string, remote: string, s: TransferSummary): string {
  const parts = [`${verb} ${plural(s.transferred, 'object')} (${formatBytes(s.bytes)})`, `${formatCount(s.skipped)} already present`];
  if (s.failed.length > 0) parts.push(`${formatCount(s.failed.length)} failed`);
  return `${parts.join(', ')} — remote '${remote}'`;
}

/** Prints failures to stderr; returns true when there were any. */
export function printFailures(failed: { oid: string; error: MlvError }[]): boolean {
  if (failed.length === 0) return false;
  process.stderr.write(`mlv: ${plural(failed.length, 'object')} failed:\n`);
  for (const f of failed.slice(0, 20)) process.stderr.write(`  ${f.error.message}\n`);
  if (failed.length > 20) process.stderr.write(`  … and ${failed.length - 20} more\n`);
  const hint = failed.find((f) => f.error.hint)?.error.hint;
  if (hint) process.stderr.write(`hint: ${hint}\n`);
  return true;
}
