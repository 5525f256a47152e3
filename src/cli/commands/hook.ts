import { MlvCommand } from '../base.js';
import { runHook } from '../../core/api/git-hook.js';
import { MlvError } from '../../core/errors.js';

export default class Hook extends MlvCommand {
  static override hidden = true;
  static override summary = 'Run the mlv part of a Git hook (called by the hooks `mlv install` writes)';
  static override strict = false;

  async run(): Promise<void> {
    await this.parseWithGlobals(Hook);
    // Git's arguments, verbatim (oclif's parsed argv may reorder repeated values, e.g. equal commit ids).
    const [name = '', ...hookArgs] = this.argv;
    const prePush = name === 'pre-push';
    const input = prePush ? await readStdin() : '';
    try {
      const repo = this.openRepo();
      const r = await runHook(repo, name, hookArgs, { input, reporter: this.reporter() });
      for (const m of r.messages) process.stderr.write(m.startsWith('hint:') || m.startsWith('  ') ? `${m}\n` : `mlv: ${m}\n`);
      if (!r.ok) process.exitCode = 1;
    } catch (err) {
      // Not an mlv repo (e.g. a branch from before `mlv init`): nothing to do.
      if (err instanceof MlvError && err.code === 'NOT_AN_MLV_REPO') return;
      if (prePush) throw err;
      // Checkout-side hooks never fail a Git command for data reasons.
      process.stderr.write(`mlv: ${name} hook: ${(err as Error).message}\n`);
      if (err instanceof MlvError && err.hint) process.stderr.write(`hint: ${err.hint}\n`);
    }
  }
}

function readStdin(): Promise<string> {
  return new Promise((resolve) => {
    if (process.stdin.isTTY) {
      resolve('');
      return;
    }
    let data = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (d: string) => (data += d));
    process.stdin.on('end', () => resolve(data));
    process.stdin.on('error', () => resolve(data));
  });
}
