/** Human output of `mlv status` (shared by the oclif command and the start-up fast path). */
import type { StatusEntry } from '../core/api/status.js';

export function renderStatus(entries: StatusEntry[], say: (line: string) => void): void {
  if (entries.length === 0) {
    say('Nothing is tracked yet. Track data with `mlv add <path>`.');
    return;
  }
  const dirty = entries.filter((e) => e.state !== 'unchanged');
  if (dirty.length === 0) {
    say(`Data and pointers are up to date (${entries.length} tracked).`);
    return;
  }
  for (const e of dirty) renderEntry(e, say);
}

function renderEntry(e: StatusEntry, say: (line: string) => void): void {
  const label: Record<StatusEntry['state'], string> = {
    unchanged: 'unchanged',
    modified: 'modified',
    deleted: e.inCache ? 'deleted (restore with `mlv checkout`)' : 'deleted, and not in cache (`mlv pull` fetches it)',
    'not-in-cache': 'not in cache (`mlv commit` stores it, or `mlv pull` fetches it)',
  };
  say(`${e.path}${e.kind === 'dir' ? '/' : ''}: ${label[e.state]}`);
  if (e.changes) {
    const show = (kind: string, list: string[]) => {
      for (const p of list.slice(0, 50)) say(`    ${kind} ${p}`);
      if (list.length > 50) say(`    … and ${list.length - 50} more ${kind.trim()}`);
    };
    show('added:   ', e.changes.added);
    show('modified:', e.changes.modified);
    show('deleted: ', e.changes.deleted);
  }
  for (const p of e.unstorable ?? []) say(`    cannot be stored: ${p} (link, special file or unusable name; \`mlv add\` explains)`);
}
