/**
 * SSH hosts through SFTP (`ssh://[user@]host[:port]/path`, `/~/path` for a path under the home folder),
 * with the `ssh2` package — no `ssh` binary needed. Authentication tries, in order: `key_file` (or the
 * default ~/.ssh/id_ed25519, id_ecdsa, id_rsa), the ssh-agent at SSH_AUTH_SOCK, then `password`. The
 * server's host key is checked against known_hosts (the `known_hosts` setting, else OpenSSH's files).
 *
 * Uploads write `<root>/tmp/<unique>`, fsync it where the server offers `fsync@openssh.com`, then rename
 * it into place with `posix-rename@openssh.com` (atomic, replaces an existing copy), so readers and a
 * killed upload never expose half an object. Reads and writes keep many SFTP requests in flight, which
 * is what makes SFTP fast over real network latency.
 *
 * This file imports ssh2, so open-remote loads it only when an ssh:// remote is used.
 */
import { existsSync, readFileSync } from 'node:fs';
import { open as openLocal, type FileHandle } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, Client as SshClient, ConnectConfig, FileEntryWithStats, SFTPWrapper, Stats } from 'ssh2';
import { MlvError, systemError } from '../errors.js';
import {
  abortedError,
  defaultJobsFor,
  describeRemote,
  isTransientNetworkError,
  isUnreachableError,
  mapLimit,
  numberSetting,
  RemoteError,
  stringSetting,
  subject,
  tempSuffix,
  throwIfAborted,
  timeoutMs,
  unreachable,
  type KindedRemote,
  type RemoteSettings,
  hasManyByStatOrListing,
  objectMissing,
  expandHome,
} from './common.js';
import { checkHostKey, defaultKnownHostsFiles, knownHostsName, type HostKeyVerdict } from './known-hosts.js';
import type { RemoteObjectInfo, TransferOptions } from './remote-store.js';

/** SFTP status codes (draft-ietf-secsh-filexfer-02) that mlv tells apart. */
const SFTP_NO_SUCH_FILE = 2;
const SFTP_PERMISSION_DENIED = 3;

/** Bytes per SFTP read/write request and requests kept in flight per transfer. */
const REQUEST_SIZE = 128 * 1024;
const WINDOW = 16;
const STAT_EACH_LIMIT = 256;

export interface SshLocation {
  host: string;
  port?: number;
  user?: string;
  /** Absolute path, or a path relative to the login folder ('' for the login folder itself). */
  root: string;
}

/** `ssh://[user@]host[:port]/path` → parts; `/~/data` means `data` under the login folder. */
export function parseSshUrl(url: string): SshLocation | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'ssh:' && parsed.protocol !== 'sftp:') return undefined;
  if (!parsed.hostname) return undefined;
  let path = decodeURIComponent(parsed.pathname).replace(/\/+$/, '');
  if (path === '/~' || path.startsWith('/~/')) path = path.slice(3);
  else if (path === '') path = '/';
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port ? Number(parsed.port) : undefined,
    user: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    root: path,
  };
}

interface Session {
  conn: SshClient;
  sftp: SFTPWrapper;
}

export class SshRemote implements KindedRemote {
  readonly kind = 'ssh' as const;
  readonly defaultJobs: number;
  private readonly location: SshLocation;
  private session: Promise<Session> | undefined;
  private activeConn: SshClient | undefined;
  /** Set when the server's host key contradicts known_hosts, to explain the failed connect. */
  private hostKeyProblem: { verdict: HostKeyVerdict; name: string } | undefined;
  private readonly knownDirs = new Set<string>();

  constructor(
    readonly name: string,
    readonly url: string,
    private readonly settings: RemoteSettings,
  ) {
    const location = parseSshUrl(url);
    if (!location) {
      throw new MlvError('CONFIG_INVALID', `${describeRemote(name, url)}: the url must look like ssh://[user@]host[:port]/path`, {
        hint: `fix it with \`mlv remote modify ${name} url ssh://<host>/<path>\``,
      });
    }
    this.location = location;
    this.defaultJobs = defaultJobsFor('ssh', name, settings);
  }

