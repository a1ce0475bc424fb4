import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { int64, writeDataset } from '@tessera/core';
import { afterAll, beforeAll, expect, it } from 'vitest';

/**
 * The repository's `pnpm tessera …` behaves like the installed command: it runs in the folder it is
 * typed in, and stdout carries the CLI's output only (no `> script` banner), so `| jq` works.
 */
const run = promisify(execFile);
const packageDirectory = fileURLToPath(new URL('..', import.meta.url));
let directory: string;

beforeAll(async () => {
  // A subfolder of the repository (pnpm finds the workspace from there); .output/ is gitignored.
  mkdirSync(join(packageDirectory, '.output'), { recursive: true });
  directory = mkdtempSync(join(packageDirectory, '.output', 'in-repo-'));
  await writeDataset(join(directory, 'small.beton'), { label: int64() }, [{ label: 1 }, { label: 2 }], { workers: 0 });
  writeFileSync(join(directory, 'note.txt'), 'not a dataset');
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

it('pnpm tessera, run in a subfolder: a relative path means that folder, stdout is only the CLI output', async () => {
  const { stdout } = await run('npx', ['-y', 'pnpm@10', 'tessera', 'dump', 'small.beton'], { cwd: directory });
  const direct = await run(process.execPath, [join(packageDirectory, 'dist', 'cli.js'), 'dump', 'small.beton'], { cwd: directory });
  expect(stdout).toBe(direct.stdout);
  expect(stdout.trim().split('\n').map((line) => JSON.parse(line).label)).toEqual([1, 2]);
}, 120_000);

it('pnpm tessera: a failing command keeps stdout empty, its one error line on stderr, and exits with its status', async () => {
  const failure = await run('npx', ['-y', 'pnpm@10', 'tessera', 'inspect', 'note.txt'], { cwd: directory }).catch((error) => error);
  expect(failure.code).toBe(1);
  expect(failure.stdout).toBe('');
  expect(failure.stderr).toMatch(/^tessera: E_[A-Z_]+: .*note\.txt/m);
}, 120_000);
