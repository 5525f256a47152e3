/**
 * Turns a configured remote (name, url, settings) into a RemoteStore. Each adapter module — and so its
 * SDK (AWS, ssh2) — is imported only when a remote of that kind is opened, keeping `mlv status` and
 * friends fast and letting a machine without, say, SSH needs never load ssh2.
 */
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MlvError } from '../errors.js';
import type { Repo } from '../workspace/repo.js';
import { expandHome, type KindedRemote, type RemoteKind, type RemoteSettings } from './common.js';

/** Which adapter serves `url`: `s3://`, `ssh://`/`sftp://`, `http(s)://`, else a folder (`file://` or a path). */
export function remoteKind(url: string): RemoteKind {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  switch (scheme) {
    case undefined:
    case 'file':
      return 'local';
    case 's3':
      return 's3';
    case 'ssh':
    case 'sftp':
      return 'ssh';
    case 'http':
    case 'https':
      return 'http';
    default:
      throw new MlvError('REMOTE_URL_INVALID', `unsupported remote url scheme '${scheme}://' in ${redactUrl(url)}`, {
        hint: 'use a folder path, file://, s3://bucket/prefix, ssh://[user@]host[:port]/path, http:// or https://',
      });
  }
}

/** The url with any embedded `user:password@` reduced to `user@`, safe to print. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/@:]*):[^/@]*@/i, '$1$2@');
}

/**
 * Absolute folder of a local remote: `file:///srv/mlv` or a path; relative paths are taken from
 * `baseDir` (the repo root), as a teammate with the same checkout would resolve them.
 */
export function localRemotePath(url: string, baseDir: string): string {
  if (/^file:\/\//i.test(url)) return fileURLToPath(url);
  const expanded = expandHome(url);
  return isAbsolute(expanded) ? expanded : resolve(baseDir, expanded);
}

export interface OpenRemoteOptions {
  /** Folder that relative local-remote paths are resolved against (default: the current directory). */
  baseDir?: string;
}

/** Opens the remote `name` with its merged settings (`url` plus kind-specific keys). */
export async function openRemote(name: string, settings: RemoteSettings, opts: OpenRemoteOptions = {}): Promise<KindedRemote> {
  const url = settings.url;
  if (typeof url !== 'string' || url === '') {
    throw new MlvError('CONFIG_INVALID', `remote '${name}' has no url`, {
      hint: `set one with \`mlv remote modify ${name} url <url>\``,
    });
  }
  const shown = redactUrl(url);
  switch (remoteKind(url)) {
    case 'local': {
      const { LocalRemote } = await import('./local-remote.js');
      return new LocalRemote(name, shown, localRemotePath(url, opts.baseDir ?? process.cwd()), settings);
    }
    case 's3': {
      const { S3Remote } = await import('./s3-remote.js');
      return new S3Remote(name, shown, settings);
    }
    case 'ssh': {
      const { SshRemote } = await import('./ssh-remote.js');
      return new SshRemote(name, shown, settings);
    }
    case 'http': {
      const { HttpRemote } = await import('./http-remote.js');
      return new HttpRemote(name, shown, settings, url);
    }
  }
}

/** The remote a command should use: `requested`, else `core.remote`, else the only one configured. */
export function chooseRemoteName(repo: Repo, requested?: string): string {
  const remotes = repo.config.remotes;
  const names = Object.keys(remotes);
  if (requested !== undefined) {
    if (!remotes[requested]) {
      throw new MlvError('REMOTE_UNKNOWN', `no remote named '${requested}'`, {
        hint: names.length ? `configured remotes: ${names.join(', ')}` : 'add one with `mlv remote add <name> <url>`',
      });
    }
    return requested;
  }
  const fallback = repo.config.core.remote;
  if (fallback !== undefined) {
    if (!remotes[fallback]) {
      throw new MlvError('REMOTE_UNKNOWN', `the default remote '${fallback}' (core.remote) is not configured`, {
        hint: names.length ? `pick one with \`mlv remote default <name>\` (configured: ${names.join(', ')})` : 'add it with `mlv remote add <name> <url>`',
      });
    }
    return fallback;
  }
  if (names.length === 1) return names[0]!;
  throw new MlvError('NO_REMOTE', names.length === 0 ? 'no remote is configured' : 'no default remote is set', {
    hint: names.length === 0 ? 'add one with `mlv remote add <name> <url> --default`' : `choose with -r <name> or \`mlv remote default <name>\` (configured: ${names.join(', ')})`,
  });
}

/** Opens the remote a repo command should use (see `chooseRemoteName`). */
export async function openRepoRemote(repo: Repo, requested?: string): Promise<KindedRemote> {
  const name = chooseRemoteName(repo, requested);
  return openRemote(name, repo.config.remotes[name]!, { baseDir: repo.root });
}