  /** Remote path of a key (or of the root when `key` is ''). */
  private pathOf(key: string): string {
    const root = this.location.root;
    if (key === '') return root === '' ? '.' : root;
    if (root === '') return key;
    return root.endsWith('/') ? root + key : `${root}/${key}`;
  }

  /** Connects once and reuses the session; a dropped connection is re-opened by the next call. */
  private connect(): Promise<Session> {
    this.session ??= this.openSession().catch((err) => {
      this.session = undefined;
      throw err;
    });
    return this.session;
  }

  private async openSession(): Promise<Session> {
    const config = this.connectConfig();
    const conn = new ssh2.Client();
    // ssh2 can emit several errors for one failure (e.g. a timeout, then "connection lost"): one
    // permanent listener turns the first into the connect failure and the rest into "session over".
    let connected = false;
    await new Promise<void>((resolve, reject) => {
      conn.on('error', (err: Error & { level?: string }) => {
        if (!connected) {
          connected = true;
          conn.end();
          reject(this.connectError(err));
        } else if (this.activeConn === conn) {
          this.activeConn = undefined;
          this.session = undefined;
        }
      });
      conn.once('ready', () => {
        connected = true;
        resolve();
      });
      conn.connect(config);
    });
    // Later failures (server gone, network drop) end this session; the next call reconnects.
    this.activeConn = conn;
    conn.on('close', () => {
      if (this.activeConn !== conn) return;
      this.activeConn = undefined;
      this.session = undefined;
    });
    const sftp = await new Promise<SFTPWrapper>((resolve, reject) => {
      conn.sftp((err, s) => (err ? reject(this.sftpError(err, 'opening SFTP')) : resolve(s)));
    }).catch((err) => {
      conn.end();
      throw err;
    });
    const rootInfo = await call<Stats>((cb) => sftp.stat(this.pathOf(''), cb)).catch((err) => {
      conn.end();
      if (sftpCode(err) === SFTP_NO_SUCH_FILE) {
        throw new RemoteError('REMOTE_NOT_FOUND', this.name, `${describeRemote(this.name, this.url)}: folder ${this.pathOf('')} does not exist on ${this.location.host}`, {
          hint: `create it on the server (mkdir -p), or fix the url with \`mlv remote modify ${this.name} url ssh://<host>/<path>\``,
          cause: err,
        });
      }
      throw this.sftpError(err, 'opening');
    });
    if (!rootInfo.isDirectory()) {
      conn.end();
      throw new RemoteError('REMOTE_NOT_FOUND', this.name, `${describeRemote(this.name, this.url)}: ${this.pathOf('')} is not a folder`);
    }
    return { conn, sftp };
  }

