/**
 * `mlv install [--uninstall]`: Git hooks that keep the data in step with Git, and the diff and merge
 * drivers for pointer files (DESIGN §8).
 *
 * Hooks (in the folder `git rev-parse --git-path hooks` names, so worktrees and core.hooksPath work):
 *  - post-checkout (branch checkouts only), post-merge, and post-rewrite after a rebase run
 *    `mlv hook <name>`, which restores the data of the new HEAD and never fails the Git command;
 *  - pre-push pushes the data of the commits being pushed to mlv's default remote, and fails the push
 *    only when that data push fails.
 * Chaining: a hook that is already there and is not mlv's is renamed to `<hook>.pre-mlv` (content, mode
 * and symlinks untouched) and mlv's hook runs it first, with the same arguments and input, keeping its
 * exit status. `--uninstall` deletes mlv's hooks and renames every `<hook>.pre-mlv` back, so exactly what
 * was there before comes back. Each hook first asks Git (in a few milliseconds) whether any `*.mlv`
 * pointer changed, and starts mlv only when one did.
 *
 * Drivers: `*.mlv diff=mlv merge=mlv` in `.gitattributes`; `diff.mlv.command` and `merge.mlv.driver` in
 * the repository's Git config (`git config --local`, shared by all worktrees).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { existsOrLink } from '../workspace/walk.js';
import { join, resolve } from 'node:path';
import { MlvError } from '../errors.js';
import { runGit } from '../git/git-cli.js';
import type { Repo } from '../workspace/repo.js';

export const MLV_HOOKS = ['post-checkout', 'post-merge', 'pre-push', 'post-rewrite'] as const;
export type MlvHookName = (typeof MLV_HOOKS)[number];

/** Marks a hook file as mlv's (so install can update it and uninstall can remove it). */
export const HOOK_MARKER = '# mlv-hook:';
export const CHAINED_SUFFIX = '.pre-mlv';
export const ATTRIBUTES_LINE = '*.mlv diff=mlv merge=mlv';

export interface InstallOptions {
  /** How to start mlv: absolute paths of the Node binary and of mlv's bin/run.js. */
  command: { node: string; bin: string };
  uninstall?: boolean;
}

export interface HookChange {
  hook: MlvHookName;
  /** installed: new; updated: mlv's hook rewritten; chained: an existing hook kept as <hook>.pre-mlv;
   * removed: mlv's hook deleted; restored: the previous hook put back; absent: nothing to uninstall. */
  action: 'installed' | 'updated' | 'chained' | 'removed' | 'restored' | 'absent';
}

export interface InstallResult {
  hooksDir: string;
  hooks: HookChange[];
  /** What happened to the `*.mlv` line of .gitattributes. */
  attributes: 'added' | 'present' | 'removed' | 'absent';
  /** Git config keys set (install) or sections removed (uninstall). */
  gitConfig: string[];
}

/** Single-quotes a word for sh. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export async function hooksDir(root: string): Promise<string> {
  return resolve(root, (await runGit(root, ['rev-parse', '--git-path', 'hooks'])).trim());
}

export async function install(repo: Repo, opts: InstallOptions): Promise<InstallResult> {
  const dir = await hooksDir(repo.root);
  const result: InstallResult = { hooksDir: dir, hooks: [], attributes: 'absent', gitConfig: [] };
  if (opts.uninstall) {
    for (const hook of MLV_HOOKS) result.hooks.push({ hook, action: uninstallHook(join(dir, hook)) });
    result.attributes = editAttributes(repo.root, false);
    for (const section of ['diff.mlv', 'merge.mlv']) {
      try {
        await runGit(repo.root, ['config', '--local', '--remove-section', section]);
        result.gitConfig.push(section);
      } catch {
        // not there
      }
    }
    return result;
  }
  // Check everything before changing anything: a leftover <hook>.pre-mlv next to a foreign hook would
  // be overwritten by chaining, so refuse and say which.
  for (const hook of MLV_HOOKS) {
    const path = join(dir, hook);
    if (existsOrLink(path) && !isMlvHook(path) && existsOrLink(path + CHAINED_SUFFIX)) {
      throw new MlvError('HOOK_CONFLICT', `both ${path} and ${path}${CHAINED_SUFFIX} exist and neither is mlv's`, {
        hint: `merge or remove one of them by hand, then run \`mlv install\` again`,
      });
    }
  }
  mkdirSync(dir, { recursive: true });
  for (const hook of MLV_HOOKS) {
    const path = join(dir, hook);
    let action: HookChange['action'] = 'installed';
    if (existsOrLink(path)) {
      if (isMlvHook(path)) action = 'updated';
      else {
        renameSync(path, path + CHAINED_SUFFIX);
        action = 'chained';
      }
    }
    writeFileSync(path, hookScript(hook, opts.command));
    chmodSync(path, 0o755);
    result.hooks.push({ hook, action });
  }
  result.attributes = editAttributes(repo.root, true);
  const mlv = `${shellQuote(opts.command.node)} ${shellQuote(opts.command.bin)}`;
  const settings: [string, string][] = [
    ['diff.mlv.command', `${mlv} diff-driver`],
    ['merge.mlv.name', 'mlv: three-way merge of folder pointers, file by file'],
    ['merge.mlv.driver', `${mlv} merge-driver %O %A %B %P`],
  ];
  for (const [key, value] of settings) {
    await runGit(repo.root, ['config', '--local', key, value]);
    result.gitConfig.push(key);
  }
  return result;
}


function isMlvHook(path: string): boolean {
  try {
    return readFileSync(path, 'utf8').includes(HOOK_MARKER);
  } catch {
    return false;
  }
}

function uninstallHook(path: string): HookChange['action'] {
  if (!existsOrLink(path) || !isMlvHook(path)) return 'absent';
  unlinkSync(path);
  if (existsOrLink(path + CHAINED_SUFFIX)) {
    renameSync(path + CHAINED_SUFFIX, path);
    return 'restored';
  }
  return 'removed';
}

/** Adds or removes the `*.mlv diff=mlv merge=mlv` line; a file left empty by removal is deleted. */
function editAttributes(root: string, add: boolean): InstallResult['attributes'] {
  const file = join(root, '.gitattributes');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const lines = text.split('\n');
  const has = lines.some((l) => l.trim() === ATTRIBUTES_LINE);
  if (add) {
    if (has) return 'present';
    writeFileSync(file, `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${ATTRIBUTES_LINE}\n`);
    return 'added';
  }
  if (!has) return 'absent';
  const kept = lines.filter((l) => l.trim() !== ATTRIBUTES_LINE).join('\n');
  if (kept.trim() === '') unlinkSync(file);
  else writeFileSync(file, kept);
  return 'removed';
}

