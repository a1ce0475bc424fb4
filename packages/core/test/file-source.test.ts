import { mkdtempSync, readFileSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type FileSourceOptions, openFileSource } from '../src/io/file-source.js';
import { loadMmapBinding } from '../src/io/mmap-binding.js';
import { createRangeRandom, expectCode, expectSameBytes, randomBytes } from './helpers/io-assertions.js';

const KIBIBYTE = 1024;
const WINDOW_BYTE_LENGTH = 64 * KIBIBYTE;
const MAX_CONTIGUOUS_BYTE_LENGTH = 16 * KIBIBYTE;
const SMALL_WINDOWS: FileSourceOptions = {
  windowByteLength: WINDOW_BYTE_LENGTH,
  maxContiguousByteLength: MAX_CONTIGUOUS_BYTE_LENGTH,
};

let directory: string;
/** Not a whole number of windows: the last window is short. */
let ragged: { path: string; bytes: Buffer };
/** Exactly four windows: offset == byteLength lands on a window boundary with no window there. */
let whole: { path: string; bytes: Buffer };
let empty: string;

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'tessera-file-source-'));
  ragged = { path: join(directory, 'ragged.bin'), bytes: randomBytes(5 * WINDOW_BYTE_LENGTH + 12_345, 7) };
  whole = { path: join(directory, 'whole.bin'), bytes: randomBytes(4 * WINDOW_BYTE_LENGTH, 11) };
  empty = join(directory, 'empty.bin');
  writeFileSync(ragged.path, ragged.bytes);
  writeFileSync(whole.path, whole.bytes);
  writeFileSync(empty, new Uint8Array(0));
});

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

afterEach(() => {
  vi.unstubAllEnvs();
});

/** Ranges around every window boundary (inside, across, exactly the overlap, one past it) plus random ones. */
function rangesFor(fileByteLength: number, seed: number): Array<[offset: number, byteLength: number]> {
  const ranges: Array<[number, number]> = [
    [0, 0],
    [0, 1],
    [0, fileByteLength],
    [fileByteLength, 0],
    [fileByteLength - 1, 1],
  ];
  const lengths = [1, 2, 100, 4096, MAX_CONTIGUOUS_BYTE_LENGTH - 1, MAX_CONTIGUOUS_BYTE_LENGTH, MAX_CONTIGUOUS_BYTE_LENGTH + 1, 70 * KIBIBYTE];
  for (let boundary = WINDOW_BYTE_LENGTH; boundary < fileByteLength + WINDOW_BYTE_LENGTH; boundary += WINDOW_BYTE_LENGTH) {
    for (const before of [0, 1, 3, 4096, MAX_CONTIGUOUS_BYTE_LENGTH]) {
      for (const byteLength of lengths) ranges.push([boundary - before, byteLength]);
      // Ending exactly at the previous window's end, and one byte past it.
      ranges.push([boundary - before, before + MAX_CONTIGUOUS_BYTE_LENGTH], [boundary - before, before + MAX_CONTIGUOUS_BYTE_LENGTH + 1]);
    }
  }
  const random = createRangeRandom(seed);
  for (let count = 0; count < 2000; count++) {
    const scale = [64, MAX_CONTIGUOUS_BYTE_LENGTH + 1, 3 * WINDOW_BYTE_LENGTH][count % 3];
    const byteLength = random(scale);
    ranges.push([random(fileByteLength + 1), byteLength]);
  }
  return ranges.filter(([offset, byteLength]) => offset >= 0 && offset + byteLength <= fileByteLength);
}

const modes = [
  { name: 'mmap', options: { ...SMALL_WINDOWS, mmap: 'required' } },
  { name: 'pread', options: { ...SMALL_WINDOWS, mmap: 'off' } },
] as const;

