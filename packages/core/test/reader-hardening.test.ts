import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PluginError, TesseraError, bytes, createOutputSlot, int64, openDataset, verifyDataset, writeDataset } from '../src/index.js';
import { fixturePath } from './helpers/fixtures.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-reader-hardening-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const coreDirectory = resolve(import.meta.dirname, '..');
const distEntry = join(coreDirectory, 'dist/index.js');

/** The code of what opening and reading every field of every sample throws, or 'ok'. */
function firstFailure(path: string): string {
  let dataset: ReturnType<typeof openDataset> | undefined;
  try {
    dataset = openDataset(path);
    for (let sampleIndex = 0; sampleIndex < dataset.numSamples; sampleIndex++) dataset.get(sampleIndex);
    return 'ok';
  } catch (error) {
    if (error instanceof TesseraError) return error.code;
    throw error;
  } finally {
    dataset?.close();
  }
}

function errorOf(action: () => unknown): TesseraError {
  try {
    action();
  } catch (error) {
    if (error instanceof TesseraError) return error;
    throw error;
  }
  throw new Error('expected a TesseraError, nothing was thrown');
}

/** Runs an ESM script against the built core in a child process (a hang or a signal cannot take the test runner with it). */
function runChild(script: string, timeoutMs = 20_000) {
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: timeoutMs });
  return { status: result.status, signal: result.signal, stdout: result.stdout.trim(), stderr: result.stderr };
}

function damagedCopy(source: string, name: string, edit: (bytes: Buffer) => void): string {
  const bytesOfFile = readFileSync(source);
  edit(bytesOfFile);
  const path = join(directory, name);
  writeFileSync(path, bytesOfFile);
  return path;
}

const u64 = (bytesOfFile: Buffer, offset: number) => Number(bytesOfFile.readBigUInt64LE(offset));

