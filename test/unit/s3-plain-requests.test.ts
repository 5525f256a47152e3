/**
 * The S3 shortcut for small objects (s3-plain-requests.ts): its Signature V4 must be the one the AWS SDK's
 * own signer computes for the same request, and any answer but 200 must hand the request back to the SDK
 * (switching the shortcut off unless it was a 404 about that object).
 */
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeKeyPath, PlainS3Requests, type S3Credentials } from '../../src/core/remotes/s3-plain-requests.js';

/** node:crypto in the shape the SDK's signer wants (a hash, or an HMAC when given a secret). */
type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytesOf = (d: SourceData) => (typeof d === 'string' ? d : ArrayBuffer.isView(d) ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength) : new Uint8Array(d));
class NodeSha256 {
  private readonly h;
  constructor(secret?: SourceData) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', bytesOf(secret));
  }
  update(data: SourceData): void {
    this.h.update(bytesOf(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
  reset(): void {}
}

interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

let server: Server;
let base: URL;
const seen: Seen[] = [];
/** What the server answers next: a status and a body; `cut` sends only part of the body, `reset` no answer at all. */
let answer: { status: number; body: Buffer; fault?: 'cut' | 'reset' } = { status: 200, body: Buffer.from('hello') };

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method!, path: req.url!, headers: req.headers, body: Buffer.concat(chunks) });
      if (answer.fault === 'reset') return req.socket.destroy();
      res.writeHead(answer.status, { 'content-length': answer.body.length });
      if (answer.fault === 'cut') {
        res.write(answer.body.subarray(0, 3));
        res.flushHeaders();
        return setTimeout(() => req.socket.destroy(), 20);
      }
      res.end(answer.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/my-bucket/`);
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const CREDS: S3Credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'token/with+chars=' };

function requests(creds: S3Credentials = CREDS): PlainS3Requests {
  return new PlainS3Requests({ base, region: 'eu-west-3', credentials: async () => creds, sha256: NodeSha256, timeoutMs: 10_000, maxSockets: 4 });
}

/** The Authorization header the SDK's signer computes for what the server received. */
async function sdkAuthorization(s: Seen, creds: S3Credentials): Promise<string> {
  const signer = new SignatureV4({ credentials: creds, region: 'eu-west-3', service: 's3', sha256: NodeSha256, uriEscapePath: false, applyChecksum: false });
  const amzDate = String(s.headers['x-amz-date']);
  const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
  const headers: Record<string, string> = {
    host: String(s.headers.host),
    'x-amz-content-sha256': String(s.headers['x-amz-content-sha256']),
  };
  const signed = await signer.sign(
    { method: s.method, protocol: 'http:', hostname: '127.0.0.1', port: Number(base.port), path: s.path, query: {}, headers, body: s.body.length ? s.body : undefined },
    { signingDate },
  );
  return String(signed.headers.authorization);
}

describe('plain S3 requests for small objects', () => {
  it('signs GET and PUT exactly as the AWS SDK does (session token, a key with spaces and unicode)', async () => {
    const plain = requests();
    const key = "run 1/objects/ü (copy)!*'/ab";
    answer = { status: 200, body: Buffer.from('the bytes') };
    expect((await plain.get(key, 1024))?.toString()).toBe('the bytes');
    answer = { status: 200, body: Buffer.alloc(0) };
    expect(await plain.put(key, Buffer.from('uploaded'))).toBe(true);
    plain.close();
    const [get, put] = seen.splice(0);
    expect(get!.path).toBe(`/my-bucket/${encodeKeyPath(key)}`);
    expect(get!.path).toBe('/my-bucket/run%201/objects/%C3%BC%20%28copy%29%21%2A%27/ab');
    expect(get!.headers['x-amz-security-token']).toBe(CREDS.sessionToken);
    expect(get!.headers.authorization).toBe(await sdkAuthorization(get!, CREDS));
    expect(put!.body.toString()).toBe('uploaded');
    expect(put!.headers['x-amz-content-sha256']).toBe(createHash('sha256').update('uploaded').digest('hex'));
    expect(put!.headers.authorization).toBe(await sdkAuthorization(put!, CREDS));
  });

  it('hands a 404 back to the SDK and carries on; anything else but 200 turns the shortcut off', async () => {
    const plain = requests({ accessKeyId: 'AKID', secretAccessKey: 'secret' });
    answer = { status: 404, body: Buffer.from('<Error><Code>NoSuchKey</Code></Error>') };
    expect(await plain.get('objects/missing', 1024)).toBeUndefined();
    expect(plain.enabled).toBe(true);
    answer = { status: 301, body: Buffer.from('<Error><Code>PermanentRedirect</Code></Error>') };
    expect(await plain.get('objects/elsewhere', 1024)).toBeUndefined();
    expect(plain.enabled).toBe(false);
    answer = { status: 200, body: Buffer.from('x') };
    expect(await plain.get('objects/any', 1024)).toBeUndefined(); // no request made any more
    expect(await plain.put('objects/any', Buffer.from('x'))).toBe(false);
    expect(seen.splice(0).map((s) => s.path)).toEqual(['/my-bucket/objects/missing', '/my-bucket/objects/elsewhere']);
    plain.close();
  });

  it('hands a reset connection or a body cut short back to the SDK, and carries on', async () => {
    const plain = requests();
    answer = { status: 200, body: Buffer.from('0123456789'), fault: 'reset' };
    expect(await plain.get('objects/a', 1024)).toBeUndefined();
    expect(await plain.put('objects/a', Buffer.from('x'))).toBe(false);
    answer = { status: 200, body: Buffer.from('0123456789'), fault: 'cut' };
    expect(await plain.get('objects/b', 1024)).toBeUndefined();
    expect(plain.enabled).toBe(true); // a network fault says nothing about the store
    answer = { status: 200, body: Buffer.from('whole') };
    expect((await plain.get('objects/c', 1024))?.toString()).toBe('whole');
    seen.splice(0);
    plain.close();
  });

  it('answers null for an object above the size limit, as the SDK path does', async () => {
    const plain = requests();
    answer = { status: 200, body: Buffer.alloc(2048, 1) };
    expect(await plain.get('objects/big', 1024)).toBeNull();
    expect(plain.enabled).toBe(true);
    seen.splice(0);
    plain.close();
  });

  it('throws ABORTED when the transfer is stopped', async () => {
    const plain = requests();
    const stop = new AbortController();
    stop.abort();
    await expect(plain.get('objects/x', 1024, stop.signal)).rejects.toMatchObject({ code: 'ABORTED' });
    plain.close();
  });
});
