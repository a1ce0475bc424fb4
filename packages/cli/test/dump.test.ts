import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { float64, int64, json, writeDataset } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/index.js';
import { CapturedStream, ONE_LINE_ERROR, runCaptured } from './helpers/run-captured.js';
import { SAMPLE_COUNT, sha256Hex, writeSampleDataset } from './helpers/sample-dataset.js';

let directory: string;
let path: string;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'tessera-cli-dump-'));
  path = await writeSampleDataset(directory);
});

afterAll(() => rmSync(directory, { recursive: true, force: true }));

const EXPECTED_LINES = [
  `{"index": 0, "id": 0, "score": NaN, "blob": {"byteLength": 5, "sha256": "${sha256Hex('hello')}"}, "meta": {"name": "zero", "tags": [1, 2]}, "arr": {"dtype": "<f4", "shape": [2, 3], "data": [0, 0.5, -1, 2, 3, 4]}}`,
  `{"index": 1, "id": 9007199254740993, "score": -0, "blob": {"byteLength": 3, "sha256": "${sha256Hex(new Uint8Array([1, 2, 3]))}"}, "meta": null, "arr": {"dtype": "<f4", "shape": [2, 3], "data": [1, 0.5, -1, 2, 3, 4]}}`,
  `{"index": 2, "id": -9223372036854775808, "score": Infinity, "blob": {"byteLength": 0, "sha256": "${sha256Hex('')}"}, "meta": "text", "arr": {"dtype": "<f4", "shape": [2, 3], "data": [2, 0.5, -1, 2, 3, 4]}}`,
  `{"index": 3, "id": 9223372036854775807, "score": -Infinity, "blob": {"byteLength": 1, "sha256": "${sha256Hex('x')}"}, "meta": [1.5, true], "arr": {"dtype": "<f4", "shape": [2, 3], "data": [3, 0.5, -1, 2, 3, 4]}}`,
];

function lines(stdout: string): string[] {
  expect(stdout.endsWith('\n')).toBe(true);
  return stdout.slice(0, -1).split('\n');
}

