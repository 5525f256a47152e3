/**
 * S3 and S3-compatible stores (AWS, MinIO, Ceph RGW, R2, GCS interoperability): `s3://bucket/prefix`.
 * Objects are plain S3 objects at `<prefix>/objects/<algo>/<xx>/<rest>`, so any S3 client can list and
 * download them. Small objects go up in one PutObject; big ones stream through a multipart upload, which
 * S3 publishes only on completion — a killed upload never leaves a partial object visible.
 *
 * Credentials, in order: `access_key_id`/`secret_access_key`/`session_token` from config.local.yaml, then
 * the AWS chain (environment variables, `profile` or AWS_PROFILE from ~/.aws, SSO, instance roles).
 * This file imports the AWS SDK, so open-remote loads it only when an s3:// remote is used.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { MlvError, systemError } from '../errors.js';
import {
  byteCounter,
  abortedError,
  booleanSetting,
  defaultJobsFor,
  describeRemote,
  isTransientNetworkError,
  isUnreachableError,
  RemoteError,
  stringSetting,
  subject,
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
import { PlainS3Requests } from './s3-plain-requests.js';

/** Objects at least this big use a multipart upload; also the part size (S3's minimum part is 5 MiB). */
export const S3_PART_SIZE = 8 * 1024 * 1024;
/** Parts of one multipart upload in flight at once. */
const PART_QUEUE = 4;
/** Connections per store: every job may have a whole multipart queue in flight. */
const maxSocketsFor = (jobs: number) => Math.max(50, jobs * PART_QUEUE);
/** How long a transfer request may go unanswered (a big multipart completion can be slow to answer). */
const requestTimeoutFor = (answerTimeoutMs: number) => Math.max(60_000, 4 * answerTimeoutMs);
/** Below this many keys `hasMany` sends one HEAD per key; above, it lists the prefix folders. */
const HEAD_EACH_LIMIT = 256;

const AUTH_CODES = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'CredentialsProviderError',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
]);
const TRANSIENT_CODES = new Set(['SlowDown', 'RequestTimeout', 'RequestTimeTooSkewed', 'InternalError', 'ServiceUnavailable', 'Throttling', 'ThrottlingException', 'TimeoutError']);

/** What the S3 SDK puts on its errors (typed loosely: it differs between service and client errors). */
interface SdkError {
  name?: string;
  Code?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

export interface S3Location {
  bucket: string;
  /** Key prefix inside the bucket, '' or ending in '/'. */
  prefix: string;
}

/** `s3://bucket/some/prefix` → bucket and key prefix. */
export function parseS3Url(url: string): S3Location | undefined {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m || !m[1]) return undefined;
  const path = m[2]!.replace(/^\/+|\/+$/g, '');
  return { bucket: m[1], prefix: path ? `${path}/` : '' };
}

export class S3Remote implements KindedRemote {
  readonly kind = 's3' as const;
  readonly defaultJobs: number;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private ready: Promise<void> | undefined;
  /** False when the credentials may read and write objects but not list the bucket. */
  private canList = true;
  /** The `timeout` setting: how long the first request may go unanswered. */
  private readonly answerTimeoutMs: number;
  /** Small GETs and PUTs without the SDK's per-request cost, for stores at an explicit `endpoint`. */
  private readonly plain: PlainS3Requests | undefined;

  constructor(
    readonly name: string,
    readonly url: string,
    settings: RemoteSettings,
    /** Overrides for tests (a smaller part size makes multipart cheap to exercise). */
    private readonly tuning: { partSize?: number } = {},
  ) {
    const location = parseS3Url(url);
    if (!location) {
      throw new RemoteError('REMOTE_NOT_FOUND', name, `${describeRemote(name, url)}: the url must look like s3://bucket/prefix`, {
        hint: `fix it with \`mlv remote modify ${name} url s3://<bucket>/<prefix>\``,
      });
    }
    this.bucket = location.bucket;
    this.prefix = location.prefix;
    this.defaultJobs = defaultJobsFor('s3', name, settings);
    // The SDK warns on Node 20 that *future* SDK releases will need Node 22; mlv pins a release that
    // supports Node 20 (DESIGN §1), so the warning would only alarm users in the middle of a push.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const config = clientConfig(name, settings, this.defaultJobs);
    this.client = new S3Client(config);
    this.answerTimeoutMs = timeoutMs(name, settings);
    // Only where the store's address is spelled out (MinIO, Ceph, R2, s3rver…): on AWS itself the SDK's
    // endpoint rules (regions, FIPS, dual-stack, AWS_ENDPOINT_URL…) decide where a request goes.
    if (typeof config.endpoint === 'string') {
      const base = new URL(config.endpoint);
      if (!base.pathname.endsWith('/')) base.pathname += '/';
      if (config.forcePathStyle) base.pathname += `${encodeURIComponent(this.bucket)}/`;
      else base.hostname = `${this.bucket}.${base.hostname}`;
      this.plain = new PlainS3Requests({
        base,
        region: config.region as string,
        credentials: () => this.client.config.credentials(),
        sha256: this.client.config.sha256,
        timeoutMs: requestTimeoutFor(this.answerTimeoutMs),
        maxSockets: maxSocketsFor(this.defaultJobs),
      });
    }
  }

