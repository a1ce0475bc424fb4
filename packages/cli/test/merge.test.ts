import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { int64, json, openDataset, writeDataset } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ONE_LINE_ERROR, runCaptured } from './helpers/run-captured.js';

let directory: string;
const shards: string[] = [];

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'tessera-cli-merge-'));
  for (let shard = 0; shard < 3; shard++) {
    const path = join(directory, `shard-${shard}.beton`);
    await writeDataset(path, { id: int64(), meta: json() }, { length: 10, get: (index: number) => ({ id: shard * 10 + index, meta: { shard, index } }) });
    shards.push(path);
  }
});

afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('tessera merge', () => {
  it('writes the shards as one file, in order, and says what it did', async () => {
    const output = join(directory, 'merged.beton');
    const { exitCode, stdout, stderr } = await runCaptured(['merge', output, ...shards]);
    expect(stderr).toBe('');
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(new RegExp(`^${output.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: 30 samples from 3 shards, \\d+ pages? \\(.+ copied\\) in [\\d.]+ s\\n$`));
    const merged = openDataset(output);
    expect(Array.from({ length: merged.numSamples }, (_, index) => merged.get(index).id)).toEqual(Array.from({ length: 30 }, (_, index) => index));
    merged.close();
    const verify = await runCaptured(['verify', output]);
    expect(verify.exitCode).toBe(0);
    const json = await runCaptured(['merge', join(directory, 'merged-2.beton'), ...shards, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ numSamples: 30, inputs: 3 });
  });

  it('exits 1 with one line naming the difference for shards of another schema, and 2 for a bad command line', async () => {
    const other = join(directory, 'other.beton');
    await writeDataset(other, { id: int64() }, { length: 2, get: (index: number) => ({ id: index }) });
    const output = join(directory, 'refused.beton');
    const mismatch = await runCaptured(['merge', output, shards[0]!, other]);
    expect(mismatch.exitCode).toBe(1);
    expect(mismatch.stderr).toMatch(ONE_LINE_ERROR);
    expect(ONE_LINE_ERROR.exec(mismatch.stderr)![1]).toBe('E_MERGE_MISMATCH');
    expect(existsSync(output)).toBe(false);
    expect((await runCaptured(['merge', output])).exitCode).toBe(2);
    expect((await runCaptured(['merge', shards[0]!, shards[0]!, shards[1]!])).exitCode).toBe(2);
  });

  it('refuses a damaged shard (E_CHECKSUM_MISMATCH)', async () => {
    const damaged = join(directory, 'damaged.beton');
    const bytes = readFileSync(shards[1]!);
    const dataset = openDataset(shards[1]!);
    bytes[dataset.layout.dataStart + 3] ^= 1;
    dataset.close();
    writeFileSync(damaged, bytes);
    const { exitCode, stderr } = await runCaptured(['merge', join(directory, 'never.beton'), shards[0]!, damaged]);
    expect(exitCode).toBe(1);
    expect(ONE_LINE_ERROR.exec(stderr)![1]).toBe('E_CHECKSUM_MISMATCH');
  });
});
