/**
 * Tessera's remote reader against real HTTP origins: the same suite over the Node static server and
 * over nginx (skipped, saying so, where nginx is not installed), with the fault proxy in front for
 * failures and latency. Batches are compared with the same loader over the local file.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LoaderState, TesseraError, createLoader, int64, ndarray, writeDataset } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, nginxAvailable, startFaultProxy, startNginx, startStaticServer } from '../src/servers.js';

const SAMPLES = 400;
const VALUES = 512;
const BLOCK_BYTES = 32 * 1024;

let folder: string;
let localPath: string;

function sample(index: number) {
  const values = new Float32Array(VALUES);
  for (let position = 0; position < VALUES; position++) values[position] = index * 1000 + position;
  return { x: values, y: index };
}

type Batches = Array<{ x: number[]; y: number[] }>;

async function epoch(source: string, options: Parameters<typeof createLoader>[1], stopAfter?: number): Promise<{ batches: Batches; state?: LoaderState; remote?: ReturnType<ReturnType<typeof createLoader>['stats']>['remote'] }> {
  const loader = createLoader(source, options);
  const batches: Batches = [];
  let state: LoaderState | undefined;
  try {
    for await (const batch of loader) {
      const x = batch.x!.data as Float32Array;
      const count = batch.y!.shape[0]!;
      batches.push({ x: Array.from({ length: count }, (_, position) => x[position * VALUES + 7]!), y: Array.from(batch.y!.data as Int32Array, Number) });
      if (batches.length === stopAfter) {
        state = loader.state();
        break;
      }
    }
    return { batches, state, remote: loader.stats().remote };
  } finally {
    await loader.close();
  }
}

function remote(extra: Record<string, unknown> = {}) {
  return { cacheDirectory: mkdtempSync(join(folder, 'cache-')), blockBytes: BLOCK_BYTES, ...extra };
}

async function errorOf(run: () => Promise<unknown>): Promise<TesseraError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof TesseraError) return error;
    throw error;
  }
  throw new Error('expected a TesseraError');
}

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'tessera-remote-suite-'));
  localPath = join(folder, 'train.beton');
  await writeDataset(localPath, { x: ndarray({ dtype: '<f4', shape: [VALUES] }), y: int64() }, { length: SAMPLES, get: sample });
});

afterAll(() => rmSync(folder, { recursive: true, force: true }));

const origins: Array<[string, (root: string) => Promise<TestServer>, boolean]> = [
  ['the Node static server', (root) => startStaticServer({ root }), true],
  ['nginx', (root) => startNginx({ root }), nginxAvailable() !== undefined],
];

for (const [name, start, available] of origins) {
  describe.skipIf(!available)(`remote reading from ${name}${available ? '' : ' (nginx is not installed: apt-get install nginx)'}`, () => {
    let origin: TestServer;
    beforeAll(async () => {
      origin = await start(folder);
    });
    afterAll(async () => {
      await origin?.close();
    });

    it('gives the batches of the local file, in random and quasi-random order, on 0 and 2 workers', async () => {
      for (const order of ['random', 'quasi-random'] as const) {
        const options = { batchSize: 32, order, seed: 3 };
        const expected = await epoch(localPath, options);
        for (const workers of [0, 2]) {
          const got = await epoch(`${origin.url}/train.beton`, { ...options, workers, remote: remote() });
          expect(got.batches, `${order}, ${workers} workers`).toEqual(expected.batches);
          expect(got.remote!.bytesFetched).toBeLessThanOrEqual(readFileSync(localPath).length);
        }
      }
    });

    it('resumes on another origin serving the same file (a restarted server on a new port)', async () => {
      const options = { batchSize: 32, order: 'random' as const, seed: 8 };
      const whole = await epoch(localPath, options);
      const first = await epoch(`${origin.url}/train.beton`, { ...options, remote: remote() }, 4);
      const restarted = await start(folder);
      try {
        const rest = await epoch(`${restarted.url}/train.beton`, { ...options, resume: first.state!, remote: remote() });
        expect([...first.batches, ...rest.batches]).toEqual(whole.batches);
      } finally {
        await restarted.close();
      }
    });

    it('is E_REMOTE_CHANGED when the file is replaced mid-epoch', async () => {
      const path = join(folder, `replaced-${name.replace(/\W/g, '')}.beton`);
      writeFileSync(path, readFileSync(localPath));
      const error = await errorOf(async () => {
        const loader = createLoader(`${origin.url}/${path.split('/').at(-1)}`, { batchSize: 16, remote: remote({ readAhead: 0 }) });
        try {
          let batches = 0;
          for await (const _batch of loader) {
            if (++batches === 2) {
              // nginx's ETag is the modification time in whole seconds and the size: a same-size
              // rewrite within the second of the open cannot be told apart by any HTTP client.
              await new Promise((resolve) => setTimeout(resolve, 1100));
              const bytes = readFileSync(localPath);
              bytes[bytes.length - 64] ^= 1;
              writeFileSync(path, bytes);
            }
          }
        } finally {
          await loader.close();
        }
      });
      expect(error.code).toBe('E_REMOTE_CHANGED');
    });

    describe('through the fault proxy', () => {
      it('retries 500s, 503 with Retry-After, resets and truncated bodies, and reads the right batches', async () => {
        const proxy = await startFaultProxy({ target: origin.url });
        try {
          const options = { batchSize: 32, order: 'random' as const, seed: 4 };
          const expected = await epoch(localPath, options);
          await proxy.setFaults({ status500: 2, status503WithRetryAfter: 1, retryAfterSeconds: 0, resetConnection: 1, truncateBody: 2 });
          const got = await epoch(`${proxy.url}/train.beton`, { ...options, workers: 2, remote: remote({ retries: 8 }) });
          expect(got.batches).toEqual(expected.batches);
          expect(Object.values(await proxy.remainingFaults()).every((count) => count === 0)).toBe(true);
          expect(got.remote!.retries).toBeGreaterThanOrEqual(6);
        } finally {
          await proxy.close();
        }
      });

      it('fails with typed errors: a shifted Content-Range (E_REMOTE_PROTOCOL), a stalled request (E_REMOTE, timeout), 500s past the budget', async () => {
        const proxy = await startFaultProxy({ target: origin.url });
        try {
          await proxy.setFaults({ wrongContentRange: 1 });
          expect((await errorOf(() => epoch(`${proxy.url}/train.beton`, { batchSize: 32, remote: remote({ readAhead: 0 }) }))).code).toBe('E_REMOTE_PROTOCOL');
          await proxy.setFaults({ stall: 2 });
          const stalled = await errorOf(() => epoch(`${proxy.url}/train.beton`, { batchSize: 32, remote: remote({ readAhead: 0, timeoutMs: 300, retries: 1 }) }));
          expect(stalled.code).toBe('E_REMOTE');
          expect(stalled.message).toContain('300 ms');
          await proxy.setFaults({ status500: 3 });
          const failing = await errorOf(() => epoch(`${proxy.url}/train.beton`, { batchSize: 32, remote: remote({ readAhead: 0, retries: 2 }) }));
          expect(failing.code).toBe('E_REMOTE');
          expect(failing.message).toContain('500');
        } finally {
          await proxy.close();
        }
      });

      it('hides a 20 ms latency behind read-ahead: the decoders fetch (and wait) only without it', async () => {
        const proxy = await startFaultProxy({ target: origin.url, latencyMs: 20 });
        try {
          const options = { batchSize: 32, order: 'quasi-random' as const, seed: 2, workers: 2 };
          const expected = await epoch(localPath, options);
          const ahead = await epoch(`${proxy.url}/train.beton`, { ...options, remote: remote({ readAhead: 4 }) });
          const without = await epoch(`${proxy.url}/train.beton`, { ...options, remote: remote({ readAhead: 0 }) });
          expect(ahead.batches).toEqual(expected.batches);
          expect(without.batches).toEqual(expected.batches);
          // Opening reads the header and tables synchronously either way (a few fetches); with
          // read-ahead every data block arrives before a decoder asks for it.
          expect(ahead.remote!.readAheadBlocks).toBeGreaterThan(0);
          expect(without.remote!.readAheadBlocks).toBe(0);
          expect(ahead.remote!.syncFetches).toBeLessThan(without.remote!.syncFetches);
          expect(without.remote!.syncFetches).toBeGreaterThan(Math.ceil(readFileSync(localPath).length / BLOCK_BYTES) / 4);
          // The proxy delayed every request by at least the latency.
          const logged = await proxy.requests();
          expect(logged.length).toBeGreaterThan(0);
          for (const entry of logged) expect(entry.latencyMs).toBeGreaterThanOrEqual(20);
        } finally {
          await proxy.close();
        }
      });
    });
  });
}
