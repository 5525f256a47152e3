/**
 * Contract: the HTTP remote with WebDAV writes, against the Node WebDAV test server (test/helpers) on
 * 127.0.0.1 with basic auth; plus the read-only mode that any static web server provides.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlvError } from '../../src/core/errors.js';
import { openRemote } from '../../src/core/remotes/open-remote.js';
import { freePort } from '../helpers/net.js';
import { startWebDavServer, type WebDavTestServer } from '../helpers/webdav-server.js';
import { keyFor, remoteContract, startSilentServer } from './remote-contract.js';

const USER = 'alice';
const PASSWORD = 's3cret-webdav-pass';

let root: string;
let dav: WebDavTestServer;
let readOnly: WebDavTestServer;
let silent: Awaited<ReturnType<typeof startSilentServer>>;
let n = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mlv-webdav-'));
  dav = await startWebDavServer({ root, user: USER, password: PASSWORD });
  readOnly = await startWebDavServer({ root, readOnly: true });
  silent = await startSilentServer();
});
afterAll(async () => {
  await dav?.stop();
  await readOnly?.stop();
  await silent?.stop();
  await rm(root, { recursive: true, force: true });
});

const auth = { webdav: true, user: USER, password: PASSWORD };

describe('HTTP remote with WebDAV', () => {
  remoteContract('http', () => ({
    fresh: async () => {
      const folder = `r${++n}`;
      await mkdir(join(root, folder));
      return openRemote('web', { url: `${dav.url}${folder}/`, ...auth });
    },
    missingRoot: () => openRemote('web', { url: `${dav.url}no-such-folder/`, ...auth }),
    badCredentials: async () => ({
      remote: await openRemote('web', { url: `${dav.url}`, webdav: true, user: USER, password: 'wrong-pass-77' }),
      secret: 'wrong-pass-77',
    }),
    refusedPort: async () => openRemote('web', { url: `http://127.0.0.1:${await freePort()}/x/`, ...auth, timeout: 3 }),
    silentHost: async () => openRemote('web', { url: `http://127.0.0.1:${silent.port}/x/`, ...auth, timeout: 2 }),
  }), { inMemory: true });

  it('takes credentials embedded in the url without showing the password', async () => {
    await mkdir(join(root, 'embedded'));
    const remote = await openRemote('web', { url: `http://${USER}:${PASSWORD}@127.0.0.1:${dav.port}/embedded/`, webdav: true });
    expect(remote.url).not.toContain(PASSWORD);
    expect(await remote.hasMany([keyFor(1)])).toEqual(new Set());
    await remote.close();
  });
});

describe('HTTP remote, read-only', () => {
  it('downloads and checks objects with GET/HEAD and refuses writes clearly', async () => {
    const key = keyFor('static');
    await mkdir(join(root, 'static', ...key.split('/').slice(0, -1)), { recursive: true });
    await writeFile(join(root, 'static', ...key.split('/')), 'served statically');
    const remote = await openRemote('cdn', { url: `${readOnly.url}static` });
    expect(await remote.hasMany([key, keyFor('nope')])).toEqual(new Set([key]));
    const out = join(root, 'static.out');
    await remote.get(key, out);
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(out, 'utf8')).toBe('served statically');
    const err = await remote.put(keyFor('new'), out).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(MlvError);
    expect((err as MlvError).code).toBe('REMOTE_READ_ONLY');
    expect((err as MlvError).hint).toContain('webdav true');
    // Small objects come through memory over plain HTTP too; writing them is refused the same way.
    expect(await remote.getBytes!(key, 1024)).toEqual(Buffer.from('served statically'));
    expect(await remote.getBytes!(key, 5)).toBeNull();
    const inMemory = await remote.putBytes!(keyFor('new'), Buffer.from('x')).then(() => undefined, (e: unknown) => e);
    expect((inMemory as MlvError).code).toBe('REMOTE_READ_ONLY');
    await remote.close();
  });
});
