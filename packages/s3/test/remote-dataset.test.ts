/**
 * End to end: a .beton written by core, uploaded to s3rver (in a child process: the reader blocks
 * its thread while core's fetch worker talks to the store), read back through s3() by openDataset
 * and createLoader, and compared with the local file sample by sample.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Dataset, type RemoteOptions, TesseraError, createLoader, int64, ndarray, openDataset, writeDataset } from '@tessera/core';
import { s3 } from '@tessera/s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3TestServer, TEST_CREDENTIALS, startS3TestServer } from './helpers/start-s3-test-server.js';

const BUCKET = 'tessera-datasets';
const KEY = 'train/part-0.beton';
const SAMPLES = 300;
const VALUES = 256;
/** 16 KiB blocks: the ~330 KB file spans ~21 blocks, so reads need many range requests. */
const BLOCK_BYTES = 16 * 1024;

let folder: string;
let localPath: string;
let fileBytes: Buffer;
let local: Dataset;
let server: S3TestServer;

function sample(index: number) {
  const values = new Float32Array(VALUES);
  for (let position = 0; position < VALUES; position++) values[position] = index * 1000 + position / 4;
  return { x: values, y: index * 7 - 50 };
}

function byteSources() {
  return [s3({ endpoint: server.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: TEST_CREDENTIALS })];
}

function remoteOptions(): RemoteOptions {
  return { cacheDirectory: mkdtempSync(join(folder, 'cache-')), blockBytes: BLOCK_BYTES, retries: 2 };
}

function bytesOf(view: ArrayBufferView): Buffer {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'tessera-s3-remote-'));
  localPath = join(folder, 'train.beton');
  await writeDataset(localPath, { x: ndarray({ dtype: '<f4', shape: [VALUES] }), y: int64() }, { length: SAMPLES, get: sample }, { workers: 0 });
  fileBytes = readFileSync(localPath);
  local = openDataset(localPath);
  server = await startS3TestServer();
  await server.createBucket(BUCKET);
  await server.putObject(BUCKET, KEY, fileBytes);
});

afterAll(async () => {
  local?.close();
  await server?.stop();
  if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
});

describe('openDataset over s3://', () => {
  it('reads every sample and every byte exactly as the local file', () => {
    const remote = openDataset(`s3://${BUCKET}/${KEY}`, { byteSources: byteSources(), remote: remoteOptions() });
    try {
      expect(remote.numSamples).toBe(SAMPLES);
      expect(remote.layout).toEqual(local.layout);
      for (let index = 0; index < SAMPLES; index++) {
        const got = remote.get(index) as { x: { data: Float32Array; shape: number[] }; y: number };
        const expected = local.get(index) as { x: { data: Float32Array; shape: number[] }; y: number };
        expect(got.y).toBe(expected.y);
        expect(got.y).toBe(index * 7 - 50);
        expect(got.x.shape).toEqual(expected.x.shape);
        expect(bytesOf(got.x.data).equals(bytesOf(expected.x.data))).toBe(true);
      }
      expect(Buffer.from(remote.fileBytes(0, fileBytes.byteLength)).equals(fileBytes)).toBe(true);
      const stats = remote.remoteStats()!;
      // Every block fetched once: the bytes fetched are the file, no more; nothing retried.
      expect(stats.bytesFetched).toBe(fileBytes.byteLength);
      expect(stats.blocksFetched).toBe(Math.ceil(fileBytes.byteLength / BLOCK_BYTES));
      expect(stats.retries).toBe(0);
    } finally {
      remote.close();
    }
  });

  it('an object replaced after the open fails the next fetch with E_REMOTE_CHANGED (through the fetch worker)', async () => {
    const key = 'train/replaced.beton';
    await server.putObject(BUCKET, key, fileBytes);
    const remote = openDataset(`s3://${BUCKET}/${key}`, { byteSources: byteSources(), remote: { ...remoteOptions(), readAhead: 0 } });
    try {
      expect(remote.get(0).y).toBe(-50);
      const replaced = Buffer.from(fileBytes);
      replaced[replaced.length - 1]! ^= 0xff;
      await server.putObject(BUCKET, key, replaced);
      let error: unknown;
      try {
        remote.get(SAMPLES - 1);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(TesseraError);
      expect((error as TesseraError).code).toBe('E_REMOTE_CHANGED');
      expect((error as TesseraError).message).toContain(`s3://${BUCKET}/${key}`);
    } finally {
      remote.close();
    }
  });

  it('a missing key fails the open with E_REMOTE naming bucket and key, after one attempt', () => {
    let error: unknown;
    try {
      openDataset(`s3://${BUCKET}/train/missing.beton`, { byteSources: byteSources(), remote: remoteOptions() });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TesseraError);
    expect((error as TesseraError).code).toBe('E_REMOTE');
    expect((error as TesseraError).message).toContain(`bucket '${BUCKET}' or its key 'train/missing.beton'`);
    expect((error as { attempts?: number }).attempts).toBe(1);
  });
});

describe('createLoader over s3://', () => {
  it('yields the batches of the local file, decoded in 2 workers that rebuild s3() from its origin', async () => {
    const options = { batchSize: 32, order: 'random' as const, seed: 3 };
    const expected = await collect(localPath, options);
    const loader = createLoader(`s3://${BUCKET}/${KEY}`, { ...options, workers: 2, byteSources: byteSources(), remote: remoteOptions() });
    const got = await collect(loader);
    expect(got.length).toBe(Math.ceil(SAMPLES / 32));
    expect(got).toEqual(expected);
  });
});

type Collected = Array<{ y: bigint[]; x: string }>;

/** Each batch as its labels and the hex of its x bytes (exact, and cheap to compare). */
async function collect(source: string | ReturnType<typeof createLoader>, options?: Parameters<typeof createLoader>[1]): Promise<Collected> {
  const loader = typeof source === 'string' ? createLoader(source, options!) : source;
  const batches: Collected = [];
  try {
    for await (const batch of loader) {
      batches.push({ y: Array.from(batch.y!.data as BigInt64Array), x: createHashOf(batch.x!.data as Float32Array) });
    }
  } finally {
    await loader.close();
  }
  return batches;
}

function createHashOf(view: Float32Array): string {
  return `${view.length}:${bytesOf(view).toString('base64')}`;
}
