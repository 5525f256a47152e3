/**
 * `.gitignore` entries for tracked paths live next to the data (DESIGN §6): adding `data/train.csv`
 * appends `/train.csv` to `data/.gitignore`; removing tracking takes the line out again.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFile, rename, unlink } from 'node:fs/promises';
import { join, posix } from 'node:path';

/** The ignore line for a path relative to its folder: anchored, with glob characters escaped. */
export function ignoreLine(name: string): string {
  return '/' + name.replace(/[\\*?[\]!#]/g, (c) => `\\${c}`).replace(/^( )/, '\\ ').replace(/ $/, '\\ ');
}

function ignoreFileFor(root: string, rel: string): { file: string; line: string } {
  const dir = posix.dirname(rel);
  const file = join(root, dir === '.' ? '' : dir, '.gitignore');
  return { file, line: ignoreLine(posix.basename(rel)) };
}

async function writeAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.mlv-tmp-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}

/** Adds the ignore line for `rel` (repo-relative); returns false when it was already there. */
export async function addIgnoreEntry(root: string, rel: string): Promise<boolean> {
  const { file, line } = ignoreFileFor(root, rel);
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const lines = text.split(/\r?\n/);
  if (lines.includes(line)) return false;
  const sep = text.length === 0 || text.endsWith('\n') ? '' : '\n';
  await writeAtomic(file, `${text}${sep}${line}\n`);
  return true;
}

/** Removes the ignore line for `rel`; deletes a `.gitignore` that becomes empty. */
export async function removeIgnoreEntry(root: string, rel: string): Promise<boolean> {
  const { file, line } = ignoreFileFor(root, rel);
  if (!existsSync(file)) return false;
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const kept = lines.filter((l) => l.replace(/\r$/, '') !== line);
  if (kept.length === lines.length) return false;
  const out = kept.join('\n');
  if (out.trim() === '') await unlink(file);
  else await writeAtomic(file, out);
  return true;
}
