/**
 * The opticalFlow field through @tessera/test-kit's conformance suite, for each quantization (the
 * plugin is imported from the built dist/: worker threads rebuild it from its origin). Values are
 * synthetic flows of a few sizes and frame counts; what is read back is compared with the written
 * flow within the stated step (int16, uint8x2: scale / 2; jpeg: 3 steps), clipped to the range.
 */
import { readFileSync } from 'node:fs';
import { type OpticalFlowValue, type StoredOpticalFlow, opticalFlow, videoPlugin } from '@tessera/video';
import { runFieldConformance } from '@tessera/test-kit';
import { fixturePath } from './fixture-references.js';

/** A smooth field with some structure: pair k, point (x, y). */
function field(pairs: number, width: number, height: number, amplitude: number, seed: number): Float32Array {
  const flow = new Float32Array(pairs * width * height * 2);
  for (let pair = 0; pair < pairs; pair++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const at = ((pair * height + y) * width + x) * 2;
        flow[at] = amplitude * Math.sin((x + seed) / 3 + pair);
        flow[at + 1] = amplitude * Math.cos((y - seed) / 4 - pair) * 0.5;
      }
    }
  }
  return flow;
}

const farnebackBytes = readFileSync(fixturePath('flow-farneback.bin'));
const farneback = new Float32Array(farnebackBytes.buffer.slice(farnebackBytes.byteOffset, farnebackBytes.byteOffset + farnebackBytes.byteLength));

const values: OpticalFlowValue[] = [
  { flow: farneback, width: 96, height: 64, frameTimes: [0, 0.04, 0.08, 0.12] },
  { flow: field(5, 12, 8, 6, 1), width: 12, height: 8, fps: 30, videoWidth: 48, videoHeight: 32 },
  { flow: [field(1, 20, 10, 3, 2), field(1, 20, 10, 2, 3)], width: 20, height: 10, frameTimes: [0, 0.1, 0.35], durationSeconds: 0.5, rotation: 90, startSeconds: 1.5 },
];
const edgeValues: OpticalFlowValue[] = [
  // One frame: no pair (every decoded pair is zero).
  { flow: new Float32Array(0), width: 4, height: 3, fps: 25 },
  // A 1×1 grid, and values far past every range (clipped).
  { flow: Float32Array.from([1e6, -1e6, 0.5, -0.25]), width: 1, height: 1, fps: 10, videoWidth: 7, videoHeight: 5 },
];

const rowsOf = (value: OpticalFlowValue): Float32Array => {
  if (value.flow instanceof Float32Array) return value.flow;
  const pairs = value.flow as readonly Float32Array[];
  const out = new Float32Array(pairs.reduce((sum, pair) => sum + pair.length, 0));
  let at = 0;
  for (const pair of pairs) {
    out.set(pair, at);
    at += pair.length;
  }
  return out;
};

