import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { int64, json, writeDataset } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSampleDataset } from './helpers/sample-dataset.js';

const PACKAGE_DIRECTORY = fileURLToPath(new URL('..', import.meta.url));
const BIN_PATH = join(PACKAGE_DIRECTORY, 'dist', 'cli.js');

/** True when dist/cli.js is missing or older than a source file (turbo builds first; a bare `vitest run` may not). */
function binIsStale(): boolean {
  if (!existsSync(BIN_PATH)) return true;
  const builtMs = statSync(BIN_PATH).mtimeMs;
  const sourceDirectory = join(PACKAGE_DIRECTORY, 'src');
  return readdirSync(sourceDirectory, { recursive: true, encoding: 'utf8' }).some(
    (name) => name.endsWith('.ts') && statSync(join(sourceDirectory, name)).mtimeMs > builtMs,
  );
}

function runBin(argv: string[]): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN_PATH, ...argv], { env: { ...process.env, TESSERA_DEBUG: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ exitCode, stdout, stderr }));
  });
}

let directory: string;
let path: string;

beforeAll(async () => {
  if (binIsStale()) execFileSync('npx', ['tsup'], { cwd: PACKAGE_DIRECTORY, stdio: 'ignore' });
  directory = mkdtempSync(join(tmpdir(), 'tessera-cli-bin-'));
  path = await writeSampleDataset(directory);
});

afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('the tessera binary', () => {
  it('starts with a shebang and is executable', () => {
    expect(execFileSync('head', ['-c', '19', BIN_PATH], { encoding: 'utf8' })).toBe('#!/usr/bin/env node');
    expect(statSync(BIN_PATH).mode & 0o111).not.toBe(0);
  });

  it('node dist/cli.js inspect FILE works', async () => {
    const { exitCode, stdout, stderr } = await runBin(['inspect', path]);
    expect(stderr).toBe('');
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/^ {2}samples +12$/m);
    expect(stdout).toMatch(/core\/ndarray/);
  });

  it('sets the exit code of failures and prints one line', async () => {
    const missing = await runBin(['inspect', join(directory, 'missing.beton')]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/^tessera: E_IO: [^\n]+\n$/);
    const usage = await runBin(['frobnicate']);
    expect(usage.exitCode).toBe(2);
    expect(usage.stderr).toMatch(/^tessera: E_USAGE: [^\n]+\n$/);
  });

  it('dump stops quietly with exit 0 when the reader closes the pipe (| head)', async () => {
    const bigPath = join(directory, 'big.beton');
    await writeDataset(
      bigPath,
      { id: int64(), meta: json() },
      { length: 20_000, get: (index: number) => ({ id: index, meta: { name: `sample-${index}`, padding: 'x'.repeat(64) } }) },
      { workers: 0 },
    );
    const result = await new Promise<{ exitCode: number | null; firstLine: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN_PATH, 'dump', bigPath]);
      let received = '';
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      child.stdout.on('data', (chunk: Buffer) => {
        received += chunk.toString('utf8');
        // Like `head -1`: read the first line, then close the pipe while the writer is mid-stream.
        if (received.includes('\n')) child.stdout.destroy();
      });
      child.on('error', reject);
      child.on('close', (exitCode) => resolve({ exitCode, firstLine: received.split('\n')[0]!, stderr }));
    });
    expect(result.firstLine).toMatch(/^\{"index": 0, "id": 0, /);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
  });
});