  /** Builds the ssh2 configuration: who to log in as and every credential that may work, in order. */
  private connectConfig(): ConnectConfig {
    const s = this.settings;
    const username = stringSetting(this.name, s, 'user') ?? this.location.user ?? process.env.USER ?? userInfo().username;
    const port = numberSetting(this.name, s, 'port') ?? this.location.port ?? 22;
    const password = stringSetting(this.name, s, 'password');
    const passphrase = stringSetting(this.name, s, 'key_passphrase');
    const methods: AnyAuthMethod[] = [];
    for (const keyFile of this.keyFiles()) {
      methods.push({ type: 'publickey', username, key: this.readKey(keyFile, passphrase), passphrase });
    }
    if (process.env.SSH_AUTH_SOCK) methods.push({ type: 'agent', username, agent: process.env.SSH_AUTH_SOCK });
    if (password !== undefined) methods.push({ type: 'password', username, password });
    if (methods.length === 0) {
      throw new RemoteError('REMOTE_AUTH', this.name, `${describeRemote(this.name, this.url)}: no SSH credentials found`, {
        hint: `set key_file (\`mlv remote modify ${this.name} key_file ~/.ssh/id_ed25519\`), start ssh-agent, or set a password (stored in config.local.yaml)`,
      });
    }
    const knownHostsSetting = stringSetting(this.name, s, 'known_hosts');
    const knownHosts = knownHostsSetting ? [expandHome(knownHostsSetting)] : defaultKnownHostsFiles();
    this.hostKeyProblem = undefined;
    return {
      host: this.location.host,
      port,
      username,
      hostVerifier: (key: Buffer) => {
        const verdict = checkHostKey(knownHosts, this.location.host, port, key);
        if (verdict === 'match' || verdict === 'unknown') return true;
        this.hostKeyProblem = { verdict, name: knownHostsName(this.location.host, port) };
        return false;
      },
      authHandler: methods,
      readyTimeout: timeoutMs(this.name, s),
      keepaliveInterval: 15_000,
      keepaliveCountMax: 4,
    };
  }

