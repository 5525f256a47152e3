// Runs s3rver (an S3-compatible server from npm) in its own process for the tests. Started by
// s3-server.ts as `node --openssl-legacy-provider s3-server-main.mjs <dir> <bucket>`: s3rver encrypts
// listing continuation tokens with DES, which OpenSSL 3 only offers through its legacy provider (without
// it, every truncated listing answers HTTP 500). Prints {"port": N} once listening; stops on SIGTERM.
import S3rver from 's3rver';

const [dir, bucket] = process.argv.slice(2);
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: bucket }] });
const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);
const stop = async () => {
  await server.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
