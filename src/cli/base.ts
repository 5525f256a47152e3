/**
 * The base of every mlv command: global flags, opening the repo, progress rendering, and rendering
 * errors once for all (`mlv: <message>` + hint, exit 1 — or 2 for bad usage; --verbose adds causes).
 */
import { Command, Flags } from '@oclif/core';
import { MlvError } from '../core/errors.js';
import type { Reporter } from '../core/events.js';
import { openRepo, type Repo } from '../core/workspace/repo.js';
import { terminalReporter } from './progress.js';
import { signalExitCode } from './interrupt.js';
import { renderError } from './render-error.js';

export abstract class MlvCommand extends Command {
  static override baseFlags = {
    quiet: Flags.boolean({ char: 'q', description: 'print only errors', helpGroup: 'GLOBAL' }),
    verbose: Flags.boolean({ description: 'explain more, including the causes of errors', helpGroup: 'GLOBAL' }),
    cwd: Flags.string({ char: 'C', description: 'run as if mlv was started in this folder', helpGroup: 'GLOBAL' }),
  };

  protected globalFlags: { quiet: boolean; verbose: boolean; json: boolean } = { quiet: false, verbose: false, json: false };

  /** Aborted by the first Ctrl-C (SIGINT) or SIGTERM once a command asked for it with `interruptSignal`. */
  private interrupt: AbortController | undefined;
  /** The signal that aborted it: the exit code says which, as the shell's would (128 + its number). */
  private interruptedBy: NodeJS.Signals | undefined;

  /** Parses flags, applies the global ones, and returns the parsed result. */
  protected async parseWithGlobals<T extends typeof Command>(cmd: T) {
    const parsed = await this.parse(cmd as never);
    const flags = parsed.flags as Record<string, unknown>;
    if (typeof flags.cwd === 'string') {
      try {
        process.chdir(flags.cwd);
      } catch {
        throw new MlvError('USAGE', `cannot change to directory '${flags.cwd}'`, { exitCode: 2 });
      }
    }
    this.globalFlags = { quiet: flags.quiet === true, verbose: flags.verbose === true, json: flags.json === true };
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return parsed as unknown as { flags: Record<string, any>; args: Record<string, any>; argv: string[] };
  }

  protected openRepo(): Repo {
    return openRepo(process.cwd());
  }

  protected reporter(): Reporter {
    return terminalReporter({ quiet: this.globalFlags.quiet || this.globalFlags.json, verbose: this.globalFlags.verbose });
  }

  /**
   * For transfers: the first Ctrl-C (or SIGTERM) aborts the signal — transfers under way stop and clean up
   * their temp files (an S3 multipart upload is aborted), a pull's checkout stops after the files under
   * way, and the command exits with 130 (143 for SIGTERM) — a second one quits at once. What completed
   * stays; running the command again carries on.
   */
  protected interruptSignal(): AbortSignal {
    if (!this.interrupt) {
      const controller = (this.interrupt = new AbortController());
      const onSignal = (name: NodeJS.Signals) => {
        if (controller.signal.aborted) process.exit(signalExitCode(name));
        this.interruptedBy = name;
        process.stderr.write('\nmlv: interrupted; stopping after the work under way and removing its temp files (press Ctrl-C again to quit at once)\n');
        controller.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    }
    return this.interrupt.signal;
  }

  /** Prints a line of human output unless --quiet or --json. */
  protected say(line: string): void {
    if (!this.globalFlags.quiet && !this.globalFlags.json) process.stdout.write(`${line}\n`);
  }

  protected printJson(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  protected override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    if (err.oclif?.exit !== undefined && !(err instanceof MlvError)) {
      // oclif's own parse errors and exits: bad usage.
      if (err.oclif.exit === 0) throw err;
      // oclif puts the detail (e.g. which argument is missing) on the following lines.
      const lines = err.message.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('See more help'));
      process.stderr.write(`mlv: ${lines.slice(0, 2).join(' ')}\n`);
      process.stderr.write(`hint: see \`mlv ${this.id?.replace(/:/g, ' ') ?? ''} --help\`\n`);
      process.exitCode = 2;
      return;
    }
    process.exitCode = renderError(err, { json: this.globalFlags.json, verbose: this.globalFlags.verbose });
    // Stopped by Ctrl-C or SIGTERM: the shell's code for "ended by" that signal, as if it had ended it.
    if (this.interruptedBy) process.exitCode = signalExitCode(this.interruptedBy);
    return;
  }
}


export const jsonFlag = {
  json: Flags.boolean({ description: 'print machine-readable JSON', helpGroup: 'GLOBAL' }),
};
