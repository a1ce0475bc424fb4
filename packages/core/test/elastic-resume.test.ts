/**
 * Elastic resume with real processes: a run of 4 ranks stops mid-epoch; its state resumes on 2 and
 * on 8 ranks, which split what the 4 had not consumed, in the epoch's global order.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoaderState, createLoader, int64, writeDataset } from '../src/index.js';
import { errorOf } from './helpers/error-of.js';

const SAMPLES = 200;
let folder: string;
let path: string;

interface RankRun {
  epochs: number[][];
  state: LoaderState;
}

function rank(rankIndex: number, worldSize: number, stopAfter: number, resume?: LoaderState): Promise<RankRun> {
  const script = join(import.meta.dirname, 'helpers', 'elastic-rank-process.mjs');
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [script, path, String(rankIndex), String(worldSize), String(stopAfter), resume === undefined ? '-' : JSON.stringify(resume)], { timeout: 60_000 }, (error, stdout) =>
      error === null ? resolve(JSON.parse(stdout.trim())) : reject(error),
    );
  });
}

/** The epoch's global order: what one rank of a world of 1 gets. */
async function globalOrder(epoch: number): Promise<number[]> {
  const loader = createLoader(path, { batchSize: 8, order: 'random', seed: 21 });
  const ids: number[] = [];
  for (let current = 0; current <= epoch; current++) {
    ids.length = 0;
    for await (const batch of loader) ids.push(...Array.from(batch.id!.data as BigInt64Array, Number));
  }
  await loader.close();
  return ids;
}

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'tessera-elastic-'));
  path = join(folder, 'ids.beton');
  await writeDataset(path, { id: int64() }, { length: SAMPLES, get: (index: number) => ({ id: index }) });
});

afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('elastic resume across processes', () => {
  it('a state taken at world size 4 resumes at 2 and at 8 with the global order unchanged', async () => {
    const order = await globalOrder(0);
    const nextOrder = await globalOrder(1);
    // 4 ranks × 3 batches of 8: positions [0, 96) of the global order, interleaved.
    const first = await Promise.all([0, 1, 2, 3].map((index) => rank(index, 4, 3)));
    for (const [index, run] of first.entries()) expect(run.epochs[0]).toEqual(order.slice(0, 96).filter((_, position) => position % 4 === index));
    const states = first.map((run) => run.state);
    expect(states.map((state) => state.globalPosition)).toEqual([96, 96, 96, 96]);

    for (const worldSize of [2, 8]) {
      const resumed = await Promise.all(Array.from({ length: worldSize }, (_, index) => rank(index, worldSize, -1, states[0])));
      const remaining = order.slice(96);
      const perRank = Math.ceil(remaining.length / worldSize);
      for (const [index, run] of resumed.entries()) {
        // The rest of the epoch, interleaved over the new ranks (padded from its start when uneven)…
        const expected = Array.from({ length: perRank }, (_, slot) => remaining[(index + slot * worldSize) % remaining.length]!);
        expect(run.epochs[0], `world ${worldSize}, rank ${index}`).toEqual(expected);
        // …then the next epoch, as a fresh run of this world size has it.
        expect(run.epochs[1]).toEqual(nextOrder.filter((_, position) => position % worldSize === index));
      }
      // Every sample of the epoch exactly once across the two runs (without the padding).
      const seen = [...first.flatMap((run) => run.epochs[0]!), ...resumed.flatMap((run) => run.epochs[0]!.slice(0, Math.floor(remaining.length / worldSize)))];
      expect(new Set(seen).size).toBe(seen.length);
    }
  });

  it('refuses another world size for an order split in contiguous ranges, naming why', async () => {
    const loader = createLoader(path, { batchSize: 8, order: 'quasi-random', seed: 2, distributed: { rank: 0, worldSize: 4 } });
    let state: LoaderState | undefined;
    for await (const _batch of loader) {
      state = loader.state();
      break;
    }
    await loader.close();
    const error = errorOf(() => createLoader(path, { batchSize: 8, order: 'quasi-random', seed: 2, distributed: { rank: 0, worldSize: 2 }, resume: state! }));
    expect(error.code).toBe('E_ARGUMENT');
    expect(error.message).toContain('interleaving');
  });
});
