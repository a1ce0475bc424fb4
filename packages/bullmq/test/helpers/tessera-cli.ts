import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDataset } from '@tessera/core';
import { textPlugin } from '@tessera/text';

const cliPackage = createRequire(import.meta.url).resolve('@tessera/cli/package.json');
/** The `tessera` CLI the workers run (this package's @tessera/cli). */
export const TESSERA_CLI = join(dirname(cliPackage), (JSON.parse(readFileSync(cliPackage, 'utf8')) as { bin: { tessera: string } }).bin.tessera);
/** This package's built `tessera-bullmq`. */
export const BULLMQ_CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/** The build of every test: a CSV table with an int64, a text and a float64 column. */
export const TABLE_FIELDS = ['--field', 'label=int64', '--field', 'caption=text', '--field', 'score=float64'];

/** Writes `rows` rows of label, caption (with commas and quotes now and then) and score. */
export function writeTable(path: string, rows: number): void {
  const lines = ['label,caption,score'];
  for (let row = 0; row < rows; row++) {
    const caption = row % 7 === 0 ? `"row ${row}, with ""quotes"""` : `caption ${row} ${'x'.repeat(row % 13)}`;
    lines.push(`${(row * 37) % 101},${caption},${(row / 16 - 3).toString()}`);
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${lines.join('\n')}\n`);
}

/** Runs the tessera CLI and fails the test with its stderr when it exits non-zero. */
export function runTessera(args: readonly string[], cwd: string): string {
  const result = spawnSync(process.execPath, [TESSERA_CLI, ...args], { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`tessera ${args.join(' ')} exited with ${result.status ?? result.signal}: ${result.stderr}`);
  return result.stdout;
}

/** Every sample of a table build, decoded. */
export function readSamples(path: string): unknown[] {
  const dataset = openDataset(path, { plugins: [textPlugin()] });
  try {
    return Array.from({ length: dataset.numSamples }, (_, index) => dataset.get(index));
  } finally {
    dataset.close();
  }
}

/** A folder with `tessera` and `tessera-bullmq` commands, for PATH: the recipes run them by name. */
export function writeBinFolder(folder: string): string {
  mkdirSync(folder, { recursive: true });
  for (const [name, script] of [
    ['tessera', TESSERA_CLI],
    ['tessera-bullmq', BULLMQ_CLI],
  ] as const) {
    writeFileSync(join(folder, name), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(script)} "$@"\n`);
    chmodSync(join(folder, name), 0o755);
  }
  return folder;
}