describe.each(modes)('openFileSource in $name mode', ({ name, options }) => {
  for (const which of ['ragged', 'whole'] as const) {
    it(`views and copies match the file (${which} file)`, () => {
      const file = which === 'ragged' ? ragged : whole;
      expect(readFileSync(file.path).equals(file.bytes)).toBe(true);
      const source = openFileSource(file.path, options);
      try {
        expect(source.mode).toBe(name);
        expect(source.byteLength).toBe(file.bytes.length);
        expect(source.path).toBe(file.path);
        if (name === 'pread') expect(source.fallbackReason).toContain("mmap: 'off'");
        else expect(source.fallbackReason).toBeUndefined();

        const sentinel = 0xa5;
        const target = Buffer.alloc(3 * WINDOW_BYTE_LENGTH + 64, sentinel);
        for (const [offset, byteLength] of rangesFor(file.bytes.length, which === 'ragged' ? 1 : 2)) {
          const expected = file.bytes.subarray(offset, offset + byteLength);
          const label = `${which} [${offset}, +${byteLength})`;
          expectSameBytes(source.view(offset, byteLength), expected, `view ${label}`);
          expectSameBytes(source.view(offset, byteLength, true), expected, `scratch view ${label}`);

          if (byteLength + 32 <= target.length) {
            const targetOffset = 32;
            target.fill(sentinel);
            source.copyTo(offset, byteLength, target, targetOffset);
            expectSameBytes(target.subarray(targetOffset, targetOffset + byteLength), expected, `copyTo ${label}`);
            expect(target[targetOffset - 1]).toBe(sentinel);
            expect(target[targetOffset + byteLength]).toBe(sentinel);
          }
        }
      } finally {
        source.close();
      }
    });
  }

  it('serves ranges up to maxContiguousByteLength zero-copy in mmap mode, longer straddling ranges by copy', () => {
    const source = openFileSource(ragged.path, options);
    try {
      const inside = source.view(WINDOW_BYTE_LENGTH - 100, MAX_CONTIGUOUS_BYTE_LENGTH);
      const again = source.view(WINDOW_BYTE_LENGTH - 50, 10);
      const straddling = source.view(WINDOW_BYTE_LENGTH - 100, MAX_CONTIGUOUS_BYTE_LENGTH + 101);
      if (name === 'mmap') {
        // Views into window 0's mapping share its memory; the straddling one is its own copy.
        expect(inside.buffer).toBe(again.buffer);
        expect(inside.buffer.byteLength).toBe(WINDOW_BYTE_LENGTH + MAX_CONTIGUOUS_BYTE_LENGTH);
        expect(straddling.buffer.byteLength).toBeGreaterThanOrEqual(straddling.byteLength);
        expect(straddling.buffer).not.toBe(inside.buffer);
      } else {
        expect(inside.buffer).not.toBe(again.buffer);
      }
      expectSameBytes(straddling, ragged.bytes.subarray(WINDOW_BYTE_LENGTH - 100, WINDOW_BYTE_LENGTH + MAX_CONTIGUOUS_BYTE_LENGTH + 1), 'straddling');
    } finally {
      source.close();
    }
  });

  it('reuses one scratch buffer for scratch views', () => {
    const source = openFileSource(ragged.path, options);
    try {
      // In mmap mode only copies (straddling ranges) use the scratch buffer.
      const byteLength = name === 'mmap' ? 2 * WINDOW_BYTE_LENGTH : 1000;
      const first = source.view(10, byteLength, true);
      const firstBuffer = first.buffer;
      const second = source.view(20, byteLength, true);
      expect(second.buffer).toBe(firstBuffer);
      expectSameBytes(second, ragged.bytes.subarray(20, 20 + byteLength), 'second scratch view');
    } finally {
      source.close();
    }
  });

  it('accepts every advice over any range', () => {
    const source = openFileSource(ragged.path, options);
    try {
      for (const advice of ['random', 'sequential', 'willneed', 'normal', 'dontneed'] as const) {
        source.advise(0, source.byteLength, advice);
        source.advise(WINDOW_BYTE_LENGTH - 3, 3 * WINDOW_BYTE_LENGTH, advice);
        source.advise(12_345, 1, advice);
        source.advise(source.byteLength, 0, advice);
      }
      // dontneed drops this process's page mappings; reads still see the file.
      expectSameBytes(source.view(100, 5000), ragged.bytes.subarray(100, 5100), 'view after dontneed');
    } finally {
      source.close();
    }
  });

  it('rejects out-of-bounds, negative and fractional ranges with E_OUT_OF_BOUNDS', () => {
    const source = openFileSource(ragged.path, options);
    const fileByteLength = ragged.bytes.length;
    try {
      const pastEnd = expectCode(() => source.view(fileByteLength - 10, 4096), 'E_OUT_OF_BOUNDS');
      expect(pastEnd.message).toContain(`view of 4096 bytes at offset ${fileByteLength - 10} exceeds file size ${fileByteLength}`);
      expect(pastEnd.offset).toBe(fileByteLength - 10);
      expect(pastEnd.byteLength).toBe(4096);
      expectCode(() => source.view(fileByteLength + 1, 0), 'E_OUT_OF_BOUNDS');
      expectCode(() => source.view(-1, 10), 'E_OUT_OF_BOUNDS');
      expectCode(() => source.view(10, -1), 'E_OUT_OF_BOUNDS');
      expectCode(() => source.view(1.5, 10), 'E_OUT_OF_BOUNDS');
      expectCode(() => source.view(Number.NaN, 10), 'E_OUT_OF_BOUNDS');
      expectCode(() => source.view(0, Number.POSITIVE_INFINITY), 'E_OUT_OF_BOUNDS');
      expectCode(() => source.copyTo(-1, 10, new Uint8Array(10), 0), 'E_OUT_OF_BOUNDS');
      expectCode(() => source.copyTo(fileByteLength, 1, new Uint8Array(10), 0), 'E_OUT_OF_BOUNDS');
      expectCode(() => source.advise(fileByteLength - 1, 2, 'random'), 'E_OUT_OF_BOUNDS');
      // The target must hold the whole copy.
      const tooSmall = expectCode(() => source.copyTo(0, 100, new Uint8Array(150), 51), 'E_OUT_OF_BOUNDS');
      expect(tooSmall.message).toContain('into a target of 150 bytes at target offset 51');
      expectCode(() => source.copyTo(0, 10, new Uint8Array(150), -1), 'E_OUT_OF_BOUNDS');
    } finally {
      source.close();
    }
  });

  it('throws E_CLOSED after close(), which is idempotent', () => {
    const source = openFileSource(ragged.path, options);
    source.close();
    source.close();
    expectCode(() => source.view(0, 1), 'E_CLOSED');
    expectCode(() => source.view(0, 0), 'E_CLOSED');
    expectCode(() => source.copyTo(0, 1, new Uint8Array(1), 0), 'E_CLOSED');
    expectCode(() => source.advise(0, 1, 'random'), 'E_CLOSED');
    expect(source.byteLength).toBe(ragged.bytes.length);
  });

  it('handles a zero-length file', () => {
    const source = openFileSource(empty, options);
    try {
      expect(source.mode).toBe(name);
      expect(source.byteLength).toBe(0);
      expect(source.view(0, 0).byteLength).toBe(0);
      expect(source.view(0, 0, true).byteLength).toBe(0);
      source.copyTo(0, 0, new Uint8Array(0), 0);
      source.advise(0, 0, 'willneed');
      expectCode(() => source.view(0, 1), 'E_OUT_OF_BOUNDS');
    } finally {
      source.close();
    }
  });
});

