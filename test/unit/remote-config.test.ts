/** `mlv remote add|list|remove|default|modify` on real config files in a temp `.mlv/`. */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { addRemote, listRemotes, MASK, modifyRemote, removeRemote, setDefaultRemote, type RepoPaths } from '../../src/core/api/remote-config.js';
import { MlvError } from '../../src/core/errors.js';
import { redactUrl, remoteKind } from '../../src/core/remotes/open-remote.js';
import { DEFAULT_CONFIG_TEXT, loadConfig } from '../../src/core/workspace/config.js';

const base = mkdtempSync(join(tmpdir(), 'mlv-remote-config-'));
let repo: RepoPaths;
let n = 0;

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

beforeEach(() => {
  const root = join(base, `repo${++n}`);
  const mlvDir = join(root, '.mlv');
  mkdirSync(mlvDir, { recursive: true });
  writeFileSync(join(mlvDir, 'config.yaml'), DEFAULT_CONFIG_TEXT);
  repo = { root, mlvDir };
});

const committed = () => readFileSync(join(repo.mlvDir, 'config.yaml'), 'utf8');
const local = () => readFileSync(join(repo.mlvDir, 'config.local.yaml'), 'utf8');
const merged = () => loadConfig(repo.root, repo.mlvDir);

async function code(p: Promise<unknown>): Promise<string | undefined> {
  return p.then(
    () => undefined,
    (e: unknown) => (e instanceof MlvError ? e.code : `not an MlvError: ${String(e)}`),
  );
}

