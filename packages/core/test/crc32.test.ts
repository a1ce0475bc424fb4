import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDataset, verifyDataset } from '../src/index.js';
import { crc32, crc32Implementation, crc32Zeros } from '../src/util/crc32.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-crc32-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** The definition, bit by bit (no table): the reference every implementation must match. */
function bitwiseCrc32(data: Uint8Array, previous = 0): number {
  let crc = ~previous >>> 0;
  for (const byte of data) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return ~crc >>> 0;
}

function randomBytes(length: number, seed: number): Uint8Array {
  const data = new Uint8Array(length);
  let state = seed >>> 0;
  for (let index = 0; index < length; index++) {
    state = (state * 1664525 + 1013904223) >>> 0;
    data[index] = state >>> 24;
  }
  return data;
}

function writeInChild(path: string, implementation: string | undefined): Promise<string> {
  const env = { ...process.env };
  if (implementation === undefined) delete env.TESSERA_CRC32;
  else env.TESSERA_CRC32 = implementation;
  const script = new URL('./helpers/crc32-write-process.mjs', import.meta.url).pathname;
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [script, path], { env, timeout: 60_000 }, (error, stdout) => (error === null ? resolve(JSON.parse(stdout.trim()).implementation) : reject(error))),
  );
}

/** Whether core's optional @node-rs/crc32 is installed here. */
const nodeRsInstalled = (() => {
  try {
    createRequire(import.meta.url).resolve('@node-rs/crc32');
    return true;
  } catch {
    return false;
  }
})();

describe('crc32', () => {
  it('uses @node-rs/crc32 when it is installed (an optional dependency of core)', () => {
    expect(crc32Implementation).toBe(nodeRsInstalled && process.env.TESSERA_CRC32 === undefined ? '@node-rs/crc32' : process.env.TESSERA_CRC32 === 'table' ? 'table' : 'zlib');
  });

  it('matches the bitwise definition, whole and chained over any split, and keeps the value over no bytes', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    for (const [length, seed] of [
      [1, 1],
      [63, 2],
      [4096, 3],
      [100_003, 4],
    ] as const) {
      const data = randomBytes(length, seed);
      const expected = bitwiseCrc32(data);
      expect(crc32(data)).toBe(expected);
      const cut = Math.floor(length / 3);
      expect(crc32(data.subarray(cut), crc32(data.subarray(0, cut)))).toBe(expected);
      expect(crc32(data.subarray(0, 0), expected)).toBe(expected);
    }
    const zeros = new Uint8Array(3 << 20);
    expect(crc32Zeros(zeros.byteLength, 12345)).toBe(bitwiseCrc32(zeros, 12345));
  });

  it('writes byte-identical files with @node-rs/crc32, zlib and the table loop, and each verifies', async () => {
    const files = { default: join(directory, 'default.beton'), zlib: join(directory, 'zlib.beton'), table: join(directory, 'table.beton') };
    const used = {
      default: await writeInChild(files.default, undefined),
      zlib: await writeInChild(files.zlib, 'zlib'),
      table: await writeInChild(files.table, 'table'),
    };
    expect(used.zlib).toBe('zlib');
    expect(used.table).toBe('table');
    expect(used.default).toBe(nodeRsInstalled ? '@node-rs/crc32' : 'zlib');
    const bytes = readFileSync(files.default);
    expect(readFileSync(files.zlib).equals(bytes)).toBe(true);
    expect(readFileSync(files.table).equals(bytes)).toBe(true);
    const report = verifyDataset(files.table);
    expect(report).toMatchObject({ ok: true, checksums: "verified", problems: [] });
    const dataset = openDataset(files.table);
    try {
      expect(dataset.numSamples).toBe(120);
      expect(dataset.read(119, 'id')).toBe(119);
    } finally {
      dataset.close();
    }
  });
});