  /** `key_file` when set (it must exist), else whichever default OpenSSH keys exist. */
  private keyFiles(): string[] {
    const configured = stringSetting(this.name, this.settings, 'key_file');
    if (configured) {
      const path = expandHome(configured);
      if (!existsSync(path)) {
        throw new RemoteError('REMOTE_AUTH', this.name, `${describeRemote(this.name, this.url)}: key_file ${path} does not exist`, {
          hint: `fix it with \`mlv remote modify ${this.name} key_file <path>\``,
        });
      }
      return [path];
    }
    return ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => join(homedir(), '.ssh', f)).filter((p) => existsSync(p));
  }

  /** Reads and parses a private key up front, so a bad key or passphrase gets its own message. */
  private readKey(path: string, passphrase: string | undefined): Buffer {
    const text = readFileSync(path);
    const parsed = ssh2.utils.parseKey(text, passphrase);
    if (parsed instanceof Error) {
      const encrypted = /passphrase|encrypted/i.test(parsed.message);
      throw new RemoteError('REMOTE_AUTH', this.name, `${describeRemote(this.name, this.url)}: cannot use the private key ${path}: ${encrypted ? 'it is encrypted and no valid key_passphrase is set' : parsed.message}`, {
        hint: encrypted ? `load it into ssh-agent (ssh-add ${path}) or set key_passphrase in config.local.yaml` : 'point key_file at an OpenSSH private key',
      });
    }
    return text;
  }

  private connectError(err: Error & { level?: string }): RemoteError {
    if (err instanceof RemoteError) return err;
    if (this.hostKeyProblem) {
      const { verdict, name } = this.hostKeyProblem;
      return new RemoteError('REMOTE_AUTH', this.name, `${describeRemote(this.name, this.url)}: the server's host key ${verdict === 'revoked' ? 'is marked @revoked' : 'does not match the one recorded'} in known_hosts for ${name}; refusing to connect`, {
        hint: `if the server was reinstalled, remove the old entry (ssh-keygen -R '${name}') and connect once with ssh to record the new key; otherwise someone may be intercepting the connection`,
        cause: err,
      });
    }
    if (err.level === 'client-authentication') {
      return new RemoteError('REMOTE_AUTH', this.name, `${describeRemote(this.name, this.url)}: the server rejected every credential tried (key, agent, password)`, {
        hint: 'check the user name, that your public key is in the server’s authorized_keys, or the password',
        cause: err,
      });
    }
    if (err.level === 'client-timeout' || isUnreachableError(err) || err.level === 'client-socket') {
      return unreachable(this.name, this.url, err.message, err);
    }
    return new RemoteError('REMOTE_UNREACHABLE', this.name, `${describeRemote(this.name, this.url)}: SSH connection failed: ${err.message}`, { cause: err });
  }

  private sftpError(err: unknown, action: string, key?: string): MlvError {
    if (err instanceof MlvError) return err;
    const code = sftpCode(err);
    const what = subject(this.name, this.url, key);
    if (code === SFTP_PERMISSION_DENIED) {
      return new RemoteError('REMOTE_DENIED', this.name, `${what}: permission denied while ${action}`, {
        key,
        hint: `check the permissions of ${this.pathOf('')} on ${this.location.host} for the SSH user`,
        cause: err,
      });
    }
    if (code === SFTP_NO_SUCH_FILE) {
      return objectMissing(this.name, this.url, key, err);
    }
    if (typeof (err as { code?: unknown })?.code === 'string' && !isTransientNetworkError(err)) {
      return systemError(err, action, key ?? this.pathOf(''));
    }
    // Anything without an SFTP status is the connection itself failing: worth a retry on a new session.
    const message = (err as Error)?.message ?? String(err);
    return new RemoteError('REMOTE_IO', this.name, `${what}: ${action} failed: ${message}`, {
      key,
      cause: err,
      transient: code === undefined,
    });
  }

  /** Creates `dir` and its parents (like mkdir -p), remembering folders known to exist. */
  private async mkdirs(sftp: SFTPWrapper, dir: string): Promise<void> {
    if (this.knownDirs.has(dir)) return;
    try {
      await call<void>((cb) => sftp.mkdir(dir, cb));
    } catch (err) {
      if (sftpCode(err) === SFTP_NO_SUCH_FILE) {
        const parent = dir.slice(0, dir.lastIndexOf('/'));
        if (!parent || parent === dir) throw err;
        await this.mkdirs(sftp, parent);
        await this.mkdirs(sftp, dir);
        return;
      }
      // OpenSSH answers a plain FAILURE for "already exists": check that it is a folder.
      const info = await call<Stats>((cb) => sftp.stat(dir, cb)).catch(() => undefined);
      if (!info?.isDirectory()) throw err;
    }
    this.knownDirs.add(dir);
  }

  async hasMany(keys: string[]): Promise<Set<string>> {
    const { sftp } = await this.connect();
    return hasManyByStatOrListing(keys, {
      statEachLimit: STAT_EACH_LIMIT,
      statJobs: 32,
      listJobs: 8,
      stat: (key) => this.stat(key),
      listFolder: async (folder) => {
        try {
          const entries = await call<FileEntryWithStats[]>((cb) => sftp.readdir(this.pathOf(folder.slice(0, -1)), cb));
          return new Set(entries.map((e) => folder + e.filename));
        } catch (err) {
          if (sftpCode(err) === SFTP_NO_SUCH_FILE) return undefined;
          throw this.sftpError(err, 'listing', folder);
        }
      },
    });
  }


  async stat(key: string): Promise<RemoteObjectInfo | undefined> {
    const { sftp } = await this.connect();
    try {
      const info = await call<Stats>((cb) => sftp.stat(this.pathOf(key), cb));
      return info.isFile() ? { key, size: info.size, mtimeMs: info.mtime * 1000 } : undefined;
    } catch (err) {
      if (sftpCode(err) === SFTP_NO_SUCH_FILE) return undefined;
      throw this.sftpError(err, 'checking', key);
    }
  }

  async put(key: string, localPath: string, opts: TransferOptions = {}): Promise<void> {
    throwIfAborted(opts.signal);
    let local: FileHandle;
    try {
      local = await openLocal(localPath, 'r');
    } catch (err) {
      throw systemError(err, 'reading', localPath);
    }
    try {
      const size = (await local.stat()).size;
      await this.upload(key, size, opts, async (offset, length) => {
        const buf = Buffer.allocUnsafe(length);
        const { bytesRead } = await local.read(buf, 0, length, offset);
        if (bytesRead !== length) throw new Error(`${localPath} changed size while uploading`);
        return buf;
      });
    } finally {
      await local.close();
    }
  }

  async putBytes(key: string, data: Uint8Array, opts: TransferOptions = {}): Promise<void> {
    throwIfAborted(opts.signal);
    const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    await this.upload(key, buf.length, opts, async (offset, length) => buf.subarray(offset, offset + length));
  }

  /** Writes `<root>/tmp/<unique>` from `chunkAt`, fsyncs it where the server can, and renames it into place. */
  private async upload(key: string, size: number, opts: TransferOptions, chunkAt: (offset: number, length: number) => Promise<Buffer>): Promise<void> {
    const { sftp } = await this.connect();
    const tmpDir = this.pathOf('tmp');
    const tmp = `${tmpDir}/${tempSuffix()}`;
    let handle: Buffer | undefined;
    try {
      await this.mkdirs(sftp, tmpDir);
      handle = await call<Buffer>((cb) => sftp.open(tmp, 'w', { mode: 0o444 }, cb));
      const h = handle;
      await pipelined(size, opts.signal, async (offset, length) => {
        const buf = await chunkAt(offset, length);
        await call<void>((cb) => sftp.write(h, buf, 0, length, offset, cb));
        opts.onBytes?.(length);
      });
      await call<unknown>((cb) => sftp.ext_openssh_fsync(h, cb)).catch(() => undefined);
      handle = undefined;
      await call<void>((cb) => sftp.close(h, cb));
      const dest = this.pathOf(key);
      await this.mkdirs(sftp, dest.slice(0, dest.lastIndexOf('/')));
      throwIfAborted(opts.signal);
      await this.publish(sftp, tmp, dest);
    } catch (err) {
      if (handle) await call<void>((cb) => sftp.close(handle!, cb)).catch(() => undefined);
      await call<void>((cb) => sftp.unlink(tmp, cb)).catch(() => undefined);
      if (opts.signal?.aborted) throw abortedError();
      throw this.sftpError(err, 'uploading', key);
    }
  }

  /** Renames the finished temp file over `dest`; a server without posix-rename gets delete-then-rename. */
  private async publish(sftp: SFTPWrapper, tmp: string, dest: string): Promise<void> {
    try {
      await call<void>((cb) => sftp.ext_openssh_rename(tmp, dest, cb));
      return;
    } catch (err) {
      if (!/not supported/i.test((err as Error).message ?? '')) throw err;
    }
    try {
      await call<void>((cb) => sftp.rename(tmp, dest, cb));
    } catch (err) {
      // Plain SFTP rename refuses an existing target; the object is already there (same oid, same bytes).
      const there = await call<Stats>((cb) => sftp.stat(dest, cb)).catch(() => undefined);
      if (!there) throw err;
      await call<void>((cb) => sftp.unlink(tmp, cb)).catch(() => undefined);
    }
  }

  async get(key: string, localPath: string, opts: TransferOptions = {}): Promise<void> {
    let local: FileHandle | undefined;
    try {
      await this.download(key, opts, async () => {
        local = await openLocal(localPath, 'w');
        const out = local;
        return (buf, offset, length) => out.write(buf, 0, length, offset).then(() => undefined);
      });
    } finally {
      await local?.close();
    }
  }

  async getBytes(key: string, maxBytes: number, opts: TransferOptions = {}): Promise<Buffer | null> {
    let whole: Buffer | null = null;
    await this.download(key, opts, async (size) => {
      if (size > maxBytes) return undefined;
      const target = Buffer.allocUnsafe(size);
      whole = target;
      return async (buf, offset, length) => void buf.copy(target, offset, 0, length);
    });
    return whole;
  }

  /**
   * Reads object `key` in pipelined chunks into the sink that `open` returns for its size (or nothing,
   * leaving the object unread, when `open` returns undefined).
   */
  private async download(
    key: string,
    opts: TransferOptions,
    open: (size: number) => Promise<((buf: Buffer, offset: number, length: number) => Promise<void>) | undefined>,
  ): Promise<void> {
    throwIfAborted(opts.signal);
    const { sftp } = await this.connect();
    let handle: Buffer | undefined;
    try {
      handle = await call<Buffer>((cb) => sftp.open(this.pathOf(key), 'r', cb));
      const h = handle;
      const size = (await call<Stats>((cb) => sftp.fstat(h, cb))).size;
      const sink = await open(size);
      if (!sink) return;
      await pipelined(size, opts.signal, async (offset, length) => {
        const buf = Buffer.allocUnsafe(length);
        let got = 0;
        while (got < length) {
          const n = await readAt(sftp, h, buf, got, length - got, offset + got);
          if (n === 0) throw new Error('the object shrank while downloading');
          got += n;
        }
        await sink(buf, offset, length);
        opts.onBytes?.(length);
      });
    } catch (err) {
      if (opts.signal?.aborted) throw abortedError();
      throw this.sftpError(err, 'downloading', key);
    } finally {
      if (handle) await call<void>((cb) => sftp.close(handle!, cb)).catch(() => undefined);
    }
  }

  async *list(prefix: string): AsyncIterable<RemoteObjectInfo> {
    const { sftp } = await this.connect();
    const base = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    yield* this.walk(sftp, base, prefix);
  }

  private async *walk(sftp: SFTPWrapper, folder: string, prefix: string): AsyncGenerator<RemoteObjectInfo> {
    let entries: FileEntryWithStats[];
    try {
      entries = await call<FileEntryWithStats[]>((cb) => sftp.readdir(this.pathOf(folder === '' ? '' : folder.slice(0, -1)), cb));
    } catch (err) {
      if (sftpCode(err) === SFTP_NO_SUCH_FILE) return;
      throw this.sftpError(err, 'listing', folder);
    }
    entries.sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0));
    for (const entry of entries) {
      const key = folder + entry.filename;
      if (folder === '' && entry.filename === 'tmp') continue;
      if (entry.attrs.isDirectory()) {
        if (prefix.startsWith(key + '/') || (key + '/').startsWith(prefix)) yield* this.walk(sftp, key + '/', prefix);
      } else if (entry.attrs.isFile() && key.startsWith(prefix)) {
        yield { key, size: entry.attrs.size, mtimeMs: entry.attrs.mtime * 1000 };
      }
    }
  }

  async delete(key: string): Promise<void> {
    const { sftp } = await this.connect();
    try {
      await call<void>((cb) => sftp.unlink(this.pathOf(key), cb));
    } catch (err) {
      if (sftpCode(err) === SFTP_NO_SUCH_FILE) return;
      throw this.sftpError(err, 'deleting', key);
    }
  }

  async close(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    if (!session) return;
    const { conn } = await session.catch(() => ({ conn: undefined }));
    conn?.end();
  }
}


function sftpCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Wraps a node-style callback call in a promise. */
function call<T>(fn: (cb: (err: Error | undefined | null, value: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
}

function readAt(sftp: SFTPWrapper, handle: Buffer, buf: Buffer, off: number, len: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    sftp.read(handle, buf, off, len, position, (err, bytesRead) => (err ? reject(err) : resolve(bytesRead)));
  });
}

/**
 * Runs `task` over consecutive ranges of a `size`-byte file with up to WINDOW ranges in flight, so the
 * link stays busy while each request waits for its reply. Stops at the first error or on abort.
 */
async function pipelined(size: number, signal: AbortSignal | undefined, task: (offset: number, length: number) => Promise<void>): Promise<void> {
  const ranges: Array<[number, number]> = [];
  for (let offset = 0; offset < size; offset += REQUEST_SIZE) ranges.push([offset, Math.min(REQUEST_SIZE, size - offset)]);
  await mapLimit(ranges, WINDOW, async ([offset, length]) => {
    throwIfAborted(signal);
    await task(offset, length);
  });
}
