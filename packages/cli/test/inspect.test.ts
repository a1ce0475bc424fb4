import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCaptured } from './helpers/run-captured.js';
import { SAMPLE_COUNT, writeSampleDataset } from './helpers/sample-dataset.js';

let directory: string;
let path: string;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'tessera-cli-inspect-'));
  path = await writeSampleDataset(directory);
});

afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('tessera inspect', () => {
  it('prints the header, layout and an aligned field table', async () => {
    const { exitCode, stdout, stderr } = await runCaptured(['inspect', path]);
    expect(stderr).toBe('');
    expect(exitCode).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe(path);
    expect(stdout).toMatch(/^ {2}version +2$/m);
    expect(stdout).toMatch(/^ {2}fields +5$/m);
    expect(stdout).toMatch(new RegExp(`^ {2}samples +${SAMPLE_COUNT}$`, 'm'));
    expect(stdout).toMatch(/^ {2}page size +\d+ bytes \(\d+ KiB\)$/m);
    expect(stdout).toMatch(/^ {2}alloc table +at \d+, \d+ allocations$/m);
    expect(stdout).toMatch(/^ {2}data +\[\d+, \d+\): 1 page, \d+ payload bytes, fill [\d.]+%$/m);
    expect(stdout).toMatch(/^ {2}io mode +(mmap|pread)/m);
    expect(stdout).toMatch(/^ {2}extension +at \d+, written by @tessera\/core \d+\.\d+\.\d+$/m);
    expect(stdout).toMatch(/^ {2}checksums +present \(not checked by inspect: run `tessera verify`/m);

    const table = lines.slice(lines.indexOf('fields') + 1).filter((line) => line !== '');
    expect(table[0]).toMatch(/^ {2}# +name +type id +codec +plugin +arguments$/);
    expect(table.slice(1).map((line) => line.trim().split(/ {2,}/))).toEqual([
      ['0', 'id', '1', 'core/int64', expect.stringMatching(/^@tessera\/core@/), '{}'],
      ['1', 'score', '0', 'core/float64', expect.stringMatching(/^@tessera\/core@/), '{}'],
      ['2', 'blob', '3', 'core/bytes', expect.stringMatching(/^@tessera\/core@/), '{}'],
      ['3', 'meta', '5', 'core/json', expect.stringMatching(/^@tessera\/core@/), '{}'],
      ['4', 'arr', '4', 'core/ndarray', expect.stringMatching(/^@tessera\/core@/), '{"dtype": "<f4", "shape": [2, 3]}'],
    ]);
    // Aligned: every row of the table starts its "codec" column at the same place.
    const codecColumn = table[0]!.indexOf('codec');
    for (const row of table.slice(1)) expect(row.slice(codecColumn)).toMatch(/^core\//);
  });

  it('--json prints one object with the header, fields, layout and fill', async () => {
    const { exitCode, stdout, stderr } = await runCaptured(['inspect', path, '--json']);
    expect(stderr).toBe('');
    expect(exitCode).toBe(0);
    expect(stdout.endsWith('\n')).toBe(true);
    expect(stdout.trimEnd().split('\n')).toHaveLength(1);
    const report = JSON.parse(stdout);
    expect(report.numSamples).toBe(SAMPLE_COUNT);
    expect(report.header).toMatchObject({ version: 2, numFields: 5, numSamples: SAMPLE_COUNT });
    expect(report.fields.map((field: { name: string; typeId: number; codecId: string }) => [field.name, field.typeId, field.codecId])).toEqual([
      ['id', 1, 'core/int64'],
      ['score', 0, 'core/float64'],
      ['blob', 3, 'core/bytes'],
      ['meta', 5, 'core/json'],
      ['arr', 4, 'core/ndarray'],
    ]);
    expect(report.fields[4].arguments).toEqual({ dtype: '<f4', shape: [2, 3] });
    expect(report.layout.numPages).toBe(1);
    // 12 bytes values + 12 JSON texts + 12 arrays of 24 bytes
    expect(report.layout.numAllocations).toBe(3 * SAMPLE_COUNT);
    expect(report.payloadByteLength).toBeGreaterThan(SAMPLE_COUNT * 24);
    expect(report.pageFill).toBeCloseTo(report.payloadByteLength / (report.layout.numPages * report.header.pageSize), 12);
    expect(report.extension.creator.library).toBe('@tessera/core');
    expect(report.extension.plugins).toHaveProperty('@tessera/core');
    expect(report.checksums).toBe('present');
    expect(['mmap', 'pread']).toContain(report.ioMode);
  });

  it('resolves a relative FILE against the cwd it is given', async () => {
    const { exitCode, stdout } = await runCaptured(['inspect', 'sample.beton', '--json'], { cwd: directory });
    expect(exitCode).toBe(0);
    expect(JSON.parse(stdout).path).toBe(path);
  });
});