describe('remote configuration', () => {
  it('adds a remote to the committed config, keeping its comments, and can make it the default', async () => {
    const result = await addRemote(repo, 'origin', 's3://bucket/team/data', { default: true });
    expect(result).toMatchObject({ name: 'origin', url: 's3://bucket/team/data', kind: 's3', isDefault: true });
    expect(result.writes).toEqual([{ file: '.mlv/config.yaml', keys: ['url', 'core.remote'] }]);
    expect(committed()).toContain('# mlv configuration');
    expect(merged().remotes.origin).toEqual({ url: 's3://bucket/team/data' });
    expect(merged().core.remote).toBe('origin');
  });

  it('moves a password out of the url into config.local.yaml and says so', async () => {
    const result = await addRemote(repo, 'web', 'https://alice:hunter2@dav.example.com/mlv/');
    expect(result.url).toBe('https://alice@dav.example.com/mlv/');
    expect(result.secretsStoredLocally).toEqual(['password']);
    expect(committed()).not.toContain('hunter2');
    expect(local()).toContain('hunter2');
    expect(merged().remotes.web).toMatchObject({ url: 'https://alice@dav.example.com/mlv/', password: 'hunter2' });
  });

  it('refuses duplicate names, bad names and unknown url schemes', async () => {
    await addRemote(repo, 'origin', '/srv/mlv');
    expect(await code(addRemote(repo, 'origin', '/elsewhere'))).toBe('REMOTE_EXISTS');
    expect(await code(addRemote(repo, '-bad name', '/x'))).toBe('USAGE');
    expect(await code(addRemote(repo, 'ftp', 'ftp://host/x'))).toBe('REMOTE_URL_INVALID');
    await addRemote(repo, 'origin', '/elsewhere', { force: true });
    expect(merged().remotes.origin?.url).toBe('/elsewhere');
  });

  it('always writes secrets to the local file, even without --local, and removes committed copies', async () => {
    await addRemote(repo, 'origin', 's3://bucket/data');
    writeFileSync(join(repo.mlvDir, 'config.yaml'), committed() + '    secret_access_key: committed-by-mistake\n');
    const result = await modifyRemote(repo, 'origin', 'secret_access_key', 'TOPSECRET');
    expect(result).toMatchObject({ secret: true, forcedLocal: true, writes: [{ file: '.mlv/config.local.yaml', keys: ['secret_access_key'] }] });
    expect(committed()).not.toContain('secret_access_key');
    expect(local()).toContain('TOPSECRET');
    expect(merged().remotes.origin?.secret_access_key).toBe('TOPSECRET');
  });

  it('types values, rejects unknown or inapplicable keys, and unsets keys', async () => {
    await addRemote(repo, 'origin', 's3://bucket/data');
    await modifyRemote(repo, 'origin', 'jobs', '16');
    await modifyRemote(repo, 'origin', 'path_style', 'true');
    await modifyRemote(repo, 'origin', 'endpoint', 'http://127.0.0.1:9000');
    expect(merged().remotes.origin).toMatchObject({ jobs: 16, path_style: true, endpoint: 'http://127.0.0.1:9000' });
    expect(await code(modifyRemote(repo, 'origin', 'jbos', '3'))).toBe('USAGE');
    expect(await code(modifyRemote(repo, 'origin', 'key_file', '~/.ssh/id'))).toBe('USAGE');
    expect(await code(modifyRemote(repo, 'nope', 'jobs', '3'))).toBe('REMOTE_UNKNOWN');
    const unset = await modifyRemote(repo, 'origin', 'jobs', undefined, { unset: true });
    expect(unset.writes).toEqual([{ file: '.mlv/config.yaml', keys: ['jobs'] }]);
    expect(merged().remotes.origin?.jobs).toBeUndefined();
    await modifyRemote(repo, 'origin', 'region', 'eu-west-1', { local: true });
    expect(local()).toContain('eu-west-1');
    expect(committed()).not.toContain('eu-west-1');
  });

  it('lists remotes with kinds and the default, masking every secret and header value', async () => {
    await addRemote(repo, 'origin', 's3://bucket/data', { default: true });
    await modifyRemote(repo, 'origin', 'access_key_id', 'AKIAEXAMPLE');
    await modifyRemote(repo, 'origin', 'secret_access_key', 'shh');
    await addRemote(repo, 'web', 'https://files.example.com/mlv', { local: true });
    await modifyRemote(repo, 'web', 'headers', '{"Authorization": "Bearer tok-123"}');
    const listing = listRemotes(repo);
    expect(listing.map((r) => [r.name, r.kind, r.isDefault, r.defined])).toEqual([
      ['origin', 's3', true, ['committed', 'local']],
      // a remote defined only on this machine keeps all its settings there
      ['web', 'http', false, ['local']],
    ]);
    const text = JSON.stringify(listing);
    expect(text).not.toContain('AKIAEXAMPLE');
    expect(text).not.toContain('shh');
    expect(text).not.toContain('tok-123');
    expect(listing[0]!.settings).toEqual({ access_key_id: MASK, secret_access_key: MASK });
    expect(listing[1]!.settings).toEqual({ headers: { Authorization: MASK } });
  });

  it('sets the default in the file that defines the remote, and removing a remote clears it', async () => {
    await addRemote(repo, 'shared', '/srv/mlv');
    await addRemote(repo, 'mine', '/home/me/mlv', { local: true });
    expect((await setDefaultRemote(repo, 'shared')).writes[0]!.file).toBe('.mlv/config.yaml');
    expect((await setDefaultRemote(repo, 'mine')).writes[0]!.file).toBe('.mlv/config.local.yaml');
    expect(merged().core.remote).toBe('mine');
    const removed = await removeRemote(repo, 'mine');
    expect(removed.wasDefault).toBe(true);
    expect(merged().remotes.mine).toBeUndefined();
    expect(merged().core.remote).toBe('shared');
    await removeRemote(repo, 'shared');
    expect(merged().core.remote).toBeUndefined();
    expect(merged().remotes).toEqual({});
    expect(await code(removeRemote(repo, 'shared'))).toBe('REMOTE_UNKNOWN');
  });
});

describe('remote urls', () => {
  it('picks the adapter from the url', () => {
    expect(remoteKind('/mnt/share/mlv')).toBe('local');
    expect(remoteKind('../remote')).toBe('local');
    expect(remoteKind('file:///srv/mlv')).toBe('local');
    expect(remoteKind('s3://bucket')).toBe('s3');
    expect(remoteKind('ssh://me@host:2222/data')).toBe('ssh');
    expect(remoteKind('https://host/x')).toBe('http');
  });

  it('never shows an embedded password', () => {
    expect(redactUrl('https://bob:pa55@host/x')).toBe('https://bob@host/x');
    expect(redactUrl('ssh://bob@host/x')).toBe('ssh://bob@host/x');
  });
});
