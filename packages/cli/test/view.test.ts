import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCaptured } from './helpers/run-captured.js';
import { SAMPLE_COUNT, writeSampleDataset } from './helpers/sample-dataset.js';

const PACKAGE_DIRECTORY = fileURLToPath(new URL('..', import.meta.url));
const BIN_PATH = join(PACKAGE_DIRECTORY, 'dist', 'cli.js');

/** True when dist/cli.js is missing or older than a source file (turbo builds first; a bare `vitest run` may not). */
function binIsStale(): boolean {
  if (!existsSync(BIN_PATH)) return true;
  const builtMs = statSync(BIN_PATH).mtimeMs;
  const sourceDirectory = join(PACKAGE_DIRECTORY, 'src');
  return readdirSync(sourceDirectory, { recursive: true, encoding: 'utf8' }).some((name) => name.endsWith('.ts') && statSync(join(sourceDirectory, name)).mtimeMs > builtMs);
}

/** Starts `tessera view` and resolves with the URL it prints (the child keeps serving). */
function startView(argv: string[]): Promise<{ child: ChildProcessWithoutNullStreams; url: string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [BIN_PATH, 'view', ...argv], { env: { ...process.env, TESSERA_DEBUG: '' } });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const match = /^tessera view: (http:\/\/\S+) /m.exec(stdout);
      if (match !== null) resolve({ child, url: match[1]!, exited });
    });
    child.on('error', reject);
    void exited.then((code) => reject(new Error(`tessera view exited (${code}) before printing its URL: ${stderr}`)));
  });
}

let directory: string;
let path: string;

beforeAll(async () => {
  if (binIsStale()) execFileSync('npx', ['tsup'], { cwd: PACKAGE_DIRECTORY, stdio: 'ignore' });
  directory = mkdtempSync(join(tmpdir(), 'tessera-cli-view-'));
  path = await writeSampleDataset(directory);
});

afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('tessera view', () => {
  it('prints the URL, serves the file until SIGINT, then exits 0', async () => {
    const { child, url, exited } = await startView([path, '--port', '0']);
    try {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const response = await fetch(`${url}api/summary`);
      expect(response.status).toBe(200);
      const summary = (await response.json()) as { numSamples: number; fields: Array<{ name: string }> };
      expect(summary.numSamples).toBe(SAMPLE_COUNT);
      expect(summary.fields.map((field) => field.name)).toEqual(['id', 'score', 'blob', 'meta', 'arr']);
      expect((await fetch(url)).headers.get('content-type')).toBe('text/html; charset=utf-8');
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  });

  it('rejects a bad port and a missing file before serving', async () => {
    const badPort = await runCaptured(['view', path, '--port', '70000']);
    expect(badPort.exitCode).toBe(2);
    expect(badPort.stderr).toMatch(/--port must be a whole number from 0 to 65535/);
    const missing = await runCaptured(['view', join(directory, 'missing.beton')]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/^tessera: E_IO: /);
  });

  it('is listed in tessera --help', async () => {
    const { stdout } = await runCaptured(['--help']);
    expect(stdout).toMatch(/^ {2}view +show a \.beton file in the browser/m);
  });
});
