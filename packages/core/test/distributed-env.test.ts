import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLoader, int64, writeDataset } from '../src/index.js';
import { errorOf } from './helpers/error-of.js';

let folder: string;
let path: string;
const saved = { RANK: process.env.RANK, WORLD_SIZE: process.env.WORLD_SIZE };

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'tessera-distributed-env-'));
  path = join(folder, 'ids.beton');
  await writeDataset(path, { id: int64() }, { length: 103, get: (index: number) => ({ id: index }) });
});

afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

afterAll(() => rmSync(folder, { recursive: true, force: true }));

async function ids(distributed: Parameters<typeof createLoader>[1]['distributed']): Promise<number[]> {
  const loader = createLoader(path, { batchSize: 10, order: 'random', seed: 4, distributed });
  const seen: number[] = [];
  for await (const batch of loader) seen.push(...Array.from(batch.id!.data as BigInt64Array, Number));
  await loader.close();
  return seen;
}

describe("distributed: 'env'", () => {
  it('takes rank and world size from RANK and WORLD_SIZE, as torchrun sets them', async () => {
    const shares: number[][] = [];
    for (const rank of [0, 1, 2]) {
      process.env.RANK = String(rank);
      process.env.WORLD_SIZE = '3';
      const share = await ids('env');
      expect(share).toEqual(await ids({ rank, worldSize: 3 }));
      shares.push(share);
    }
    // Every sample once across the ranks (103 = 3 × 35 − 2: two padded repeats).
    expect(new Set(shares.flat()).size).toBe(103);
    expect(shares.flat().length).toBe(105);
  });

  it('names the variable that is missing or not a number', () => {
    delete process.env.RANK;
    process.env.WORLD_SIZE = '2';
    const missing = errorOf(() => createLoader(path, { batchSize: 10, distributed: 'env' }));
    expect(missing.code).toBe('E_ARGUMENT');
    expect(missing.message).toContain('RANK is not set');
    process.env.RANK = 'first';
    expect(errorOf(() => createLoader(path, { batchSize: 10, distributed: 'env' })).message).toContain('RANK is "first"');
    process.env.RANK = '2';
    expect(errorOf(() => createLoader(path, { batchSize: 10, distributed: 'env' })).message).toContain('distributed.rank');
  });
});
