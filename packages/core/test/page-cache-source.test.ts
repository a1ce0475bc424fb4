import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type PageCacheOptions, type PageCacheSource, type PageCacheStats, openPageCacheSource } from '../src/io/page-cache-source.js';
import { createRangeRandom, expectCode, expectSameBytes, randomBytes } from './helpers/io-assertions.js';

const PAGE_SIZE = 4096;

/** File descriptors of this process open on path (Linux; undefined elsewhere). */
function descriptorsOpenOn(path: string): number | undefined {
  if (!existsSync('/proc/self/fd')) return undefined;
  let count = 0;
  for (const entry of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${entry}`) === path) count++;
    } catch {
      // The descriptor used by readdir itself is gone by now.
    }
  }
  return count;
}

interface TestFile {
  path: string;
  bytes: Buffer;
  dataStart: number;
  dataEnd: number;
}

let directory: string;
/** Like a .beton file: 2 pages of header and metadata, 64 data pages, a 5000-byte allocation table. */
let aligned: TestFile;
/** An unaligned data region whose last page is short, and a 3-byte tail. */
let ragged: TestFile;
/** No data pages at all. */
let dataless: TestFile;

function makeFile(name: string, dataStart: number, dataByteLength: number, tailByteLength: number, seed: number): TestFile {
  const path = join(directory, name);
  const bytes = randomBytes(dataStart + dataByteLength + tailByteLength, seed);
  writeFileSync(path, bytes);
  return { path, bytes, dataStart, dataEnd: dataStart + dataByteLength };
}

function open(file: TestFile, options: Partial<PageCacheOptions> = {}): PageCacheSource {
  return openPageCacheSource(file.path, { pageSize: PAGE_SIZE, dataStart: file.dataStart, dataEnd: file.dataEnd, ...options });
}

/** Offset of byte `within` of data page `page`. */
function at(file: TestFile, page: number, within = 0): number {
  return file.dataStart + page * PAGE_SIZE + within;
}

function expectCopy(source: PageCacheSource, file: TestFile, offset: number, byteLength: number, label = ''): void {
  const target = Buffer.alloc(byteLength + 64, 0xa5);
  source.copyTo(offset, byteLength, target, 32);
  expectSameBytes(target.subarray(32, 32 + byteLength), file.bytes.subarray(offset, offset + byteLength), `copyTo [${offset}, +${byteLength}) ${label}`);
  expect(target[31]).toBe(0xa5);
  expect(target[32 + byteLength]).toBe(0xa5);
}

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'tessera-page-cache-'));
  aligned = makeFile('aligned.bin', 2 * PAGE_SIZE, 64 * PAGE_SIZE, 5000, 3);
  ragged = makeFile('ragged.bin', 1000, 10 * PAGE_SIZE + 777, 3, 5);
  dataless = makeFile('dataless.bin', 1000, 0, 2000, 9);
});

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

/** Errors thrown from callbacks (a prefetch completing after close, say) would land here. */
const uncaught: unknown[] = [];
const onUncaught = (error: unknown) => uncaught.push(error);
beforeEach(() => {
  uncaught.length = 0;
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
});
afterEach(() => {
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUncaught);
  expect(uncaught).toEqual([]);
});

/** Ranges around the region boundaries and every page boundary, whole-file and random ones. */
function rangesFor(file: TestFile, seed: number): Array<[offset: number, byteLength: number]> {
  const fileByteLength = file.bytes.length;
  const ranges: Array<[number, number]> = [
    [0, 0],
    [0, 1],
    [0, fileByteLength],
    [fileByteLength, 0],
    [fileByteLength - 1, 1],
    [0, file.dataStart],
    [file.dataEnd, fileByteLength - file.dataEnd],
  ];
  const boundaries = [file.dataStart, file.dataEnd];
  for (let boundary = file.dataStart + PAGE_SIZE; boundary < file.dataEnd; boundary += PAGE_SIZE) boundaries.push(boundary);
  for (const boundary of boundaries) {
    for (const before of [0, 1, 100, PAGE_SIZE]) {
      for (const byteLength of [1, 2, 100, before, before + 1, PAGE_SIZE, PAGE_SIZE + 1, 3 * PAGE_SIZE + 5]) {
        ranges.push([boundary - before, byteLength]);
      }
    }
  }
  const random = createRangeRandom(seed);
  for (let count = 0; count < 1500; count++) {
    const scale = [64, 12 * 1024, 5 * PAGE_SIZE][count % 3];
    ranges.push([random(fileByteLength + 1), random(scale)]);
  }
  return ranges.filter(([offset, byteLength]) => offset >= 0 && offset + byteLength <= fileByteLength);
}

describe('openPageCacheSource', () => {
  const pools = [
    { name: 'a 4-page pool', maxBytes: 4 * PAGE_SIZE },
    { name: 'a pool holding every page', maxBytes: 256 * 2 ** 20 },
  ];
  for (const which of ['aligned', 'ragged', 'dataless'] as const) {
    for (const pool of pools) {
      it(`copyTo and view match the file (${which} file, ${pool.name})`, () => {
        const file = which === 'aligned' ? aligned : which === 'ragged' ? ragged : dataless;
        const source = open(file, { maxBytes: pool.maxBytes });
        try {
          expect(source.mode).toBe('pread');
          expect(source.fallbackReason).toContain("cache: 'process'");
          expect(source.byteLength).toBe(file.bytes.length);
          expect(source.numPages).toBe(Math.ceil((file.dataEnd - file.dataStart) / PAGE_SIZE));
          let scratchView: Uint8Array | undefined;
          for (const [offset, byteLength] of rangesFor(file, 17)) {
            const expected = file.bytes.subarray(offset, offset + byteLength);
            const label = `${which} [${offset}, +${byteLength})`;
            expectCopy(source, file, offset, byteLength, label);
            const copy = source.view(offset, byteLength);
            expectSameBytes(copy, expected, `view ${label}`);
            scratchView = source.view(offset, byteLength, true);
            expectSameBytes(scratchView, expected, `scratch view ${label}`);
            // A view is a copy: reading other pages (and evicting this one) does not change it.
            source.copyTo(file.dataStart, Math.min(3 * PAGE_SIZE, file.dataEnd - file.dataStart), Buffer.alloc(3 * PAGE_SIZE), 0);
            expectSameBytes(copy, expected, `view ${label} after more reads`);
          }
          const stats = source.stats();
          if (which === 'dataless') {
            expect(stats).toEqual({ pagesRead: 0, bytesRead: 0, hits: 0, misses: 0, prefetched: 0, evictions: 0, prefetchFailures: 0 });
          } else if (pool.maxBytes === 4 * PAGE_SIZE) {
            expect(source.poolPageCount).toBe(4);
            expect(stats.evictions).toBeGreaterThan(100);
            expect(stats.pagesRead).toBe(stats.misses);
          } else {
            expect(source.poolPageCount).toBe(source.numPages);
            expect(stats.evictions).toBe(0);
            expect(stats.pagesRead).toBe(source.numPages);
            expect(stats.bytesRead).toBe(file.dataEnd - file.dataStart);
          }
        } finally {
          source.close();
        }
      });
    }
  }

  it('counts exactly: hits, misses, page reads, prefetches, evictions (scripted)', async () => {
    const source = open(aligned, { maxBytes: 4 * PAGE_SIZE + 100, readAheadConcurrency: 2 });
    const expected: PageCacheStats = { pagesRead: 0, bytesRead: 0, hits: 0, misses: 0, prefetched: 0, evictions: 0, prefetchFailures: 0 };
    const step = (changes: Partial<PageCacheStats>, label: string) => {
      for (const [key, value] of Object.entries(changes) as Array<[keyof PageCacheStats, number]>) expected[key] += value;
      expect(source.stats(), label).toEqual(expected);
    };
    try {
      expect(source.poolPageCount).toBe(4);
      expectCopy(source, aligned, at(aligned, 0, 10), 100);
      step({ misses: 1, pagesRead: 1, bytesRead: PAGE_SIZE }, 'first read of page 0');
      expectCopy(source, aligned, at(aligned, 0, 200), 100);
      step({ hits: 1 }, 'page 0 again');
      expectCopy(source, aligned, at(aligned, 1, -50), 100);
      step({ hits: 1, misses: 1, pagesRead: 1, bytesRead: PAGE_SIZE }, 'across pages 0 and 1');

      source.prefetch([1, 2, 3]);
      await source.idle();
      step({ prefetched: 2, pagesRead: 2, bytesRead: 2 * PAGE_SIZE }, 'prefetch of 1 (resident), 2 and 3');
      expectSameBytes(source.view(at(aligned, 2, 7), 300), aligned.bytes.subarray(at(aligned, 2, 7), at(aligned, 2, 307)), 'view of page 2');
      expectSameBytes(source.view(at(aligned, 3), PAGE_SIZE, true), aligned.bytes.subarray(at(aligned, 3), at(aligned, 4)), 'scratch view of page 3');
      step({ hits: 2 }, 'prefetched pages are hits');

      // Pool full (pages 0-3, all referenced): CLOCK clears every bit, then evicts page 0's slot.
      expectCopy(source, aligned, at(aligned, 4), 10);
      step({ misses: 1, pagesRead: 1, bytesRead: PAGE_SIZE, evictions: 1 }, 'page 4 evicts page 0');
      expectCopy(source, aligned, at(aligned, 0), 10);
      step({ misses: 1, pagesRead: 1, bytesRead: PAGE_SIZE, evictions: 1 }, 'page 0 is read again');

      // A miss on a page whose prefetch is in flight reads it synchronously; the async result is dropped.
      source.prefetch([6]);
      step({ evictions: 1 }, 'the prefetch of page 6 took a slot');
      expectCopy(source, aligned, at(aligned, 6, 5), 10);
      step({ misses: 1, pagesRead: 1, bytesRead: PAGE_SIZE, evictions: 1 }, 'page 6 read while its prefetch is in flight');
      await source.idle();
      step({ pagesRead: 1, bytesRead: PAGE_SIZE }, 'the discarded prefetch of page 6 still counts as a read');
      expectCopy(source, aligned, at(aligned, 6, 50), 10);
      step({ hits: 1 }, 'page 6 is resident');

      // Outside the data region and zero-length ranges: nothing is counted.
      expectSameBytes(source.view(0, aligned.dataStart), aligned.bytes.subarray(0, aligned.dataStart), 'header');
      expectCopy(source, aligned, aligned.dataEnd, aligned.bytes.length - aligned.dataEnd, 'allocation table');
      source.copyTo(at(aligned, 9), 0, Buffer.alloc(1), 0);
      expect(source.view(at(aligned, 9), 0).byteLength).toBe(0);
      step({}, 'outside the data region');
    } finally {
      source.close();
    }
  });

  it('serves prefetched pages as hits without reading them again', async () => {
    const source = open(aligned, { maxBytes: 16 * PAGE_SIZE });
    try {
      const pages = [0, 1, 2, 3, 8, 9, 10, 63];
      source.prefetch(pages);
      await source.idle();
      expect(source.stats()).toMatchObject({ pagesRead: 8, bytesRead: 8 * PAGE_SIZE, prefetched: 8, hits: 0, misses: 0 });
      for (const page of pages) expectCopy(source, aligned, at(aligned, page, 1), PAGE_SIZE - 2);
      for (const page of pages) expectSameBytes(source.view(at(aligned, page), PAGE_SIZE), aligned.bytes.subarray(at(aligned, page), at(aligned, page + 1)), `page ${page}`);
      expect(source.stats()).toMatchObject({ pagesRead: 8, hits: 16, misses: 0, evictions: 0 });
    } finally {
      source.close();
    }
  });

  it('slides a prefetch deeper than the pool: every page read once, every access a hit', async () => {
    const source = open(aligned, { maxBytes: 4 * PAGE_SIZE, readAheadConcurrency: 8 });
    try {
      source.prefetch(Array.from({ length: 64 }, (_, page) => page));
      await source.idle();
      // Three slots hold unused prefetched pages; one is left for synchronous misses.
      expect(source.stats()).toMatchObject({ prefetched: 3, pagesRead: 3 });
      for (let page = 0; page < 64; page++) {
        await source.idle();
        expectCopy(source, aligned, at(aligned, page, 3), 4000);
      }
      await source.idle();
      expect(source.stats()).toEqual({
        pagesRead: 64,
        bytesRead: 64 * PAGE_SIZE,
        hits: 64,
        misses: 0,
        prefetched: 64,
        evictions: 60,
        prefetchFailures: 0,
      });
    } finally {
      source.close();
    }
  });

  it('stays correct when prefetches and accesses race in a small pool', async () => {
    for (const file of [aligned, ragged]) {
      const source = open(file, { maxBytes: 4 * PAGE_SIZE, readAheadConcurrency: 3 });
      const random = createRangeRandom(29);
      let pageAccesses = 0;
      try {
        for (let round = 0; round < 200; round++) {
          source.prefetch(Array.from({ length: random(12) }, () => random(source.numPages)));
          for (let access = random(6); access > 0; access--) {
            const offset = file.dataStart + random(file.dataEnd - file.dataStart);
            const byteLength = Math.min(random(2 * PAGE_SIZE), file.dataEnd - offset);
            if (byteLength > 0) {
              pageAccesses += Math.floor((offset + byteLength - 1 - file.dataStart) / PAGE_SIZE) - Math.floor((offset - file.dataStart) / PAGE_SIZE) + 1;
            }
            if (access % 2 === 0) expectCopy(source, file, offset, byteLength);
            else expectSameBytes(source.view(offset, byteLength, access % 3 === 0), file.bytes.subarray(offset, offset + byteLength), 'view');
          }
          if (round % 3 === 0) await new Promise((resolve) => setImmediate(resolve));
          if (round % 50 === 0) source.cancelPrefetch();
        }
        await source.idle();
        const stats = source.stats();
        expect(stats.hits + stats.misses).toBe(pageAccesses);
        expect(stats.prefetched).toBeGreaterThan(0);
        expect(stats.hits).toBeGreaterThan(0);
        expect(stats.pagesRead).toBeGreaterThanOrEqual(stats.misses + stats.prefetched);
        expect(stats.prefetchFailures).toBe(0);
      } finally {
        source.close();
      }
    }
  });

  it('reads ahead on advise(willneed) over the data pages a byte range overlaps; other advice is a no-op', async () => {
    const source = open(aligned, { maxBytes: 16 * PAGE_SIZE });
    try {
      source.advise(at(aligned, 1, 1), PAGE_SIZE, 'willneed');
      source.advise(0, aligned.dataStart, 'willneed');
      source.advise(0, aligned.bytes.length, 'random');
      await source.idle();
      expect(source.stats()).toMatchObject({ prefetched: 2, pagesRead: 2 });
      expectCopy(source, aligned, at(aligned, 1), 2 * PAGE_SIZE);
      expect(source.stats()).toMatchObject({ hits: 2, misses: 0 });
    } finally {
      source.close();
    }
  });

  it('cancelPrefetch drops queued reads; reads in flight complete', async () => {
    const source = open(aligned, { maxBytes: 16 * PAGE_SIZE, readAheadConcurrency: 1 });
    try {
      source.prefetch([0, 1, 2, 3, 4, 5]);
      source.cancelPrefetch();
      await source.idle();
      expect(source.stats()).toMatchObject({ prefetched: 1, pagesRead: 1 });
    } finally {
      source.close();
    }
  });

  it('retries a failed prefetch synchronously and throws E_IO, naming both failures, when that fails too', async () => {
    const file = { ...aligned, path: join(directory, 'shrinking.bin') };
    writeFileSync(file.path, file.bytes);
    const source = open(file, { maxBytes: 8 * PAGE_SIZE });
    try {
      truncateSync(file.path, at(file, 10));
      source.prefetch([5, 20, 21]);
      await source.idle();
      expect(source.stats()).toMatchObject({ prefetched: 1, pagesRead: 1, prefetchFailures: 2 });
      expectCopy(source, file, at(file, 5), PAGE_SIZE);
      const error = expectCode(() => source.copyTo(at(file, 20), 10, Buffer.alloc(10), 0), 'E_IO');
      expect(error.message).toContain('hit the end of the file');
      expect(error.message).toContain('an earlier prefetch of data page 20 failed too');
      // The file is whole again: the next access to page 21 reads it.
      writeFileSync(file.path, file.bytes);
      expectCopy(source, file, at(file, 21, 9), 100);
      expectCopy(source, file, at(file, 20, 9), 100);
      expect(source.stats()).toMatchObject({ hits: 1, misses: 3, pagesRead: 3, prefetchFailures: 2 });
    } finally {
      source.close();
    }
  });

  it('throws E_OUT_OF_BOUNDS for ranges outside the file or target and pages outside the region', () => {
    const source = open(ragged);
    try {
      const size = ragged.bytes.length;
      const target = Buffer.alloc(16);
      expectCode(() => source.view(size - 1, 2), 'E_OUT_OF_BOUNDS');
      expectCode(() => source.view(size + 1, 0), 'E_OUT_OF_BOUNDS');
      expectCode(() => source.view(-1, 1), 'E_OUT_OF_BOUNDS');
      expectCode(() => source.view(at(ragged, 1), -1), 'E_OUT_OF_BOUNDS');
      expectCode(() => source.view(at(ragged, 1) + 0.5, 1), 'E_OUT_OF_BOUNDS');
      expectCode(() => source.view(at(ragged, 1), Number.NaN), 'E_OUT_OF_BOUNDS');
      expectCode(() => source.copyTo(size - 4, 8, target, 0), 'E_OUT_OF_BOUNDS');
      expectCode(() => source.copyTo(at(ragged, 1), 8, target, 9), 'E_OUT_OF_BOUNDS');
      expectCode(() => source.copyTo(at(ragged, 1), 8, target, -1), 'E_OUT_OF_BOUNDS');
      expectCode(() => source.copyTo(at(ragged, 1), 8, target, 0.5), 'E_OUT_OF_BOUNDS');
      expectCode(() => source.advise(size, 1, 'willneed'), 'E_OUT_OF_BOUNDS');
      expectCode(() => source.prefetch([0, source.numPages]), 'E_OUT_OF_BOUNDS');
      expectCode(() => source.prefetch([-1]), 'E_OUT_OF_BOUNDS');
      expectCode(() => source.prefetch([1.5]), 'E_OUT_OF_BOUNDS');
      // A rejected prefetch queues nothing, and failed accesses count nothing.
      expect(source.stats()).toMatchObject({ pagesRead: 0, hits: 0, misses: 0 });
    } finally {
      source.close();
    }
  });

  it('rejects bad options with E_ARGUMENT and a missing file with E_IO', () => {
    const base = { pageSize: PAGE_SIZE, dataStart: aligned.dataStart, dataEnd: aligned.dataEnd };
    expectCode(() => openPageCacheSource(aligned.path, { ...base, pageSize: 3000 }), 'E_ARGUMENT');
    expectCode(() => openPageCacheSource(aligned.path, { ...base, dataEnd: aligned.bytes.length + 1 }), 'E_ARGUMENT');
    expectCode(() => openPageCacheSource(aligned.path, { ...base, dataStart: base.dataEnd + 1 }), 'E_ARGUMENT');
    expectCode(() => openPageCacheSource(aligned.path, { ...base, maxBytes: 0 }), 'E_ARGUMENT');
    expectCode(() => openPageCacheSource(aligned.path, { ...base, readAheadConcurrency: 0 }), 'E_ARGUMENT');
    expectCode(() => openPageCacheSource(join(directory, 'missing.bin'), base), 'E_IO');
    expect(descriptorsOpenOn(aligned.path) ?? 0).toBe(0);
    // A pool smaller than two pages is raised to two.
    const source = openPageCacheSource(aligned.path, { ...base, maxBytes: 1 });
    expect(source.poolPageCount).toBe(2);
    source.close();
  });

  it('throws E_CLOSED after close(), which is idempotent', async () => {
    const source = open(aligned);
    expectCopy(source, aligned, at(aligned, 0), 10);
    source.close();
    source.close();
    expectCode(() => source.view(at(aligned, 0), 10), 'E_CLOSED');
    expectCode(() => source.view(0, 10), 'E_CLOSED');
    expectCode(() => source.view(0, 0), 'E_CLOSED');
    expectCode(() => source.copyTo(at(aligned, 0), 10, Buffer.alloc(10), 0), 'E_CLOSED');
    expectCode(() => source.copyTo(0, 0, Buffer.alloc(10), 0), 'E_CLOSED');
    expectCode(() => source.advise(0, 1, 'willneed'), 'E_CLOSED');
    expectCode(() => source.prefetch([0]), 'E_CLOSED');
    expectCode(() => source.cancelPrefetch(), 'E_CLOSED');
    expectCode(() => source.stats(), 'E_CLOSED');
    await expect(source.idle()).rejects.toMatchObject({ code: 'E_CLOSED' });
    expect(descriptorsOpenOn(aligned.path) ?? 0).toBe(0);
  });

  it('closes while prefetches are in flight: results are dropped, the file closes after the last one', async () => {
    const source = open(aligned, { readAheadConcurrency: 8 });
    const hasProc = descriptorsOpenOn(aligned.path) !== undefined;
    source.prefetch(Array.from({ length: 64 }, (_, page) => page));
    const drained = source.idle();
    // No callback can have run yet: 8 reads are in flight and 56 queued.
    source.close();
    if (hasProc) expect(descriptorsOpenOn(aligned.path)).toBe(1);
    expectCode(() => source.copyTo(at(aligned, 0), 10, Buffer.alloc(10), 0), 'E_CLOSED');
    await drained;
    if (hasProc) expect(descriptorsOpenOn(aligned.path)).toBe(0);
    // Give any stray callback a chance to throw (afterEach checks for uncaught errors).
    await new Promise((resolve) => setTimeout(resolve, 20));
    expectCode(() => source.view(at(aligned, 0), 10), 'E_CLOSED');
  });

  it('reads a file whose data region ends at the end of the file', () => {
    const file = { ...aligned, dataEnd: aligned.bytes.length };
    const source = open(file, { maxBytes: 2 * PAGE_SIZE });
    try {
      for (const [offset, byteLength] of rangesFor(file, 41)) expectCopy(source, file, offset, byteLength);
      expect(readFileSync(file.path).equals(file.bytes)).toBe(true);
    } finally {
      source.close();
    }
  });
});