  /** Whether small objects go through the plain signed requests (not without an endpoint, nor once switched off). */
  get plainRequestsInUse(): boolean {
    return this.plain?.enabled ?? false;
  }

  private fullKey(key: string): string {
    return this.prefix + key;
  }

  /**
   * One cheap listing on first use tells a missing bucket, bad credentials and an unreachable endpoint
   * apart with clear messages before any transfer starts. Credentials that may not list the bucket are
   * allowed: existence checks then fall back to HEAD requests.
   *
   * It must be answered within the remote's `timeout` (default 15 s). The SDK's own socket timeout is
   * kept at 60 s or more for the transfers (a big multipart completion can be slow to answer), which
   * made an endpoint that accepts connections and never answers hang for minutes.
   */
  private ensureReady(): Promise<void> {
    this.ready ??= (async () => {
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(), this.answerTimeoutMs);
      try {
        await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix, MaxKeys: 1 }), { abortSignal: deadline.signal });
      } catch (err) {
        if (deadline.signal.aborted) {
          this.ready = undefined;
          throw unreachable(this.name, this.url, `no answer within ${this.answerTimeoutMs / 1000} s`, err);
        }
        const mapped = this.mapError(err, 'opening');
        if (mapped.code === 'REMOTE_DENIED') {
          this.canList = false;
          return;
        }
        this.ready = undefined;
        throw mapped;
      } finally {
        clearTimeout(timer);
      }
    })();
    return this.ready;
  }

  /** Turns an SDK error into a RemoteError naming the remote and key, without any credential in it. */
  private mapError(err: unknown, action: string, key?: string): MlvError {
    if (err instanceof RemoteError) return err;
    const e = (err ?? {}) as SdkError;
    const code = e.Code ?? e.name ?? '';
    const status = e.$metadata?.httpStatusCode;
    const what = subject(this.name, this.url, key);
    if (code === 'AbortError') return abortedError();
    if (code === 'NoSuchBucket') {
      return new RemoteError('REMOTE_NOT_FOUND', this.name, `${describeRemote(this.name, this.url)}: bucket '${this.bucket}' does not exist`, {
        hint: `create the bucket, or fix the url with \`mlv remote modify ${this.name} url s3://<bucket>/<prefix>\``,
        cause: err,
      });
    }
    if (code === 'CredentialsProviderError') {
      return new RemoteError('REMOTE_AUTH', this.name, `${describeRemote(this.name, this.url)}: no AWS credentials were found`, {
        hint: `set them with \`mlv remote modify ${this.name} access_key_id <id>\` and \`… secret_access_key <secret>\` (kept in config.local.yaml), a profile (\`… profile <name>\`), or the AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY environment variables`,
        cause: err,
      });
    }
    if (AUTH_CODES.has(code) || (code === 'Error' && /credential/i.test(e.message ?? ''))) {
      return new RemoteError('REMOTE_AUTH', this.name, `${describeRemote(this.name, this.url)}: the credentials were rejected (${code})`, {
        hint: `check access_key_id/secret_access_key (\`mlv remote modify ${this.name} secret_access_key <value>\`), the profile, or the AWS_* environment variables`,
        cause: err,
      });
    }
    if (code === 'AccessDenied' || code === 'AllAccessDisabled' || code === 'Forbidden' || status === 403) {
      return new RemoteError('REMOTE_DENIED', this.name, `${what}: access denied while ${action}`, {
        key,
        hint: 'the credentials are valid but lack permission for this bucket or prefix (or, for a HEAD request, they may be wrong); check the bucket policy',
        cause: err,
      });
    }
    if (code === 'NoSuchKey' || code === 'NotFound' || status === 404) {
      return objectMissing(this.name, this.url, key, err);
    }
    if (isUnreachableError(err) || (code === 'TimeoutError' && /connect/i.test(e.message ?? ''))) {
      return unreachable(this.name, this.url, e.message ?? code, err);
    }
    const transient = TRANSIENT_CODES.has(code) || (status !== undefined && status >= 500) || isTransientNetworkError(err);
    return new RemoteError('REMOTE_IO', this.name, `${what}: ${action} failed: ${e.message || code || 'unknown error'}${status ? ` (HTTP ${status})` : ''}`, {
      key,
      cause: err,
      transient,
    });
  }

  async hasMany(keys: string[]): Promise<Set<string>> {
    await this.ensureReady();
    return hasManyByStatOrListing(keys, {
      statEachLimit: HEAD_EACH_LIMIT,
      statJobs: 32,
      listJobs: 16,
      stat: (key) => this.stat(key),
      listFolder: this.canList
        ? async (folder) => {
            const names = new Set<string>();
            for await (const info of this.list(folder)) names.add(info.key);
            return names;
          }
        : undefined,
    });
  }


  async stat(key: string): Promise<RemoteObjectInfo | undefined> {
    await this.ensureReady();
    try {
      const res = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) }));
      return { key, size: res.ContentLength ?? 0, mtimeMs: res.LastModified?.getTime() };
    } catch (err) {
      const mapped = this.mapError(err, 'checking', key);
      if (mapped.code === 'REMOTE_OBJECT_MISSING') return undefined;
      throw mapped;
    }
  }

  async put(key: string, localPath: string, opts: TransferOptions = {}): Promise<void> {
    await this.ensureReady();
    throwIfAborted(opts.signal);
    let size: number;
    try {
      size = (await stat(localPath)).size;
    } catch (err) {
      throw systemError(err, 'reading', localPath);
    }
    const partSize = this.tuning.partSize ?? S3_PART_SIZE;
    try {
      if (size < partSize) {
        // Small enough to hold: a Buffer body lets the SDK retry the request by itself.
        const body = await readFile(localPath);
        await this.client.send(
          new PutObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key), Body: body, ContentLength: size }),
          { abortSignal: opts.signal },
        );
        opts.onBytes?.(size);
        return;
      }
      await this.multipartUpload(key, localPath, size, partSize, opts);
    } catch (err) {
      if (opts.signal?.aborted) throw abortedError();
      throw this.mapError(err, 'uploading', key);
    }
  }

  /** Streams the file in parts; S3 makes the object visible only when the upload completes. */
  private async multipartUpload(key: string, localPath: string, size: number, partSize: number, opts: TransferOptions): Promise<void> {
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    // S3 allows 10,000 parts: grow the part size for files beyond 10,000 × partSize.
    const part = Math.max(partSize, Math.ceil(size / 9_999));
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: this.fullKey(key), Body: createReadStream(localPath, { highWaterMark: 1 << 20 }) },
      partSize: part,
      queueSize: PART_QUEUE,
      leavePartsOnError: false,
      abortController: controller,
    });
    let reported = 0;
    upload.on('httpUploadProgress', (p) => {
      const loaded = p.loaded ?? 0;
      if (loaded > reported) {
        opts.onBytes?.(loaded - reported);
        reported = loaded;
      }
    });
    try {
      await upload.done();
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
    if (reported < size) opts.onBytes?.(size - reported);
  }

  async get(key: string, localPath: string, opts: TransferOptions = {}): Promise<void> {
    await this.ensureReady();
    throwIfAborted(opts.signal);
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) }), {
        abortSignal: opts.signal,
      });
      const counter = byteCounter(opts.onBytes);
      await pipeline(res.Body as Readable, counter, createWriteStream(localPath), { signal: opts.signal });
    } catch (err) {
      if (opts.signal?.aborted) throw abortedError();
      throw this.mapError(err, 'downloading', key);
    }
  }

  async putBytes(key: string, data: Uint8Array, opts: TransferOptions = {}): Promise<void> {
    await this.ensureReady();
    throwIfAborted(opts.signal);
    if (await this.plain?.put(this.fullKey(key), data, opts.signal)) {
      opts.onBytes?.(data.byteLength);
      return;
    }
    try {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key), Body: data, ContentLength: data.byteLength }),
        { abortSignal: opts.signal },
      );
    } catch (err) {
      if (opts.signal?.aborted) throw abortedError();
      throw this.mapError(err, 'uploading', key);
    }
    opts.onBytes?.(data.byteLength);
  }

  async getBytes(key: string, maxBytes: number, opts: TransferOptions = {}): Promise<Buffer | null> {
    await this.ensureReady();
    throwIfAborted(opts.signal);
    const plain = await this.plain?.get(this.fullKey(key), maxBytes, opts.signal);
    if (plain !== undefined) {
      if (plain) opts.onBytes?.(plain.length);
      return plain;
    }
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) }), {
        abortSignal: opts.signal,
      });
      const data = await readBodyUpTo(res.Body as Readable, res.ContentLength, maxBytes);
      if (data) opts.onBytes?.(data.length);
      return data;
    } catch (err) {
      if (opts.signal?.aborted) throw abortedError();
      throw this.mapError(err, 'downloading', key);
    }
  }

  async *list(prefix: string): AsyncIterable<RemoteObjectInfo> {
    await this.ensureReady();
    let token: string | undefined;
    do {
      let res;
      try {
        res = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.fullKey(prefix), ContinuationToken: token }),
        );
      } catch (err) {
        throw this.mapError(err, 'listing', prefix);
      }
      for (const obj of res.Contents ?? []) {
        if (!obj.Key) continue;
        yield { key: obj.Key.slice(this.prefix.length), size: obj.Size ?? 0, mtimeMs: obj.LastModified?.getTime() };
      }
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
  }

  async delete(key: string): Promise<void> {
    await this.ensureReady();
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) }));
    } catch (err) {
      const mapped = this.mapError(err, 'deleting', key);
      if (mapped.code !== 'REMOTE_OBJECT_MISSING') throw mapped;
    }
  }

  async close(): Promise<void> {
    this.plain?.close();
    this.client.destroy();
  }
}

