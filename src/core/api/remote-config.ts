/**
 * `mlv remote add|list|remove|default|modify`: edits the `remotes:` section of `.mlv/config.yaml`
 * (committed, shared with the team) and `.mlv/config.local.yaml` (ignored: this machine's credentials and
 * overrides). Secrets always go to the local file, whatever the caller asked, and the result says so;
 * nothing here returns a secret's value (listings mask them). Comments in the files survive rewrites.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, parseDocument, type Document } from 'yaml';
import { MlvError, UsageError } from '../errors.js';
import { SECRET_KEYS, type RemoteKind } from '../remotes/common.js';
import { redactUrl, remoteKind } from '../remotes/open-remote.js';
import { CONFIG_FILE, editYamlFile, LOCAL_CONFIG_FILE, loadConfig } from '../workspace/config.js';
import type { Repo } from '../workspace/repo.js';

/** What these operations need of a repo (they reload the config so they always see the files' state). */
export type RepoPaths = Pick<Repo, 'root' | 'mlvDir'>;

/** Settings mlv understands; anything else is refused as a probable typo. */
export const REMOTE_KEYS: Readonly<Record<string, readonly RemoteKind[] | 'all'>> = {
  url: 'all',
  jobs: 'all',
  timeout: ['s3', 'ssh', 'http'],
  endpoint: ['s3'],
  region: ['s3'],
  profile: ['s3'],
  path_style: ['s3'],
  access_key_id: ['s3'],
  secret_access_key: ['s3'],
  session_token: ['s3'],
  user: ['ssh', 'http'],
  port: ['ssh'],
  key_file: ['ssh'],
  key_passphrase: ['ssh'],
  known_hosts: ['ssh'],
  password: ['ssh', 'http'],
  headers: ['http'],
  webdav: ['http'],
};

export const MASK = '********';

export type ConfigScope = 'committed' | 'local';

/** A file mlv wrote, relative to the repo root (e.g. `.mlv/config.local.yaml`). */
export interface ConfigWrite {
  file: string;
  /** Keys written to that file. */
  keys: string[];
}

export interface RemoteAddResult {
  name: string;
  /** The url as stored, without any password. */
  url: string;
  kind: RemoteKind;
  isDefault: boolean;
  writes: ConfigWrite[];
  /** Secret keys that were put in config.local.yaml (e.g. a password taken out of the url). */
  secretsStoredLocally: string[];
}

export interface RemoteInfo {
  name: string;
  url: string;
  kind: RemoteKind | 'unknown';
  isDefault: boolean;
  /** Every setting except `url`, secrets masked. */
  settings: Record<string, unknown>;
  /** Where the remote is defined: the committed file, the local one, or both (local overrides). */
  defined: ConfigScope[];
}

export interface RemoteModifyResult {
  name: string;
  key: string;
  /** True when the key is a secret and was written to (or removed from) the local file. */
  secret: boolean;
  /** True when the caller did not ask for --local but the key is a secret, so it went there anyway. */
  forcedLocal: boolean;
  unset: boolean;
  writes: ConfigWrite[];
}

const LOCAL_HEADER = `# mlv local settings — NOT committed (ignored by Git): credentials and this machine's overrides.
# Merged over config.yaml. \`mlv remote modify\` writes secrets here.
`;

function files(repo: RepoPaths): Record<ConfigScope, string> {
  return { committed: join(repo.mlvDir, CONFIG_FILE), local: join(repo.mlvDir, LOCAL_CONFIG_FILE) };
}

/** editYamlFile, but a new config.local.yaml starts with a header saying what it is for. */
async function writeConfig(file: string, edit: (doc: Document) => void): Promise<void> {
  if (file.endsWith(LOCAL_CONFIG_FILE) && !existsSync(file)) {
    try {
      writeFileSync(file, LOCAL_HEADER, { flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  await editYamlFile(file, edit);
}

function relative(_repo: RepoPaths, scope: ConfigScope): string {
  return `.mlv/${scope === 'local' ? LOCAL_CONFIG_FILE : CONFIG_FILE}`;
}

export function isSecretKey(key: string): boolean {
  return SECRET_KEYS.includes(key);
}

function checkName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new UsageError(`'${name}' is not a valid remote name`, 'use letters, digits, dots, dashes and underscores, starting with a letter or digit');
  }
}

/** Which file(s) define each remote: read separately, since loadConfig only exposes the merge. */
function definedIn(repo: RepoPaths): Record<string, ConfigScope[]> {
  const out: Record<string, ConfigScope[]> = {};
  const paths = files(repo);
  for (const scope of ['committed', 'local'] as const) {
    if (!existsSync(paths[scope])) continue;
    const data = parseDocument(readFileSync(paths[scope], 'utf8')).toJS() as { remotes?: unknown } | null;
    const remotes = data?.remotes;
    if (typeof remotes !== 'object' || remotes === null) continue;
    for (const name of Object.keys(remotes)) (out[name] ??= []).push(scope);
  }
  return out;
}

function requireRemote(repo: RepoPaths, name: string): Record<string, unknown> {
  const config = loadConfig(repo.root, repo.mlvDir);
  const settings = config.remotes[name];
  if (!settings) {
    const names = Object.keys(config.remotes);
    throw new MlvError('REMOTE_UNKNOWN', `no remote named '${name}'`, {
      hint: names.length ? `configured remotes: ${names.join(', ')}` : 'add one with `mlv remote add <name> <url>`',
    });
  }
  return settings;
}

/**
 * Splits `user:password@` out of a url: the url keeps the user, the password becomes a local secret.
 */
function splitUrlPassword(url: string): { url: string; password?: string } {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/@:]*):([^/@]*)@/i.exec(url);
  if (!m) return { url };
  return { url: redactUrl(url), password: decodeURIComponent(m[3]!) };
}

