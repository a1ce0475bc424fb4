import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TesseraError } from '@tessera/core';
import { afterAll, describe, expect, it } from 'vitest';
import { parseNpyFloat32 } from '../src/ingest/npy-file.js';
import { listVideoFolder } from '../src/ingest/video-folder.js';
import { readVideoManifest } from '../src/ingest/video-manifest.js';

const root = mkdtempSync(join(tmpdir(), 'tessera-video-ingest-listing-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function touch(path: string, content: string | Uint8Array = 'x'): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
  return path;
}

const caught = (run: () => unknown): TesseraError => {
  try {
    run();
  } catch (error) {
    return error as TesseraError;
  }
  throw new Error('expected an error');
};

describe('listVideoFolder', () => {
  it('class subfolders sorted by code point are labels; video extensions (any case) in nested folders; other files counted', () => {
    const folder = join(root, 'classes');
    touch(join(folder, 'walk', 'b.mp4'));
    touch(join(folder, 'walk', 'nested', 'a.MKV'));
    touch(join(folder, 'Run', 'c.webm'));
    touch(join(folder, 'Run', 'd.mov'));
    touch(join(folder, 'jump', 'e.avi'));
    touch(join(folder, 'jump', 'f.m4v'));
    touch(join(folder, 'jump', 'notes.txt'));
    touch(join(folder, 'jump', '.hidden.mp4'));
    touch(join(folder, 'top.mp4'));
    mkdirSync(join(folder, '.cache'), { recursive: true });
    const listing = listVideoFolder(folder);
    expect(listing.classes).toEqual(['Run', 'jump', 'walk']);
    expect(listing.folder).toBe(folder);
    expect(listing.entries).toEqual([
      { path: join(folder, 'Run', 'c.webm'), label: 0 },
      { path: join(folder, 'Run', 'd.mov'), label: 0 },
      { path: join(folder, 'jump', 'e.avi'), label: 1 },
      { path: join(folder, 'jump', 'f.m4v'), label: 1 },
      { path: join(folder, 'walk', 'b.mp4'), label: 2 },
      { path: join(folder, 'walk', 'nested', 'a.MKV'), label: 2 },
    ]);
    // top.mp4 (directly in the folder), notes.txt, .hidden.mp4.
    expect(listing.ignoredFiles).toBe(3);
  });

  it('a missing folder is E_IO; no class folders or no videos is E_ARGUMENT saying the layout', () => {
    expect(caught(() => listVideoFolder(join(root, 'absent'))).code).toBe('E_IO');
    expect(caught(() => listVideoFolder(join(root, 'absent'))).message).toContain('cannot read the video folder');
    const flat = join(root, 'flat');
    touch(join(flat, 'a.mp4'));
    const error = caught(() => listVideoFolder(flat));
    expect(error.code).toBe('E_ARGUMENT');
    expect(error.message).toContain('has no class subfolders (it holds 1 video file directly); expected ROOT/<class>/<video files>');
    const empty = join(root, 'no-videos');
    touch(join(empty, 'cats', 'a.wav'));
    expect(caught(() => listVideoFolder(empty)).message).toContain('has 1 class subfolder but no video files below them');
    expect(caught(() => listVideoFolder(empty)).message).toContain('.mp4, .mkv, .webm, .mov, .avi, .m4v');
  });
});

describe('readVideoManifest', () => {
  const folder = join(root, 'corpus');

  it('.jsonl: paths relative to the manifest folder, start/end, label, caption (or text), flow; other keys ignored', () => {
    const manifest = touch(
      join(folder, 'train.jsonl'),
      [
        JSON.stringify({ path: 'clips/a.mp4', start: 0.5, end: 2.25, label: 3, caption: 'a dog runs', duration: 9 }),
        '',
        JSON.stringify({ path: '/abs/b.webm', label: 'cat', text: 'a cat sits', flow: 'flow/b.npy' }),
        JSON.stringify({ video: 'c.mkv' }),
      ].join('\n'),
    );
    const result = readVideoManifest(manifest);
    expect(result.format).toBe('jsonl');
    expect(result.path).toBe(manifest);
    expect(result.entries).toEqual([
      { path: join(folder, 'clips', 'a.mp4'), line: 1, start: 0.5, end: 2.25, label: 3, caption: 'a dog runs' },
      { path: '/abs/b.webm', line: 3, label: 'cat', caption: 'a cat sits', flow: join(folder, 'flow', 'b.npy') },
      { path: join(folder, 'c.mkv'), line: 4 },
    ]);
  });

  it('.csv: a header row; quoted cells; integer labels are integers, others class names; empty cells are absent', () => {
    const manifest = touch(join(folder, 'dev.csv'), 'path,start,end,label,caption\nclips/a.mp4,0.25,,7,"a, quoted ""caption"""\r\nclips/b.mp4,,1.5,walk,\n');
    expect(readVideoManifest(manifest).entries).toEqual([
      { path: join(folder, 'clips', 'a.mp4'), line: 2, start: 0.25, label: 7, caption: 'a, quoted "caption"' },
      { path: join(folder, 'clips', 'b.mp4'), line: 3, end: 1.5, label: 'walk' },
    ]);
  });

  it('malformed rows are E_ARGUMENT naming file and line; a missing manifest is E_IO', () => {
    const cases: [string, string, string][] = [
      ['bad.jsonl', '{"path": "a.mp4"}\n\n{oops\n', 'bad.jsonl:3 is not JSON'],
      ['array.jsonl', '["a.mp4"]\n', 'array.jsonl:1 is not a JSON object'],
      ['nopath.jsonl', '{"caption": "hi"}\n', 'nopath.jsonl:1 has no "path" (a string: the video file'],
      ['start.jsonl', '{"path": "a.mp4", "start": -1}\n', 'start.jsonl:1: "start" must be a non-negative number of seconds, got -1'],
      ['order.jsonl', '{"path": "a.mp4", "start": 2, "end": 1}\n', 'order.jsonl:1: end 1 is before start 2'],
      ['label.jsonl', '{"path": "a.mp4", "label": 1.5}\n', 'label.jsonl:1: "label" must be an integer or a class name, got 1.5'],
      ['caption.jsonl', '{"path": "a.mp4", "caption": 3}\n', 'caption.jsonl:1: "caption" must be a string, got 3'],
      ['cells.csv', 'path,label\na.mp4,1\nb.mp4,1,2\n', 'cells.csv:3 has 3 cells, the header has 2'],
      ['quote.csv', 'path,caption\na.mp4,"never closed\n', 'quote.csv:2: malformed CSV: a quoted cell is never closed'],
      ['end.csv', 'path,end\na.mp4,later\n', 'end.csv:2: "end" must be a non-negative number of seconds, got "later"'],
      ['list.txt', 'a.mp4\n', 'a manifest is a .jsonl or .csv file, got .txt'],
    ];
    for (const [name, content, message] of cases) {
      const error = caught(() => readVideoManifest(touch(join(folder, name), content)));
      expect(error.code, name).toBe('E_ARGUMENT');
      expect(error.message, name).toContain(message);
    }
    expect(caught(() => readVideoManifest(touch(join(folder, 'latin1.csv'), new Uint8Array([0x70, 0x61, 0x74, 0x68, 0x0a, 0xe9, 0x0a])))).message).toContain('is not UTF-8 text');
    expect(caught(() => readVideoManifest(join(folder, 'absent.jsonl'))).code).toBe('E_IO');
  });
});

/** A .npy file as numpy writes it: magic, version 1.0, the header padded with spaces to 64 bytes, a newline. */
function npy(descr: string, shape: number[], data: Float32Array, options: { fortran?: boolean; header?: string } = {}): Uint8Array {
  const dict = options.header ?? `{'descr': '${descr}', 'fortran_order': ${options.fortran ? 'True' : 'False'}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const unpadded = 10 + dict.length + 1;
  const header = `${dict}${' '.repeat((64 - (unpadded % 64)) % 64)}\n`;
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

describe('parseNpyFloat32', () => {
  const values = Float32Array.from({ length: 2 * 3 * 4 * 2 }, (_, index) => index * 0.5 - 3);

  it('reads little-endian float32 in C order with its shape', () => {
    const bytes = npy('<f4', [2, 3, 4, 2], values);
    expect((10 + (bytes.length - 10 - values.byteLength)) % 64).toBe(0);
    const parsed = parseNpyFloat32(bytes, 'flow.npy');
    expect(parsed.shape).toEqual([2, 3, 4, 2]);
    expect(Array.from(parsed.data)).toEqual(Array.from(values));
    // A Buffer slice at an odd offset still gives an aligned copy.
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    expect(Array.from(parseNpyFloat32(shifted.subarray(1), 'flow.npy').data)).toEqual(Array.from(values));
  });

  it('wrong dtype, Fortran order, truncation, extra bytes and bad headers are E_VIDEO_INPUT naming the file', () => {
    const good = npy('<f4', [2, 3, 4, 2], values);
    const cases: [string, Uint8Array, string][] = [
      ['float64', npy('<f8', [2, 3, 4, 2], values), "dtype '<f8', expected '<f4'"],
      ['big-endian', npy('>f4', [2, 3, 4, 2], values), "dtype '>f4'"],
      ['fortran', npy('<f4', [2, 3, 4, 2], values, { fortran: true }), 'fortran_order is True'],
      ['truncated data', good.subarray(0, good.length - 4), 'needs 192 data bytes, the file has 188 (truncated)'],
      ['extra data', new Uint8Array([...good, 0, 0, 0, 0]), 'needs 192 data bytes, the file has 196'],
      ['truncated header', good.subarray(0, 40), '(truncated)'],
      ['no magic', new Uint8Array(good.length), 'does not start with \\x93NUMPY'],
      ['version', Uint8Array.from(good, (byte, index) => (index === 6 ? 9 : byte)), 'format version 9.0'],
      ['shape', npy('<f4', [], values, { header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }" }), 'is not a tuple of integers'],
      ['missing key', npy('<f4', [], values, { header: "{'descr': '<f4', 'shape': (2, 3, 4, 2), }" }), 'lacks descr, fortran_order or shape'],
      ['extra key', npy('<f4', [], values, { header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 4, 2), 'x': 1, }" }), 'cannot read the header'],
      ['repeated key', npy('<f4', [], values, { header: "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (48,), }" }), "repeats 'descr'"],
    ];
    for (const [name, bytes, message] of cases) {
      const error = caught(() => parseNpyFloat32(bytes, 'flow.npy'));
      expect(error.code, name).toBe('E_VIDEO_INPUT');
      expect(error.message, name).toContain('flow.npy: not a float32 .npy file');
      expect(error.message, name).toContain(message);
    }
  });
});
