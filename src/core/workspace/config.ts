/**
 * `.mlv/config.yaml` (committed) merged with `.mlv/config.local.yaml` (ignored: credentials and
 * per-machine overrides). Every key is documented with its default in `.mlv.example.yaml`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { writeFile, rename } from 'node:fs/promises';
import type { Document } from 'yaml';
import { readYamlData, yamlLib } from '../objects/yaml-lib.js';
import { MlvError } from '../errors.js';
import { isHashAlgo, type HashAlgo } from '../objects/oid.js';

export type LinkMode = 'reflink' | 'hardlink' | 'symlink' | 'copy';
export const LINK_MODES: readonly LinkMode[] = ['reflink', 'hardlink', 'symlink', 'copy'];

export interface MlvConfig {
  core: {
    hash: HashAlgo;
    /** Default remote name. */
    remote?: string;
    autopull: boolean;
    /** Seconds a command waits for another mlv process's repo lock. */
    lockTimeout: number;
  };
  cache: {
    /** Absolute path of the cache folder. */
    dir: string;
    link: LinkMode[];
  };
  /** Remote name → its settings (url and kind-specific keys), committed and local merged. */
  remotes: Record<string, Record<string, unknown>>;
  /** The merged raw data, for keys other modules own. */
  raw: Record<string, unknown>;
}

export const CONFIG_FILE = 'config.yaml';
export const LOCAL_CONFIG_FILE = 'config.local.yaml';

export const DEFAULT_CONFIG_TEXT = `# mlv configuration — committed with the repo. Every key, with its default, is documented in
# .mlv.example.yaml in the mlv source. Secrets belong in config.local.yaml (ignored by Git).
core:
  hash: xxh128        # xxh128 (fast, default) or sha256 (cryptographic); fixed once data is added
cache:
  link: [reflink, copy]   # ordered preference: reflink, hardlink, symlink, copy
`;

function readYaml(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  const read = readYamlData(readFileSync(file, 'utf8'));
  if ('error' in read) throw new MlvError('CONFIG_INVALID', `${file} is not valid YAML: ${read.error}`, { hint: 'fix the file by hand' });
  const data = read.data;
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new MlvError('CONFIG_INVALID', `${file} must be a mapping of keys to values`, { hint: 'fix the file by hand' });
  }
  return data as Record<string, unknown>;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? deepMerge(out[k] as Record<string, unknown>, v) : v;
  }
  return out;
}

/**
 * Loads and validates the merged configuration of the repo whose `.mlv` folder is `mlvDir`.
 * `defaultCacheRoot` is where the default cache (`.mlv/cache`) lives: the main work tree's root, so
 * linked worktrees (`git worktree add`) share one cache, as they share one Git object store.
 */
export function loadConfig(root: string, mlvDir: string, defaultCacheRoot = root): MlvConfig {
  const committedFile = `${mlvDir}/${CONFIG_FILE}`;
  const localFile = `${mlvDir}/${LOCAL_CONFIG_FILE}`;
  const raw = deepMerge(readYaml(committedFile), readYaml(localFile));
  const bad = (key: string, why: string) =>
    new MlvError('CONFIG_INVALID', `.mlv/config: '${key}' ${why}`, { hint: `edit ${committedFile} (or config.local.yaml)` });

  const core = isPlainObject(raw.core) ? raw.core : {};
  const cache = isPlainObject(raw.cache) ? raw.cache : {};
  const hash = core.hash ?? 'xxh128';
  if (!isHashAlgo(hash)) throw bad('core.hash', `must be xxh128 or sha256, not ${JSON.stringify(hash)}`);
  const envTimeout = process.env.MLV_LOCK_TIMEOUT || undefined; // an empty variable means unset, not 0 s
  const lockTimeout = Number(envTimeout ?? core.lock_timeout ?? 5);
  if (!Number.isFinite(lockTimeout) || lockTimeout < 0) throw bad('core.lock_timeout', 'must be a number of seconds');
  let link = cache.link ?? ['reflink', 'copy'];
  if (typeof link === 'string') link = link.split(/[,\s]+/).filter(Boolean);
  if (!Array.isArray(link) || link.length === 0 || !link.every((m) => LINK_MODES.includes(m as LinkMode))) {
    throw bad('cache.link', `must be a list drawn from ${LINK_MODES.join(', ')}, not ${JSON.stringify(cache.link)}`);
  }
  const dirSetting = cache.dir ?? '.mlv/cache';
  if (typeof dirSetting !== 'string' || dirSetting === '') throw bad('cache.dir', 'must be a path');
  // Normalized once here: the store builds object paths by plain concatenation.
  const dir = resolve(dirSetting.startsWith('/') ? dirSetting : `${cache.dir === undefined ? defaultCacheRoot : root}/${dirSetting}`);
  const remotes: Record<string, Record<string, unknown>> = {};
  if (isPlainObject(raw.remotes)) {
    for (const [name, value] of Object.entries(raw.remotes)) {
      if (isPlainObject(value)) remotes[name] = value;
    }
  }
  if (core.remote !== undefined && typeof core.remote !== 'string') throw bad('core.remote', 'must be a remote name');
  return {
    core: { hash, remote: core.remote as string | undefined, autopull: core.autopull === true, lockTimeout },
    cache: { dir, link: link as LinkMode[] },
    remotes,
    raw,
  };
}

/**
 * Rewrites a YAML config file through `edit`, keeping its comments. Writes atomically (temp + rename).
 */
export async function editYamlFile(file: string, edit: (doc: Document) => void): Promise<void> {
  const { isMap, parseDocument } = yamlLib();
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    throw new MlvError('CONFIG_INVALID', `${file} is not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`, {
      hint: 'fix the file by hand',
    });
  }
  if (!isMap(doc.contents)) doc.contents = doc.createNode({}) as unknown as typeof doc.contents;
  edit(doc);
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, doc.toString({ lineWidth: 0 }));
  await rename(tmp, file);
}
