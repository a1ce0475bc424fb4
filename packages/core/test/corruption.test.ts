import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dataset, TesseraError, openDataset, verifyDataset, writeDataset } from '../src/index.js';
import { fixturePath } from './helpers/fixtures.js';
import { createRandom, mixedSamples, mixedSchema } from './helpers/sample-data.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-corruption-'));
const original = join(directory, 'original.beton');
const damaged = join(directory, 'damaged.beton');
let pristine: Buffer;
let regions: Array<{ name: string; start: number; end: number }>;

beforeAll(async () => {
  await writeDataset(original, mixedSchema(), mixedSamples(120), { pageSize: 4096, workers: 0 });
  pristine = readFileSync(original);
  const dataset = openDataset(original);
  const { layout } = dataset;
  const metadataEnd = layout.metadataStart + dataset.numSamples * layout.recordByteLength;
  regions = [
    { name: 'header', start: 0, end: 24 },
    { name: 'descriptors', start: 24, end: layout.metadataStart },
    { name: 'metadata', start: layout.metadataStart, end: metadataEnd },
    { name: 'padding', start: metadataEnd, end: layout.dataStart },
    { name: 'pages', start: layout.dataStart, end: layout.dataEnd },
    { name: 'extension', start: layout.dataEnd, end: layout.allocationTableOffset },
    { name: 'allocation table', start: layout.allocationTableOffset, end: layout.fileByteLength },
  ];
  dataset.close();
  expect(regions.every((region) => region.end > region.start)).toBe(true);
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** Opening and reading every value either works or fails with a TesseraError: never anything else. */
function readEverything(path: string): 'ok' | TesseraError {
  let dataset: Dataset | undefined;
  try {
    dataset = openDataset(path);
    for (let sampleIndex = 0; sampleIndex < dataset.numSamples; sampleIndex++) {
      for (const field of dataset.fields) {
        dataset.toJSON(sampleIndex, field.name);
        const decoder = dataset.createDecoder(field.name);
        void decoder;
      }
    }
    return 'ok';
  } catch (error) {
    if (error instanceof TesseraError) return error;
    throw error;
  } finally {
    dataset?.close();
  }
}

/** Offsets to flip: both ends of the region and a seeded sample inside. */
function offsetsIn(region: { start: number; end: number }, count: number, seed: number): number[] {
  const random = createRandom(seed);
  const offsets = new Set([region.start, region.end - 1]);
  while (offsets.size < Math.min(count, region.end - region.start)) offsets.add(region.start + Math.floor(random() * (region.end - region.start)));
  return [...offsets];
}

/**
 * The flip loops below are a minute of synchronous work on a loaded machine. Yielding once per flip
 * lets this test process answer vitest's RPC, which otherwise times out after 60 s ("Timeout calling
 * onTaskUpdate") and fails the run.
 */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('a flipped byte', () => {
  it('in any region of a Tessera file is found and located by verify', async () => {
    const expectedRegion: Record<string, RegExp> = {
      header: /header|structure|extension/,
      descriptors: /header|structure/,
      metadata: /metadata|structure/,
      padding: /metadata/,
      pages: /^page \d+$/,
      extension: /extension/,
      'allocation table': /allocation table|structure/,
    };
    for (const [regionIndex, region] of regions.entries()) {
      for (const offset of offsetsIn(region, region.name === 'header' ? 24 : 60, regionIndex + 1)) {
        const copy = Buffer.from(pristine);
        copy[offset] = copy[offset]! ^ 0x5a;
        writeFileSync(damaged, copy);
        const report = verifyDataset(damaged);
        expect(report.ok, `flip at ${offset} (${region.name}) went unnoticed`).toBe(false);
        expect(
          report.problems.some((problem) => expectedRegion[region.name]!.test(problem.region)),
          `flip at ${offset} (${region.name}) reported as ${JSON.stringify(report.problems)}`,
        ).toBe(true);
        readEverything(damaged);
        await nextTurn();
      }
    }
  });

  it('in every byte of the header and descriptors never crashes the reader', async () => {
    const { end } = regions[1]!;
    for (let offset = 0; offset < end; offset += offset < 64 ? 1 : 7) {
      const copy = Buffer.from(pristine);
      copy[offset] = copy[offset]! ^ 0xff;
      writeFileSync(damaged, copy);
      const outcome = readEverything(damaged);
      if (offset < 24 && offset !== 8) expect(outcome, `header byte ${offset}`).toBeInstanceOf(TesseraError);
      await nextTurn();
    }
  });

  it('in the metadata or allocation table of an FFCV file yields values or typed errors', async () => {
    const source = readFileSync(fixturePath('f02_all_fields_37'));
    const random = createRandom(7);
    const metadataStart = 24 + 7 * 1041;
    const tableStart = Number(source.readBigUInt64LE(16));
    const targets = [
      ...Array.from({ length: 150 }, () => metadataStart + Math.floor(random() * 37 * 88)),
      ...Array.from({ length: 80 }, () => tableStart + Math.floor(random() * (source.byteLength - tableStart))),
    ];
    for (const offset of targets) {
      const copy = Buffer.from(source);
      copy[offset] = copy[offset]! ^ (1 << Math.floor(random() * 8));
      writeFileSync(damaged, copy);
      readEverything(damaged);
      await nextTurn();
    }
  });
});

describe('a truncated file', () => {
  it('fails with a typed error whatever the cut', () => {
    const cuts = new Set<number>([0, 1, 23, 24, 25]);
    for (const region of regions) {
      cuts.add(region.start);
      cuts.add(region.start + 1);
      cuts.add(Math.floor((region.start + region.end) / 2));
      cuts.add(region.end - 1);
    }
    cuts.delete(pristine.byteLength);
    for (const cut of [...cuts].sort((a, b) => a - b)) {
      writeFileSync(damaged, pristine.subarray(0, cut));
      const outcome = readEverything(damaged);
      expect(outcome, `cut at ${cut}`).toBeInstanceOf(TesseraError);
      expect(['E_TRUNCATED', 'E_HEADER', 'E_UNSUPPORTED_VERSION', 'E_EXTENSION_BLOCK', 'E_ALLOCATION_TABLE', 'E_METADATA']).toContain(
        (outcome as TesseraError).code,
      );
      expect(verifyDataset(damaged).ok).toBe(false);
    }
  });

  it('of an FFCV file (no checksums) fails at open', () => {
    const source = readFileSync(fixturePath('f06_bytes_var_37'));
    for (const cut of [10, 24 + 1041, 3000, source.byteLength - 24, source.byteLength - 1, source.byteLength - 25]) {
      writeFileSync(damaged, source.subarray(0, cut));
      const outcome = readEverything(damaged);
      expect(outcome, `cut at ${cut}`).toBeInstanceOf(TesseraError);
    }
  });
});

describe('not a .beton file', () => {
  it('is rejected with a code that says so', () => {
    writeFileSync(damaged, Buffer.from('{"this": "is json, not a beton file"}\n'));
    expect(readEverything(damaged)).toMatchObject({ code: 'E_UNSUPPORTED_VERSION' });
    writeFileSync(damaged, Buffer.alloc(0));
    expect(readEverything(damaged)).toMatchObject({ code: 'E_TRUNCATED' });
    expect(() => openDataset(join(directory, 'missing.beton'))).toThrow(expect.objectContaining({ code: 'E_IO' }));
  });

  it('claiming absurd sizes does not allocate or read past the end', () => {
    const header = Buffer.alloc(64);
    header.writeUInt16LE(2, 0);
    header.writeUInt16LE(65535, 2);
    header.writeUInt32LE(4096, 4);
    header.writeBigUInt64LE(2n ** 52n, 8);
    header.writeBigUInt64LE(2n ** 63n, 16);
    writeFileSync(damaged, header);
    expect(['E_TRUNCATED', 'E_HEADER']).toContain((readEverything(damaged) as TesseraError).code);
    header.writeBigUInt64LE(64n, 16);
    writeFileSync(damaged, header);
    expect(readEverything(damaged)).toMatchObject({ code: 'E_TRUNCATED' });
    header.writeUInt16LE(0, 2);
    writeFileSync(damaged, header);
    expect(readEverything(damaged)).toBeInstanceOf(TesseraError);
    copyFileSync(original, damaged);
  });
});
