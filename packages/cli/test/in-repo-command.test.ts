import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { int64, writeDataset } from '@tessera/core';
import { afterAll, beforeAll, expect, it } from 'vitest';

/** The repository's `pnpm tessera` behaves like the installed command: the caller's folder, clean stdout. */
const run = promisify(execFile);
const repository = fileURLToPath(new URL('../../../', import.meta.url));
let directory: string;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'tessera-in-repo-'));
  await writeDataset(join(directory, 'small.beton'), { label: int64() }, [{ label: 1 }, { label: 2 }], { workers: 0 });
  writeFileSync(join(directory, 'note.txt'), 'not a dataset');
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

it('resolves relative paths against the folder it is run in (INIT_CWD), not the repository root', async () => {
  const { stdout } = await run(process.execPath, [join(repository, 'scripts', 'tessera.mjs'), 'dump', 'small.beton'], {
    cwd: repository,
    env: { ...process.env, INIT_CWD: directory },
  });
  expect(stdout.trim().split('\n').map((line) => JSON.parse(line).label)).toEqual([1, 2]);
});

it('through pnpm -s: only the CLI output on stdout, and its exit status', async () => {
  const { stdout } = await run('npx', ['-y', 'pnpm@10', '-s', '-C', repository, 'tessera', 'dump', 'small.beton'], { cwd: directory });
  expect(stdout.trim().split('\n').map((line) => JSON.parse(line).label)).toEqual([1, 2]);
  const failure = await run('npx', ['-y', 'pnpm@10', '-s', '-C', repository, 'tessera', 'inspect', 'note.txt'], { cwd: directory }).catch((error) => error);
  expect(failure.code).toBe(1);
  expect(failure.stdout).toBe('');
  expect(failure.stderr).toMatch(/^tessera: E_[A-Z_]+: /);
}, 120_000);
