import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dataset, type LoaderState, createLoader, int64, ndarray, openDataset, writeDataset } from '../src/index.js';
import { errorOf, rejectionOf } from './helpers/error-of.js';
import { type RangeServer, startRangeServer } from './helpers/range-server.js';

const SAMPLES = 300;
const VALUES = 1000;
/** 64 KiB blocks: the 1.3 MB file spans ~21 blocks, so batches need several requests. */
const BLOCK_BYTES = 64 * 1024;

let folder: string;
let server: RangeServer;
let localPath: string;
let local: Dataset;

function sample(index: number) {
  const values = new Float32Array(VALUES);
  for (let position = 0; position < VALUES; position++) values[position] = index * 10_000 + position;
  return { x: values, y: index * 7 };
}

function cacheFolder(): string {
  return mkdtempSync(join(folder, 'cache-'));
}

function remoteOptions(extra: Record<string, unknown> = {}) {
  return { cacheDirectory: cacheFolder(), blockBytes: BLOCK_BYTES, ...extra };
}

async function collect(source: string, options: Parameters<typeof createLoader>[1]): Promise<{ batches: Array<{ x: number[]; y: bigint[] }>; state: LoaderState[] }> {
  const loader = createLoader(source, options);
  const batches: Array<{ x: number[]; y: bigint[] }> = [];
  const state: LoaderState[] = [];
  try {
    for await (const batch of loader) {
      const x = batch.x!.data as Float32Array;
      batches.push({ x: Array.from({ length: batch.y!.shape[0]! }, (_, position) => x[position * VALUES + 17]!), y: Array.from(batch.y!.data as BigInt64Array) });
      state.push(loader.state());
    }
  } finally {
    await loader.close();
  }
  return { batches, state };
}

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'tessera-remote-'));
  localPath = join(folder, 'train.beton');
  await writeDataset(localPath, { x: ndarray({ dtype: '<f4', shape: [VALUES] }), y: int64() }, { length: SAMPLES, get: sample });
  local = openDataset(localPath);
  server = await startRangeServer(folder);
});

afterAll(async () => {
  local?.close();
  await server?.close();
  rmSync(folder, { recursive: true, force: true });
});

describe('openDataset over http', () => {
  it('reads every sample and every byte exactly as the local file', () => {
    const remote = openDataset(`${server.url}/train.beton`, { remote: remoteOptions() });
    try {
      expect(remote.numSamples).toBe(SAMPLES);
      expect(remote.layout).toEqual(local.layout);
      for (let index = 0; index < SAMPLES; index++) {
        const got = remote.get(index) as { x: { data: Float32Array }; y: number };
        expect(got.y).toBe(index * 7);
        expect(Buffer.from(got.x.data.buffer, got.x.data.byteOffset, got.x.data.byteLength).equals(Buffer.from(sample(index).x.buffer))).toBe(true);
      }
      const fileByteLength = local.layout.fileByteLength;
      expect(Buffer.from(remote.fileBytes(0, fileByteLength)).equals(readFileSync(localPath))).toBe(true);
      const stats = remote.remoteStats()!;
      // Every block fetched once: the bytes fetched are the file, no more.
      expect(stats.bytesFetched).toBe(fileByteLength);
      expect(stats.blocksFetched).toBe(Math.ceil(fileByteLength / BLOCK_BYTES));
      expect(stats.retries).toBe(0);
      expect(local.remoteStats()).toBeUndefined();
    } finally {
      remote.close();
    }
  });

  it('reads a range larger than one request in parallel runs, exactly, even with a disk cache smaller than the range', () => {
    const remote = openDataset(`${server.url}/train.beton`, { remote: remoteOptions({ maxRequestBytes: 2 * BLOCK_BYTES, cacheBytes: 4 * BLOCK_BYTES, memoryBytes: 2 * BLOCK_BYTES }) });
    try {
      const fileByteLength = local.layout.fileByteLength;
      const before = remote.remoteStats()!;
      expect(Buffer.from(remote.fileBytes(1000, fileByteLength - 2000)).equals(readFileSync(localPath).subarray(1000, fileByteLength - 1000))).toBe(true);
      const after = remote.remoteStats()!;
      // One wait for the whole read, in requests of at most two blocks.
      expect(after.syncFetches - before.syncFetches).toBe(1);
      expect(after.requests - before.requests).toBeGreaterThanOrEqual(Math.ceil((fileByteLength - 2000) / (2 * BLOCK_BYTES)) - 2);
    } finally {
      remote.close();
    }
  });

  it('serves a second open from the disk cache: one HEAD, no range request', async () => {
    const options = remoteOptions();
    const first = openDataset(`${server.url}/train.beton`, { remote: options });
    for (let index = 0; index < SAMPLES; index++) first.get(index);
    first.close();
    await server.control({ resetLog: true });
    const second = openDataset(`${server.url}/train.beton`, { remote: options });
    try {
      for (let index = 0; index < SAMPLES; index++) expect(second.get(index).y).toBe(index * 7);
      expect(second.remoteStats()!.bytesFetched).toBe(0);
      expect(second.remoteStats()!.diskHits).toBeGreaterThan(0);
    } finally {
      second.close();
    }
    const requests = await server.requests();
    expect(requests.map((request) => request.method)).toEqual(['HEAD']);
  });

  it('sends the ETag with every range request', async () => {
    await server.control({ resetLog: true });
    const remote = openDataset(`${server.url}/train.beton`, { remote: remoteOptions() });
    remote.get(SAMPLES - 1);
    remote.close();
    const ranges = (await server.requests()).filter((request) => request.range !== undefined);
    expect(ranges.length).toBeGreaterThan(0);
    for (const request of ranges) expect(request.ifMatch).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
  });
});

