/**
 * The everyday commands — `status`, `add`, `commit`, `checkout` — without the CLI framework. They are run
 * most (by people, prompts, editors, hooks and scripts over many folders), and loading oclif costs
 * ~0.1 s before any work. bin/run.js calls the command's `runFast` (src/cli/fast/<command>.ts, each bundled
 * into one file of its own by the build) first; when the command line has anything beyond
 * targets and the simple flags listed here (`--help`, `-C` after the command, `--remote`, history flags,
 * combined short flags…) it returns false and the full oclif command runs instead. Output, exit codes
 * and errors are the same as the oclif commands' (they share the render functions).
 */
import { renderError } from './render-error.js';
import { terminalReporter } from './progress.js';
import type { Reporter } from '../core/events.js';
import { openRepo, type Repo } from '../core/workspace/repo.js';

/** The repo around the current folder. */
export const currentRepo = (): Repo => openRepo(process.cwd());

export interface Io {
  targets: string[];
  flags: Set<string>;
  json: boolean;
  reporter: Reporter;
  say: (line: string) => void;
}

export interface FastCommand {
  /** Flags this command accepts here besides -q/--quiet/--verbose, each mapped to its canonical name. */
  flags: Record<string, string>;
  /** Needs at least one target (else oclif prints the usage error). */
  needsTargets?: boolean;
  run(io: Io): Promise<number>;
}

const GLOBAL_FLAGS: Record<string, string> = { '-q': 'quiet', '--quiet': 'quiet', '--verbose': 'verbose' };

/**
 * Runs `mlv <argv>` as `command` when it has only targets and simple flags; false (nothing done) when
 * the full oclif command is needed.
 */
export async function runFastCommand(command: FastCommand, argv: string[]): Promise<boolean> {
  const targets: string[] = [];
  const flags = new Set<string>();
  let onlyTargets = false;
  for (const a of argv.slice(1)) {
    if (!onlyTargets && a === '--') onlyTargets = true;
    else if (!onlyTargets && a.startsWith('-') && a !== '-') {
      const name = GLOBAL_FLAGS[a] ?? command.flags[a];
      if (!name) return false;
      flags.add(name);
    } else targets.push(a);
  }
  if (command.needsTargets && targets.length === 0) return false;
  const json = flags.has('json');
  const quiet = flags.has('quiet') || json;
  const verbose = flags.has('verbose');
  const say = (line: string) => {
    if (!quiet) process.stdout.write(`${line}\n`);
  };
  try {
    const code = await command.run({ targets, flags, json, reporter: terminalReporter({ quiet, verbose }), say });
    if (code !== 0) process.exitCode = code;
  } catch (err) {
    process.exitCode = renderError(err as Error, { json, verbose });
  }
  return true;
}
