/**
 * stdout that cannot be written (`> /dev/full`: ENOSPC) is ONE error line and exit 1, whichever
 * command wrote (the command's own buffered output and the executable's stdout listener used to
 * report it both). Spawns the built CLI with stdout opened on /dev/full.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSampleDataset } from './helpers/sample-dataset.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const FULL_DEVICE = '/dev/full';
const ENOSPC_LINE = 'tessera: E_IO: cannot write the output to stdout: ENOSPC: no space left on device, write (the disk is full: free space or write elsewhere)\n';
let directory: string;
let path: string;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'tessera-cli-output-'));
  path = await writeSampleDataset(directory);
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function runToFullDevice(args: readonly string[]) {
  const descriptor = openSync(FULL_DEVICE, 'w');
  try {
    return spawnSync(process.execPath, [CLI, ...args], { stdio: ['ignore', descriptor, 'pipe'], encoding: 'utf8', timeout: 30_000, env: { ...process.env, TESSERA_DEBUG: '' } });
  } finally {
    closeSync(descriptor);
  }
}

describe.skipIf(!existsSync(FULL_DEVICE))('a full stdout', () => {
  it.each([
    ['dump', ['dump', 'PATH']],
    ['dump --range', ['dump', 'PATH', '--range', '0:1']],
    ['inspect', ['inspect', 'PATH']],
    ['inspect --json', ['inspect', 'PATH', '--json']],
    ['verify', ['verify', 'PATH']],
    ['--help', ['--help']],
    ['dump --help', ['dump', '--help']],
  ])('%s: one E_IO line, exit 1', (_name, args) => {
    const run = runToFullDevice(args.map((argument) => (argument === 'PATH' ? path : argument)));
    expect(run.stderr).toBe(ENOSPC_LINE);
    expect(run.status).toBe(1);
  });
});