describe('createLoader over http', () => {
  it('yields the batches of the local file, on the calling thread and in 2 workers, with read-ahead', async () => {
    const options = { batchSize: 32, order: 'random' as const, seed: 11 };
    const expected = await collect(localPath, { ...options });
    for (const workers of [0, 2]) {
      const loader = createLoader(`${server.url}/train.beton`, { ...options, workers, remote: remoteOptions() });
      const got: Array<{ x: number[]; y: bigint[] }> = [];
      for await (const batch of loader) {
        const x = batch.x!.data as Float32Array;
        got.push({ x: Array.from({ length: batch.y!.shape[0]! }, (_, position) => x[position * VALUES + 17]!), y: Array.from(batch.y!.data as BigInt64Array) });
      }
      const stats = loader.stats().remote!;
      await loader.close();
      expect(got).toEqual(expected.batches);
      // Read-ahead fetched blocks before the decoders asked; the decoders found them in the memory
      // the loader shares with them.
      expect(stats.readAheadBlocks).toBeGreaterThan(0);
      expect(stats.poolHits).toBeGreaterThan(0);
      expect(stats.syncFetches).toBeLessThan(5);
      expect(stats.readAheadFailures).toBe(0);
    }
  });

  it('resumes across a server restart (new port) and from a local state', async () => {
    const options = { batchSize: 32, order: 'random' as const, seed: 5 };
    const whole = await collect(localPath, options);
    const firstServer = await startRangeServer(folder);
    const loader = createLoader(`${firstServer.url}/train.beton`, { ...options, remote: remoteOptions() });
    let state: LoaderState | undefined;
    let consumed = 0;
    for await (const _batch of loader) {
      consumed++;
      if (consumed === 3) {
        state = loader.state();
        break;
      }
    }
    await loader.close();
    await firstServer.close();
    const secondServer = await startRangeServer(folder);
    try {
      const rest = await collect(`${secondServer.url}/train.beton`, { ...options, resume: state!, remote: remoteOptions() });
      expect(rest.batches).toEqual(whole.batches.slice(3));
    } finally {
      await secondServer.close();
    }
    // A state taken locally resumes remotely too: the state names the file's content, not its location.
    const restFromLocal = await collect(`${server.url}/train.beton`, { ...options, resume: whole.state[4]!, remote: remoteOptions() });
    expect(restFromLocal.batches).toEqual(whole.batches.slice(5));
  });
});

describe('a transient outage', () => {
  it('is survived by a loader: the server stops mid-epoch and comes back on its port, the epoch goes on unchanged', async () => {
    const options = { batchSize: 16, order: 'random' as const, seed: 9 };
    const expected = await collect(localPath, options);
    let current = await startRangeServer(folder);
    const port = Number(new URL(current.url).port);
    // No read-ahead: the decoders' own requests meet the outage.
    const loader = createLoader(`${current.url}/train.beton`, { ...options, workers: 2, remote: remoteOptions({ readAhead: 0, retries: 8 }) });
    const got: Array<{ x: number[]; y: bigint[] }> = [];
    try {
      for await (const batch of loader) {
        const x = batch.x!.data as Float32Array;
        got.push({ x: Array.from({ length: batch.y!.shape[0]! }, (_, position) => x[position * VALUES + 17]!), y: Array.from(batch.y!.data as BigInt64Array) });
        if (got.length === 2) {
          await current.close();
          setTimeout(async () => {
            current = await startRangeServer(folder, port);
          }, 300);
        }
      }
      expect(got).toEqual(expected.batches);
      expect(loader.stats().remote!.retries).toBeGreaterThan(0);
    } finally {
      await loader.close();
      await new Promise((resolve) => setTimeout(resolve, 400));
      await current.close();
    }
  });
});

