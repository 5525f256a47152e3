/**
 * Renders core progress events on a terminal (stderr), one rewritten line per phase; silent when stderr
 * is not a terminal or with --quiet.
 */
import type { ProgressEvent, Reporter } from '../core/events.js';
import { formatBytes, formatCount } from './format.js';

export function terminalReporter(opts: { quiet: boolean; verbose: boolean }): Reporter {
  const tty = process.stderr.isTTY === true && !opts.quiet;
  let shown = false;
  let started = Date.now();
  let lastPhase = '';
  const clear = () => {
    if (shown) process.stderr.write('\r\x1b[2K');
    shown = false;
  };
  return {
    progress(e: ProgressEvent) {
      if (!tty) return;
      if (e.phase !== lastPhase) {
        lastPhase = e.phase;
        started = Date.now();
      }
      const parts = [e.phase.padEnd(13)];
      parts.push(e.total !== undefined ? `${formatCount(e.done)}/${formatCount(e.total)} files` : `${formatCount(e.done)} files`);
      if (e.totalBytes) {
        const pct = Math.min(100, Math.floor(((e.bytes ?? 0) * 100) / e.totalBytes));
        const secs = (Date.now() - started) / 1000;
        const rate = secs > 0.2 ? `  ${formatBytes((e.bytes ?? 0) / secs)}/s` : '';
        parts.push(`${formatBytes(e.bytes ?? 0)}/${formatBytes(e.totalBytes)} ${pct}%${rate}`);
      }
      process.stderr.write(`\r\x1b[2K${parts.join('  ')}`);
      shown = true;
    },
    progressEnd() {
      clear();
    },
    info(message: string) {
      if (opts.quiet) return;
      clear();
      process.stderr.write(`${message}\n`);
    },
    warn(message: string) {
      clear();
      process.stderr.write(`mlv: warning: ${message}\n`);
    },
  };
}
