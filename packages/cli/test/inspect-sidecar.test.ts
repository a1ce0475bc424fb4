import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { json, writeSidecar } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCaptured } from './helpers/run-captured.js';
import { SAMPLE_COUNT, writeSampleDataset } from './helpers/sample-dataset.js';

let directory: string;
let sidecarPath: string;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'tessera-cli-inspect-sidecar-'));
  const basePath = await writeSampleDataset(directory);
  sidecarPath = join(directory, 'captions.beton');
  await writeSidecar(basePath, sidecarPath, { caption: json() }, Array.from({ length: SAMPLE_COUNT }, (_, index) => ({ caption: `caption ${index}` })), { workers: 0 });
});

afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('tessera inspect of a sidecar file', () => {
  it('shows the base file the sidecar was written for', async () => {
    const text = await runCaptured(['inspect', sidecarPath]);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatch(/^ {2}sidecar of +sample\.beton: 12 samples, fields id, score, blob, meta, arr \(checksums digest [0-9a-f]{32}\)$/m);
    const report = JSON.parse((await runCaptured(['inspect', sidecarPath, '--json'])).stdout);
    expect(report.extension.sidecarOf).toMatchObject({ fileName: 'sample.beton', numSamples: SAMPLE_COUNT, fields: ['id', 'score', 'blob', 'meta', 'arr'], digestOf: 'checksums' });
  });
});