describe('remote failures', () => {
  it('retries 500, 503, resets and truncated bodies, and still reads the right bytes', async () => {
    const remote = openDataset(`${server.url}/train.beton`, { remote: remoteOptions({ retries: 6 }) });
    try {
      await server.control({ faults: ['500', '503', 'reset', 'truncate'] });
      const got = remote.get(150) as { y: number; x: { data: Float32Array } };
      expect(got.y).toBe(150 * 7);
      expect(got.x.data[3]).toBe(150 * 10_000 + 3);
      expect(remote.remoteStats()!.retries).toBe(4);
    } finally {
      remote.close();
      await server.control({ faults: [] });
    }
  });

  it('gives up with a typed error once the retries are spent; a response for another range is never retried', async () => {
    const cases: Array<{ fault: '500' | 'truncate' | 'content-range' | 'no-range'; code: string }> = [
      { fault: '500', code: 'E_REMOTE' },
      { fault: 'truncate', code: 'E_REMOTE' },
      { fault: 'content-range', code: 'E_REMOTE_PROTOCOL' },
      { fault: 'no-range', code: 'E_REMOTE_PROTOCOL' },
    ];
    for (const { fault, code } of cases) {
      // Retries are spent on transient failures only: a server answering another range fails at once.
      const retries = fault === 'content-range' || fault === 'no-range' ? 3 : 0;
      const remote = openDataset(`${server.url}/train.beton`, { remote: remoteOptions({ retries }) });
      try {
        await server.control({ faults: [fault] });
        const error = errorOf(() => remote.get(200));
        expect(error.code, fault).toBe(code);
        expect(error.message).toContain('train.beton');
      } finally {
        remote.close();
        await server.control({ faults: [] });
      }
    }
  });

  it('is E_REMOTE_CHANGED when the object is replaced after open, never a mix of two files', async () => {
    const path = join(folder, 'changing.beton');
    writeFileSync(path, readFileSync(localPath));
    const remote = openDataset(`${server.url}/changing.beton`, { remote: remoteOptions() });
    try {
      expect(remote.get(0).y).toBe(0);
      // Same size, other bytes, a later modification time: another ETag.
      const bytes = readFileSync(localPath);
      bytes[bytes.length - 100] ^= 0xff;
      await new Promise((resolve) => setTimeout(resolve, 20));
      writeFileSync(path, bytes);
      const error = errorOf(() => remote.get(SAMPLES - 1));
      expect(error.code).toBe('E_REMOTE_CHANGED');
      expect(error.message).toContain('changing.beton');
    } finally {
      remote.close();
    }
  });

  it('fails a loader over a replaced object with E_REMOTE_CHANGED', async () => {
    const path = join(folder, 'changing-loader.beton');
    writeFileSync(path, readFileSync(localPath));
    const loader = createLoader(`${server.url}/changing-loader.beton`, { batchSize: 16, workers: 2, remote: remoteOptions({ readAhead: 0 }) });
    const error = await rejectionOf(async () => {
      let batches = 0;
      for await (const _batch of loader) {
        if (++batches === 1) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          writeFileSync(path, Buffer.concat([readFileSync(localPath).subarray(0, 4096), Buffer.alloc(statSync(localPath).size - 4096, 1)]));
        }
      }
    });
    expect(error.code).toBe('E_REMOTE_CHANGED');
  });

  it('names the problem for a missing object, an unknown scheme and unknown options', async () => {
    await server.control({ resetLog: true });
    const missing = errorOf(() => openDataset(`${server.url}/missing.beton`, { remote: remoteOptions() }));
    expect(missing.code).toBe('E_REMOTE');
    expect(missing.message).toContain('404');
    // A 404 is not retried.
    expect((await server.requests()).length).toBeLessThanOrEqual(2);

    const s3 = errorOf(() => openDataset('s3://bucket/train.beton'));
    expect(s3.code).toBe('E_REMOTE');
    expect(s3.message).toContain('@tessera/s3');

    const unknown = errorOf(() => openDataset(`${server.url}/train.beton`, { remote: { blockSize: 4096 } as never }));
    expect(unknown.code).toBe('E_ARGUMENT');
    expect(unknown.message).toContain('blockSize');

    const block = errorOf(() => openDataset(`${server.url}/train.beton`, { remote: { blockBytes: 1000 } }));
    expect(block.code).toBe('E_ARGUMENT');
  });

  it('is E_REMOTE, not a hang, when nothing listens', () => {
    const error = errorOf(() => openDataset('http://127.0.0.1:9/train.beton', { remote: remoteOptions({ retries: 1 }) }));
    expect(error.code).toBe('E_REMOTE');
    expect(error.message).toContain('127.0.0.1:9');
  });
});