describe('tessera dump', () => {
  it('prints every sample as one exact JSON line (bigint digits, bare NaN/Infinity, -0)', async () => {
    const { exitCode, stdout, stderr } = await runCaptured(['dump', path]);
    expect(stderr).toBe('');
    expect(exitCode).toBe(0);
    const output = lines(stdout);
    expect(output).toHaveLength(SAMPLE_COUNT);
    expect(output.slice(0, 4)).toEqual(EXPECTED_LINES);
    expect(output[5]).toBe(
      `{"index": 5, "id": 50, "score": 1.25, "blob": {"byteLength": 6, "sha256": "${sha256Hex('blob-5')}"}, "meta": {"index": 5}, "arr": {"dtype": "<f4", "shape": [2, 3], "data": [5, 0.5, -1, 2, 3, 4]}}`,
    );
    // Standard JSON wherever no number is NaN or infinite (those are Python's bare tokens).
    for (const line of output) {
      if (/: (NaN|-?Infinity)[,}]/.test(line)) expect(() => JSON.parse(line)).toThrow();
      else expect(() => JSON.parse(line)).not.toThrow();
    }
  });

  it('the number NaN and the string "NaN" never print alike: bare NaN/Infinity tokens as Python json.dumps writes them', async () => {
    const nanPath = join(directory, 'nan-and-strings.beton');
    await writeDataset(
      nanPath,
      { score: float64(), meta: json() },
      [{ score: Number.NaN, meta: { number: Number.NaN, string: 'NaN', values: [Number.POSITIVE_INFINITY, 'Infinity', Number.NEGATIVE_INFINITY, '-Infinity'] } }],
      { workers: 0 },
    );
    const { exitCode, stdout, stderr } = await runCaptured(['dump', nanPath]);
    expect(stderr).toBe('');
    expect(exitCode).toBe(0);
    expect(stdout).toBe('{"index": 0, "score": NaN, "meta": {"number": NaN, "string": "NaN", "values": [Infinity, "Infinity", -Infinity, "-Infinity"]}}\n');
  });

  it('--json changes nothing (JSON lines is the only format)', async () => {
    const plain = await runCaptured(['dump', path, '--range', '0:4']);
    const withJson = await runCaptured(['dump', path, '--range', '0:4', '--json']);
    expect(withJson.exitCode).toBe(0);
    expect(withJson.stdout).toBe(plain.stdout);
    expect(lines(plain.stdout)).toEqual(EXPECTED_LINES);
  });

  it('--samples picks samples in the order given', async () => {
    const { exitCode, stdout } = await runCaptured(['dump', path, '--samples', '3,1,3']);
    expect(exitCode).toBe(0);
    expect(lines(stdout)).toEqual([EXPECTED_LINES[3], EXPECTED_LINES[1], EXPECTED_LINES[3]]);
  });

  it('--range A:B is half-open; A: and :B run to the ends; A:A is empty', async () => {
    expect(lines((await runCaptured(['dump', path, '--range', '1:3'])).stdout)).toEqual(EXPECTED_LINES.slice(1, 3));
    expect(lines((await runCaptured(['dump', path, '--range=:2'])).stdout)).toEqual(EXPECTED_LINES.slice(0, 2));
    const tail = await runCaptured(['dump', path, '--range', `${SAMPLE_COUNT - 2}:`]);
    expect(lines(tail.stdout).map((line) => JSON.parse(line).index)).toEqual([SAMPLE_COUNT - 2, SAMPLE_COUNT - 1]);
    const empty = await runCaptured(['dump', path, '--range', `${SAMPLE_COUNT}:${SAMPLE_COUNT}`]);
    expect(empty).toEqual({ exitCode: 0, stdout: '', stderr: '' });
  });

  it('--fields keeps the fields given, in that order', async () => {
    const { exitCode, stdout } = await runCaptured(['dump', path, '--samples', '1,2', '--fields', 'score,id']);
    expect(exitCode).toBe(0);
    expect(lines(stdout)).toEqual([
      '{"index": 1, "score": -0, "id": 9007199254740993}',
      '{"index": 2, "score": Infinity, "id": -9223372036854775808}',
    ]);
  });

  it('an unknown field is E_UNKNOWN_FIELD listing the fields, before any output', async () => {
    const { exitCode, stdout, stderr } = await runCaptured(['dump', path, '--fields', 'id,label']);
    expect(exitCode).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(ONE_LINE_ERROR);
    expect(stderr).toMatch(/^tessera: E_UNKNOWN_FIELD: .*"label".*"id", "score", "blob", "meta", "arr"/);
  });

  it.each([
    [['--samples', String(SAMPLE_COUNT)]],
    [['--samples', '0,-1']],
    [['--range', `0:${SAMPLE_COUNT + 1}`]],
    [['--range', '-1:2']],
    [['--range=-3:']],
    [['--range', '5:2']],
    [['--samples', '99999999999999999999']],
  ])('sample indices %j out of range are E_SAMPLE_INDEX (exit 1, no output)', async (options) => {
    const { exitCode, stdout, stderr } = await runCaptured(['dump', path, ...options]);
    expect(exitCode).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(ONE_LINE_ERROR);
    expect(stderr).toMatch(/^tessera: E_SAMPLE_INDEX: /);
  });

  it.each([[['--samples', 'a,b']], [['--samples', '']], [['--range', '3']], [['--range', '1:2:3']], [['--fields', ',']], [['--samples', '1', '--range', '1:2']]])(
    'malformed selection %j is a usage error (exit 2)',
    async (options) => {
      const { exitCode, stderr } = await runCaptured(['dump', path, ...options]);
      expect(exitCode).toBe(2);
      expect(stderr).toMatch(ONE_LINE_ERROR);
      expect(stderr).toMatch(/^tessera: E_USAGE: .*tessera dump --help/);
    },
  );

  it('renames the index key when a field is called "index"', async () => {
    const file = join(directory, 'index-field.beton');
    await writeDataset(file, { index: int64(), _index: json() }, [{ index: 7, _index: 'x' }], { workers: 0 });
    const { exitCode, stdout } = await runCaptured(['dump', file]);
    expect(exitCode).toBe(0);
    expect(stdout).toBe('{"__index": 0, "index": 7, "_index": "x"}\n');
  });

  describe('streaming', () => {
    let bigPath: string;
    const bigSampleCount = 5000;

    beforeAll(async () => {
      bigPath = join(directory, 'big.beton');
      await writeDataset(
        bigPath,
        { id: int64(), meta: json() },
        { length: bigSampleCount, get: (index: number) => ({ id: index, meta: { name: `sample-${index}`, padding: 'x'.repeat(64) } }) },
        { workers: 0 },
      );
    });

    it('writes in chunks and waits for a slow reader (backpressure)', async () => {
      const chunks: string[] = [];
      let pendingCallbacks = 0;
      const slow = new Writable({
        highWaterMark: 1024,
        write(chunk: Buffer, _encoding, callback) {
          chunks.push(chunk.toString('utf8'));
          pendingCallbacks++;
          setTimeout(() => {
            pendingCallbacks--;
            callback();
          }, 1);
        },
      });
      const stderr = new CapturedStream();
      const exitCode = await runCli(['dump', bigPath], { stdout: slow, stderr, env: {} });
      expect(stderr.text).toBe('');
      expect(exitCode).toBe(0);
      expect(pendingCallbacks).toBeLessThanOrEqual(1);
      const text = chunks.join('');
      expect(text.split('\n')).toHaveLength(bigSampleCount + 1);
      // Many chunks, each bounded: the output was never built whole in memory.
      expect(chunks.length).toBeGreaterThan(5);
      for (const chunk of chunks) expect(chunk.length).toBeLessThan(70 * 1024);
    });

    it('stops quietly with exit 0 when the reader goes away (EPIPE)', async () => {
      let writes = 0;
      const closing = new Writable({
        write(_chunk, _encoding, callback) {
          writes++;
          if (writes === 1) return callback();
          const error = Object.assign(new Error('write EPIPE'), { code: 'EPIPE', errno: -32, syscall: 'write' });
          callback(error);
        },
      });
      const stderr = new CapturedStream();
      const exitCode = await runCli(['dump', bigPath], { stdout: closing, stderr, env: {} });
      expect(stderr.text).toBe('');
      expect(exitCode).toBe(0);
      expect(writes).toBe(2);
    });

    it('reports any other write error as E_IO (exit 1)', async () => {
      const full = new Writable({
        write(_chunk, _encoding, callback) {
          callback(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));
        },
      });
      const stderr = new CapturedStream();
      const exitCode = await runCli(['dump', bigPath], { stdout: full, stderr, env: {} });
      expect(exitCode).toBe(1);
      expect(stderr.text).toMatch(ONE_LINE_ERROR);
      expect(stderr.text).toBe('tessera: E_IO: cannot write the output to stdout: no space left on device (the disk is full: free space or write elsewhere)\n');
    });
  });
});
