/**
 * Contract: the SSH/SFTP remote against the system OpenSSH server, started here on a free loopback port
 * with generated host and user keys (see test/helpers/sshd.ts). Skips with a reason when sshd is absent.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe } from 'vitest';
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
  }));
});
