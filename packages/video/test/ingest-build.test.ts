import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TesseraError, openDataset } from '@tessera/core';
import { afterAll, describe, expect, it } from 'vitest';
import { buildVideoDataset } from '../src/ingest/build-video-dataset.js';
import { listVideoFolder } from '../src/ingest/video-folder.js';
import { readVideoManifest } from '../src/ingest/video-manifest.js';
import { videoPlugin } from '../src/video-plugin.js';
import { fixturePath } from './fixture-references.js';

// The plugin is imported from src: the writer encodes on this thread (workers: 0); the CLI test runs the built package with workers.
const root = mkdtempSync(join(tmpdir(), 'tessera-video-ingest-build-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Fixture videos (frames, seconds as PyAV reports them in fixtures/*.json). */
const VIDEOS = {
  'cfr-gop30.mp4': { frames: 75, seconds: 3.0 },
  'vfr.mp4': { frames: 42, seconds: 2.94 },
  'bframes-gop12.mp4': { frames: 90, seconds: 3.0 },
  'odd-size-vp9.webm': { frames: 50, seconds: 2.0 },
};

function videoFolder(name: string, layout: Record<string, string[]>): string {
  const folder = join(root, name);
  for (const [className, files] of Object.entries(layout)) {
    mkdirSync(join(folder, className), { recursive: true });
    for (const file of files) copyFileSync(fixturePath(file), join(folder, className, file));
  }
  return folder;
}

async function rejection(promise: Promise<unknown>): Promise<TesseraError> {
  try {
    await promise;
  } catch (error) {
    return error as TesseraError;
  }
  throw new Error('expected a rejection');
}

/** Per sample: label, frames and duration (the info decoder), stored stream bytes (toJSON). */
function readBack(path: string) {
  const dataset = openDataset(path, { plugins: [videoPlugin()] });
  try {
    const info = dataset.createDecoder('video', 'info');
    const out = new Float64Array(7);
    const slot = { data: out, bytes: new Uint8Array(out.buffer), byteOffset: 0, shape: [7] } as never;
    const rows = [];
    for (let index = 0; index < dataset.numSamples; index++) {
      info.decode(index, slot);
      const json = dataset.toJSON(index, 'video') as { byteLength: number };
      rows.push({
        label: dataset.hasField('label') ? Number(dataset.read(index, 'label')) : undefined,
        caption: dataset.hasField('caption') ? dataset.read(index, 'caption') : undefined,
        frames: out[0]!,
        seconds: out[1]!,
        byteLength: json.byteLength,
      });
    }
    return { fields: dataset.fields.map((field) => field.name), info: dataset.extension?.info, rows };
  } finally {
    dataset.close();
  }
}

/** A version 1.0 .npy file of little-endian float32 in C order. */
function npy(shape: number[], data: Float32Array): Uint8Array {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`;
  const header = `${dict}${' '.repeat((64 - ((10 + dict.length + 1) % 64)) % 64)}\n`;
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

describe('buildVideoDataset', () => {
  it('a folder: labels by class, every frame stored, and bytes per second = stored stream bytes / seconds of video', async () => {
    const folder = videoFolder('two-classes', { run: ['cfr-gop30.mp4', 'vfr.mp4'], jump: ['bframes-gop12.mp4', 'odd-size-vp9.webm'] });
    writeFileSync(join(folder, 'run', 'notes.txt'), 'not a video');
    const output = join(root, 'folder.beton');
    const progress: number[] = [];
    const summary = await buildVideoDataset(listVideoFolder(folder), output, { workers: 0, onProgress: (event) => progress.push(event.loaded) });
    expect(summary).toMatchObject({ output, source: 'folder', input: folder, field: 'compressed', fieldName: 'video', classes: ['jump', 'run'], fields: ['video', 'label'], listed: 4, numSamples: 4, skipped: [], ignoredFiles: 1 });
    expect(progress.at(-1)).toBe(4);
    const back = readBack(output);
    expect(back.fields).toEqual(['video', 'label']);
    const order = ['bframes-gop12.mp4', 'odd-size-vp9.webm', 'cfr-gop30.mp4', 'vfr.mp4'] as const;
    expect(back.rows.map((row) => row.label)).toEqual([0, 0, 1, 1]);
    expect(back.rows.map((row) => row.frames)).toEqual(order.map((file) => VIDEOS[file].frames));
    for (const [index, row] of back.rows.entries()) expect(row.seconds).toBeCloseTo(VIDEOS[order[index]!].seconds, 9);
    const storedBytes = back.rows.reduce((sum, row) => sum + row.byteLength, 0);
    const seconds = back.rows.reduce((sum, row) => sum + row.seconds, 0);
    expect(summary.frames).toBe(75 + 42 + 90 + 50);
    expect(summary.videoSeconds).toBeCloseTo(seconds, 9);
    expect(summary.storage).toEqual([{ field: 'video', kind: 'compressed', byteLength: storedBytes, bytesPerSecond: storedBytes / summary.videoSeconds }]);
    expect(summary.bytesPerSecond).toBe(storedBytes / summary.videoSeconds);
    expect(summary.fileByteLength).toBeGreaterThan(storedBytes);
  });

  it('a manifest: ranges, class-name labels numbered in sorted order, captions (null where a row has none)', async () => {
    const folder = join(root, 'manifest');
    mkdirSync(join(folder, 'clips'), { recursive: true });
    copyFileSync(fixturePath('cfr-gop30.mp4'), join(folder, 'clips', 'cfr.mp4'));
    copyFileSync(fixturePath('vfr.mp4'), join(folder, 'vfr.mp4'));
    const manifest = join(folder, 'train.csv');
    writeFileSync(manifest, 'path,start,end,label,caption\nclips/cfr.mp4,1.2,2,walk,"a walk, slowly"\nvfr.mp4,,,run,\nclips/cfr.mp4,,,run,whole\n');
    const output = join(root, 'manifest.beton');
    const summary = await buildVideoDataset(readVideoManifest(manifest), output, { workers: 0 });
    expect(summary).toMatchObject({ source: 'manifest', input: manifest, classes: ['run', 'walk'], fields: ['video', 'label', 'caption'], numSamples: 3 });
    const back = readBack(output);
    expect(back.rows.map((row) => row.label)).toEqual([1, 0, 0]);
    expect(back.rows.map((row) => row.caption)).toEqual(['a walk, slowly', null, 'whole']);
    // [1.2, 2) of a 25 fps video with a keyframe every 30 frames: from the keyframe at 1.2 s (frame 30) to frame 49.
    expect(back.rows.map((row) => row.frames)).toEqual([20, 42, 75]);
    expect(back.rows[0]!.seconds).toBeCloseTo(0.8, 9);
    expect(summary.videoSeconds).toBeCloseTo(0.8 + 2.94 + 3, 9);
    expect(back.info).toMatchObject({ source: 'video-manifest', classes: ['run', 'walk'], field: 'compressed' });
  });

  it('an unreadable video fails the build naming it and its manifest line (no output); skipInvalid lists it and writes the rest', async () => {
    const folder = videoFolder('with-truncated', { a: ['cfr-gop30.mp4', 'truncated.mp4'], b: ['truncated-faststart.mp4', 'vfr.mp4'] });
    writeFileSync(join(folder, 'a', 'empty.mp4'), '');
    const output = join(root, 'truncated.beton');
    const error = await rejection(buildVideoDataset(listVideoFolder(folder), output, { workers: 0 }));
    expect(error.code).toBe('E_VIDEO_INPUT');
    expect(error.message).toContain(join(folder, 'a', 'empty.mp4'));
    expect(existsSync(output)).toBe(false);

    const summary = await buildVideoDataset(listVideoFolder(folder), output, { workers: 0, skipInvalid: true });
    expect(summary.numSamples).toBe(2);
    expect(summary.skipped.map((skipped) => [skipped.path.slice(folder.length + 1), skipped.code])).toEqual([
      ['a/empty.mp4', 'E_VIDEO_INPUT'],
      ['a/truncated.mp4', 'E_VIDEO_INPUT'],
      ['b/truncated-faststart.mp4', 'E_VIDEO_INPUT'],
    ]);
    expect(summary.skipped[2]!.error).toContain('truncated');
    const back = readBack(output);
    expect(back.rows.map((row) => [row.label, row.frames])).toEqual([
      [0, 75],
      [1, 42],
    ]);
    expect(summary.bytesPerSecond).toBe(back.rows.reduce((sum, row) => sum + row.byteLength, 0) / summary.videoSeconds);

    const manifest = join(folder, 'list.jsonl');
    writeFileSync(manifest, `${JSON.stringify({ path: 'a/cfr-gop30.mp4' })}\n${JSON.stringify({ path: 'a/missing.mp4' })}\n`);
    const missing = await rejection(buildVideoDataset(readVideoManifest(manifest), output, { workers: 0 }));
    expect(missing.code).toBe('E_VIDEO_INPUT');
    expect(missing.message).toContain(`${join(folder, 'a', 'missing.mp4')} (manifest line 2): FFmpeg cannot open it`);
  });

  it("field 'frames': one JPEG per frame at maxSide, bytes per second from the stored frames", async () => {
    const output = join(root, 'frames.beton');
    const summary = await buildVideoDataset([{ path: fixturePath('cfr-gop30.mp4'), label: 2 }, { path: fixturePath('vfr.mp4'), label: 0, start: 1 }], output, { field: 'frames', maxSide: 48, quality: 80, workers: 0 });
    expect(summary).toMatchObject({ source: 'entries', field: 'frames', fieldName: 'video', fields: ['video', 'label'], numSamples: 2 });
    const dataset = openDataset(output, { plugins: [videoPlugin()] });
    try {
      const stored = [0, 1].map((index) => dataset.toJSON(index, 'video') as { width: number; height: number; frames: number; quality: number; byteLength: number });
      expect(stored.map(({ width, height, quality }) => [width, height, quality])).toEqual([
        [48, 32, 80],
        [48, 32, 80],
      ]);
      expect(stored[0]!.frames).toBe(75);
      const byteLength = stored[0]!.byteLength + stored[1]!.byteLength;
      expect(summary.storage).toEqual([{ field: 'video', kind: 'frames', byteLength, bytesPerSecond: byteLength / summary.videoSeconds }]);
      expect([0, 1].map((index) => Number(dataset.read(index, 'label')))).toEqual([2, 0]);
    } finally {
      dataset.close();
    }
  });

  it("field 'flow': each row's .npy beside its compressed video (exact at the int16 step); a wrong shape is E_VIDEO_INPUT, skipped with skipInvalid", async () => {
    const folder = join(root, 'flow');
    mkdirSync(folder, { recursive: true });
    const [height, width] = [4, 6];
    // cfr-gop30.mp4: 75 frames → 74 pairs; values on the int16 grid (1/64 px) round-trip exactly.
    const flow = Float32Array.from({ length: 74 * height * width * 2 }, (_, index) => ((index % 97) - 48) / 64);
    writeFileSync(join(folder, 'cfr.npy'), npy([74, height, width, 2], flow));
    writeFileSync(join(folder, 'short.npy'), npy([10, height, width, 2], flow.subarray(0, 10 * height * width * 2)));
    copyFileSync(fixturePath('cfr-gop30.mp4'), join(folder, 'cfr.mp4'));
    const manifest = join(folder, 'flow.jsonl');
    writeFileSync(manifest, [{ path: 'cfr.mp4', flow: 'cfr.npy', label: 1 }, { path: 'cfr.mp4', flow: 'short.npy', label: 0 }].map((row) => JSON.stringify(row)).join('\n'));
    const output = join(root, 'flow.beton');
    const error = await rejection(buildVideoDataset(readVideoManifest(manifest), output, { field: 'flow', workers: 0 }));
    expect(error.code).toBe('E_VIDEO_INPUT');
    expect(error.message).toContain(`${join(folder, 'short.npy')} (manifest line 2): the flow has shape [10, 4, 6, 2], expected [74, H, W, 2] (the video has 75 frames)`);
    const summary = await buildVideoDataset(readVideoManifest(manifest), output, { field: 'flow', workers: 0, skipInvalid: true });
    expect(summary).toMatchObject({ field: 'flow', fieldName: 'flow', fields: ['video', 'flow', 'label'], numSamples: 1, skipped: [{ path: join(folder, 'cfr.mp4'), line: 2, code: 'E_VIDEO_INPUT' }] });
    const dataset = openDataset(output, { plugins: [videoPlugin()] });
    try {
      const stored = dataset.read(0, 'flow') as { flow: Float32Array; width: number; height: number; frames: number; durationSeconds: number };
      expect([stored.width, stored.height, stored.frames]).toEqual([width, height, 75]);
      expect(stored.flow).toEqual(flow);
      expect(stored.durationSeconds).toBeCloseTo(3, 9);
      const flowBytes = (dataset.toJSON(0, 'flow') as { byteLength: number }).byteLength;
      const videoBytes = (dataset.toJSON(0, 'video') as { byteLength: number }).byteLength;
      expect(summary.storage).toEqual([
        { field: 'flow', kind: 'flow', byteLength: flowBytes, bytesPerSecond: flowBytes / summary.videoSeconds },
        { field: 'video', kind: 'compressed', byteLength: videoBytes, bytesPerSecond: videoBytes / summary.videoSeconds },
      ]);
    } finally {
      dataset.close();
    }
    const noFlow = await rejection(buildVideoDataset([{ path: fixturePath('cfr-gop30.mp4') }], output, { field: 'flow' }));
    expect(noFlow.message).toContain('has no "flow" (a .npy file of float32 [N − 1, H, W, 2])');
  });

  it("field 'compressed' with codec: re-encoded at maxSide with a keyframe every gop frames", async () => {
    const output = join(root, 'encoded.beton');
    const summary = await buildVideoDataset([{ path: fixturePath('cfr-gop30.mp4') }], output, { codec: 'h264', gop: 10, crf: 30, maxSide: 48, workers: 0 });
    expect(summary).toMatchObject({ field: 'compressed', fields: ['video'], numSamples: 1, frames: 75 });
    const dataset = openDataset(output, { plugins: [videoPlugin()] });
    try {
      const stored = dataset.toJSON(0, 'video') as { width: number; height: number; frames: number; keyframes: number; byteLength: number };
      expect(stored).toMatchObject({ width: 48, height: 32, frames: 75, keyframes: 8 });
      expect(summary.storage).toEqual([{ field: 'video', kind: 'compressed', byteLength: stored.byteLength, bytesPerSecond: stored.byteLength / summary.videoSeconds }]);
    } finally {
      dataset.close();
    }
  });

  it('options are checked before any video is read', async () => {
    const entries = [{ path: fixturePath('cfr-gop30.mp4') }];
    const output = join(root, 'never.beton');
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ field: 'pixels' }, 'field: must be one of compressed, frames, flow, got "pixels"'],
      [{ crf: 23 }, 'crf: needs codec (h264, h265, vp9, av1)'],
      [{ codec: 'mpeg2' }, 'codec: must be one of h264, h265, vp9, av1'],
      [{ field: 'compressed', quality: 90 }, "quality: does not apply to field 'compressed'"],
      [{ field: 'frames', gop: 12 }, "gop: does not apply to field 'frames'"],
      [{ field: 'flow', fps: 10 }, "fps: does not apply to field 'flow'"],
      [{ codec: 'h264', crf: 99 }, 'crf: must be an integer from 0 to 63, got 99'],
      [{ codec: 'h264', crf: 60 }, 'crf: must be an integer from 0 to 51 for h264, got 60'],
      [{ workers: -1 }, 'workers: must be a non-negative integer'],
      [{ max_side: 64 }, 'buildVideoDataset.max_side: unknown option "max_side"; did you mean maxSide?'],
    ];
    for (const [options, message] of cases) {
      const error = await rejection(buildVideoDataset(entries, output, options as never));
      expect(error.code, message).toBe('E_ARGUMENT');
      expect(error.message).toContain(message);
    }
    expect(existsSync(output)).toBe(false);
  });
});
