import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDataset } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import packageJson from '../package.json' with { type: 'json' };
import { ONE_LINE_ERROR, runCaptured } from './helpers/run-captured.js';
import { writeSampleDataset } from './helpers/sample-dataset.js';

let directory: string;
let path: string;

/** xorshift32 bytes: "random" but the same on every run. */
function pseudoRandomBytes(byteLength: number, seed: number): Buffer {
  let state = seed;
  const bytes = Buffer.alloc(byteLength);
  for (let index = 0; index < byteLength; index++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[index] = state & 0xff;
  }
  return bytes;
}

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'tessera-cli-errors-'));
  path = await writeSampleDataset(directory);
});

afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('errors: one line on stderr, exit code 1 for data, 2 for usage', () => {
  it('a truncated file (cut inside the data) is one line with a format error code', async () => {
    const dataset = openDataset(path);
    const cut = dataset.layout.dataStart + 10;
    dataset.close();
    const file = join(directory, 'truncated.beton');
    writeFileSync(file, readFileSync(path).subarray(0, cut));
    for (const command of ['inspect', 'dump']) {
      const { exitCode, stdout, stderr } = await runCaptured([command, file]);
      expect(exitCode).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toMatch(ONE_LINE_ERROR);
      // The header's alloc_table_ptr now points past the end of the file.
      expect(ONE_LINE_ERROR.exec(stderr)![1]).toMatch(/^E_(TRUNCATED|HEADER)$/);
      expect(stderr).not.toMatch(/\bat .*\.(ts|js):\d+/);
    }
  });

  it('a file shorter than the header is E_TRUNCATED', async () => {
    const file = join(directory, 'short.beton');
    writeFileSync(file, readFileSync(path).subarray(0, 20));
    const { exitCode, stderr } = await runCaptured(['inspect', file]);
    expect(exitCode).toBe(1);
    expect(stderr).toMatch(ONE_LINE_ERROR);
    expect(stderr).toMatch(/^tessera: E_TRUNCATED: /);
  });

  it('100 random bytes are one line, exit 1', async () => {
    const file = join(directory, 'random.beton');
    writeFileSync(file, pseudoRandomBytes(100, 0x1234567));
    for (const command of ['inspect', 'dump']) {
      const { exitCode, stdout, stderr } = await runCaptured([command, file]);
      expect(exitCode).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toMatch(ONE_LINE_ERROR);
    }
  });

  it('a missing file is E_IO, exit 1', async () => {
    const { exitCode, stderr } = await runCaptured(['inspect', join(directory, 'nope.beton')]);
    expect(exitCode).toBe(1);
    expect(stderr).toMatch(ONE_LINE_ERROR);
    expect(stderr).toMatch(/^tessera: E_IO: .*nope\.beton/);
  });

  it('TESSERA_DEBUG=1 adds the stack trace after the line', async () => {
    const file = join(directory, 'nope.beton');
    const quiet = await runCaptured(['inspect', file]);
    const debug = await runCaptured(['inspect', file], { env: { TESSERA_DEBUG: '1' } });
    expect(debug.exitCode).toBe(1);
    expect(debug.stderr.startsWith(quiet.stderr)).toBe(true);
    expect(debug.stderr.split('\n').length).toBeGreaterThan(3);
    expect(debug.stderr).toMatch(/\n {4}at /);
  });

  // Usage errors are found before any file is opened: FILE need not exist.
  it.each([
    [['frobnicate', 'any.beton'], /unknown command "frobnicate"; the commands are inspect, dump, verify/],
    [['--frobnicate'], /unknown option --frobnicate/],
    [['inspect'], /tessera inspect needs FILE/],
    [['inspect', 'any.beton', 'extra'], /unexpected "extra"/],
    [['inspect', 'any.beton', '--bogus'], /unknown option --bogus for tessera inspect/],
    [['inspect', 'any.beton', '--json=yes'], /option --json takes no value/],
    [['dump', 'any.beton', '--range'], /option --range needs a value/],
    [['dump', 'any.beton', '--fields', 'a', '--fields', 'b'], /option --fields is given twice/],
    [['inspect', 'any.beton', '--plugin', ':x'], /names no module/],
  ])('%j is a usage error (exit 2)', async (argv, message) => {
    const { exitCode, stdout, stderr } = await runCaptured(argv);
    expect(exitCode).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(ONE_LINE_ERROR);
    expect(stderr).toMatch(/^tessera: E_USAGE: /);
    expect(stderr).toMatch(message);
  });

  it('no arguments prints the help on stderr and exits 2', async () => {
    const { exitCode, stdout, stderr } = await runCaptured([]);
    expect(exitCode).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^Usage: tessera <command>/m);
  });
});

describe('help and version', () => {
  it('--version prints the package version', async () => {
    const { exitCode, stdout } = await runCaptured(['--version']);
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(new RegExp(`^tessera ${packageJson.version.replaceAll('.', '\\.')} \\(@tessera/core \\d+\\.\\d+\\.\\d+\\)\\n$`));
  });

  it('--help lists the commands', async () => {
    const { exitCode, stdout } = await runCaptured(['--help']);
    expect(exitCode).toBe(0);
    for (const command of ['inspect', 'dump', 'verify']) expect(stdout).toMatch(new RegExp(`^ {2}${command} +\\S`, 'm'));
  });

  it.each(['inspect', 'dump', 'verify'])('%s --help (and help %s) describe the command and its options', async (command) => {
    const { exitCode, stdout } = await runCaptured([command, '--help']);
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Usage: tessera ${command} FILE \\[options\\]$`, 'm'));
    expect(stdout).toMatch(/--plugin MODULE\[:EXPORT\]/);
    expect(stdout).toMatch(/Exit codes:/);
    expect((await runCaptured(['help', command])).stdout).toBe(stdout);
    // --help wins over anything else on the line.
    expect((await runCaptured([command, '--bogus', '-h'])).stdout).toBe(stdout);
  });
});
