/**
 * Starts s3-test-server.mjs in a child process over a fresh temporary folder and gives its endpoints
 * and an admin client (for buckets and uploads). The server is another process on purpose: the
 * dataset reader blocks its thread while it waits for bytes (see s3-test-server.mjs).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

export const TEST_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface S3TestServer {
  /** Like S3: honours If-Match / If-Unmodified-Since; `stall/…` and `short-body/…` keys misbehave. */
  endpoint: string;
  /** Plain s3rver over the same folder: preconditions ignored. */
  plainEndpoint: string;
  createBucket(bucket: string): Promise<void>;
  putObject(bucket: string, key: string, bytes: Uint8Array): Promise<void>;
  stop(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL('./s3-test-server.mjs', import.meta.url));

export async function startS3TestServer(): Promise<S3TestServer> {
  const directory = mkdtempSync(join(tmpdir(), 'tessera-s3-test-'));
  const child = spawn(process.execPath, [SCRIPT, directory], { stdio: ['pipe', 'pipe', 'inherit'] });
  const ports = await new Promise<{ port: number; plainPort: number }>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`s3-test-server.mjs exited with ${code} before listening`)));
    createInterface({ input: child.stdout! }).once('line', (line) => resolve(JSON.parse(line)));
  });
  const endpoint = `http://127.0.0.1:${ports.port}`;
  const admin = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 });
  return {
    endpoint,
    plainEndpoint: `http://127.0.0.1:${ports.plainPort}`,
    async createBucket(bucket) {
      await admin.send(new CreateBucketCommand({ Bucket: bucket }));
    },
    async putObject(bucket, key, bytes) {
      await admin.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ContentLength: bytes.byteLength }));
    },
    async stop() {
      admin.destroy();
      await stopChild(child);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.stdin!.end();
  });
}