/** `mlv remote add <name> <url> [--default] [--local]` */
export async function addRemote(
  repo: RepoPaths,
  name: string,
  url: string,
  opts: { default?: boolean; local?: boolean; force?: boolean } = {},
): Promise<RemoteAddResult> {
  checkName(name);
  if (url.trim() === '') throw new UsageError('the remote url is empty');
  const kind = remoteKind(url);
  const existing = loadConfig(repo.root, repo.mlvDir).remotes[name];
  if (existing && !opts.force) {
    throw new MlvError('REMOTE_EXISTS', `a remote named '${name}' already exists (${redactUrl(String(existing.url ?? ''))})`, {
      hint: `change its url with \`mlv remote modify ${name} url <url>\`, or remove it first`,
    });
  }
  const { url: storedUrl, password } = splitUrlPassword(url);
  const scope: ConfigScope = opts.local ? 'local' : 'committed';
  const paths = files(repo);
  const writes: ConfigWrite[] = [];
  await writeConfig(paths[scope], (doc) => {
    if (opts.force) doc.deleteIn(['remotes', name]);
    doc.setIn(['remotes', name, 'url'], storedUrl);
  });
  writes.push({ file: relative(repo, scope), keys: ['url'] });
  const secretsStoredLocally: string[] = [];
  if (password !== undefined) {
    await writeConfig(paths.local, (doc) => doc.setIn(['remotes', name, 'password'], password));
    writes.push({ file: relative(repo, 'local'), keys: ['password'] });
    secretsStoredLocally.push('password');
  }
  let isDefault = false;
  if (opts.default) {
    writes.push(await writeDefault(repo, name, scope));
    isDefault = true;
  } else {
    isDefault = loadConfig(repo.root, repo.mlvDir).core.remote === name;
  }
  return { name, url: storedUrl, kind, isDefault, writes: mergeWrites(writes), secretsStoredLocally };
}

/** `mlv remote list`: every remote with its kind, default flag and settings (secrets masked). */
export function listRemotes(repo: RepoPaths): RemoteInfo[] {
  const config = loadConfig(repo.root, repo.mlvDir);
  const where = definedIn(repo);
  return Object.keys(config.remotes)
    .sort()
    .map((name) => {
      const raw = config.remotes[name]!;
      const url = typeof raw.url === 'string' ? redactUrl(raw.url) : '';
      let kind: RemoteKind | 'unknown' = 'unknown';
      try {
        kind = url ? remoteKind(url) : 'unknown';
      } catch {
        kind = 'unknown';
      }
      const settings: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(raw)) {
        if (key === 'url') continue;
        settings[key] = isSecretKey(key) ? MASK : maskHeaders(key, value);
      }
      return { name, url, kind, isDefault: config.core.remote === name, settings, defined: where[name] ?? [] };
    });
}

/** Header values often carry tokens: show the header names only. */
function maskHeaders(key: string, value: unknown): unknown {
  if (key !== 'headers' || typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.keys(value as Record<string, unknown>).map((k) => [k, MASK]));
}

/** `mlv remote remove <name>`: deletes it from both files; clears `core.remote` if it pointed there. */
export async function removeRemote(repo: RepoPaths, name: string): Promise<{ name: string; wasDefault: boolean; writes: ConfigWrite[] }> {
  requireRemote(repo, name);
  const wasDefault = loadConfig(repo.root, repo.mlvDir).core.remote === name;
  const paths = files(repo);
  const writes: ConfigWrite[] = [];
  for (const scope of ['committed', 'local'] as const) {
    let changed = false;
    await editIfExists(paths[scope], (doc) => {
      if (doc.hasIn(['remotes', name])) {
        doc.deleteIn(['remotes', name]);
        dropEmptyMap(doc, 'remotes');
        changed = true;
      }
      if (doc.getIn(['core', 'remote']) === name) {
        doc.deleteIn(['core', 'remote']);
        changed = true;
      }
    });
    if (changed) writes.push({ file: relative(repo, scope), keys: [name] });
  }
  return { name, wasDefault, writes };
}

/**
 * `mlv remote default <name>`: sets `core.remote`. A remote defined only in config.local.yaml becomes the
 * default only locally — a committed default naming a remote teammates lack would break their pushes.
 */
