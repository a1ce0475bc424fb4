import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type NdArray, TesseraError, bytes, int64, ndarray, openDataset, verifyDataset, writeDataset } from '../src/index.js';
import { mixedSamples, mixedSchema } from './helpers/sample-data.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-writer-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
const file = (name: string) => join(directory, name);

function expectSameValues(path: string, samples: ReturnType<typeof mixedSamples>): void {
  const dataset = openDataset(path);
  try {
    expect(dataset.numSamples).toBe(samples.length);
    samples.forEach((sample, index) => {
      const stored = dataset.get(index);
      expect(stored.label).toEqual(typeof sample.label === 'bigint' ? sample.label : sample.label);
      expect(Object.is(stored.weight, sample.weight) || (Number.isNaN(stored.weight) && Number.isNaN(sample.weight))).toBe(true);
      expect(Buffer.from(stored.blob as Uint8Array).equals(Buffer.from(sample.blob))).toBe(true);
      expect(stored.meta).toEqual(sample.meta);
      expect(Array.from((stored.vector as NdArray).data as Float32Array)).toEqual(Array.from(sample.vector));
    });
  } finally {
    dataset.close();
  }
}

describe('writeDataset', () => {
  const samples = mixedSamples(700, 3000);

  it('round-trips every core field from every kind of source', async () => {
    const sources = {
      array: samples,
      iterable: (function* () {
        yield* samples;
      })(),
      asyncIterable: (async function* () {
        for (const sample of samples) yield sample;
      })(),
      indexed: { length: samples.length, get: (index: number) => samples[index]! },
      asyncIndexed: { length: samples.length, get: async (index: number) => samples[index]! },
    };
    const digests = new Set<string>();
    for (const [kind, source] of Object.entries(sources)) {
      const path = file(`source-${kind}.beton`);
      const summary = await writeDataset(path, mixedSchema(), source, { workers: 0 });
      expect(summary.numSamples).toBe(samples.length);
      expectSameValues(path, samples);
      expect(verifyDataset(path).ok).toBe(true);
      digests.add(readFileSync(path).toString('base64'));
    }
    expect(digests.size).toBe(1);
  });

  it('writes byte-identical files whatever the worker count', async () => {
    const outputs: Buffer[] = [];
    for (const workers of [0, 1, 2, 3]) {
      const path = file(`workers-${workers}.beton`);
      await writeDataset(path, mixedSchema(), samples, { workers, chunkSize: 16, pageSize: 8192 });
      outputs.push(readFileSync(path));
    }
    for (const output of outputs.slice(1)) expect(output.equals(outputs[0]!)).toBe(true);
    expectSameValues(file('workers-2.beton'), samples);
  });

  it('stores samples larger than a page across pages (compatibility tessera)', async () => {
    const big = Array.from({ length: 9 }, (_, index) => ({ id: index, data: new Uint8Array(10_000 + index * 3000).fill(index + 1) }));
    const path = file('large-samples.beton');
    const summary = await writeDataset(path, { id: int64(), data: bytes() }, big, { pageSize: 4096, workers: 2, compatibility: 'tessera' });
    expect(summary.numPages).toBeGreaterThan(20);
    const dataset = openDataset(path);
    big.forEach((sample, index) => {
      const stored = dataset.read(index, 'data') as Uint8Array;
      expect(stored.byteLength).toBe(sample.data.byteLength);
      expect(stored.every((value) => value === index + 1)).toBe(true);
    });
    dataset.close();
    expect(verifyDataset(path).ok).toBe(true);
  });

  it('keeps tiny datasets tiny with the automatic page size', async () => {
    const path = file('tiny.beton');
    const summary = await writeDataset(path, { id: int64(), data: bytes() }, [{ id: 1, data: 'hello' }, { id: 2, data: 'world' }]);
    expect(summary.pageSize).toBe(4096);
    expect(summary.fileByteLength).toBeLessThan(16 * 1024);
    expect(new TextDecoder().decode(openDataset(path).read(1, 'data') as Uint8Array)).toBe('world');
  });

  it('writes an empty dataset that opens', async () => {
    const path = file('empty.beton');
    const summary = await writeDataset(path, mixedSchema(), [], { workers: 2 });
    expect(summary.numSamples).toBe(0);
    const dataset = openDataset(path);
    expect(dataset.numSamples).toBe(0);
    expect(dataset.fields.map((field) => field.name)).toEqual(['label', 'weight', 'blob', 'meta', 'vector']);
    dataset.close();
    expect(verifyDataset(path).ok).toBe(true);
  });

  it('reports progress after every chunk', async () => {
    const reports: number[] = [];
    await writeDataset(file('progress.beton'), mixedSchema(), samples.slice(0, 100), {
      chunkSize: 32,
      workers: 0,
      onProgress: (progress) => {
        expect(progress.totalSamples).toBe(100);
        reports.push(progress.samplesWritten);
      },
    });
    expect(reports).toEqual([32, 64, 96, 100]);
  });

  it('names the field and sample of a bad value, and leaves the existing file untouched', async () => {
    const path = file('guarded.beton');
    await writeDataset(path, mixedSchema(), samples.slice(0, 10));
    const before = readFileSync(path);
    const bad = samples.slice(0, 50).map((sample, index) => (index === 37 ? { ...sample, vector: [1, 2, 3] } : sample));
    for (const workers of [0, 2]) {
      const failure = await writeDataset(path, mixedSchema(), bad, { workers }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(TesseraError);
      expect(failure).toMatchObject({ code: 'E_FIELD_VALUE', field: 'vector', sampleIndex: 37 });
      expect((failure as Error).message).toMatch(/field "vector" sample 37: expected 6 elements/);
      expect(readFileSync(path).equals(before)).toBe(true);
    }
    const missing = await writeDataset(path, mixedSchema(), [{ label: 1 }]).catch((error: unknown) => error);
    expect(missing).toMatchObject({ code: 'E_FIELD_VALUE', field: 'weight', sampleIndex: 0 });
    expect(readdirSync(directory).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('stops cleanly when the source throws or the write is aborted', async () => {
    const path = file('aborted.beton');
    const failing = (async function* () {
      yield samples[0]!;
      throw new Error('disk on fire');
    })();
    await expect(writeDataset(path, mixedSchema(), failing, { workers: 2 })).rejects.toThrow('disk on fire');
    const controller = new AbortController();
    controller.abort('user pressed ctrl-c');
    await expect(writeDataset(path, mixedSchema(), samples, { signal: controller.signal })).rejects.toMatchObject({ code: 'E_WRITE_ABORTED' });
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(directory).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('rejects bad options and schemas with typed errors', async () => {
    const path = file('options.beton');
    await expect(writeDataset(path, mixedSchema(), samples, { pageSize: 3000 })).rejects.toMatchObject({ code: 'E_ARGUMENT' });
    await expect(writeDataset(path, {}, samples)).rejects.toMatchObject({ code: 'E_ARGUMENT' });
    await expect(writeDataset(path, { 'a-name-longer-than-16': int64() }, [])).rejects.toMatchObject({ code: 'E_ARGUMENT' });
    await expect(writeDataset(path, { x: ndarray({ dtype: 'complex64', shape: [2] }) }, [])).rejects.toMatchObject({ code: 'E_FIELD_ARGUMENTS' });
    await expect(writeDataset(path, { x: int64() }, 42 as never)).rejects.toMatchObject({ code: 'E_ARGUMENT' });
    expect(existsSync(path)).toBe(false);
  });

  it('a leftover temporary file never looks like a dataset', async () => {
    // The header is written last: simulate a crash by writing everything but the header.
    const path = file('crashed.beton');
    await writeDataset(path, mixedSchema(), samples.slice(0, 20));
    const partial = readFileSync(path);
    partial.fill(0, 0, 24);
    writeFileSync(path, partial);
    expect(() => openDataset(path)).toThrow(expect.objectContaining({ code: 'E_UNSUPPORTED_VERSION' }));
  });
});

describe("pageSize 'auto' does not depend on the worker count", () => {
  it('a small dataset from an async source gives the same bytes with workers 0 and 2', async () => {
    async function* source() {
      for (let index = 0; index < 40; index++) yield { id: index, data: new Uint8Array(300 + index).fill(index) };
    }
    const paths: string[] = [];
    for (const workers of [0, 2]) {
      const path = file(`auto-page-${workers}.beton`);
      await writeDataset(path, { id: int64(), data: bytes() }, source(), { workers, chunkSize: 64 });
      paths.push(path);
    }
    // Same layout: the page size is part of the header and decides every pointer.
    expect(readFileSync(paths[0]!).subarray(0, 4096)).toEqual(readFileSync(paths[1]!).subarray(0, 4096));
    expect(openDataset(paths[0]!).pageSize).toBe(openDataset(paths[1]!).pageSize);
  });
});

describe('a failed write stops touching its file descriptor', () => {
  it('waits for its background page writes before it closes the file (the descriptor number is reused at once)', async () => {
    const { closeSync, fstatSync, openSync } = await import('node:fs');
    const { pbkdf2 } = await import('node:crypto');
    // Busy libuv's thread pool (shared by every thread of the process, as under a loaded CI run) so
    // that the failed write's page writes are still queued when it gives up.
    const busy = Array.from({ length: 8 }, () => new Promise((resolve) => pbkdf2('key', 'salt', 400_000, 32, 'sha256', resolve)));
    // 10 MiB of pages go to background writes, then sample 10 is refused (a number is no bytes value).
    const payload = new Uint8Array(1 << 20).fill(0xab);
    const source = Array.from({ length: 20 }, (_, index) => ({ data: index === 10 ? 42 : payload }));
    const failure = await writeDataset(file('failing.beton'), { data: bytes() }, source, { workers: 0, chunkSize: 10, pageSize: 1 << 20 }).catch(
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ sampleIndex: 10 });
    // The next file opened gets the lowest free descriptor: the one the failed write closed.
    const bystander = file('bystander.bin');
    const fd = openSync(bystander, 'w+');
    await Promise.all(busy);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const size = fstatSync(fd).size;
    closeSync(fd);
    expect(size).toBe(0);
  });
});
