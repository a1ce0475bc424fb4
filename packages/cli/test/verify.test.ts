import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { float64, int64, openDataset, writeDataset } from '@tessera/core';
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
    expect(stdout).toMatch(/^ {2}checked +structure \(header, field descriptors, metadata, allocation table, extension block\)$/m);
    expect(stdout).toMatch(/^ {15}CRC-32 of the header, the metadata, 1 page and the allocation table \(\d+ bytes\)$/m);
    expect(stdout).toMatch(/^ {2}not checked +sample values \(verify decodes no payload; `tessera dump` does\)$/m);
  });

  it('--json prints the report', async () => {
    const { exitCode, stdout } = await runCaptured(['verify', path, '--json']);
    expect(exitCode).toBe(0);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ path, ok: true, checksums: 'verified', pagesChecked: 1, problems: [], checksumsRequired: false });
    expect(report.checked).toHaveLength(2);
    expect(report.notChecked).toEqual(['sample values (verify decodes no payload; `tessera dump` does)']);
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

describe('tessera verify on a file without checksums (the built CLI)', () => {
  const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
  const run = (args: readonly string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, TESSERA_DEBUG: '' } });

  it('says the payload was not checked (exit 0 even when payload bytes are damaged); --require-checksums exits 1', async () => {
    const plain = join(directory, 'no-checksums.beton');
    await writeDataset(plain, { id: int64(), score: float64() }, [{ id: 1, score: 0.5 }, { id: 2, score: 1.5 }], { workers: 0, integrity: false, pageSize: 4096 });
    // Damage the bytes of the data region: nothing can notice without checksums.
    const dataset = openDataset(plain);
    const { dataStart, dataEnd } = dataset.layout;
    dataset.close();
    const bytes = readFileSync(plain);
    if (dataEnd > dataStart) bytes[dataStart] = bytes[dataStart]! ^ 0xff;
    writeFileSync(plain, bytes);

    const lenient = run(['verify', plain]);
    expect(lenient.stderr).toBe('');
    expect(lenient.status).toBe(0);
    expect(lenient.stdout.split('\n')[0]).toBe(`${plain}: OK (structure only: the file has no checksums)`);
    expect(lenient.stdout).toMatch(/^ {2}checksums +absent: only the structure was checked$/m);
    expect(lenient.stdout).toMatch(/^ {2}not checked +payload bytes: the file has no checksums \(written by FFCV, or without integrity data\), so damaged sample data goes unnoticed$/m);

    const strict = run(['verify', plain, '--require-checksums']);
    expect(strict.status).toBe(1);
    expect(strict.stdout.split('\n')[0]).toBe(`${plain}: FAILED (no checksums, and --require-checksums was given)`);
    expect(strict.stdout).toContain('--require-checksums: re-create the file with Tessera (writeDataset) to give it checksums, or run without the flag to check its structure only');
    const json = run(['verify', plain, '--require-checksums', '--json']);
    expect(json.status).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, checksums: 'absent', checksumsRequired: true, problems: [] });

    // A file with checksums passes --require-checksums.
    const intact = run(['verify', path, '--require-checksums']);
    expect(intact.status).toBe(0);
    expect(intact.stdout.split('\n')[0]).toBe(`${path}: OK`);
  });
});
