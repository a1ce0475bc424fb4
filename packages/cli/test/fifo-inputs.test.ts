/**
 * Opening a FIFO for reading blocks in open(2) until a writer appears, so every CLI input is
 * stat()ed before it is opened: a FIFO is E_IO at once. The built CLI runs in a child process that
 * is killed after 10 s (a hang fails the test).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ONE_LINE_ERROR } from './helpers/run-captured.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
let directory: string;
let fifo: string;

function runCli(args: readonly string[]): Promise<{ status: number | null; stderr: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: directory, env: { ...process.env, TESSERA_DEBUG: '' } });
    let stderr = '';
    let timedOut = false;
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, 10_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stderr, timedOut });
    });
  });
}

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'tessera-cli-fifo-'));
  fifo = join(directory, 'input.fifo');
  expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
  writeFileSync(join(directory, 'a.txt'), 'one document');
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('a FIFO as an input is E_IO without blocking', () => {
  it.each([
    ['inspect', ['inspect', 'input.fifo'], 'tessera: E_IO: input.fifo is not a regular file (a FIFO): give the path of a .beton file\n'],
    ['verify', ['verify', 'input.fifo'], 'tessera: E_IO: input.fifo is not a regular file (a FIFO): give the path of a .beton file\n'],
    ['dump', ['dump', 'input.fifo'], 'tessera: E_IO: input.fifo is not a regular file (a FIFO): give the path of a .beton file\n'],
  ])('%s FILE', async (_name, args, expected) => {
    const run = await runCli(args);
    expect(run.timedOut).toBe(false);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(expected);
  });

  it('build text INPUT (the corpus)', async () => {
    const run = await runCli(['build', 'text', 'input.fifo', '-o', 'out.beton', '-q']);
    expect(run.timedOut).toBe(false);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(ONE_LINE_ERROR);
    expect(run.stderr).toBe(`tessera: E_IO: inputs: ${fifo} is not a regular file (a FIFO); give text files, folders or globs\n`);
  });

  it('build text --tokenizer', async () => {
    const run = await runCli(['build', 'text', 'a.txt', '-o', 'out.beton', '--field', 'tokens', '--tokenizer', 'input.fifo', '-q']);
    expect(run.timedOut).toBe(false);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`tessera: E_IO: tokenizer: ${fifo} is not a regular file; pass the path of a local tokenizer.json or of the folder holding it\n`);
  });
});
