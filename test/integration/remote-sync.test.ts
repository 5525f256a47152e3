/**
 * End-to-end sharing through every remote kind, with real servers on 127.0.0.1: push from one clone,
 * `git clone` + `mlv pull` in another, byte-identical results; a byte flipped in a remote object makes
 * pull fail for that object (and only that one) and `remote verify --repair` fixes it; a push killed
 * half-way and run again leaves the remote complete and consistent.
 */
import { copyFileSync, chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { show, spawnMlv, type CliResult } from '../helpers/cli.js';
import { bytes, fingerprint, git, makeExecutable, makeRepo, tempDir, writeFiles } from '../helpers/repo.js';
import { startS3Server, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, type S3TestServer } from '../helpers/s3-server.js';
import { startSshd, type SshTestServer } from '../helpers/sshd.js';
import { startWebDavServer, type WebDavTestServer } from '../helpers/webdav-server.js';

interface Kind {
  name: string;
  skip?: string;
  /** Remote url plus settings for `mlv remote modify`. */
  setup(): Promise<{ url: string; settings: [string, string][] }>;
  /** Overwrites the bytes stored under `key` on the server. */
  corrupt(key: string, data: Buffer): Promise<void>;
}

const DATA = () => ({
  'data/train.csv': bytes(300_000, 7),
  'data/images/cat/1.png': bytes(5_000, 1),
  'data/images/cat/2.png': bytes(6_000, 2),
  'data/images/dog/1.png': bytes(7_000, 3),
  'data/images/empty.txt': '',
  'models/model.bin': bytes(120_000, 9),
});

let s3: S3TestServer | undefined;
let ssh: SshTestServer | undefined;
let dav: WebDavTestServer | undefined;
let davRoot = '';
let s3Skip: string | undefined;
let sshSkip: string | undefined;

beforeAll(async () => {
  const s = await startS3Server('mlv-sync');
  if ('skip' in s) s3Skip = s.skip;
  else s3 = s;
  const h = await startSshd();
  if ('skip' in h) sshSkip = h.skip;
  else ssh = h;
  davRoot = tempDir('mlv-dav-');
  dav = await startWebDavServer({ root: davRoot, user: 'u', password: 'pw-123456' });
  if (s3Skip) console.warn(`skipping S3 sync tests: ${s3Skip}`);
  if (sshSkip) console.warn(`skipping SSH sync tests: ${sshSkip}`);
});

afterAll(async () => {
  await s3?.stop();
  await ssh?.stop();
  await dav?.stop();
});

let counter = 0;
const kinds: Kind[] = [
  {
    name: 'folder',
    async setup() {
      const dir = tempDir('mlv-remote-');
      return { url: dir, settings: [] };
    },
    async corrupt() {
      throw new Error('set per test');
    },
  },
  {
    name: 's3',
    async setup() {
      return {
        url: `s3://${s3!.bucket}/sync-${++counter}/store`,
        settings: [
          ['endpoint', s3!.endpoint],
          ['region', 'us-east-1'],
          ['path_style', 'true'],
          ['access_key_id', S3_ACCESS_KEY_ID],
          ['secret_access_key', S3_SECRET_ACCESS_KEY],
        ],
      };
    },
    async corrupt() {
      throw new Error('set per test');
    },
  },
  {
    name: 'ssh',
    async setup() {
      const dir = join(ssh!.dataDir, `sync-${++counter}`);
      mkdirSync(dir);
      return { url: `ssh://${ssh!.user}@127.0.0.1:${ssh!.port}${dir}`, settings: [['key_file', ssh!.keyFile]] };
    },
    async corrupt() {
      throw new Error('set per test');
    },
  },
  {
    name: 'webdav',
    async setup() {
      const folder = `sync-${++counter}`;
      mkdirSync(join(davRoot, folder));
      return { url: `${dav!.url}${folder}/`, settings: [['webdav', 'true'], ['user', 'u'], ['password', 'pw-123456']] };
    },
    async corrupt() {
      throw new Error('set per test');
    },
  },
];

/** Where a key lives on the server's disk (all kinds but S3 store plain files under their root). */
function serverPath(kind: string, url: string, key: string): string | undefined {
  if (kind === 'folder') return join(url, key);
  if (kind === 'ssh') return join(new URL(url).pathname, key);
  if (kind === 'webdav') return join(davRoot, new URL(url).pathname, key);
  return undefined;
}

async function corruptOnServer(kind: string, url: string, key: string): Promise<void> {
  const path = serverPath(kind, url, key);
  if (path) {
    chmodSync(path, 0o644);
    const data = readFileSync(path);
    data[data.length >> 1] ^= 0xff;
    writeFileSync(path, data);
    return;
  }
  // S3: an independent client overwrites the object with flipped bytes.
  const { S3Client, GetObjectCommand, PutObjectCommand } = await import('@aws-sdk/client-s3');
  const client = new S3Client({
    endpoint: s3!.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: S3_ACCESS_KEY_ID, secretAccessKey: S3_SECRET_ACCESS_KEY },
  });
  const u = new URL(url);
  const fullKey = `${u.pathname.slice(1)}/${key}`;
  const got = await client.send(new GetObjectCommand({ Bucket: u.hostname, Key: fullKey }));
  const data = Buffer.from(await got.Body!.transformToByteArray());
  data[data.length >> 1] ^= 0xff;
  await client.send(new PutObjectCommand({ Bucket: u.hostname, Key: fullKey, Body: data }));
  client.destroy();
}

