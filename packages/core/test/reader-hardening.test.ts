import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PluginError, TesseraError, bytes, createOutputSlot, int64, openDataset, verifyDataset, writeDataset } from '../src/index.js';
import { damagedFooterEvidence } from '../src/spec/extension-block.js';
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

  it('rejects unknown decoder options with the same E_ARGUMENT as the loader, and names of Object.prototype as decoders', async () => {
    const path = join(directory, 'decoder-options.beton');
    await writeDataset(path, { id: int64(), blob: bytes() }, [{ id: 1, blob: new Uint8Array(3) }], { pageSize: 4096, workers: 0 });
    const dataset = openDataset(path);
    try {
      const typo = errorOf(() => dataset.createDecoder('blob', undefined, { maxBytelength: 8 }));
      expect(typo).toMatchObject({ code: 'E_ARGUMENT', argument: 'pipelines.blob.decoderOptions.maxBytelength' });
      expect(typo.message).toMatch(/decoder "bytes" of field "blob": unknown option "maxBytelength"; did you mean maxByteLength\?/);
      const none = errorOf(() => dataset.createDecoder('id', 'int32', { signed: true }));
      expect(none).toMatchObject({ code: 'E_ARGUMENT', argument: 'pipelines.id.decoderOptions.signed' });
      expect(none.message).toMatch(/decoder "int32" of field "id" takes no options/);
      expect(errorOf(() => dataset.createDecoder('blob', 'bytes', 8)).message).toMatch(/decoder "bytes" takes an options object \(maxByteLength\), got 8/);
      const inherited = errorOf(() => dataset.createDecoder('blob', 'constructor'));
      expect(inherited.code).toBe('E_ARGUMENT');
      expect(inherited.message).toMatch(/field "blob" \(.*\) has no decoder "constructor"; it has "bytes"/);
      // The declared option still works.
      expect(dataset.createDecoder('blob', undefined, { maxByteLength: 5 }).output).toEqual({ dtype: 'uint8', shape: [5], variableDims: [0] });
    } finally {
      dataset.close();
    }
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


describe('a damaged extension footer', () => {
  const samples = Array.from({ length: 30 }, (_, index) => ({ id: index, blob: new Uint8Array(100 + index).fill(index) }));
  let path: string;
  let pristine: Buffer;
  beforeAll(async () => {
    path = join(directory, 'footer.beton');
    await writeDataset(path, { id: int64(), blob: bytes() }, samples, { pageSize: 4096, workers: 0 });
    pristine = readFileSync(path);
  });

  /** What openDataset throws and what verify reports for the file with `edit` applied. */
  function outcome(source: Buffer, edit: (file: Buffer, footerOffset: number) => void) {
    const file = Buffer.from(source);
    const footerOffset = u64(file, 16) - 32;
    edit(file, footerOffset);
    const damaged = join(directory, 'footer-damaged.beton');
    writeFileSync(damaged, file);
    let opened = 'ok';
    try {
      openDataset(damaged).close();
    } catch (error) {
      opened = (error as TesseraError).code;
    }
    const report = verifyDataset(damaged);
    return { opened, ok: report.ok, codes: report.problems.map((problem) => problem.code) };
  }

  it('with any one bit of the magic flipped is E_EXTENSION_BLOCK from openDataset and verify, never "an FFCV file"', () => {
    for (let bit = 0; bit < 64; bit++) {
      const result = outcome(pristine, (file, footerOffset) => {
        file[footerOffset + (bit >> 3)] = file[footerOffset + (bit >> 3)]! ^ (1 << (bit & 7));
      });
      expect(result, `magic bit ${bit}`).toEqual({ opened: 'E_EXTENSION_BLOCK', ok: false, codes: expect.arrayContaining(['E_EXTENSION_BLOCK']) });
    }
  });

  it('with a flipped magic and a changed label, verify does not pass it', () => {
    const labelOffset = 24 + 2 * 1041 + 7 * 24; // id column of sample 7 (records of 24 bytes: id, blob {ptr, size})
    const result = outcome(pristine, (file, footerOffset) => {
      file[footerOffset] = file[footerOffset]! ^ 0x01;
      file.writeBigInt64LE(70n, labelOffset);
    });
    expect(result.opened).toBe('E_EXTENSION_BLOCK');
    expect(result.ok).toBe(false);
  });

  it('with any other footer byte flipped is E_EXTENSION_BLOCK', () => {
    for (let byte = 8; byte < 32; byte++) {
      const result = outcome(pristine, (file, footerOffset) => {
        file[footerOffset + byte] = file[footerOffset + byte]! ^ 0x10;
      });
      expect(result.opened, `footer byte ${byte}`).toBe('E_EXTENSION_BLOCK');
      expect(result.ok, `footer byte ${byte}`).toBe(false);
    }
  });

  it('is recognised even when the extension block fills whole pages (the file then ends like an FFCV one)', async () => {
    // Pad the extension JSON through `info` until the block is exactly one 4096-byte page.
    const aligned = join(directory, 'footer-aligned.beton');
    let padding = 100;
    let file = Buffer.alloc(0);
    for (let attempt = 0; attempt < 4; attempt++) {
      await writeDataset(aligned, { id: int64(), blob: bytes() }, samples, { pageSize: 4096, workers: 0, info: { padding: 'x'.repeat(padding) } });
      file = readFileSync(aligned);
      const dataset = openDataset(aligned);
      const blockByteLength = dataset.layout.allocationTableOffset - dataset.layout.dataEnd;
      dataset.close();
      if (blockByteLength === 4096) break;
      padding += 4096 - blockByteLength;
    }
    const dataset = openDataset(aligned);
    expect((dataset.layout.allocationTableOffset - dataset.layout.dataStart) % 4096).toBe(0);
    dataset.close();
    for (const bit of [0, 13, 63]) {
      const result = outcome(file, (bytesOfFile, footerOffset) => {
        bytesOfFile[footerOffset + (bit >> 3)] = bytesOfFile[footerOffset + (bit >> 3)]! ^ (1 << (bit & 7));
      });
      expect(result, `magic bit ${bit}`).toMatchObject({ opened: 'E_EXTENSION_BLOCK', ok: false });
    }
    // The whole magic wiped: the footer's JSON offset and length still end where it starts.
    expect(outcome(file, (bytesOfFile, footerOffset) => bytesOfFile.fill(0, footerOffset, footerOffset + 8))).toMatchObject({ opened: 'E_EXTENSION_BLOCK', ok: false });
  });

  it("does not mistake an FFCV file's last page for a footer", () => {
    const zeros = new Uint8Array(32);
    expect(damagedFooterEvidence(zeros, 4096 * 3 - 32, 1000)).toBeUndefined();
    for (const name of ['f01_all_fields_1', 'f05_ndarray_json_500_page2m', 'f09_page_overflow']) {
      const file = readFileSync(fixturePath(name));
      const footerOffset = u64(file, 16) - 32;
      expect(damagedFooterEvidence(file.subarray(footerOffset, footerOffset + 32), footerOffset, 0), name).toBeUndefined();
    }
  });
});

describe('a file truncated or rewritten while open', () => {
  let path: string;
  beforeAll(async () => {
    path = join(directory, 'shrinking.beton');
    const samples = Array.from({ length: 64 }, (_, index) => ({ id: index, blob: new Uint8Array(1000).fill(index + 1) }));
    await writeDataset(path, { id: int64(), blob: bytes() }, samples, { pageSize: 4096, workers: 0 });
  });

  /**
   * In a child process (SIGBUS would kill the test runner): open, read, change the file in place,
   * then try every read path; the child prints one line per path and must exit normally.
   */
  function afterChange(change: string, openOptions: string) {
    const copy = join(directory, `changing-${Math.random().toString(36).slice(2)}.beton`);
    writeFileSync(copy, readFileSync(path));
    const script = `
      import { copyFileSync, truncateSync, writeFileSync, statSync } from 'node:fs';
      import { openDataset, createOutputSlot } from ${JSON.stringify(distEntry)};
      const path = ${JSON.stringify(copy)};
      const dataset = openDataset(path, ${openOptions});
      console.log('mode', dataset.ioMode, dataset.cacheMode, dataset.get(40).blob[0]);
      const decoder = dataset.createDecoder('blob');
      const slot = createOutputSlot(decoder.output);
      const size = statSync(path).size;
      ${change};
      const attempt = (name, action) => { try { action(); console.log(name, 'returned'); } catch (error) { console.log(name, error.code, error.message); } };
      attempt('get', () => { for (let sample = 7; sample < 64; sample++) dataset.get(sample); });
      attempt('read', () => dataset.read(63, 'blob'));
      attempt('toJSON', () => dataset.toJSON(63, 'blob'));
      attempt('fileBytes', () => dataset.fileBytes(size - 100, 100));
      attempt('assertUnchanged', () => dataset.assertUnchanged());
      dataset.close();
      console.log('done');`;
    const child = runChild(script);
    rmSync(copy, { force: true });
    return child;
  }

  const paths = ['get', 'read', 'toJSON', 'fileBytes', 'assertUnchanged'];

  it('is E_IO "has shrunk since it was opened" on every read path with the default mmap, not zeros or SIGBUS', () => {
    const child = afterChange('truncateSync(path, Math.floor(size / 2))', '{}');
    expect(child.signal, child.stderr).toBeNull();
    expect(child.status, child.stderr).toBe(0);
    const lines = child.stdout.split('\n');
    expect(lines[0]).toBe('mode mmap os 41');
    for (const name of paths) {
      const line = lines.find((candidate) => candidate.startsWith(`${name} `));
      expect(line, name).toMatch(new RegExp(`^${name} E_IO `));
      expect(line, name).toMatch(/has shrunk since it was opened \(was \d+ bytes, now \d+\)/);
    }
    expect(lines.at(-1)).toBe('done');
  });

  it('is E_IO "was modified in place" after cp over the open file, in every I/O mode', () => {
    const rewrite = `const other = path + '.other'; writeFileSync(other, Buffer.alloc(size, 7)); copyFileSync(other, path)`;
    for (const options of ['{}', "{ mmap: 'off' }", "{ cache: 'process' }"]) {
      const child = afterChange(rewrite, options);
      expect(child.signal, child.stderr).toBeNull();
      expect(child.status, child.stderr).toBe(0);
      for (const name of paths) {
        expect(child.stdout.split('\n').find((line) => line.startsWith(`${name} `)), `${name} with ${options}`).toMatch(/ E_IO .*was modified in place since it was opened/);
      }
    }
  });
});
