/**
 * An S3-compatible server on 127.0.0.1 for the contract tests: s3rver (npm), storing in a temp folder.
 * s3rver accepts the access key id `S3RVER` only; it checks the key id but not SigV4 signatures, so the
 * wrong-credentials case uses an unknown key id.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const S3_ACCESS_KEY_ID = 'S3RVER';
export const S3_SECRET_ACCESS_KEY = 'S3RVER';

export interface S3TestServer {
  endpoint: string;
  port: number;
  bucket: string;
  stop(): Promise<void>;
}

/** Starts s3rver with one bucket, or returns the reason it cannot run here. */
export async function startS3Server(bucket = 'mlv-test'): Promise<S3TestServer | { skip: string }> {
  let S3rver: typeof import('s3rver').default;
  try {
    S3rver = (await import('s3rver')).default;
  } catch (err) {
    return { skip: `s3rver is not installed (${(err as Error).message})` };
  }
  const dir = await mkdtemp(join(tmpdir(), 'mlv-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: bucket }] });
  let port: number;
  try {
    ({ port } = await server.run());
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    return { skip: `s3rver did not start: ${(err as Error).message}` };
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    bucket,
    async stop() {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