for (const [quantization, tolerance] of [
  ['int16', 0.5],
  ['uint8x2', 0.5],
  ['jpeg', 3],
] as const) {
  const spec = opticalFlow({ quantization });
  const scale = spec.arguments.scale;
  const low = quantization === 'int16' ? -32767 * scale : -128 * scale;
  const high = quantization === 'int16' ? 32767 * scale : 127 * scale;
  runFieldConformance<OpticalFlowValue>({
    name: `video/flow ${quantization}`,
    plugin: () => videoPlugin(),
    field: spec,
    values,
    edgeValues,
    invalidValues: [
      42,
      null,
      { flow: Float32Array.from([Number.NaN, 0]), width: 1, height: 1, fps: 25 },
      { flow: Float32Array.from([Number.POSITIVE_INFINITY, 0]), width: 1, height: 1, fps: 25 },
      { flow: new Float32Array(6), width: 2, height: 2, fps: 25 },
      { flow: new Float32Array(8), width: 2, height: 2 },
      { flow: new Float32Array(8), width: 2, height: 2, frameTimes: [0.5, 0.1] },
      { flow: [1, 2, 3, 4], width: 1, height: 1, fps: 25 },
    ],
    equals(written, read) {
      const stored = read as unknown as StoredOpticalFlow;
      const expected = rowsOf(written);
      if (stored.width !== written.width || stored.height !== written.height || stored.frames !== expected.length / (written.width * written.height * 2) + 1) throw new Error(`size ${stored.width}×${stored.height}, ${stored.frames} frames`);
      if (stored.videoWidth !== (written.videoWidth ?? written.width) || stored.videoHeight !== (written.videoHeight ?? written.height)) throw new Error(`video ${stored.videoWidth}×${stored.videoHeight}`);
      const times = written.frameTimes ?? Array.from({ length: stored.frames }, (_, k) => k / written.fps!);
      if (JSON.stringify(stored.frameTimes) !== JSON.stringify(times)) throw new Error(`frame times ${stored.frameTimes}`);
      let clipped = 0;
      for (let index = 0; index < expected.length; index++) {
        const target = Math.min(high, Math.max(low, expected[index]!));
        if (target !== expected[index]) clipped++;
        if (Math.abs(stored.flow[index]! - target) > tolerance * scale + 1e-6) throw new Error(`value ${index}: ${stored.flow[index]} vs ${expected[index]} (scale ${scale})`);
      }
      return stored.clipped === clipped && stored.quantization === quantization && stored.rotation === (written.rotation ?? 0);
    },
    decoders: {
      info: undefined,
      'flow#resized': { frames: 3, size: [6, 10], crop: 'random-resized', flip: 0.5 },
      'flow#center': { frames: 2, sampler: 'uniform', size: [8, 8], crop: 'center', layout: 'CTHW', clips: 2 },
      'flow#stride': { frames: 4, stride: 2, size: [5, 7], sampler: 'regular', endPolicy: 'wrap' },
      'flow#time': { frames: 3, fps: 12, size: [4, 4] },
    },
    checkDecoded(written, slot, _output, { decoder }) {
      const data = slot.data as Float32Array | Float64Array;
      if (decoder === 'info') {
        const frames = rowsOf(written).length / (written.width * written.height * 2) + 1;
        if (data[0] !== frames || data[3] !== (written.videoWidth ?? written.width) || data[4] !== (written.videoHeight ?? written.height)) throw new Error(`info ${data.join(', ')}`);
        return;
      }
      for (const value of data) if (!Number.isFinite(value)) throw new Error(`decoded flow holds ${value}`);
    },
  });
}

/**
 * Window clips of flow (issue 12) with the kit's `window` option: context.window = [the flow's first
 * frame time + 0.05 s, + 0.5 s); the pairs are those from the frames presented in the window (at
 * most `frames`, every stride-th): lengths[0] = frames − 1, 0 for a window of 0 or 1 frame.
 */
runFieldConformance<OpticalFlowValue>({
  name: 'video/flow int16, time window',
  plugin: () => videoPlugin(),
  field: opticalFlow({ quantization: 'int16' }),
  values,
  edgeValues,
  equals(written, read) {
    const stored = read as unknown as StoredOpticalFlow;
    return stored.frames === rowsOf(written).length / (written.width * written.height * 2) + 1;
  },
  decoders: {
    'flow#window': { sampler: 'window', frames: 4, size: [6, 10] },
    'flow#window-cthw': { sampler: 'window', frames: 3, stride: 2, size: [4, 4], layout: 'CTHW' },
  },
  window: { seconds: 0.5, offsetSeconds: 0.05 },
  checkDecoded(written, slot, _output, { decoderOptions, window }) {
    if (window === undefined) throw new Error('no context.window with the window option');
    const { frames: most, stride = 1 } = decoderOptions as { frames: number; stride?: number };
    const frames = rowsOf(written).length / (written.width * written.height * 2) + 1;
    const times = Array.from({ length: frames }, (_, k) => (written.startSeconds ?? 0) + (written.frameTimes?.[k] ?? k / written.fps!));
    const end = window.startSeconds + window.durationSeconds;
    const first = times.findIndex((time) => time + 1e-9 >= window.startSeconds);
    let count = 0;
    for (let k = first; first >= 0 && k < frames && count < most && times[k]! + 1e-9 < end; k += stride) count++;
    if (slot.lengths[0] !== Math.max(0, count - 1)) throw new Error(`lengths[0] is ${slot.lengths[0]}, expected ${Math.max(0, count - 1)} pairs of the ${count} frames in [${window.startSeconds}, ${end})`);
    for (const value of slot.data as Float32Array) if (!Number.isFinite(value)) throw new Error(`decoded flow holds ${value}`);
  },
});
