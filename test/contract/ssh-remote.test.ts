/**
 * Contract: the SSH/SFTP remote against the system OpenSSH server, started here on a free loopback port
 * with generated host and user keys (see test/helpers/sshd.ts). Skips with a reason when sshd is absent.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createHmac, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { MlvError } from '../../src/core/errors.js';
import { checkHostKey } from '../../src/core/remotes/known-hosts.js';
import { openRemote } from '../../src/core/remotes/open-remote.js';
import { freePort } from '../helpers/net.js';
import { startSshd, type SshTestServer } from '../helpers/sshd.js';
import { remoteContract, startSilentServer } from './remote-contract.js';

const started = await startSshd();
const skip = 'skip' in started ? started.skip : undefined;
if (skip) console.warn(`skipping the SSH contract tests: ${skip}`);
const server = started as SshTestServer;
const silent = skip ? undefined : await startSilentServer();
let n = 0;

afterAll(async () => {
  await silent?.stop();
  if (!skip) await server.stop();
});

function url(path: string, port = server.port): string {
  return `ssh://${server.user}@127.0.0.1:${port}${path}`;
}

describe.skipIf(skip !== undefined)('SSH remote (OpenSSH sshd)', () => {
  // An ssh-agent of the person running the tests must not change what is being tested.
  delete process.env.SSH_AUTH_SOCK;
  remoteContract('ssh', () => ({
    fresh: async () => {
      const dir = join(server.dataDir, `r${++n}`);
      await mkdir(dir);
      return openRemote('box', { url: url(dir), key_file: server.keyFile });
    },
    missingRoot: () => openRemote('box', { url: url(join(server.dataDir, 'no-such-folder')), key_file: server.keyFile }),
    badCredentials: async () => ({
      remote: await openRemote('box', { url: url(server.dataDir), key_file: server.strangerKeyFile, password: 'not-the-password-1234' }),
      secret: 'not-the-password-1234',
    }),
    refusedPort: async () => openRemote('box', { url: url(server.dataDir, await freePort()), key_file: server.keyFile, timeout: 3 }),
    silentHost: async () => openRemote('box', { url: url(server.dataDir, silent!.port), key_file: server.keyFile, timeout: 2 }),
  }), { inMemory: true });
});

describe.skipIf(skip !== undefined)('SSH remote host key checking', () => {
  const name = () => `[127.0.0.1]:${server.port}`;
  const keyBlob = () => server.hostPublicKey.split(/\s+/).slice(0, 2).join(' ');
  const knownHosts = (line: string) => {
    const file = join(server.dataDir, `known_hosts_${++n}`);
    writeFileSync(file, `${line}\n`);
    return file;
  };
  const connect = async (file: string) => {
    const remote = await openRemote('box', { url: url(server.dataDir), key_file: server.keyFile, known_hosts: file });
    try {
      return await remote.hasMany(['objects/xxh128/00/00']).then(() => 'connected', (e: unknown) => e as MlvError);
    } finally {
      await remote.close();
    }
  };

  it('connects when known_hosts records the right key, plain or hashed', async () => {
    const blob = Buffer.from(keyBlob().split(' ')[1]!, 'base64');
    const plain = knownHosts(`${name()} ${keyBlob()}`);
    expect(checkHostKey([plain], '127.0.0.1', server.port, blob)).toBe('match');
    expect(await connect(plain)).toBe('connected');
    const salt = randomBytes(20);
    const hashed = knownHosts(`|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name()).digest('base64')} ${keyBlob()}`);
    expect(checkHostKey([hashed], '127.0.0.1', server.port, blob)).toBe('match');
    expect(await connect(hashed)).toBe('connected');
    expect(await connect(knownHosts(`other.example.com ${keyBlob().split(' ')[0]} AAAAC3NzaC1lZDI1NTE5AAAAIE1vdGhlcktleQ==`))).toBe('connected');
  });

  it('refuses a host whose key differs from known_hosts, or is revoked', async () => {
    const wrong = `${keyBlob().split(' ')[0]} AAAAC3NzaC1lZDI1NTE5AAAAIGJhZGJhZGJhZGJhZGJhZGJhZGJhZGJhZGJhZGJhZGJhZA==`;
    const mismatch = await connect(knownHosts(`${name()} ${wrong}`));
    expect(mismatch).toBeInstanceOf(MlvError);
    expect((mismatch as MlvError).code).toBe('REMOTE_AUTH');
    expect((mismatch as MlvError).message).toContain('host key');
    const revoked = await connect(knownHosts(`@revoked ${name()} ${keyBlob()}`));
    expect((revoked as MlvError).message).toContain('revoked');
  });
});
