/**
 * The system OpenSSH server (Debian `openssh-server`) started for one test file: a generated host key and
 * user key, a temp sshd_config on a free loopback port, root login by key only, the internal SFTP server.
 * Tests run as root (as CI does); when sshd or ssh-keygen is missing, or we are not root, the caller gets
 * a reason to skip instead.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile, copyFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './net.js';

export const SSHD_BIN = '/usr/sbin/sshd';

export interface SshTestServer {
  port: number;
  user: string;
  /** A private key the server accepts. */
  keyFile: string;
  /** A valid private key the server does not accept. */
  strangerKeyFile: string;
  /** The server's public host key line (`ssh-ed25519 AAAA… comment`). */
  hostPublicKey: string;
  /** A folder for remotes to live in. */
  dataDir: string;
  stop(): Promise<void>;
}

function keygen(file: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file], { stdio: 'ignore' });
}

export async function startSshd(): Promise<SshTestServer | { skip: string }> {
  if (!existsSync(SSHD_BIN)) return { skip: `${SSHD_BIN} is not installed (apt-get install openssh-server)` };
  if (process.getuid?.() !== 0) return { skip: 'the SSH contract test logs in as root and must run as root' };
  try {
    execFileSync('ssh-keygen', ['-?'], { stdio: 'ignore' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { skip: 'ssh-keygen is not installed' };
  }
  const dir = await mkdtemp(join(tmpdir(), 'mlv-sshd-'));
  keygen(join(dir, 'host_key'));
  keygen(join(dir, 'user_key'));
  keygen(join(dir, 'stranger_key'));
  await copyFile(join(dir, 'user_key.pub'), join(dir, 'authorized_keys'));
  await chmod(join(dir, 'authorized_keys'), 0o600);
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  // sshd refuses to start without its privilege-separation folder.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const port = await freePort();
  const config = join(dir, 'sshd_config');
  await writeFile(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_key')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PermitRootLogin yes',
      'StrictModes no',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'Subsystem sftp internal-sftp',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(SSHD_BIN, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await Promise.race([
      waitForPort(port, 10_000),
      exited.then(() => Promise.reject(new Error(`sshd exited: ${stderr.trim()}`))),
    ]);
  } catch (err) {
    child.kill();
    await rm(dir, { recursive: true, force: true });
    return { skip: `sshd did not start: ${(err as Error).message}` };
  }
  return {
    port,
    user: 'root',
    keyFile: join(dir, 'user_key'),
    strangerKeyFile: join(dir, 'stranger_key'),
    hostPublicKey: readFileSync(join(dir, 'host_key.pub'), 'utf8').trim(),
    dataDir,
    async stop() {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
