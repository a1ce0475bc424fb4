/**
 * The compressedVideo field through @tessera/test-kit's conformance suite (the plugin is imported
 * from the built dist/: worker threads rebuild it from its origin). Values are the shipped fixture
 * videos; what is read back is compared with PyAV's demuxing of them (fixtures/*.json).
 */
import { type StoredVideo, type VideoInput, compressedVideo, videoPlugin } from '@tessera/video';
import { runFieldConformance } from '@tessera/test-kit';
import { assertNotFlat, fixturePath, references } from './fixture-references.js';

const all = references();
const byPath = new Map(all.map((reference) => [fixturePath(reference.file), reference]));
const pathOf = (value: VideoInput) => (typeof value === 'string' ? value : value.path);

runFieldConformance<VideoInput>({
  name: 'video/compressed',
  plugin: () => videoPlugin(),
  field: compressedVideo(),
  values: ['cfr-gop30.mp4', 'bframes-gop250.mp4', 'vfr.mp4', 'odd-size-vp9.webm'].map(fixturePath),
  edgeValues: ['offset-start.mp4', 'with-audio.mp4', 'bframes-gop12.mp4'].map(fixturePath),
  invalidValues: [42, null, { file: 'x' }, fixturePath('no-such-video.mp4'), fixturePath('audio-only.m4a'), fixturePath('truncated.mp4')],
  invalidValueCodes: ['E_VIDEO_INPUT'],
  equals(written, read) {
    const reference = byPath.get(pathOf(written))!;
    const stored = read as unknown as StoredVideo;
    if (stored.width !== reference.stream.width || stored.height !== reference.stream.height) throw new Error(`size ${stored.width}×${stored.height}`);
    const expected = reference.packets.map((packet) => [packet.pts, packet.dts, packet.size, packet.key]);
    const actual = stored.packets.map((packet) => [packet.pts, packet.dts, packet.data.byteLength, packet.key]);
    if (JSON.stringify(actual) !== JSON.stringify(expected)) throw new Error(`packets differ from PyAV's demuxing: ${JSON.stringify(actual.slice(0, 3))} vs ${JSON.stringify(expected.slice(0, 3))}`);
    return stored.frames === reference.frames.length;
  },
  decoders: {
    info: undefined,
    times: { frames: 6, stride: 2, sampler: 'uniform' },
    'times#random': { frames: 6, stride: 2, sampler: 'random', clips: 2 },
    'frames#resized': { frames: 4, stride: 3, size: [32, 48], crop: 'random-resized', flip: 0.5 },
    'frames#center': { frames: 3, sampler: 'uniform', size: [40, 40], crop: 'center', layout: 'CTHW' },
  },
  checkDecoded(written, slot, _output, { decoder }) {
    const reference = byPath.get(pathOf(written))!;
    const first = reference.frames[0]!.time;
    if (decoder === 'info') {
      const info = slot.data as Float64Array;
      if (info[0] !== reference.frames.length || info[3] !== reference.stream.width || info[4] !== reference.stream.height) throw new Error(`info ${Array.from(info)}`);
      return;
    }
    if (decoder.startsWith('times')) {
      // Every reported time is a frame's, and frames are 2 apart (or the last one repeated).
      const times = Array.from(slot.data as Float64Array);
      const indices = times.map((time) => reference.frames.findIndex((frame) => Math.abs(frame.time - first - time) < 1e-9));
      if (indices.some((index) => index < 0)) throw new Error(`times ${times} are not all frame times`);
      for (let k = 1; k < indices.length; k++) {
        if (k % 6 === 0) continue;
        if (indices[k] !== Math.min(indices[k - 1]! + 2, reference.frames.length - 1)) throw new Error(`frames ${indices} are not 2 apart`);
      }
      return;
    }
    // Decoded pictures of testsrc2 are not flat.
    assertNotFlat(slot.data as Uint8Array);
  },
});

/**
 * The window clips (issue 12) with the kit's `window` option: every decode gets context.window =
 * [first pts + 0.3 s, + 0.5 s) on the stream's presentation axis; a window clip holds the frames
 * presented in it (t ≤ pts + 1 ns < t + d), every stride-th, at most `frames`, zero padding.
 */
const WINDOW = { seconds: 0.5, offsetSeconds: 0.3 };
/** Indices (presentation order) of the frames of a window clip, from PyAV's frame times. */
function windowFrames(frames: ReadonlyArray<{ time: number }>, window: { startSeconds: number; durationSeconds: number } | undefined, stride: number, most: number): number[] {
  if (window === undefined) throw new Error('no context.window with the window option');
  const end = window.startSeconds + window.durationSeconds;
  const first = frames.findIndex((frame) => frame.time + 1e-9 >= window.startSeconds);
  const indices: number[] = [];
  for (let k = first; first >= 0 && k < frames.length && indices.length < most && frames[k]!.time + 1e-9 < end; k += stride) indices.push(k);
  return indices;
}

runFieldConformance<VideoInput>({
  name: 'video/compressed, time window',
  plugin: () => videoPlugin(),
  field: compressedVideo(),
  values: ['cfr-gop30.mp4', 'bframes-gop250.mp4', 'vfr.mp4', 'odd-size-vp9.webm'].map(fixturePath),
  edgeValues: ['offset-start.mp4', 'with-audio.mp4', 'bframes-gop12.mp4'].map(fixturePath),
  // The packets are compared with PyAV's in the suite above; here the stream's extent.
  equals(written, read) {
    const reference = byPath.get(pathOf(written))!;
    const stored = read as unknown as StoredVideo;
    return stored.frames === reference.frames.length && stored.width === reference.stream.width && stored.height === reference.stream.height;
  },
  decoders: {
    'times#window': { sampler: 'window', frames: 16 },
    'times#window-stride': { sampler: 'window', frames: 3, stride: 2 },
    'frames#window': { sampler: 'window', frames: 8, size: [32, 48] },
    'frames#window-cthw': { sampler: 'window', frames: 4, stride: 3, size: [24, 24], crop: 'center', layout: 'CTHW' },
  },
  window: WINDOW,
  checkDecoded(written, slot, output, { decoderOptions, window }) {
    const reference = byPath.get(pathOf(written))!;
    const { frames: most, stride = 1 } = decoderOptions as { frames: number; stride?: number };
    const expected = windowFrames(reference.frames, window, stride, most);
    if (expected.length === 0) throw new Error(`no frame of ${reference.file} in the window ${JSON.stringify(window)}: move the window`);
    if (slot.lengths[0] !== expected.length) throw new Error(`lengths[0] is ${slot.lengths[0]}, expected ${expected.length} frames (${expected})`);
    if (output.dtype === 'float64') {
      const times = Array.from(slot.data as Float64Array);
      const want = [...expected.map((k) => reference.frames[k]!.time), ...new Array<number>(most - expected.length).fill(0)];
      if (times.some((time, k) => Math.abs(time - want[k]!) > 1e-9)) throw new Error(`times ${times}, expected PyAV's ${want}`);
      return;
    }
    // Decoded pictures of testsrc2 are not flat, and frames past lengths[0] are zero (the kit checks the padding).
    assertNotFlat(slot.data as Uint8Array);
  },
});