export async function setDefaultRemote(repo: RepoPaths, name: string, opts: { local?: boolean } = {}): Promise<{ name: string; writes: ConfigWrite[] }> {
  requireRemote(repo, name);
  const where = definedIn(repo)[name] ?? [];
  const scope: ConfigScope = opts.local || !where.includes('committed') ? 'local' : 'committed';
  return { name, writes: [await writeDefault(repo, name, scope)] };
}

async function writeDefault(repo: RepoPaths, name: string, scope: ConfigScope): Promise<ConfigWrite> {
  const paths = files(repo);
  await writeConfig(paths[scope], (doc) => doc.setIn(['core', 'remote'], name));
  // A local default would shadow a committed one; keep a single source of truth per scope choice.
  if (scope === 'committed') await editIfExists(paths.local, (doc) => doc.getIn(['core', 'remote']) !== undefined && doc.deleteIn(['core', 'remote']));
  return { file: relative(repo, scope), keys: ['core.remote'] };
}

/**
 * `mlv remote modify <name> <key> <value> [--local] [--unset]`. Values from the command line are typed:
 * true/false become booleans, integers numbers, `{...}` JSON objects (for `headers`).
 */
export async function modifyRemote(
  repo: RepoPaths,
  name: string,
  key: string,
  value: string | undefined,
  opts: { local?: boolean; unset?: boolean } = {},
): Promise<RemoteModifyResult> {
  const settings = requireRemote(repo, name);
  const kind = typeof settings.url === 'string' ? safeKind(settings.url) : undefined;
  const allowed = REMOTE_KEYS[key];
  if (!allowed) {
    throw new UsageError(`'${key}' is not a remote setting`, `known settings: ${Object.keys(REMOTE_KEYS).join(', ')}`);
  }
  if (allowed !== 'all' && kind && !allowed.includes(kind)) {
    throw new UsageError(`'${key}' does not apply to ${kind} remotes`, `it applies to: ${allowed.join(', ')}`);
  }
  const secret = isSecretKey(key);
  const paths = files(repo);
  const writes: ConfigWrite[] = [];
  if (opts.unset) {
    for (const scope of ['committed', 'local'] as const) {
      let changed = false;
      await editIfExists(paths[scope], (doc) => {
        if (doc.hasIn(['remotes', name, key])) {
          doc.deleteIn(['remotes', name, key]);
          changed = true;
        }
      });
      if (changed) writes.push({ file: relative(repo, scope), keys: [key] });
    }
    return { name, key, secret, forcedLocal: false, unset: true, writes };
  }
  if (value === undefined) throw new UsageError(`give a value for '${key}' (or --unset to remove it)`);
  let typed = parseValue(key, value);
  let extraSecret: string | undefined;
  if (key === 'url') {
    remoteKind(value);
    const split = splitUrlPassword(value);
    typed = split.url;
    extraSecret = split.password;
  }
  // A remote defined only on this machine keeps all its settings local: a committed entry without a url
  // would only confuse teammates.
  const localOnly = !(definedIn(repo)[name] ?? []).includes('committed');
  const scope: ConfigScope = secret || opts.local || localOnly ? 'local' : 'committed';
  await writeConfig(paths[scope], (doc) => doc.setIn(['remotes', name, key], typed));
  writes.push({ file: relative(repo, scope), keys: [key] });
  if (secret) {
    // A secret that was committed earlier (by hand) must not keep shadowing nothing: take it out.
    await editIfExists(paths.committed, (doc) => doc.hasIn(['remotes', name, key]) && doc.deleteIn(['remotes', name, key]));
  }
  if (extraSecret !== undefined) {
    await writeConfig(paths.local, (doc) => doc.setIn(['remotes', name, 'password'], extraSecret));
    writes.push({ file: relative(repo, 'local'), keys: ['password'] });
  }
  return { name, key, secret, forcedLocal: secret && !opts.local && !localOnly, unset: false, writes: mergeWrites(writes) };
}

function safeKind(url: string): RemoteKind | undefined {
  try {
    return remoteKind(url);
  } catch {
    return undefined;
  }
}

function parseValue(key: string, value: string): unknown {
  if (key === 'headers') {
    try {
      const parsed = JSON.parse(value) as unknown;
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed;
    } catch {
      // fall through to the error below
    }
    throw new UsageError(`'headers' must be a JSON object, e.g. '{"Authorization": "Bearer …"}'`);
  }
  if (isSecretKey(key) || key === 'url' || key === 'key_file' || key === 'user' || key === 'profile' || key === 'region' || key === 'endpoint') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

/** Edits a config file only when it exists (removing things from a missing file is a no-op). */
async function editIfExists(file: string, edit: (doc: Document) => unknown): Promise<void> {
  if (!existsSync(file)) return;
  await writeConfig(file, (doc) => void edit(doc));
}

function dropEmptyMap(doc: Document, key: string): void {
  const node = doc.get(key);
  if (isMap(node) && node.items.length === 0) doc.delete(key);
}

function mergeWrites(writes: ConfigWrite[]): ConfigWrite[] {
  const byFile = new Map<string, string[]>();
  for (const w of writes) byFile.set(w.file, [...(byFile.get(w.file) ?? []), ...w.keys]);
  return [...byFile].map(([file, keys]) => ({ file, keys }));
}
