/**
 * Renders an error once for every entry point (oclif commands and the status fast path):
 * `mlv: <message>` + `hint:` on stderr, or a JSON error object with --json; returns the exit status.
 */
import { MlvError } from '../core/errors.js';

export function renderError(err: Error, opts: { json: boolean; verbose: boolean }): number {
  if (err instanceof MlvError) {
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ error: { code: err.code, message: err.message, hint: err.hint, ...err.details } }, null, 2)}\n`);
    } else {
      process.stderr.write(`mlv: ${err.message}\n`);
      if (err.hint) process.stderr.write(`hint: ${err.hint}\n`);
    }
    if (opts.verbose) printCauses(err);
    return err.exitCode;
  }
  // An unexpected error: a bug or an unforeseen system condition. Show it plainly.
  process.stderr.write(`mlv: unexpected error: ${err.message}\n`);
  if (opts.verbose) process.stderr.write(`${err.stack ?? ''}\n`);
  else process.stderr.write('hint: run again with --verbose for details, and please report it\n');
  return 1;
}

function printCauses(err: Error): void {
  let cause = (err as { cause?: unknown }).cause;
  while (cause) {
    const c = cause as Error;
    process.stderr.write(`  caused by: ${c.message ?? String(c)}\n`);
    cause = (c as { cause?: unknown }).cause;
  }
}
