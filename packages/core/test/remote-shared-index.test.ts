import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dataset, int64, ndarray, openDataset, writeDataset } from '../src/index.js';
import { type RangeServer, startRangeServer } from './helpers/range-server.js';

// Issue 15, "one index read per machine, not per rank": rank processes that open the same remote
// dataset with one cache folder share its tables (header, descriptors, metadata, allocation
// table), fetched by whichever rank comes first; the others read them from the disk cache.
const SAMPLES = 20_000;
let folder: string;
let server: RangeServer;
let local: Dataset;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'tessera-shared-index-'));
  // 20,000 samples of a small vector: a metadata table of ~320 KB before the first data page.
  await writeDataset(join(folder, 'train.beton'), { x: ndarray({ dtype: '<f4', shape: [4] }), y: int64() }, { length: SAMPLES, get: (index) => ({ x: Float32Array.of(index, 0, 0, 0), y: index * 3 }) });
  local = openDataset(join(folder, 'train.beton'));
  server = await startRangeServer(folder);
});

afterAll(async () => {
  local?.close();
  await server?.close();
  rmSync(folder, { recursive: true, force: true });
});

function openInProcess(url: string, remote: object): Promise<{ label: number; remote: { bytesFetched: number; requests: number } }> {
  const script = join(import.meta.dirname, 'helpers', 'remote-open-process.mjs');
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [script, url, JSON.stringify(remote)], { timeout: 60_000 }, (error, stdout, stderr) =>
      error === null ? resolve(JSON.parse(stdout.trim().split('\n').at(-1)!)) : reject(new Error(`${error.message}\n${stderr}`)),
    );
  });
}

/** Bytes of the logged range requests that fall inside [start, end) of the file. */
function bytesWithin(requests: Array<{ method: string; range?: string }>, start: number, end: number): number {
  let total = 0;
  for (const request of requests) {
    const match = /bytes=(\d+)-(\d+)/.exec(request.range ?? '');
    if (request.method !== 'GET' || match === null) continue;
    const first = Math.max(start, Number(match[1]));
    const last = Math.min(end - 1, Number(match[2]));
    if (last >= first) total += last - first + 1;
  }
  return total;
}

describe('one index read per machine', () => {
  it('4 rank processes opening one remote file at once fetch its metadata table about once, not 4 times', async () => {
    const cacheDirectory = mkdtempSync(join(folder, 'cache-'));
    const url = `${server.url}/train.beton`;
    await server.control({ resetLog: true });
    const ranks = await Promise.all([0, 1, 2, 3].map(() => openInProcess(url, { cacheDirectory })));
    for (const rank of ranks) expect(rank.label).toBe((SAMPLES - 1) * 3);
    const { metadataStart, dataStart } = local.layout;
    const metadataBytes = dataStart - metadataStart;
    const fetched = bytesWithin(await server.requests(), metadataStart, dataStart);
    // Every byte of the table reached this machine; ranks that came later read it from the disk cache.
    expect(fetched).toBeGreaterThanOrEqual(metadataBytes);
    expect(fetched).toBeLessThan(2 * metadataBytes);
    // A rank started afterwards fetches no table bytes at all.
    await server.control({ resetLog: true });
    const late = await openInProcess(url, { cacheDirectory });
    expect(late.label).toBe((SAMPLES - 1) * 3);
    expect(bytesWithin(await server.requests(), 0, dataStart)).toBe(0);
  });
});