describe('the disk cache', () => {
  it('stays under its byte limit while reading a file 5x larger, and re-fetches what it evicted', () => {
    const cacheDirectory = cacheFolder();
    const cacheBytes = 4 * BLOCK_BYTES;
    const remote = openDataset(`${server.url}/train.beton`, { remote: { cacheDirectory, cacheBytes, blockBytes: BLOCK_BYTES, memoryBytes: 2 * BLOCK_BYTES } });
    try {
      for (let round = 0; round < 2; round++) {
        for (let index = 0; index < SAMPLES; index++) expect(remote.get(index).y).toBe(index * 7);
        expect(cachedBlockBytes(cacheDirectory)).toBeLessThanOrEqual(cacheBytes);
      }
      const fileByteLength = local.layout.fileByteLength;
      expect(remote.remoteStats()!.bytesFetched).toBeGreaterThan(fileByteLength);
    } finally {
      remote.close();
    }
  });
});

describe('the disk cache shared by processes', () => {
  it('holds one byte limit for 2 processes x 2 workers reading at once', async () => {
    const cacheDirectory = cacheFolder();
    const cacheBytes = 6 * BLOCK_BYTES;
    const remote = JSON.stringify({ cacheDirectory, cacheBytes, blockBytes: BLOCK_BYTES, memoryBytes: 2 * BLOCK_BYTES, readAheadBytes: 4 * BLOCK_BYTES });
    const script = join(import.meta.dirname, 'helpers', 'remote-loader-process.mjs');
    const run = () =>
      new Promise<{ sums: number[]; remote: { bytesFetched: number } }>((resolve, reject) => {
        execFile(process.execPath, [script, `${server.url}/train.beton`, remote, '2', '2'], { timeout: 120_000 }, (error, stdout) =>
          error === null ? resolve(JSON.parse(stdout.trim().split('\n').at(-1)!)) : reject(error),
        );
      });
    const results = await Promise.all([run(), run()]);
    const labelSum = (SAMPLES * (SAMPLES - 1) * 7) / 2;
    for (const result of results) {
      expect(result.sums).toEqual([labelSum, labelSum]);
      // The cache holds a fraction of the file, so each process fetched more than the file's bytes.
      expect(result.remote.bytesFetched).toBeGreaterThan(local.layout.fileByteLength);
    }
    expect(cachedBlockBytes(cacheDirectory)).toBeLessThanOrEqual(cacheBytes);
  });
});

describe('memory of a remote loader', () => {
  it('does not keep what it read: peak RSS reading a 128 MB file exceeds that of a 32 MB one by less than the 96 MB between them', async () => {
    const runFor = async (megabytes: number) => {
      const name = `rss-${megabytes}.beton`;
      const count = Math.floor((megabytes * 1024 * 1024) / (VALUES * 4));
      await writeDataset(join(folder, name), { x: ndarray({ dtype: '<f4', shape: [VALUES] }), y: int64() }, { length: count, get: sample });
      // Every memory budget small (per-thread blocks, the pool shared with the workers), so what grows is what leaks.
      const remote = JSON.stringify({ cacheDirectory: cacheFolder(), cacheBytes: 32 * BLOCK_BYTES, blockBytes: BLOCK_BYTES, memoryBytes: 4 * BLOCK_BYTES, readAheadBytes: 16 * BLOCK_BYTES });
      const script = join(import.meta.dirname, 'helpers', 'remote-loader-process.mjs');
      const result = await new Promise<{ sums: number[]; maxRssKilobytes: number }>((resolve, reject) => {
        execFile(process.execPath, [script, `${server.url}/${name}`, remote, '2', '1', 'quasi-random'], { timeout: 120_000 }, (error, stdout) =>
          error === null ? resolve(JSON.parse(stdout.trim().split('\n').at(-1)!)) : reject(error),
        );
      });
      expect(result.sums).toEqual([(count * (count - 1) * 7) / 2]);
      return result.maxRssKilobytes * 1024;
    };
    // Six threads (the loader's, 2 workers, their fetch threads) each collect their garbage when they
    // see fit, so the peak grows a little with the bytes that passed (measured: 43-52 MB here); a
    // thread keeping the blocks it read would add the whole difference, 96 MB, by itself.
    const small = await runFor(32);
    const large = await runFor(128);
    expect(large - small).toBeLessThan(96 * 1024 * 1024);
  });
});

/** Bytes of the block files in a cache folder (what the limit governs; the journal is apart). */
function cachedBlockBytes(cacheDirectory: string): number {
  let total = 0;
  for (const entry of readdirSync(join(cacheDirectory, 'v1', 'objects'), { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}
