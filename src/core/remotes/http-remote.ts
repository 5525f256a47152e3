/**
 * HTTP(S) remotes: `https://host/path`. Plain HTTP is read-only (GET to download, HEAD to check), which
 * is how a team serves a remote from any static web server or CDN. With `webdav: true` the remote is
 * writable through WebDAV (PROPFIND, MKCOL, PUT, MOVE, DELETE): an upload PUTs `tmp/<unique>` and then
 * MOVEs it over the object, so a reader never sees half an object and a killed upload leaves only a
 * stray temp file.
 *
 * Settings: `user` + `password` (basic auth), `headers` (a mapping, e.g. an Authorization token),
 * `timeout` (seconds), `webdav`. Uses node:http directly: streaming bodies with a known Content-Length
 * (some WebDAV servers refuse chunked PUTs) and separate connect and idle timeouts.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MlvError, systemError } from '../errors.js';
import {
  byteCounter,
  abortedError,
  booleanSetting,
  defaultJobsFor,
  describeRemote,
  headersSetting,
  isTransientNetworkError,
  isUnreachableError,
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
  readBodyUpTo,
} from './common.js';
import type { RemoteObjectInfo, TransferOptions } from './remote-store.js';

const HEAD_EACH_LIMIT = 256;
const MAX_REDIRECTS = 5;

interface HttpResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: IncomingMessage;
}

interface RequestOptions {
  headers?: Record<string, string>;
  /** A file to stream as the body. */
  bodyFile?: { path: string; size: number; onBytes?: (n: number) => void };
  /** A small in-memory body (PROPFIND XML, or a small object). */
  body?: string | Uint8Array;
  signal?: AbortSignal;
  key?: string;
}

export class HttpRemote implements KindedRemote {
  readonly kind = 'http' as const;
  readonly defaultJobs: number;
  readonly webdav: boolean;
  private readonly base: URL;
  private readonly headers: Record<string, string>;
  private readonly timeout: number;
  private readonly agent: HttpAgent;
  private ready: Promise<void> | undefined;
  /** Collections created or found so far (in flight or done), so concurrent uploads MKCOL each once. */
  private readonly knownCollections = new Map<string, Promise<void>>();
  /** Whether the server has answered any request yet: silence before that means it is unreachable. */
  private answered = false;

  constructor(
    readonly name: string,
    readonly url: string,
    settings: RemoteSettings,
    /** The configured URL as written (it may embed user:password, which `url` must not show). */
    rawUrl: string = url,
  ) {
    const base = new URL(rawUrl);
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    const user = stringSetting(name, settings, 'user') ?? (base.username ? decodeURIComponent(base.username) : undefined);
    const password = stringSetting(name, settings, 'password') ?? (base.password ? decodeURIComponent(base.password) : undefined);
    base.username = '';
    base.password = '';
    this.base = base;
    this.webdav = booleanSetting(name, settings, 'webdav') ?? false;
    this.defaultJobs = defaultJobsFor('http', name, settings);
    this.timeout = timeoutMs(name, settings);
    this.headers = { ...headersSetting(name, settings, 'headers') };
    if (user !== undefined) {
      this.headers.authorization = `Basic ${Buffer.from(`${user}:${password ?? ''}`).toString('base64')}`;
    }
    const agentOptions = { keepAlive: true, maxSockets: Math.max(16, this.defaultJobs) };
    this.agent = base.protocol === 'https:' ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
  }

  private urlOf(key: string): URL {
    return new URL(key.split('/').map(encodeURIComponent).join('/'), this.base);
  }

