/**
 * An S3-compatible server on 127.0.0.1 for the tests: s3rver (npm), storing in a temp folder, running
 * in its own Node process (see s3-server-main.mjs) — so a test that runs the CLI synchronously cannot
 * starve it, and so it can use OpenSSL's legacy provider for its listing tokens.
 * s3rver accepts the access key id `S3RVER` only; it checks the key id but not SigV4 signatures, so the
 * wrong-credentials case uses an unknown key id.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

export const S3_ACCESS_KEY_ID = 'S3RVER';
export const S3_SECRET_ACCESS_KEY = 'S3RVER';

export interface S3TestServer {
  endpoint: string;
  port: number;
  bucket: string;
  stop(): Promise<void>;
}

const MAIN = fileURLToPath(new URL('./s3-server-main.mjs', import.meta.url));

/** Starts s3rver with one bucket, or returns the reason it cannot run here. */
export async function startS3Server(bucket = 'mlv-test'): Promise<S3TestServer | { skip: string }> {
  try {
    createRequire(import.meta.url).resolve('s3rver');
  } catch (err) {
    return { skip: `s3rver is not installed (${(err as Error).message.split('\n')[0]})` };
  }
  if (!existsSync(MAIN)) return { skip: `${MAIN} is missing` };
  const dir = await mkdtemp(join(tmpdir(), 'mlv-s3rver-'));
  const child: ChildProcess = spawn(process.execPath, ['--openssl-legacy-provider', '--no-warnings', MAIN, dir, bucket], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      let out = '';
      let err = '';
      const timer = setTimeout(() => reject(new Error(`no answer within 20 s; stderr: ${err}`)), 20_000);
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const line = out.split('\n')[0];
        if (out.includes('\n')) {
          clearTimeout(timer);
          try {
            resolve((JSON.parse(line!) as { port: number }).port);
          } catch {
            reject(new Error(`unexpected output: ${line}`));
          }
        }
      });
      child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`exited with ${code}: ${err}`));
      });
    });
  } catch (err) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    return { skip: `s3rver did not start: ${(err as Error).message}` };
  }
  child.unref();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    bucket,
    async stop() {
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      });
      await rm(dir, { recursive: true, force: true });
    },
  };
}