describe.each(modes)('checkUnchanged in $name mode', ({ options }) => {
  it('passes while the file is as opened, then is E_IO once it shrank or was rewritten in place; E_CLOSED after close()', () => {
    const path = join(directory, 'changing.bin');
    writeFileSync(path, ragged.bytes);
    const source = openFileSource(path, options);
    expect(source.identity.byteLength).toBe(ragged.bytes.byteLength);
    source.checkUnchanged();
    truncateSync(path, 1000);
    const shrunk = expectCode(() => source.checkUnchanged(), 'E_IO');
    expect(shrunk.message).toContain(`has shrunk since it was opened (was ${ragged.bytes.byteLength} bytes, now 1000)`);
    source.close();
    expectCode(() => source.checkUnchanged(), 'E_CLOSED');

    writeFileSync(path, ragged.bytes);
    const rewritten = openFileSource(path, options);
    const stamp = new Date(Date.now() + 5000);
    writeFileSync(path, randomBytes(ragged.bytes.byteLength, 3));
    utimesSync(path, stamp, stamp);
    expect(expectCode(() => rewritten.checkUnchanged(), 'E_IO').message).toContain('was modified in place since it was opened');
    rewritten.close();
  });
});

describe('openFileSource options and fallback', () => {
  it('uses the patched binding', () => {
    const load = loadMmapBinding();
    expect(load.reason).toBeUndefined();
    expect(load.binding?.patched).toBe(true);
    expect(load.binding?.maxMappableOffset).toBe(Number.MAX_SAFE_INTEGER);
    expect(load.binding?.pageSizeBytes).toBeGreaterThan(0);
  });

  it('defaults to mmap', () => {
    const source = openFileSource(ragged.path);
    try {
      expect(source.mode).toBe('mmap');
      expectSameBytes(source.view(3, 70_000), ragged.bytes.subarray(3, 70_003), 'default options');
    } finally {
      source.close();
    }
  });

  it('falls back to pread when TESSERA_MMAP=0, and refuses when mmap is required', () => {
    vi.stubEnv('TESSERA_MMAP', '0');
    const load = loadMmapBinding();
    expect(load.binding).toBeNull();
    expect(load.reason).toContain('TESSERA_MMAP=0');
    const source = openFileSource(ragged.path, SMALL_WINDOWS);
    try {
      expect(source.mode).toBe('pread');
      expect(source.fallbackReason).toContain('TESSERA_MMAP=0');
      expectSameBytes(source.view(5, 10), ragged.bytes.subarray(5, 15), 'pread fallback');
    } finally {
      source.close();
    }
    const required = expectCode(() => openFileSource(ragged.path, { ...SMALL_WINDOWS, mmap: 'required' }), 'E_MMAP_UNAVAILABLE');
    expect(required.message).toContain('TESSERA_MMAP=0');
  });

  it('rejects bad options with E_ARGUMENT and a missing file with E_IO', () => {
    expectCode(() => openFileSource(ragged.path, { windowByteLength: WINDOW_BYTE_LENGTH + 1 }), 'E_ARGUMENT');
    expectCode(() => openFileSource(ragged.path, { windowByteLength: 0 }), 'E_ARGUMENT');
    expectCode(() => openFileSource(ragged.path, { maxContiguousByteLength: -1 }), 'E_ARGUMENT');
    expectCode(() => openFileSource(ragged.path, { mmap: 'sometimes' as never }), 'E_ARGUMENT');
    const missing = expectCode(() => openFileSource(join(directory, 'missing.bin')), 'E_IO');
    expect(missing.message).toContain('missing.bin');
    expectCode(() => openFileSource(directory), 'E_IO');
  });
});
