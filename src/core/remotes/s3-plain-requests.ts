/**
 * Small-object GETs and PUTs to S3 without the AWS SDK's per-request machinery: signed with the SDK's
 * own Signature Version 4 signer (~22 µs a request here), sent with node:http(s) over keep-alive
 * connections. Through the SDK (endpoint rules, serialisers,
 * middleware, signing) each request cost ~0.35–0.5 ms more CPU: fetching 20,000 small objects from s3rver
 * took 7–10 s more of a core, which an S3-compatible server on the same machine (or the machine's other
 * transfers) needs too.
 *
 * Only the plain success path is handled here. Any other answer (an error status, a redirect, a network
 * error, a timeout) makes the caller repeat the request through the SDK, which follows redirects,
 * retries and turns errors into messages naming the remote — so failures look exactly as before. An
 * answer that suggests this shortcut does not fit the store (anything but 200/404) switches it off
 * for the rest of the run.
 */
import { createHash } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { SignatureV4 } from '@smithy/signature-v4';
import { abortedError, readBodyUpTo } from './common.js';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface PlainS3Target {
  /** The bucket's base URL, ending in '/': `http://host:port/bucket/` (path style) or `https://bucket.host/`. */
  base: URL;
  /** The region requests are signed for. */
  region: string;
  /** The current credentials (the SDK's provider: cached, refreshed before they expire). */
  credentials: () => Promise<S3Credentials>;
  /** The SDK's SHA-256 (the client's `config.sha256`), for the signer. */
  sha256: ConstructorParameters<typeof SignatureV4>[0]['sha256'];
  /** How long a request may go unanswered before it is handed to the SDK. */
  timeoutMs: number;
  maxSockets: number;
}

const EMPTY_SHA256 = createHash('sha256').digest('hex');

/** RFC 3986 encoding of each key segment, as S3's canonical URI wants it (slashes kept). */
export function encodeKeyPath(key: string): string {
  return key
    .split('/')
    .map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
}

/** Signed small-object requests to one bucket; each answers with its result, or "ask the SDK". */
export class PlainS3Requests {
  private off = false;
  private readonly signer: SignatureV4;
  private readonly agent: HttpAgent | HttpsAgent;
  private readonly send: typeof httpRequest;

  constructor(private readonly target: PlainS3Target) {
    const https = target.base.protocol === 'https:';
    const opts = { keepAlive: true, maxSockets: target.maxSockets };
    this.agent = https ? new HttpsAgent(opts) : new HttpAgent(opts);
    this.send = https ? (httpsRequest as typeof httpRequest) : httpRequest;
    // (S3 signs the path as sent, without encoding it again)
    this.signer = new SignatureV4({ credentials: target.credentials, region: target.region, service: 's3', sha256: target.sha256, uriEscapePath: false, applyChecksum: false });
  }

  /** False once an answer showed this shortcut does not fit the store: everything goes through the SDK. */
  get enabled(): boolean {
    return !this.off;
  }

  /**
   * GETs `key` (a full key: prefix included). Returns its bytes, `null` when it is bigger than `maxBytes`
   * (like the SDK path), or `undefined` when the SDK should do it (any answer but 200).
   */
  async get(key: string, maxBytes: number, signal?: AbortSignal): Promise<Buffer | null | undefined> {
    if (this.off) return undefined;
    const res = await this.request('GET', key, undefined, signal);
    if (!res) return undefined;
    const length = Number(res.headers['content-length']);
    let data: Buffer | null;
    try {
      data = await readBodyUpTo(res, Number.isFinite(length) ? length : undefined, maxBytes);
    } catch {
      if (signal?.aborted) throw abortedError();
      return undefined; // cut off mid-body: the SDK tries again
    }
    if (data !== null && !res.complete) return undefined;
    return data;
  }

  /** PUTs `data` at `key` (a full key). True when stored; false when the SDK should do it. */
  async put(key: string, data: Uint8Array, signal?: AbortSignal): Promise<boolean> {
    if (this.off) return false;
    const res = await this.request('PUT', key, data, signal);
    if (!res) return false;
    drain(res);
    return true;
  }

  /** Sends one signed request; the response when it answered 200, else undefined (the SDK takes over). */
  private async request(method: 'GET' | 'PUT', key: string, body: Uint8Array | undefined, signal?: AbortSignal): Promise<IncomingMessage | undefined> {
    if (signal?.aborted) throw abortedError();
    const { base } = this.target;
    const path = base.pathname + encodeKeyPath(key);
    const port = base.port ? Number(base.port) : undefined;
    let headers: Record<string, string>;
    try {
      const payloadHash = body ? createHash('sha256').update(body).digest('hex') : EMPTY_SHA256;
      // host carries the port when it is not the protocol's default, as the request will
      const unsigned: Record<string, string> = { host: base.host, 'x-amz-content-sha256': payloadHash };
      ({ headers } = await this.signer.sign({ method, protocol: base.protocol, hostname: base.hostname, port, path, query: {}, headers: unsigned }));
    } catch {
      return undefined; // no credentials (the SDK reports it)
    }
    if (body) headers['content-length'] = String(body.byteLength); // (unsigned: the signature covers the payload hash)

    return new Promise<IncomingMessage | undefined>((resolve, reject) => {
      const req = this.send({ protocol: base.protocol, hostname: base.hostname, port, method, path, headers, agent: this.agent, signal });
      req.setTimeout(this.target.timeoutMs, () => req.destroy(new Error('timeout')));
      req.on('response', (res) => {
        if (res.statusCode === 200) return resolve(res);
        // 404 is about this object (the SDK names it); anything else is about the store or this
        // shortcut (a redirect to another region, a signature the store reads differently, a denial):
        // the SDK handles those, from now on.
        if (res.statusCode !== 404) this.off = true;
        drain(res);
        resolve(undefined);
      });
      req.on('error', () => (signal?.aborted ? reject(abortedError()) : resolve(undefined)));
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Reads and drops a response body nobody needs (an error there, such as a reset socket, is moot). */
function drain(res: IncomingMessage): void {
  res.on('error', () => undefined);
  res.resume();
}
