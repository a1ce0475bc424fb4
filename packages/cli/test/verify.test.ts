import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDataset } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ONE_LINE_ERROR, runCaptured } from './helpers/run-captured.js';
import { writeSampleDataset } from './helpers/sample-dataset.js';

let directory: string;
let path: string;
let flippedPath: string;
let dataStart: number;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'tessera-cli-verify-'));
  path = await writeSampleDataset(directory);
  const dataset = openDataset(path);
  dataStart = dataset.layout.dataStart;
  dataset.close();
  // Flip one byte of the first data page (sample 0's first payload byte).
  flippedPath = join(directory, 'flipped.beton');
  copyFileSync(path, flippedPath);
  const bytes = readFileSync(flippedPath);
  bytes[dataStart] = bytes[dataStart]! ^ 0xff;
  writeFileSync(flippedPath, bytes);
});

afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('tessera verify', () => {
  it('reports OK and exits 0 for an intact file', async () => {
    const { exitCode, stdout, stderr } = await runCaptured(['verify', path]);
    expect(stderr).toBe('');
    expect(exitCode).toBe(0);
    expect(stdout.split('\n')[0]).toBe(`${path}: OK`);
    expect(stdout).toMatch(/^ {2}checksums +present, checked$/m);
    expect(stdout).toMatch(/^ {2}checked +1 page, \d+ bytes$/m);
  });

  it('--json prints the report', async () => {
    const { exitCode, stdout } = await runCaptured(['verify', path, '--json']);
    expect(exitCode).toBe(0);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ path, ok: true, checksums: 'verified', pagesChecked: 1, problems: [] });
  });

  it('finds a flipped byte in a data page, names "page 0" and exits 1', async () => {
    const { exitCode, stdout, stderr } = await runCaptured(['verify', flippedPath]);
    expect(stderr).toBe('');
    expect(exitCode).toBe(1);
    expect(stdout.split('\n')[0]).toBe(`${flippedPath}: FAILED (1 problem)`);
    const problemRow = stdout.split('\n').find((line) => line.includes('E_CHECKSUM_MISMATCH'));
    expect(problemRow).toBeDefined();
    expect(problemRow!.trim().split(/ {2,}/).slice(0, 3)).toEqual(['E_CHECKSUM_MISMATCH', 'page 0', String(dataStart)]);

    const json = await runCaptured(['verify', flippedPath, '--json']);
    expect(json.exitCode).toBe(1);
    const report = JSON.parse(json.stdout);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([expect.objectContaining({ code: 'E_CHECKSUM_MISMATCH', region: 'page 0', fileOffset: dataStart })]);
  });

  it('a missing file is one E_IO line, not a report', async () => {
    const { exitCode, stdout, stderr } = await runCaptured(['verify', join(directory, 'missing.beton')]);
    expect(exitCode).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(ONE_LINE_ERROR);
    expect(stderr).toMatch(/^tessera: E_IO: /);
  });

  it('a file that is not a .beton file fails verification with exit 1', async () => {
    const file = join(directory, 'random.bin');
    writeFileSync(file, Buffer.alloc(100, 0xab));
    const { exitCode, stdout } = await runCaptured(['verify', file]);
    expect(exitCode).toBe(1);
    expect(stdout).toMatch(/: FAILED/);
    expect(stdout).toMatch(/E_UNSUPPORTED_VERSION +structure/);
  });
});