/**
 * Builds the client configuration from the remote's settings. A custom endpoint (MinIO, Ceph, R2, …)
 * defaults to path-style addressing, which every S3-compatible server supports without wildcard DNS.
 */
function clientConfig(name: string, settings: RemoteSettings, jobs: number): S3ClientConfig {
  let endpoint = stringSetting(name, settings, 'endpoint');
  if (endpoint && !/^https?:\/\//.test(endpoint)) endpoint = `https://${endpoint}`;
  const region = stringSetting(name, settings, 'region') ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const pathStyle = booleanSetting(name, settings, 'path_style') ?? endpoint !== undefined;
  const accessKeyId = stringSetting(name, settings, 'access_key_id');
  const secretAccessKey = stringSetting(name, settings, 'secret_access_key');
  const sessionToken = stringSetting(name, settings, 'session_token');
  const profile = stringSetting(name, settings, 'profile');
  const connect = timeoutMs(name, settings);
  const agentOptions = { keepAlive: true, maxSockets: maxSocketsFor(jobs) };
  const config: S3ClientConfig = {
    region,
    endpoint,
    forcePathStyle: pathStyle,
    // An AWS bucket in another region answers with a redirect that the client follows.
    followRegionRedirects: true,
    // Checksums only where S3 requires them: several S3-compatible servers reject the newer default
    // CRC headers, and mlv rehashes every object itself anyway.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
    requestHandler: {
      connectionTimeout: connect,
      requestTimeout: requestTimeoutFor(connect),
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
    },
  };
  if (profile) config.profile = profile;
  if (accessKeyId && secretAccessKey) {
    config.credentials = { accessKeyId, secretAccessKey, sessionToken };
  } else if (accessKeyId || secretAccessKey) {
    throw new RemoteError('REMOTE_AUTH', name, `remote '${name}': access_key_id and secret_access_key must be set together`, {
      hint: `set the missing one with \`mlv remote modify ${name} <key> <value>\` (it is stored in .mlv/config.local.yaml)`,
    });
  }
  return config;
}
