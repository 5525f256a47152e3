/**
 * Contract: the S3 remote against s3rver (an S3-compatible server from npm) on 127.0.0.1, started here.
 * The big-object case is above the multipart threshold, so multipart upload and abort are exercised.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { openRemote } from '../../src/core/remotes/open-remote.js';
import { S3_PART_SIZE, type S3Remote } from '../../src/core/remotes/s3-remote.js';
import { freePort } from '../helpers/net.js';
import { S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { keyFor, remoteContract, startSilentServer } from './remote-contract.js';

const started = await startS3Server();
const skip = 'skip' in started ? started.skip : undefined;
if (skip) console.warn(`skipping the S3 contract tests: ${skip}`);
const server = started as S3TestServer;
let n = 0;
const silent = await startSilentServer();

afterAll(async () => {
  await silent.stop();
  if (!skip) await server.stop();
});

function settings(extra: Record<string, unknown> = {}) {
  return {
    endpoint: server.endpoint,
    region: 'us-east-1',
    access_key_id: S3_ACCESS_KEY_ID,
    secret_access_key: S3_SECRET_ACCESS_KEY,
    ...extra,
  };
}

describe.skipIf(skip !== undefined)('S3 remote (s3rver)', () => {
  remoteContract(
    's3',
    () => ({
      fresh: () => openRemote('bucket', { url: `s3://${server.bucket}/run-${++n}/data`, ...settings() }),
      missingRoot: () => openRemote('bucket', { url: 's3://no-such-bucket/x', ...settings() }),
      badCredentials: async () => {
        const secret = 'wrong-secret-9f8e7d';
        const remote = await openRemote('bucket', {
          url: `s3://${server.bucket}/x`,
          ...settings({ access_key_id: 'NOT-A-KEY', secret_access_key: secret }),
        });
        return { remote, secret };
      },
      refusedPort: async () =>
        openRemote('bucket', { url: `s3://${server.bucket}/x`, ...settings({ endpoint: `http://127.0.0.1:${await freePort()}`, timeout: 3 }) }),
      silentHost: async () =>
        openRemote('bucket', { url: `s3://${server.bucket}/x`, ...settings({ endpoint: `http://127.0.0.1:${silent.port}`, timeout: 2 }) }),
    }),
    { bigSize: 2 * S3_PART_SIZE + 1234, inMemory: true },
  );

  // s3rver checks the access key but not a V4 signature: that the signature is right is checked against the
  // SDK's signer in test/unit/s3-plain-requests.test.ts. This checks the requests are made and understood.
  it("moves small objects with mlv's own signed requests (no silent fallback to the SDK)", async () => {
    const remote = (await openRemote('bucket', { url: `s3://${server.bucket}/signed`, ...settings() })) as S3Remote;
    expect(remote.plainRequestsInUse).toBe(true);
    await remote.putBytes!(keyFor('signed'), Buffer.from('signed by mlv'));
    expect((await remote.getBytes!(keyFor('signed'), 100))?.toString()).toBe('signed by mlv');
    await expect(remote.getBytes!(keyFor('signed-absent'), 10)).rejects.toMatchObject({ code: 'REMOTE_OBJECT_MISSING' }); // a 404 keeps it on
    expect(remote.plainRequestsInUse).toBe(true); // any answer but 200 or 404 would have switched it off
    await remote.close();
    const aws = await openRemote('bucket', { url: `s3://${server.bucket}/signed`, ...settings({ endpoint: undefined }) });
    expect((aws as S3Remote).plainRequestsInUse).toBe(false); // AWS itself: the SDK only
    await aws.close();
  });

  it('writes plain objects that an independent S3 client can list and download', async () => {
    const remote = await openRemote('bucket', { url: `s3://${server.bucket}/plain/prefix`, ...settings() });
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const src = join(mkdtempSync(join(tmpdir(), 'mlv-s3-plain-')), 'obj');
    writeFileSync(src, 'hello s3');
    await remote.put(keyFor('plain'), src);
    await remote.close();
    const client = new S3Client({
      endpoint: server.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: S3_ACCESS_KEY_ID, secretAccessKey: S3_SECRET_ACCESS_KEY },
    });
    const listed = await client.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: 'plain/prefix/' }));
    expect(listed.Contents?.map((c) => c.Key)).toEqual([`plain/prefix/${keyFor('plain')}`]);
    const got = await client.send(new GetObjectCommand({ Bucket: server.bucket, Key: `plain/prefix/${keyFor('plain')}` }));
    expect(await got.Body?.transformToString()).toBe('hello s3');
    client.destroy();
  });
});