  /**
   * Sends one request. Connecting and every silence longer than `timeout` fail the request: a host that
   * never answers is reported unreachable instead of hanging. Redirects are followed for GET and HEAD.
   */
  private async request(method: string, url: URL, opts: RequestOptions = {}, redirects = 0): Promise<HttpResponse> {
    throwIfAborted(opts.signal);
    const headers: Record<string, string> = { ...this.headers, ...opts.headers };
    if (url.origin !== this.base.origin) delete headers.authorization;
    if (opts.bodyFile) headers['content-length'] = String(opts.bodyFile.size);
    else if (opts.body !== undefined) headers['content-length'] = String(typeof opts.body === 'string' ? Buffer.byteLength(opts.body) : opts.body.byteLength);
    else if (method === 'PUT' || method === 'MKCOL' || method === 'MOVE') headers['content-length'] = '0';
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      let connected = false;
      const req = send(url, { method, headers, agent: this.agent, timeout: this.timeout, signal: opts.signal }, resolve);
      req.on('socket', (socket) => {
        if (!socket.connecting) connected = true;
        else socket.once('connect', () => (connected = true));
      });
      req.on('timeout', () => {
        // Silence from a server that never answered yet is a dead host, not a slow request.
        const dead = !connected || !this.answered;
        const err = Object.assign(new Error(connected ? `no answer within ${this.timeout / 1000} s` : `could not connect within ${this.timeout / 1000} s`), {
          code: dead ? 'ECONNTIMEOUT' : 'ETIMEDOUT',
        });
        req.destroy(err);
      });
      req.on('error', (err) => reject(this.networkError(err, method, opts.key)));
      if (opts.bodyFile) {
        const { path, onBytes } = opts.bodyFile;
        const counter = byteCounter(onBytes);
        pipeline(createReadStream(path, { highWaterMark: 1 << 20 }), counter, req).catch((err) => req.destroy(err));
      } else {
        req.end(opts.body);
      }
    });
    this.answered = true;
    const status = res.statusCode ?? 0;
    if ((method === 'GET' || method === 'HEAD') && status >= 300 && status < 400 && res.headers.location) {
      res.resume();
      if (redirects >= MAX_REDIRECTS) throw new RemoteError('REMOTE_IO', this.name, `${subject(this.name, this.url, opts.key)}: too many redirects`, { key: opts.key });
      return this.request(method, new URL(res.headers.location, url), opts, redirects + 1);
    }
    return { status, headers: res.headers, body: res };
  }

  private networkError(err: unknown, method: string, key?: string): MlvError {
    if (err instanceof MlvError) return err;
    if ((err as Error)?.name === 'AbortError') return abortedError();
    const code = (err as { code?: string })?.code;
    if (code === 'ECONNTIMEOUT' || isUnreachableError(err)) return unreachable(this.name, this.url, (err as Error).message, err);
    return new RemoteError('REMOTE_IO', this.name, `${subject(this.name, this.url, key)}: ${method} failed: ${(err as Error)?.message ?? String(err)}`, {
      key,
      cause: err,
      transient: isTransientNetworkError(err) || code === undefined,
    });
  }

  /** Maps an unexpected HTTP status to a RemoteError (the body is drained so the socket is reused). */
  private statusError(res: HttpResponse, action: string, key?: string): RemoteError {
    res.body.resume();
    const what = subject(this.name, this.url, key);
    const status = res.status;
    if (status === 401) {
      return new RemoteError('REMOTE_AUTH', this.name, `${describeRemote(this.name, this.url)}: the server rejected the credentials (HTTP 401)`, {
        hint: `check user/password (\`mlv remote modify ${this.name} password <value>\`, stored in config.local.yaml) or the headers setting`,
      });
    }
    if (status === 403) {
      return new RemoteError('REMOTE_DENIED', this.name, `${what}: access denied while ${action} (HTTP 403)`, {
        key,
        hint: 'the server refuses this request for these credentials; check its access rules',
      });
    }
    if (status === 404) {
      return objectMissing(this.name, this.url, key);
    }
    if (status === 405 || status === 501) {
      return new RemoteError('REMOTE_READ_ONLY', this.name, `${describeRemote(this.name, this.url)}: the server does not allow ${action} (HTTP ${status})`, {
        hint: 'the server is not a writable WebDAV server at this url',
      });
    }
    if (status === 507) {
      return new RemoteError('REMOTE_IO', this.name, `${what}: the server is out of storage (HTTP 507)`, { key });
    }
    const transient = status >= 500 || status === 408 || status === 429;
    return new RemoteError('REMOTE_IO', this.name, `${what}: ${action} failed with HTTP ${status}`, { key, transient });
  }

  /** WebDAV remotes check the folder once (PROPFIND depth 0), so a wrong url fails before any transfer. */
  private ensureReady(): Promise<void> {
    if (!this.webdav) return Promise.resolve();
    this.ready ??= (async () => {
      const res = await this.request('PROPFIND', this.base, { headers: { depth: '0' } });
      if (res.status === 207 || res.status === 200) {
        res.body.resume();
        return;
      }
      if (res.status === 404) {
        res.body.resume();
        throw new RemoteError('REMOTE_NOT_FOUND', this.name, `${describeRemote(this.name, this.url)}: the folder does not exist on the server`, {
          hint: `create it on the server (MKCOL), or fix the url with \`mlv remote modify ${this.name} url <url>\``,
        });
      }
      throw this.statusError(res, 'opening');
    })().catch((err) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }

  private requireWritable(action: string): void {
    if (this.webdav) return;
    throw new RemoteError('REMOTE_READ_ONLY', this.name, `${describeRemote(this.name, this.url)} is read-only: plain HTTP cannot ${action}`, {
      hint: `if the server speaks WebDAV, enable writes with \`mlv remote modify ${this.name} webdav true\``,
    });
  }

  async hasMany(keys: string[]): Promise<Set<string>> {
    await this.ensureReady();
    return hasManyByStatOrListing(keys, {
      statEachLimit: HEAD_EACH_LIMIT,
      statJobs: 16,
      listJobs: 8,
      stat: (key) => this.stat(key),
      listFolder: this.webdav ? async (folder) => new Set((await this.propfindChildren(folder)).map((c) => c.key)) : undefined,
    });
  }


  async stat(key: string): Promise<RemoteObjectInfo | undefined> {
    await this.ensureReady();
    const res = await this.request('HEAD', this.urlOf(key), { key });
    res.body.resume();
    if (res.status === 404 || res.status === 410) return undefined;
    if (res.status !== 200) throw this.statusError(res, 'checking', key);
    const modified = res.headers['last-modified'];
    return { key, size: Number(res.headers['content-length'] ?? 0), mtimeMs: modified ? Date.parse(modified) : undefined };
  }

  async put(key: string, localPath: string, opts: TransferOptions = {}): Promise<void> {
    this.requireWritable('upload');
    await this.ensureReady();
    let size: number;
    try {
      size = (await stat(localPath)).size;
    } catch (err) {
      throw systemError(err, 'reading', localPath);
    }
    await this.publish(key, { bodyFile: { path: localPath, size, onBytes: opts.onBytes } }, opts.signal);
  }

  /** A small object from memory: the same PUT-then-MOVE as `put`, without a temp file to read. */
  async putBytes(key: string, data: Uint8Array, opts: TransferOptions = {}): Promise<void> {
    this.requireWritable('upload');
    await this.ensureReady();
    await this.publish(key, { body: data }, opts.signal);
    opts.onBytes?.(data.byteLength);
  }

  /** PUTs the body as `tmp/<unique>`, then MOVEs it over `key`: readers never see half an object. */
  private async publish(key: string, body: Pick<RequestOptions, 'bodyFile' | 'body'>, signal?: AbortSignal): Promise<void> {
    const tmpKey = `tmp/${tempSuffix()}`;
    let uploaded = false;
    try {
      await this.mkcols('tmp/');
      const res = await this.request('PUT', this.urlOf(tmpKey), { ...body, signal, key });
      res.body.resume();
      if (res.status !== 200 && res.status !== 201 && res.status !== 204) throw this.statusError(res, 'uploading', key);
      uploaded = true;
      await this.mkcols(key.slice(0, key.lastIndexOf('/') + 1));
      throwIfAborted(signal);
      const moved = await this.request('MOVE', this.urlOf(tmpKey), {
        headers: { destination: this.urlOf(key).href, overwrite: 'T' },
        key,
      });
      moved.body.resume();
      if (moved.status !== 201 && moved.status !== 204 && moved.status !== 200) throw this.statusError(moved, 'publishing', key);
      uploaded = false;
    } catch (err) {
      // An upload cut short by Ctrl-C may have left part of the body on the server (a plain WebDAV server
      // writes a PUT straight to its file): remove it too.
      if (uploaded || signal?.aborted) await this.request('DELETE', this.urlOf(tmpKey)).then((r) => r.body.resume(), () => undefined);
      if (signal?.aborted) throw abortedError();
      throw err;
    }
  }

  /** Creates the collections along `folder` ('a/b/c/'), remembering the ones known to exist. */
  private async mkcols(folder: string): Promise<void> {
    const parts = folder.split('/').filter(Boolean);
    let path = '';
    for (const part of parts) {
      path += `${part}/`;
      let pending = this.knownCollections.get(path);
      if (!pending) {
        pending = this.mkcol(path);
        this.knownCollections.set(path, pending);
        pending.catch(() => this.knownCollections.delete(path));
      }
      await pending;
    }
  }

  private async mkcol(path: string): Promise<void> {
    const res = await this.request('MKCOL', this.urlOf(path));
    res.body.resume();
    // 201: created; 405: it already exists.
    if (res.status !== 201 && res.status !== 405 && res.status !== 200) throw this.statusError(res, 'creating a folder', path);
  }

  async get(key: string, localPath: string, opts: TransferOptions = {}): Promise<void> {
    await this.ensureReady();
    const res = await this.request('GET', this.urlOf(key), { signal: opts.signal, key });
    if (res.status !== 200) throw this.statusError(res, 'downloading', key);
    const counter = byteCounter(opts.onBytes);
    try {
      await pipeline(res.body as Readable, counter, createWriteStream(localPath), { signal: opts.signal });
    } catch (err) {
      if (opts.signal?.aborted) throw abortedError();
      const code = (err as { code?: string })?.code;
      if (code === 'ENOSPC' || code === 'EACCES') throw systemError(err, 'writing', localPath);
      throw new RemoteError('REMOTE_IO', this.name, `${subject(this.name, this.url, key)}: the download broke off: ${(err as Error).message}`, {
        key,
        cause: err,
        transient: true,
      });
    }
    const expected = res.headers['content-length'];
    if (expected !== undefined && (await stat(localPath)).size !== Number(expected)) {
      throw new RemoteError('REMOTE_IO', this.name, `${subject(this.name, this.url, key)}: the download was cut short`, { key, transient: true });
    }
  }

  /** A small object into memory, or null (having read no body) when it is bigger than `maxBytes`. */
  async getBytes(key: string, maxBytes: number, opts: TransferOptions = {}): Promise<Buffer | null> {
    await this.ensureReady();
    const res = await this.request('GET', this.urlOf(key), { signal: opts.signal, key });
    if (res.status !== 200) throw this.statusError(res, 'downloading', key);
    const declared = res.headers['content-length'] !== undefined ? Number(res.headers['content-length']) : undefined;
    let data: Buffer | null;
    try {
      data = await readBodyUpTo(res.body, declared, maxBytes);
    } catch (err) {
      if (opts.signal?.aborted) throw abortedError();
      throw new RemoteError('REMOTE_IO', this.name, `${subject(this.name, this.url, key)}: the download broke off: ${(err as Error).message}`, {
        key,
        cause: err,
        transient: true,
      });
    }
    if (data === null) return null;
    if (declared !== undefined && data.length !== declared) {
      throw new RemoteError('REMOTE_IO', this.name, `${subject(this.name, this.url, key)}: the download was cut short`, { key, transient: true });
    }
    opts.onBytes?.(data.length);
    return data;
  }

  async *list(prefix: string): AsyncIterable<RemoteObjectInfo> {
    if (!this.webdav) {
      throw new RemoteError('REMOTE_READ_ONLY', this.name, `${describeRemote(this.name, this.url)}: plain HTTP cannot list objects`, {
        hint: `if the server speaks WebDAV, enable it with \`mlv remote modify ${this.name} webdav true\``,
      });
    }
    await this.ensureReady();
    yield* this.walk(prefix.slice(0, prefix.lastIndexOf('/') + 1), prefix);
  }

  private async *walk(folder: string, prefix: string): AsyncGenerator<RemoteObjectInfo> {
    const children = await this.propfindChildren(folder);
    children.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const child of children) {
      if (child.collection) {
        if (child.key === 'tmp/') continue;
        if (prefix.startsWith(child.key) || child.key.startsWith(prefix)) yield* this.walk(child.key, prefix);
      } else if (child.key.startsWith(prefix)) {
        yield { key: child.key, size: child.size, mtimeMs: child.mtimeMs };
      }
    }
  }

  /** The direct children of a collection (PROPFIND depth 1); an absent collection has none. */
  private async propfindChildren(folder: string): Promise<PropfindEntry[]> {
    const url = folder === '' ? this.base : this.urlOf(folder);
    const res = await this.request('PROPFIND', url, {
      headers: { depth: '1', 'content-type': 'application/xml' },
      body: '<?xml version="1.0" encoding="utf-8"?><propfind xmlns="DAV:"><prop><resourcetype/><getcontentlength/><getlastmodified/></prop></propfind>',
      key: folder,
    });
    if (res.status === 404) {
      res.body.resume();
      return [];
    }
    if (res.status !== 207) throw this.statusError(res, 'listing', folder);
    const chunks: Buffer[] = [];
    for await (const chunk of res.body) chunks.push(chunk as Buffer);
    const basePath = decodeURIComponent(this.base.pathname);
    const self = basePath + folder;
    return parsePropfind(Buffer.concat(chunks).toString('utf8'), this.base)
      .filter((e) => e.path !== self && e.path.startsWith(basePath))
      .map((e) => ({ ...e, key: e.path.slice(basePath.length) }));
  }

  async delete(key: string): Promise<void> {
    this.requireWritable('delete');
    await this.ensureReady();
    const res = await this.request('DELETE', this.urlOf(key), { key });
    res.body.resume();
    if (res.status === 404 || res.status === 200 || res.status === 204) return;
    throw this.statusError(res, 'deleting', key);
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }
}

