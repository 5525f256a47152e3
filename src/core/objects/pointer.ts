/**
 * Pointer files (DESIGN §4): `<name>.mlv` beside `<name>`, YAML with a stable key order and a comment
 * header. Unknown keys and comments are preserved when a pointer is rewritten.
 */
import type { Document, YAMLMap } from 'yaml';
import { readYamlData, yamlLib } from './yaml-lib.js';
import { PointerError } from '../errors.js';
import { oidProblem } from './oid.js';

export const POINTER_SUFFIX = '.mlv';
export const POINTER_VERSION = 1;

export interface Pointer {
  version: 1;
  kind: 'file' | 'dir';
  /** Relative to the pointer's folder, POSIX separators. */
  path: string;
  oid: string;
  size: number;
  /** Dirs only: number of files. */
  files?: number;
  /** Files only, when executable. */
  exec?: boolean;
  desc?: string;
}

const HEADER = ' mlv pointer — the content lives in the mlv cache and remotes.\n `mlv pull` fetches it, `mlv checkout` restores it.';
const KEY_ORDER = ['version', 'kind', 'path', 'oid', 'size', 'files', 'exec', 'desc'];

/** Why a pointer's `path` is unacceptable, or undefined. */
export function pointerPathProblem(path: string): string | undefined {
  if (path.length === 0) return 'is empty';
  if (path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path)) return `'${path}' is absolute; it must be relative to the pointer's folder`;
  if (path.includes('\\')) return `'${path}' uses backslashes; use POSIX '/' separators`;
  const parts = path.split('/');
  if (parts.some((p) => p === '..')) return `'${path}' escapes the pointer's folder ('..' is not allowed)`;
  if (parts.some((p) => p === '' || p === '.')) return `'${path}' has an empty or '.' component`;
  return undefined;
}

/** Parses and validates a pointer; `file` names it in errors (repo-relative path). */
export function parsePointer(text: string, file: string): Pointer {
  const read = readYamlData(text);
  if ('error' in read) throw new PointerError(file, undefined, `is not valid YAML: ${read.error}`);
  const data = read.data;
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    throw new PointerError(file, undefined, 'is not a mapping of keys to values');
  }
  const d = data as Record<string, unknown>;
  if (d.version === undefined) throw new PointerError(file, 'version', 'is missing');
  if (d.version !== POINTER_VERSION) {
    throw new PointerError(file, 'version', `is ${JSON.stringify(d.version)}; this mlv reads version ${POINTER_VERSION} (a newer mlv may be needed)`);
  }
  if (d.kind !== 'file' && d.kind !== 'dir') throw new PointerError(file, 'kind', `must be 'file' or 'dir', not ${JSON.stringify(d.kind)}`);
  if (typeof d.path !== 'string') throw new PointerError(file, 'path', 'is missing or not a string');
  const pathProblem = pointerPathProblem(d.path);
  if (pathProblem) throw new PointerError(file, 'path', pathProblem);
  const oidWhy = oidProblem(d.oid);
  if (oidWhy) throw new PointerError(file, 'oid', d.oid === undefined ? 'is missing' : oidWhy);
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) {
    throw new PointerError(file, 'size', `must be a non-negative integer, not ${JSON.stringify(d.size)}`);
  }
  const p: Pointer = { version: 1, kind: d.kind, path: d.path, oid: d.oid as string, size: d.size };
  if (d.kind === 'dir') {
    if (typeof d.files !== 'number' || !Number.isSafeInteger(d.files) || d.files < 0) {
      throw new PointerError(file, 'files', `must be a non-negative integer for a dir, not ${JSON.stringify(d.files)}`);
    }
    p.files = d.files;
  }
  if (d.exec !== undefined) {
    if (typeof d.exec !== 'boolean') throw new PointerError(file, 'exec', `must be true or false, not ${JSON.stringify(d.exec)}`);
    if (d.exec) p.exec = true;
  }
  if (d.desc !== undefined) p.desc = String(d.desc);
  return p;
}

/**
 * Serialises a pointer. When `previous` (the old file text) is given, its comments and unknown keys are
 * kept and only mlv's fields are updated.
 */
export function serializePointer(p: Pointer, previous?: string): string {
  const { isMap, parseDocument, Document, YAMLMap } = yamlLib();
  let doc: Document | undefined;
  if (previous !== undefined) {
    try {
      const old = parseDocument(previous);
      if (old.errors.length === 0 && isMap(old.contents)) doc = old;
    } catch {
      doc = undefined;
    }
  }
  if (!doc) {
    doc = new Document(new YAMLMap());
    doc.commentBefore = HEADER;
  }
  const values: Record<string, unknown> = {
    version: p.version,
    kind: p.kind,
    path: p.path,
    oid: p.oid,
    size: p.size,
    files: p.kind === 'dir' ? p.files : undefined,
    exec: p.kind === 'file' && p.exec ? true : undefined,
    desc: p.desc,
  };
  for (const key of KEY_ORDER) {
    const v = values[key];
    if (v === undefined) {
      if (key !== 'desc') doc.delete(key);
    } else {
      doc.set(key, v);
    }
  }
  // Keep mlv's keys in the documented order, unknown keys after them in their original order.
  const map = doc.contents as YAMLMap;
  map.items.sort((a, b) => rank(String((a.key as { value?: unknown })?.value ?? a.key)) - rank(String((b.key as { value?: unknown })?.value ?? b.key)));
  return doc.toString({ lineWidth: 0 });
}

function rank(key: string): number {
  const i = KEY_ORDER.indexOf(key);
  return i < 0 ? KEY_ORDER.length : i;
}