/**
 * The sh script of one hook. It runs a chained `<hook>.pre-mlv` first (same arguments, same stdin),
 * then mlv only when a pointer may have changed; it keeps the previous hook's exit status.
 */
export function hookScript(hook: MlvHookName, command: { node: string; bin: string }): string {
  const mlv = `${shellQuote(command.node)} ${shellQuote(command.bin)}`;
  const readsStdin = hook === 'pre-push' || hook === 'post-rewrite';
  const lines = [
    '#!/bin/sh',
    `${HOOK_MARKER} ${hook} — installed by \`mlv install\`; \`mlv install --uninstall\` removes it and puts back`,
    `# any ${hook} hook that was here before (kept meanwhile as ${hook}${CHAINED_SUFFIX} and run first).`,
    'status=0',
  ];
  if (readsStdin) {
    lines.push('input=$(cat)');
    lines.push(`if [ -x "$0${CHAINED_SUFFIX}" ]; then printf '%s\\n' "$input" | "$0${CHAINED_SUFFIX}" "$@" || status=$?; fi`);
  } else {
    lines.push(`if [ -x "$0${CHAINED_SUFFIX}" ]; then "$0${CHAINED_SUFFIX}" "$@" || status=$?; fi`);
  }
  const pointersChanged = (a: string, b: string) => `! git diff --no-ext-diff --no-textconv --quiet ${a} ${b} -- '*.mlv' 2>/dev/null`;
  switch (hook) {
    case 'post-checkout':
      lines.push('# Branch checkouts only (not `git checkout -- <file>`), and only when a pointer changed.');
      lines.push(`if [ "$3" = 1 ] && ${pointersChanged('"$1"', '"$2"')}; then`);
      lines.push(`  ${mlv} hook post-checkout "$@" || true`);
      lines.push('fi');
      break;
    case 'post-merge':
      lines.push('# A squash merge ($1 = 1) changes pointers without moving HEAD.');
      lines.push(`if [ "$1" = 1 ] || ${pointersChanged('ORIG_HEAD', 'HEAD')}; then`);
      lines.push(`  ${mlv} hook post-merge "$@" || true`);
      lines.push('fi');
      break;
    case 'post-rewrite':
      lines.push('# After a rebase (checkouts during a rebase are skipped), restore the data of the result.');
      lines.push(`if [ "$1" = rebase ] && ${pointersChanged('ORIG_HEAD', 'HEAD')}; then`);
      lines.push(`  ${mlv} hook post-rewrite "$@" </dev/null || true`);
      lines.push('fi');
      break;
    case 'pre-push':
      lines.push('[ "$status" = 0 ] || exit "$status"');
      lines.push('# Push the data of the pushed commits; a failed data push fails the Git push.');
      lines.push(`printf '%s\\n' "$input" | ${mlv} hook pre-push "$@" || exit $?`);
      break;
  }
  lines.push('exit "$status"', '');
  return lines.join('\n');
}