interface PropfindEntry {
  /** Decoded absolute path on the server; collections end with '/'. */
  path: string;
  key: string;
  collection: boolean;
  size: number;
  mtimeMs?: number;
}

/**
 * Reads a WebDAV multistatus answer. Servers pick their own namespace prefixes (`D:`, `d:`, `lp1:` or
 * none), so elements are matched by local name only.
 */
export function parsePropfind(xml: string, base: URL): PropfindEntry[] {
  const tag = (name: string) => new RegExp(`<(?:[\\w.-]+:)?${name}(?:\\s[^>]*)?>([\\s\\S]*?)</(?:[\\w.-]+:)?${name}>`, 'i');
  const entries: PropfindEntry[] = [];
  const responses = xml.match(/<(?:[\w.-]+:)?response(?:\s[^>]*)?>[\s\S]*?<\/(?:[\w.-]+:)?response>/gi) ?? [];
  for (const response of responses) {
    const href = tag('href').exec(response)?.[1]?.trim();
    if (!href) continue;
    let path = decodeURIComponent(new URL(decodeXmlEntities(href), base).pathname);
    const collection = /<(?:[\w.-]+:)?collection\s*\/?>/i.test(response);
    if (collection && !path.endsWith('/')) path += '/';
    const length = tag('getcontentlength').exec(response)?.[1]?.trim();
    const modified = tag('getlastmodified').exec(response)?.[1]?.trim();
    entries.push({ path, key: '', collection, size: length ? Number(length) : 0, mtimeMs: modified ? Date.parse(modified) : undefined });
  }
  return entries;
}

function decodeXmlEntities(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[e]!);
}
