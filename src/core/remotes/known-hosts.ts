/**
 * OpenSSH known_hosts checking for SSH remotes, so a server that presents a different key than the one
 * recorded for it (a man in the middle, or a reinstalled host) is refused instead of receiving data or a
 * password. Understands plain and hashed (`|1|salt|hash`) host entries, `[host]:port`, `*`/`?` wildcards,
 * negated patterns and `@revoked`; `@cert-authority` lines are ignored (certificates are not checked).
 * A host with no entry at all is accepted, like OpenSSH's `StrictHostKeyChecking accept-new` (mlv does
 * not write to known_hosts).
 */
import { createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export type HostKeyVerdict = 'match' | 'mismatch' | 'unknown' | 'revoked';

/** The default known_hosts files, user's first. */
export function defaultKnownHostsFiles(): string[] {
  return [join(homedir(), '.ssh', 'known_hosts'), '/etc/ssh/ssh_known_hosts'];
}

/** How known_hosts names a host: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function patternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return regex.test(name);
}

/** Whether a comma-separated host pattern list names `name` (a negated match excludes it). */
function hostListMatches(list: string, name: string): boolean {
  let matched = false;
  for (const pattern of list.split(',')) {
    if (pattern.startsWith('!')) {
      if (patternMatches(pattern.slice(1), name)) return false;
    } else if (patternMatches(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

/**
 * Checks the server's public key blob (`key`, as sent in the SSH handshake) against the known_hosts
 * entries for `host`:`port` in `files` (missing files are skipped).
 */
export function checkHostKey(files: string[], host: string, port: number, key: Buffer): HostKeyVerdict {
  const name = knownHostsName(host, port);
  const presented = key.toString('base64');
  let known = false;
  let matched = false;
  for (const file of files) {
    if (!existsSync(file)) continue;
    for (const raw of readFileSync(file, 'utf8').split('\n')) {
      const line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      const fields = line.split(/\s+/);
      let marker: string | undefined;
      if (fields[0]!.startsWith('@')) marker = fields.shift();
      const [hosts, , blob] = fields;
      if (!hosts || !blob || marker === '@cert-authority') continue;
      if (!hostListMatches(hosts, name)) continue;
      if (marker === '@revoked') {
        if (blob === presented) return 'revoked';
        continue;
      }
      known = true;
      if (blob === presented) matched = true;
    }
  }
  if (matched) return 'match';
  return known ? 'mismatch' : 'unknown';
}