/**
 * Runs the CLI without blocking this process: the S3 and WebDAV test servers live in this process, so a
 * synchronous spawn would deadlock them.
 */
function mlv(cwd: string, args: string[]): Promise<CliResult> {
  return spawnMlv(cwd, args).done;
}

async function ok(pending: Promise<CliResult>): Promise<CliResult> {
  const r = await pending;
  expect(r.code, show(r)).toBe(0);
  return r;
}

function objectKeyOf(pointerText: string): string {
  const oid = /oid: (\S+)/.exec(pointerText)![1]!;
  const [algo, hex] = oid.split(':') as [string, string];
  return `objects/${algo}/${hex.slice(0, 2)}/${hex.slice(2)}`;
}

/** A repo with a file, a folder (nested, with an empty file) and an executable model, committed. */
async function sourceRepo(): Promise<string> {
  const repo = await makeRepo();
  writeFiles(repo, DATA());
  mkdirSync(join(repo, 'data/images/none'));
  makeExecutable(repo, 'models/model.bin');
  await ok(mlv(repo, ['add', 'data/train.csv', 'data/images', 'models/model.bin']));
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'data v1');
  return repo;
}

/** A clone of `repo` with its local (secret) settings copied, as a teammate would configure them. */
function cloneOf(repo: string): string {
  const dir = join(tempDir('mlv-clone-'), 'work');
  git(repo, 'clone', '-q', repo, dir);
  const local = join(repo, '.mlv/config.local.yaml');
  if (existsSync(local)) copyFileSync(local, join(dir, '.mlv/config.local.yaml'));
  return dir;
}

/** Type, mode and content of everything outside .git/.mlv (mtimes differ between clones, by design). */
const dataOf = (root: string) =>
  Object.fromEntries(Object.entries(fingerprint(root, { exclude: ['.git', '.mlv'] })).map(([k, v]) => [k, v.replace(/ [\d.]+$/, '')]));

for (const kind of kinds) {
  const skipped = () => (kind.name === 's3' ? s3Skip : kind.name === 'ssh' ? sshSkip : undefined);
  describe(`sharing through a ${kind.name} remote`, () => {
    it('push, fresh clone + pull restores everything byte for byte; a flipped remote byte fails pull for that object until remote verify --repair', async (ctx) => {
      if (skipped()) ctx.skip();
      delete process.env.SSH_AUTH_SOCK;
      const repo = await sourceRepo();
      const { url, settings } = await kind.setup();
      await ok(mlv(repo, ['remote', 'add', 'shared', url, '--default']));
      for (const [k, v] of settings) await ok(mlv(repo, ['remote', 'modify', 'shared', k, v]));
      git(repo, 'add', '-A');
      git(repo, 'commit', '-qm', 'remote');
      const pushed = await ok(mlv(repo, ['push']));
      expect(pushed.stdout).toMatch(/pushed \d+ objects/);
      expect((await ok(mlv(repo, ['push']))).stdout).toMatch(/pushed 0 objects .* already present/);

      const clone = cloneOf(repo);
      expect(existsSync(join(clone, 'data/train.csv'))).toBe(false);
      await ok(mlv(clone, ['pull']));
      expect(dataOf(clone)).toEqual(dataOf(repo));
      expect((await ok(mlv(clone, ['status']))).stdout).toContain('up to date');

      // Flip one byte of train.csv's object on the server.
      const key = objectKeyOf(readFileSync(join(repo, 'data/train.csv.mlv'), 'utf8'));
      await corruptOnServer(kind.name, url, key);
      const victim = cloneOf(repo);
      const failed = await mlv(victim, ['pull']);
      expect(failed.code, show(failed)).toBe(1);
      expect(failed.stderr).toContain(key.replace(/^objects\/(\w+)\/(\w\w)\//, '$1:$2'));
      expect(existsSync(join(victim, 'data/train.csv'))).toBe(false); // the bad bytes never landed
      expect(readFileSync(join(victim, 'models/model.bin'))).toEqual(readFileSync(join(repo, 'models/model.bin'))); // the rest did

      const verify = await mlv(repo, ['remote', 'verify']);
      expect(verify.code, show(verify)).toBe(1);
      expect(verify.stdout).toContain('corrupt');
      await ok(mlv(repo, ['remote', 'verify', '--repair']));
      expect((await ok(mlv(repo, ['remote', 'verify']))).stdout).toContain('all objects are intact');
      await ok(mlv(victim, ['pull']));
      expect(dataOf(victim)).toEqual(dataOf(repo));
    });
  });
}

describe('an interrupted push', () => {
  it('killed half-way and run again leaves the remote complete and consistent', async () => {
    const repo = await makeRepo();
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 40; i++) files[`data/shards/part-${String(i).padStart(2, '0')}.bin`] = bytes(2_000_000, i + 1);
    writeFiles(repo, files);
    await ok(mlv(repo, ['add', 'data/shards']));
    const store = tempDir('mlv-remote-');
    await ok(mlv(repo, ['remote', 'add', 'shared', store, '--default']));
    await ok(mlv(repo, ['remote', 'modify', 'shared', 'jobs', '2']));
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'shards');

    const run = spawnMlv(repo, ['push']);
    await new Promise((r) => setTimeout(r, 400));
    run.child.kill('SIGKILL');
    await run.done;

    await ok(mlv(repo, ['push']));
    expect((await ok(mlv(repo, ['remote', 'verify']))).stdout).toContain('all objects are intact');
    const clone = cloneOf(repo);
    await ok(mlv(clone, ['pull']));
    expect(dataOf(clone)).toEqual(dataOf(repo));
  });
});
