import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytes, int64, writeDataset } from '@tessera/core';
import { afterAll, describe, expect, it } from 'vitest';
import { runCaptured } from './helpers/run-captured.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-cli-ffcv-safety-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** Empty values right before non-empty ones, and one sample larger than 4 KiB. */
const samples = Array.from({ length: 30 }, (_, id) => ({
  id,
  data: id % 5 === 1 ? new Uint8Array(0) : new Uint8Array(id === 20 ? 10_000 : 100).fill(id),
}));

describe('tessera inspect: FFCV loader safety', () => {
  it('says yes for a file written with the default compatibility', async () => {
    const path = join(directory, 'safe.beton');
    await writeDataset(path, { id: int64(), data: bytes() }, samples, { workers: 0 });
    const { exitCode, stdout } = await runCaptured(['inspect', path]);
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/^ {2}FFCV loader safe +yes$/m);
    const json = await runCaptured(['inspect', path, '--json']);
    expect(JSON.parse(json.stdout).ffcvLoader).toEqual({ safe: true, problems: [] });
  });

  it("says no, with each problem, for FFCV's writer layout with samples spanning pages", async () => {
    const path = join(directory, 'unsafe.beton');
    await writeDataset(path, { id: int64(), data: bytes() }, samples, { workers: 0, pageSize: 4096, compatibility: 'tessera' });
    const { exitCode, stdout } = await runCaptured(['inspect', path]);
    expect(exitCode).toBe(0);
    const line = stdout.split('\n').find((text) => text.includes('FFCV loader safe'));
    expect(line?.trim()).toBe(
      "FFCV loader safe  no (1 value crosses a page boundary (first: sample 20, 10000 bytes, page size 4096); FFCV's Loader reads only the first page of a value; 6 empty values share a pointer with a non-empty value (first: sample 1); FFCV's Loader may read that value as empty)",
    );
    const json = await runCaptured(['inspect', path, '--json']);
    expect(JSON.parse(json.stdout).ffcvLoader.safe).toBe(false);
  });
});
