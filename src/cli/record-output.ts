/** Human output of `mlv add` and `mlv commit` (shared by the oclif commands and the start-up fast path). */
import type { RecordResult } from '../core/workspace/record.js';
import { formatBytes, plural, shortOid } from './format.js';

function describe(r: RecordResult): string {
  return r.kind === 'dir' ? `${plural(r.files ?? 0, 'file')}, ${formatBytes(r.size)}` : formatBytes(r.size);
}

export function renderAdd(results: RecordResult[], say: (line: string) => void): void {
  const toStage: string[] = [];
  for (const r of results) {
    say(`${r.changed ? 'added    ' : 'unchanged'} ${r.path} (${describe(r)}) ${shortOid(r.oid)}`);
    if (r.changed) toStage.push(r.pointer);
  }
  if (toStage.length > 0) {
    const ignores = [...new Set(results.map((r) => (r.path.includes('/') ? `${r.path.slice(0, r.path.lastIndexOf('/'))}/.gitignore` : '.gitignore')))];
    say(`\nTo record this in Git, run:\n  git add ${[...toStage, ...ignores].join(' ')}`);
  }
}

export function renderCommit(results: RecordResult[], say: (line: string) => void): void {
  const changed = results.filter((r) => r.changed);
  for (const r of changed) say(`recorded ${r.path} (${describe(r)}) ${shortOid(r.oid)}`);
  if (changed.length === 0) say('Nothing to commit: the pointers already match the workspace.');
  else say(`\nTo record this in Git, run:\n  git add ${changed.map((r) => r.pointer).join(' ')}`);
}
