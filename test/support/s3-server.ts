import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import type { S3Settings } from '../../src/server/storage/s3.ts';

/**
 * A real S3-compatible server for tests: s3rver (pure JavaScript, runs offline) on a free port of 127.0.0.1 with a
 * temporary directory and one bucket. It speaks the S3 REST protocol, checks AWS Signature V4, and answers Range
 * requests, so the S3 backend is tested over HTTP with the AWS SDK exactly as against MinIO or AWS.
 */
export async function startS3Server(bucket = 'coedu-test'): Promise<{ settings: S3Settings; close: () => Promise<void> }> {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'coedu-s3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  return {
    settings: { endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', bucket, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', forcePathStyle: true, prefix: 'coedu/' },
    close: async () => {
      await server.close();
      await fs.rm(directory, { recursive: true, force: true });
    },
  };
}
