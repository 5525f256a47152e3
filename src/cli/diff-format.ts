/** Rendering of data diffs (mlv diff, the Git diff driver): one summary line per artifact, file lists, Markdown. */
import type { DiffEntry, DiffResult } from '../core/api/diff.js';
import type { FileChanges } from '../core/workspace/tree-diff.js';
import { formatBytes, formatCount, shortOid } from './format.js';

/** `images/` for folders, the path for files. */
export function displayPath(e: DiffEntry): string {
  const kind = (e.after ?? e.before)!.kind;
  return kind === 'dir' ? `${e.path}/` : e.path;
}

function fileCounts(c: FileChanges): string {
  const parts = [`+${formatCount(c.added.length)}`, `−${formatCount(c.deleted.length)}`, `~${formatCount(c.modified.length)}`];
  return parts.join(' ') + (c.renamed.length > 0 ? `, ${formatCount(c.renamed.length)} renamed` : '');
}

/** "20,000 → 20,150 files, +150 −3 ~12, 1.2 GiB → 1.3 GiB" and the like. */
export function changeSummary(e: DiffEntry): string {
  const b = e.before;
  const a = e.after;
  const files = (n: number | undefined) => `${formatCount(n ?? 0)} ${n === 1 ? 'file' : 'files'}`;
  if (e.change === 'added') return a!.kind === 'dir' ? `new folder, ${files(a!.files)}, ${formatBytes(a!.size)}` : `new file, ${formatBytes(a!.size)}`;
  if (e.change === 'deleted') return b!.kind === 'dir' ? `deleted folder, ${files(b!.files)}, ${formatBytes(b!.size)}` : `deleted file, ${formatBytes(b!.size)}`;
  if (e.change === 'renamed') return `renamed from ${e.from}${b!.kind === 'dir' ? '/' : ''} (same content, ${formatBytes(a!.size)})`;
  const sizes = `${formatBytes(b!.size)} → ${formatBytes(a!.size)}`;
  if (b!.kind !== a!.kind) return `${b!.kind === 'dir' ? 'folder' : 'file'} → ${a!.kind === 'dir' ? 'folder' : 'file'}, ${sizes}`;
  if (a!.kind === 'file') {
    if (b!.oid === a!.oid) return `mode ${b!.exec ? '755' : '644'} → ${a!.exec ? '755' : '644'}`;
    return `${sizes}, ${shortOid(b!.oid)} → ${shortOid(a!.oid)}`;
  }
  const counts = `${formatCount(b!.files ?? 0)} → ${formatCount(a!.files ?? 0)} files`;
  if (!e.files) return `${counts}, ${sizes} (file details unavailable: ${e.incomplete ?? 'trees not in the cache'})`;
  return `${counts}, ${fileCounts(e.files)}, ${sizes}`;
}

/** One line per changed file inside a folder, at most `limit` (then "… and N more"). */
export function fileLines(c: FileChanges, limit: number, indent = '    '): string[] {
  const lines: string[] = [];
  for (const f of c.added) lines.push(`${indent}+ ${f.path} (${formatBytes(f.size)})`);
  for (const f of c.deleted) lines.push(`${indent}- ${f.path} (${formatBytes(f.size)})`);
  for (const f of c.modified) lines.push(`${indent}~ ${f.path} (${formatBytes(f.before.size)} → ${formatBytes(f.after.size)})`);
  for (const r of c.renamed) lines.push(`${indent}> ${r.from} → ${r.to} (${formatBytes(r.size)})`);
  if (limit === 0) return []; // summary lines only
  if (lines.length > limit) return [...lines.slice(0, limit), `${indent}… and ${formatCount(lines.length - limit)} more`];
  return lines;
}

export function sidesLabel(r: DiffResult): string {
  return `${r.from.rev} → ${r.to.workspace ? 'workspace' : r.to.rev}`;
}

const md = (s: string) => s.replace(/[|\\`*_<>]/g, (c) => `\\${c}`);
const code = (s: string) => '`' + s.replace(/`/g, "'") + '`';

/** A Markdown report for a pull-request comment: one table of artifacts, then the changed files per folder. */
export function markdown(r: DiffResult, fileLimit = 100): string {
  const out: string[] = [`### Data changes ${code(r.from.rev)} → ${r.to.workspace ? 'workspace' : code(r.to.rev!)}`, ''];
  if (r.entries.length === 0) {
    out.push('No data changes.');
    return out.join('\n') + '\n';
  }
  out.push('| Path | Change | Files | Size |', '|---|---|---|---|');
  for (const e of r.entries) {
    const b = e.before;
    const a = e.after;
    const isDir = (a ?? b)!.kind === 'dir';
    let files = '';
    if (isDir) {
      if (e.change === 'modified') {
        files = `${formatCount(b!.files ?? 0)} → ${formatCount(a!.files ?? 0)}`;
        if (e.files) files += ` (${fileCounts(e.files)})`;
      } else files = formatCount((a ?? b)!.files ?? 0);
    }
    const size = b && a && e.change === 'modified' ? `${formatBytes(b.size)} → ${formatBytes(a.size)}` : formatBytes((a ?? b)!.size);
    const change = e.change === 'renamed' ? `renamed from ${code(e.from!)}` : e.change;
    out.push(`| ${code(displayPath(e))} | ${change} | ${files} | ${size} |`);
  }
  for (const e of r.entries) {
    if (!e.files) continue;
    const rows: string[] = [];
    for (const f of e.files.added) rows.push(`| ${code(f.path)} | added | ${formatBytes(f.size)} |`);
    for (const f of e.files.deleted) rows.push(`| ${code(f.path)} | deleted | ${formatBytes(f.size)} |`);
    for (const f of e.files.modified) rows.push(`| ${code(f.path)} | modified | ${formatBytes(f.before.size)} → ${formatBytes(f.after.size)} |`);
    for (const f of e.files.renamed) rows.push(`| ${code(f.to)} | renamed from ${code(f.from)} | ${formatBytes(f.size)} |`);
    if (rows.length === 0) continue;
    out.push('', `<details><summary>${md(displayPath(e))}: ${formatCount(rows.length)} changed file${rows.length === 1 ? '' : 's'}</summary>`, '');
    out.push('| File | Change | Size |', '|---|---|---|', ...rows.slice(0, fileLimit));
    if (rows.length > fileLimit) out.push('', `… and ${formatCount(rows.length - fileLimit)} more`);
    out.push('', '</details>');
  }
  return out.join('\n') + '\n';
}
