/**
 * The everyday commands — `status`, `add`, `commit`, `checkout` — without the CLI framework. They are run
 * most (by people, prompts, editors, hooks and scripts over many folders), and loading oclif costs
 * ~0.1 s before any work. bin/run.js calls `runFast` first; when the command line has anything beyond
 * targets and the simple flags listed here (`--help`, `-C` after the command, `--remote`, history flags,
 * combined short flags…) it returns false and the full oclif command runs instead. Output, exit codes
 * and errors are the same as the oclif commands' (they share the render functions).
 */
import { renderError } from './render-error.js';
import { terminalReporter } from './progress.js';
import type { Reporter } from '../core/events.js';

interface Io {
  targets: string[];
  flags: Set<string>;
  json: boolean;
  reporter: Reporter;
  say: (line: string) => void;
}

interface FastCommand {
  /** Flags this command accepts here besides -q/--quiet/--verbose, each mapped to its canonical name. */
  flags: Record<string, string>;
  /** Needs at least one target (else oclif prints the usage error). */
  needsTargets?: boolean;
  run(io: Io): Promise<number>;
}

const GLOBAL_FLAGS: Record<string, string> = { '-q': 'quiet', '--quiet': 'quiet', '--verbose': 'verbose' };

const repo = async () => (await import('../core/workspace/repo.js')).openRepo(process.cwd());

const COMMANDS: Record<string, FastCommand> = {
  status: {
    flags: { '--json': 'json' },
    async run({ targets, json, reporter, say }) {
      const { status } = await import('../core/api/status.js');
      const entries = await status(await repo(), targets, { reporter });
      if (json) process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
      else (await import('./status-output.js')).renderStatus(entries, say);
      return 0;
    },
  },
  add: {
    flags: { '--follow-symlinks': 'follow-symlinks' },
    needsTargets: true,
    async run({ targets, flags, reporter, say }) {
      const { add } = await import('../core/api/add.js');
      const results = await add(await repo(), targets, { reporter, followSymlinks: flags.has('follow-symlinks') });
      (await import('./record-output.js')).renderAdd(results, say);
      return 0;
    },
  },
  commit: {
    flags: {},
    async run({ targets, reporter, say }) {
      const { commit } = await import('../core/api/commit.js');
      const results = await commit(await repo(), targets, { reporter });
      (await import('./record-output.js')).renderCommit(results, say);
      return 0;
    },
  },
  checkout: {
    flags: { '-f': 'force', '--force': 'force', '--relink': 'relink' },
    async run({ targets, flags, reporter, say }) {
      const { checkout } = await import('../core/api/checkout.js');
      const r = await checkout(await repo(), targets, { force: flags.has('force'), relink: flags.has('relink'), reporter });
      return (await import('./checkout-output.js')).renderCheckout(r, say);
    },
  },
};

/** Runs `mlv <argv>` when it is one of the commands above with only targets and simple flags. */
export async function runFast(argv: string[]): Promise<boolean> {
  const command = COMMANDS[argv[0] ?? ''];
  if (!command) return false;
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
