/**
 * `mlv status` without the CLI framework. Status is the command people (and prompts, editors, hooks) run
 * most, and loading oclif costs more than checking 20,000 unchanged files; bin/run.js calls this first
 * for `mlv status` with only these flags, and falls back to the full command for anything else
 * (`--help`, `--remote`, history flags…). Output and errors are identical to the oclif command's.
 */
import { status } from '../core/api/status.js';
import { openRepo } from '../core/workspace/repo.js';
import { terminalReporter } from './progress.js';
import { renderError } from './render-error.js';
import { renderStatus } from './status-output.js';

const SIMPLE_FLAGS = new Set(['--json', '-q', '--quiet', '--verbose']);

/** Runs `mlv status <argv>` when every argument is a target or a simple flag; returns false otherwise. */
export async function runFastStatus(argv: string[]): Promise<boolean> {
  const targets: string[] = [];
  const flags = new Set<string>();
  let onlyTargets = false;
  for (const a of argv) {
    if (!onlyTargets && a === '--') onlyTargets = true;
    else if (!onlyTargets && a.startsWith('-')) {
      if (!SIMPLE_FLAGS.has(a)) return false;
      flags.add(a);
    } else targets.push(a);
  }
  const json = flags.has('--json');
  const quiet = flags.has('-q') || flags.has('--quiet');
  const verbose = flags.has('--verbose');
  try {
    const entries = await status(openRepo(process.cwd()), targets, { reporter: terminalReporter({ quiet: quiet || json, verbose }) });
    if (json) process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    else if (!quiet) renderStatus(entries, (line) => process.stdout.write(`${line}\n`));
  } catch (err) {
    process.exitCode = renderError(err as Error, { json, verbose });
  }
  return true;
}
