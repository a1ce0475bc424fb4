/**
 * A sparse file past 4 GiB, read with the default windows (1 GiB + 64 MiB overlap). Unpatched,
 * @riaskov/mmap-io reads sizes and offsets as 32-bit ints: mapping a 1 GiB window at 4 GiB maps
 * offset 0 instead, and one at 2 GiB fails. The sparse file takes a few pages of disk.
 */
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFileSource } from '../src/io/file-source.js';

const GIBIBYTE = 2 ** 30;
const MEBIBYTE = 2 ** 20;
const FILE_BYTE_LENGTH = 6 * GIBIBYTE + 12_345;

interface Marker {
  offset: number;
  bytes: Buffer;
}

function pattern(seed: number, byteLength: number): Buffer {
  const bytes = Buffer.alloc(byteLength);
  for (let index = 0; index < byteLength; index++) bytes[index] = (seed * 37 + index * 11 + 1) & 0xff || 0x5a;
  return bytes;
}

const MARKERS: Marker[] = [
  { offset: 0, bytes: pattern(1, 32) },
  { offset: 2 * GIBIBYTE - 3, bytes: pattern(2, 32) }, // straddles 2 GiB
  { offset: 4 * GIBIBYTE - 2, bytes: pattern(3, 2) }, // ends exactly at 4 GiB
  { offset: 4 * GIBIBYTE, bytes: pattern(4, 32) },
  { offset: 4 * GIBIBYTE + 4097, bytes: pattern(5, 32) },
  { offset: 5 * GIBIBYTE + 64 * MEBIBYTE - 5, bytes: pattern(7, 16) }, // straddles the end of window 4
  { offset: FILE_BYTE_LENGTH - 32, bytes: pattern(6, 32) },
];

/** The expected content of [offset, offset + byteLength): zeros plus any markers inside it. */
function expectedRange(offset: number, byteLength: number): Buffer {
  const expected = Buffer.alloc(byteLength);
  for (const marker of MARKERS) {
    const start = Math.max(offset, marker.offset);
    const end = Math.min(offset + byteLength, marker.offset + marker.bytes.length);
    if (start < end) marker.bytes.copy(expected, start - offset, start - marker.offset, end - marker.offset);
  }
  return expected;
}

function sameBytes(actual: Uint8Array, expected: Buffer): boolean {
  return actual.byteLength === expected.byteLength && Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(expected);
}

let directory: string;
let path: string;

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'tessera-mmap-large-'));
  path = join(directory, 'sparse.bin');
  const fd = openSync(path, 'w');
  try {
    ftruncateSync(fd, FILE_BYTE_LENGTH);
    for (const marker of MARKERS) writeSync(fd, marker.bytes, 0, marker.bytes.length, marker.offset);
  } finally {
    closeSync(fd);
  }
});

afterAll(() => {
  if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
});

describe.each(['required', 'off'] as const)('a 6 GiB sparse file with mmap: %s', (mmap) => {
  it('reads every marker, including ranges across 2 GiB and 4 GiB', () => {
    const source = openFileSource(path, { mmap });
    try {
      expect(source.mode).toBe(mmap === 'required' ? 'mmap' : 'pread');
      expect(source.byteLength).toBe(FILE_BYTE_LENGTH);
      const ranges: Array<[number, number]> = MARKERS.map((marker) => [marker.offset, marker.bytes.length]);
      ranges.push(
        [4 * GIBIBYTE - 2, 34], // across 4 GiB: two markers
        [4 * GIBIBYTE - 4096, 3 * 4096], // pages on both sides of 4 GiB
        [2 * GIBIBYTE - 100, 200],
        [3 * GIBIBYTE - 1, 2], // across a window boundary (zero-copy through the overlap)
        [FILE_BYTE_LENGTH - 100, 100],
        [FILE_BYTE_LENGTH, 0],
      );
      const target = Buffer.alloc(64 * 1024);
      for (const [offset, byteLength] of ranges) {
        const expected = expectedRange(offset, byteLength);
        expect(sameBytes(source.view(offset, byteLength), expected), `view [${offset}, +${byteLength})`).toBe(true);
        target.fill(0xee);
        source.copyTo(offset, byteLength, target, 7);
        expect(sameBytes(target.subarray(7, 7 + byteLength), expected), `copyTo [${offset}, +${byteLength})`).toBe(true);
      }
    } finally {
      source.close();
    }
  });

  it('copies a range longer than the overlap that crosses a window end past 4 GiB', () => {
    // Starts in window 4 ([4 GiB, 5 GiB + 64 MiB)) and ends 1 MiB past its end: assembled from windows 4 and 5.
    const offset = 5 * GIBIBYTE - MEBIBYTE;
    const byteLength = 66 * MEBIBYTE;
    const source = openFileSource(path, { mmap });
    try {
      const view = source.view(offset, byteLength);
      expect(view.byteLength).toBe(byteLength);
      expect(sameBytes(view, expectedRange(offset, byteLength))).toBe(true);
      const copy = Buffer.alloc(byteLength + 1, 0xee);
      source.copyTo(offset, byteLength, copy, 1);
      expect(sameBytes(copy.subarray(1), expectedRange(offset, byteLength))).toBe(true);
      source.advise(offset, byteLength, 'dontneed');
    } finally {
      source.close();
    }
  });
});