describe('metadata pointers are checked against the allocation table (FFCV fixtures)', () => {
  // f01/f02: label, weight, jpg, raw, blob, arr (<f4 [3, 4]), meta; metadata at 7311, records of 88 bytes.
  const METADATA_START = 24 + 7 * 1041;
  const RECORD = 88;
  const COLUMN = { jpg: 16, raw: 29, blob: 42, arr: 64, meta: 72 };

  it('the untouched fixtures read and verify', () => {
    for (const name of ['f01_all_fields_1', 'f02_all_fields_37', 'f04_scalars_500', 'f05_ndarray_json_500_page2m', 'f06_bytes_var_37', 'f07_images_var', 'f09_page_overflow', 'f10_ndarray_types_37']) {
      expect(firstFailure(fixturePath(name)), name).toBe('ok');
      expect(verifyDataset(fixturePath(name)).ok, name).toBe(true);
    }
  });

  it('an ndarray pointer moved by 4 bytes is E_METADATA naming the field and sample', () => {
    const path = damagedCopy(fixturePath('f02_all_fields_37'), 'moved-array.beton', (file) => {
      const at = METADATA_START + 3 * RECORD + COLUMN.arr;
      file.writeBigUInt64LE(file.readBigUInt64LE(at) + 4n, at);
    });
    const error = errorOf(() => {
      const dataset = openDataset(path);
      dataset.get(0);
    });
    expect(error.code).toBe('E_METADATA');
    expect(error.message).toMatch(/field "arr" of sample 3 declares 48 bytes at \d+ \(shape \[3, 4\] of <f4/);
    const report = verifyDataset(path);
    expect(report.ok).toBe(false);
    expect(report.problems.map((problem) => problem.code)).toContain('E_METADATA');
  });

  it("a JSON {ptr, size} copied from another sample is E_METADATA naming the sample it belongs to", () => {
    const path = damagedCopy(fixturePath('f02_all_fields_37'), 'copied-json.beton', (file) => {
      file.copy(file, METADATA_START + 5 * RECORD + COLUMN.meta, METADATA_START + 6 * RECORD + COLUMN.meta, METADATA_START + 6 * RECORD + COLUMN.meta + 16);
    });
    expect(firstFailure(path)).toBe('E_METADATA');
    expect(errorOf(() => openDataset(path).get(0)).message).toMatch(/field "meta" of sample 5 .* belongs to sample 6, not 5/);
  });

  it('a JPEG flagged raw and a raw image with another width are E_METADATA', () => {
    const flagged = damagedCopy(fixturePath('f01_all_fields_1'), 'jpeg-flagged-raw.beton', (file) => {
      file[METADATA_START + COLUMN.jpg] = 1;
    });
    expect(errorOf(() => openDataset(flagged).get(0)).message).toMatch(/field "jpg" of sample 0 declares 1800 bytes .* holds 1050 bytes/);
    const wider = damagedCopy(fixturePath('f01_all_fields_1'), 'raw-wider.beton', (file) => {
      file.writeUInt16LE(31, METADATA_START + COLUMN.raw + 1);
    });
    expect(firstFailure(wider)).toBe('E_METADATA');
    expect(verifyDataset(wider).problems.map((problem) => problem.code)).toContain('E_METADATA');
  });

  it('an ndarray dtype widened from <f4 to <f8 in the descriptor is E_METADATA', () => {
    const path = damagedCopy(fixturePath('f01_all_fields_1'), 'widened-dtype.beton', (file) => {
      const descriptor = 24 + 5 * 1041;
      const text = file.indexOf('"<f4"', descriptor);
      expect(text).toBeGreaterThan(descriptor);
      file.write('"<f8"', text, 'latin1');
    });
    expect(errorOf(() => openDataset(path).get(0)).message).toMatch(/field "arr" of sample 0 declares 96 bytes .*holds 48 bytes/);
  });
});

describe('a corrupt allocation table', () => {
  let path: string;
  beforeAll(async () => {
    path = join(directory, 'blobs.beton');
    const samples = Array.from({ length: 20 }, (_, index) => ({ id: index, blob: new Uint8Array(50 + index).fill(index) }));
    await writeDataset(path, { id: int64(), blob: bytes() }, samples, { pageSize: 4096, workers: 0 });
  });

  it('opens (the check waits for the first data access), then get(), toJSON() and createDecoder() reject it', () => {
    const damaged = damagedCopy(path, 'bad-table.beton', (file) => {
      const table = u64(file, 16);
      file.writeBigUInt64LE(999n, table + 2 * 24);
    });
    const dataset = openDataset(damaged);
    const error = errorOf(() => dataset.get(0));
    expect(error.code).toBe('E_ALLOCATION_TABLE');
    expect(error.message).toMatch(/allocation table entry 2 names sample 999, but the file has 20/);
    expect(errorOf(() => dataset.toJSON(5, 'blob')).code).toBe('E_ALLOCATION_TABLE');
    expect(errorOf(() => dataset.createDecoder('blob')).code).toBe('E_ALLOCATION_TABLE');
    dataset.close();
  });

  it('with overlapping payloads is E_ALLOCATION_TABLE from get()', () => {
    const damaged = damagedCopy(path, 'overlapping-table.beton', (file) => {
      const table = u64(file, 16);
      file.writeBigUInt64LE(file.readBigUInt64LE(table + 24 + 8) + 10n, table + 2 * 24 + 8);
    });
    const dataset = openDataset(damaged);
    expect(errorOf(() => dataset.get(0)).message).toMatch(/entry 2 places 52 bytes at \d+, inside the payload of entry 1/);
    dataset.close();
  });

  it('whose sizes disagree with the metadata is E_METADATA from get()', () => {
    const damaged = damagedCopy(path, 'resized-table.beton', (file) => {
      const table = u64(file, 16);
      file.writeBigUInt64LE(file.readBigUInt64LE(table + 4 * 24 + 16) - 1n, table + 4 * 24 + 16);
    });
    expect(firstFailure(damaged)).toBe('E_METADATA');
  });
});

describe('createDecoder(...).decode()', () => {
  it('wraps a decoder failure as E_PLUGIN naming plugin, field and sample, like get()', async () => {
    const path = join(directory, 'decode-wrap.beton');
    await writeDataset(path, { blob: bytes() }, [{ blob: new Uint8Array(10) }, { blob: new Uint8Array(40) }], { pageSize: 4096, workers: 0 });
    const dataset = openDataset(path);
    const decoder = dataset.createDecoder('blob', undefined, { maxByteLength: 16 });
    const slot = createOutputSlot(decoder.output);
    decoder.decode(0, slot);
    expect(slot.lengths[0]).toBe(10);
    const error = errorOf(() => decoder.decode(1, slot));
    expect(error).toBeInstanceOf(PluginError);
    expect(error).toMatchObject({ code: 'E_PLUGIN', plugin: '@tessera/core', field: 'blob', sampleIndex: 1 });
    expect(error.message).toMatch(/plugin @tessera\/core, decode:bytes\(\) of field "blob" sample 1: sample 1 holds 40 bytes, more than maxByteLength 16/);
    expect(decoder.output).toEqual({ dtype: 'uint8', shape: [16], variableDims: [0] });
    dataset.close();
  });
});

describe('opening something that is not a regular file', () => {
  it('a FIFO is E_IO at once instead of blocking in open(2)', () => {
    const fifo = join(directory, 'pipe.beton');
    const made = spawnSync('mkfifo', [fifo]);
    if (made.status !== 0 || !existsSync(fifo)) return; // no mkfifo on this system
    expect(existsSync(distEntry)).toBe(true);
    const child = runChild(
      `import { openDataset } from ${JSON.stringify(distEntry)};
       try { openDataset(${JSON.stringify(fifo)}); console.log('opened'); } catch (error) { console.log(error.code, error.message); }`,
      15_000,
    );
    expect(child.signal).toBeNull();
    expect(child.stdout).toMatch(/^E_IO .*pipe\.beton is not a regular file \(a FIFO\)/);
    expect(errorOf(() => openDataset('/dev/zero')).message).toMatch(/not a regular file \(a character device\)/);
    expect(errorOf(() => openDataset(directory)).message).toMatch(/not a regular file \(a folder\)/);
  });
});

