import { Flags } from '@oclif/core';
import { createInterface } from 'node:readline/promises';
import { jsonFlag, MlvCommand } from '../base.js';
import { gc, hasGcScope, type GcPlan } from '../../core/api/gc.js';
import { UsageError } from '../../core/errors.js';
import { formatBytes, plural } from '../format.js';
import { historyFlags, historyScopeFrom } from '../history-flags.js';

const SCOPE_HINT = 'choose what to keep: --workspace (the work tree\'s pointers), --all-branches, --all-tags, --all-commits or --rev <rev> (combinable); try `mlv gc --all-commits --dry-run` first';

export default class Gc extends MlvCommand {
  static override summary = 'Remove cached (and optionally remote) objects that no kept revision needs';
  static override description = [
    'Requires a scope: everything the pointers in the chosen revisions need is kept (files, folder listings and every file in them), and the work tree\'s pointers are always kept too. The rest is removed: the count and bytes are shown first, and on a terminal gc asks before deleting.',
    'With --remote, the remote is cleaned as well (folder listings before their files), but objects younger than gc.grace (default 7d) are never deleted there, so a teammate\'s fresh push survives.',
    'With --only-pushed, an unreachable object is dropped from the cache only when the remote holds it, so everything removed can be fetched back; reachable objects are never dropped (use it to free disk space safely).',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> gc --all-commits --dry-run',
    '<%= config.bin %> gc --workspace --yes',
    '<%= config.bin %> gc --all-branches --all-tags --only-pushed',
    '<%= config.bin %> gc --all-commits --remote -r origin',
  ];
  static override flags = {
    workspace: Flags.boolean({ char: 'w', description: 'keep what the work tree\'s pointers name', helpGroup: 'SCOPE' }),
    ...historyFlags,
    'dry-run': Flags.boolean({ char: 'n', description: 'only show what would be removed' }),
    yes: Flags.boolean({ char: 'y', description: 'do not ask before deleting' }),
    remote: Flags.boolean({ description: 'also clean the remote (objects younger than gc.grace are spared)' }),
    'remote-name': Flags.string({ char: 'r', description: 'which remote, with --remote or --only-pushed (default: core.remote, or the only remote)' }),
    'only-pushed': Flags.boolean({ description: 'drop from the cache only unreachable objects the remote holds' }),
    ...jsonFlag,
  };

  async run(): Promise<void> {
    const { flags } = await this.parseWithGlobals(Gc);
    const scope = { ...historyScopeFrom(flags), workspace: flags.workspace === true };
    if (!hasGcScope(scope)) throw new UsageError('gc needs to know what to keep', SCOPE_HINT);
    if (flags['remote-name'] !== undefined && !flags.remote && !flags['only-pushed']) {
      throw new UsageError('-r/--remote-name names the remote for --remote or --only-pushed; neither was given', 'add --remote to clean that remote too, or --only-pushed to drop only what it holds');
    }
    const interactive = process.stdin.isTTY === true && process.stderr.isTTY === true;
    if (!flags['dry-run'] && !flags.yes && !interactive) {
      throw new UsageError('gc deletes objects and there is no terminal to confirm on', 'pass --yes to delete without asking, or --dry-run to only see what would be removed');
    }
    const repo = this.openRepo();
    const r = await gc(repo, {
      scope,
      dryRun: flags['dry-run'],
      remote: flags.remote,
      remoteName: flags['remote-name'],
      onlyPushed: flags['only-pushed'],
      reporter: this.reporter(),
      confirm: flags.yes ? undefined : (plan) => this.ask(plan),
    });
    if (this.globalFlags.json) {
      this.printJson(r);
      return;
    }
    const nothing = r.cache.objects === 0 && (r.remote?.objects ?? 0) === 0;
    if (r.dryRun || nothing) {
      for (const line of describePlan(r)) this.say(line);
    }
    if (r.dryRun) this.say('dry run: nothing was deleted');
    else if (!r.confirmed) this.say('nothing was deleted');
    else if (r.cache.objects > 0 || (r.remote?.objects ?? 0) > 0) {
      this.say(`removed ${plural(r.removed.cache, 'object')} (${formatBytes(r.removed.cacheBytes)}) from the cache`);
      if (r.remote) this.say(`removed ${plural(r.removed.remote, 'object')} (${formatBytes(r.removed.remoteBytes)}) from remote '${r.remote.name}'`);
    }
    if (r.failed.length > 0) {
      process.stderr.write(`mlv: ${plural(r.failed.length, 'object')} could not be deleted:\n`);
      for (const f of r.failed.slice(0, 20)) process.stderr.write(`  ${f.oid} in ${f.where}: ${f.error}\n`);
      process.exitCode = 1;
    }
  }

  private async ask(plan: GcPlan): Promise<boolean> {
    for (const line of describePlan(plan)) process.stderr.write(`${line}\n`);
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      const answer = await rl.question('Delete them? [y/N] ');
      return /^y(es)?$/i.test(answer.trim());
    } finally {
      rl.close();
    }
  }
}

function describePlan(p: GcPlan): string[] {
  const lines = [`keeping ${plural(p.reachable, 'object')} needed by ${plural(p.versions, 'artifact version')}`];
  lines.push(`cache: ${p.cache.objects === 0 ? 'nothing to remove' : `would remove ${plural(p.cache.objects, 'object')} (${formatBytes(p.cache.bytes)})`}`);
  if (p.cache.notPushed) lines.push(`  kept ${plural(p.cache.notPushed, 'unreachable object')} the remote does not hold (--only-pushed)`);
  if (p.remote) {
    const r = p.remote;
    lines.push(`remote '${r.name}': ${r.objects === 0 ? 'nothing to remove' : `would remove ${plural(r.objects, 'object')} (${formatBytes(r.bytes)})`}`);
    if (r.young > 0) lines.push(`  spared ${plural(r.young, 'unreachable object')} (${formatBytes(r.youngBytes)}) younger than gc.grace (${formatGrace(r.graceMs)})`);
  }
  return lines;
}

function formatGrace(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms / 1000}s`;
}
