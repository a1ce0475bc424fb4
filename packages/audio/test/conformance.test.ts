/**
 * Every audio field through @tessera/test-kit's conformance suite. The plugin is imported by package
 * name, i.e. from the built dist/ (run the build first): worker threads rebuild it from its origin.
 */
import {
  type AlignmentSpan,
  type StoredCodecTokens,
  type StoredCompressedAudio,
  type StoredSpectrogram,
  type StoredWaveform,
  alignments,
  audioPlugin,
  codecTokens,
  compressedAudio,
  spectrogram,
  waveform,
} from '@tessera/audio';
import { describeDifference, runFieldConformance } from '@tessera/test-kit';
import { chirp, int16Exact } from './signals.js';

const fail = (difference: string | undefined) => {
  if (difference !== undefined) throw new Error(difference);
};

type PcmValue = { samples: Float32Array | Float32Array[]; sampleRate: number };
const rowsOf = (value: PcmValue): Float32Array[] => (Array.isArray(value.samples) ? value.samples : [value.samples]);

/** The stored rows as float (int16 k → k / 32768). */
function storedAsFloat(stored: StoredWaveform): Float32Array[] {
  return stored.samples.map((row) => (row instanceof Float32Array ? row : Float32Array.from(row, (sample) => sample / (row instanceof Int16Array ? 32768 : 2147483648))));
}

for (const dtype of ['float32', 'int16', 'int32'] as const) {
  for (const channels of [1, 2]) {
    const mono = (length: number, seed: number) => int16Exact(chirp(length, 16000, 100, 6000, seed));
    const value = (length: number, seed: number): PcmValue => ({ samples: channels === 1 ? mono(length, seed) : [mono(length, seed), mono(length, seed + 100)], sampleRate: 16000 });
    runFieldConformance<PcmValue>({
      name: `audio/waveform ${dtype} ${channels}ch`,
      plugin: () => audioPlugin(),
      field: waveform({ sampleRate: 16000, channels, dtype }),
      values: [value(16000, 1), value(7919, 2), value(24037, 3)],
      edgeValues: [value(0, 4), value(1, 5), { samples: channels === 1 ? new Float32Array([1, -1, 0.5]) : [new Float32Array([1, -1, 0.5]), new Float32Array([-1, 1, 0])], sampleRate: 16000 }],
      invalidValueCodes: ['E_AUDIO_INPUT'],
      invalidValues: [42, null, 'no-such-file.wav', { samples: new Float32Array([Number.NaN]), sampleRate: 16000 }, { samples: [new Float32Array(3), new Float32Array(4)], sampleRate: 16000 }],
      equals(written, read) {
        const stored = read as StoredWaveform;
        if (stored.sampleRate !== 16000) return false;
        // int16 fields clip +1.0 to 32767/32768.
        const expected = rowsOf(written).map((row) => (dtype === 'int16' ? row.map((sample) => Math.min(sample, 32767 / 32768)) : row));
        fail(describeDifference(expected, storedAsFloat(stored)));
      },
      decoders: { waveform: undefined, length: undefined, 'waveform#window': { maxSamples: 4000, crop: 'random' } },
      checkDecoded(written, slot, output, { decoder }) {
        const rows = rowsOf(written).map((row) => (dtype === 'int16' ? row.map((sample) => Math.min(sample, 32767 / 32768)) : row));
        const length = rows[0]!.length;
        if (decoder === 'length') return fail(describeDifference(length, slot.data[0]));
        const width = output.shape[1]!;
        const count = slot.lengths[0]!;
        if (count !== Math.min(width, length)) throw new Error(`lengths[0] is ${count}, expected ${Math.min(width, length)}`);
        const data = slot.data as Float32Array;
        // The window: find it from the first row (start is 0 for whole clips).
        let start = 0;
        if (length > width) {
          start = -1;
          for (let candidate = 0; candidate <= length - width && start < 0; candidate++) {
            if (rows[0]![candidate] === data[0] && rows[0]![candidate + 1] === data[1] && rows[0]![candidate + 7] === data[7]) start = candidate;
          }
          if (start < 0) throw new Error('the decoded window is no window of the clip');
        }
        for (let channel = 0; channel < rows.length; channel++) {
          fail(describeDifference(rows[channel]!.subarray(start, start + count), data.subarray(channel * width, channel * width + count)));
          if (data.subarray(channel * width + count, (channel + 1) * width).some((sample) => sample !== 0)) throw new Error(`channel ${channel}: padding is not zero`);
        }
      },
    });
  }
}

/**
 * The window decoders (issue 12) with the kit's `window` option: every decode gets context.window =
 * [timeline start + offset, + 0.25 s). One offset inside the clip, one before it (leading zeros).
 */
type TimedPcmValue = PcmValue & { startTime?: number };
const WINDOW_SECONDS = 0.25;
const WINDOW_SAMPLES = 4000;
/** The stored index of output sample 0 and the expected lengths[0] of crop 'window' (see the waveform decoder's doc). */
function windowCut(written: TimedPcmValue, window: { startSeconds: number } | undefined, length: number): { first: number; to: number; end: number } {
  if (window === undefined) throw new Error('no context.window with the window option');
  const first = Math.round(window.startSeconds * 16000) - Math.round((written.startTime ?? 0) * 16000);
  const to = Math.min(WINDOW_SAMPLES, Math.max(0, -first));
  const end = Math.min(WINDOW_SAMPLES, Math.max(0, length - first));
  return { first, to, end };
}
/** Output rows of a window cut: zeros before `to`, the clip's samples up to `end`, zeros after. */
function expectWindowRows(rows: Float32Array[], data: Float32Array, lengths: Int32Array, cut: { first: number; to: number; end: number }, compare: (expected: Float32Array, actual: Float32Array, what: string) => void): void {
  if (lengths[0] !== cut.end) throw new Error(`lengths[0] is ${lengths[0]}, expected ${cut.end} (window from stored sample ${cut.first})`);
  for (let channel = 0; channel < rows.length; channel++) {
    const row = data.subarray(channel * WINDOW_SAMPLES, (channel + 1) * WINDOW_SAMPLES);
    if (row.subarray(0, cut.to).some((sample) => sample !== 0)) throw new Error(`channel ${channel}: the ${cut.to} samples before the clip are not zero`);
    compare(rows[channel]!.subarray(cut.first + cut.to, cut.first + cut.end), row.subarray(cut.to, cut.end), `channel ${channel}`);
    if (row.subarray(Math.max(cut.to, cut.end)).some((sample) => sample !== 0)) throw new Error(`channel ${channel}: the samples after the clip are not zero`);
  }
}

for (const [dtype, channels, offsetSeconds] of [['float32', 1, 0.1], ['int16', 2, -0.05]] as const) {
  const mono = (length: number, seed: number) => int16Exact(chirp(length, 16000, 100, 6000, seed));
  const value = (length: number, seed: number, startTime?: number): TimedPcmValue => ({
    samples: channels === 1 ? mono(length, seed) : [mono(length, seed), mono(length, seed + 100)],
    sampleRate: 16000,
    ...(startTime === undefined ? {} : { startTime }),
  });
  runFieldConformance<TimedPcmValue>({
    name: `audio/waveform ${dtype} ${channels}ch, time window from ${offsetSeconds} s`,
    plugin: () => audioPlugin(),
    field: waveform({ sampleRate: 16000, channels, dtype }),
    values: [value(16000, 1, 0.5), value(7919, 2), value(24037, 3, 2.25)],
    edgeValues: [value(0, 4), value(1, 5, 0.125), value(1700, 6, 1)],
    equals(written, read) {
      const stored = read as StoredWaveform;
      const expected = rowsOf(written).map((row) => (dtype === 'int16' ? row.map((sample) => Math.min(sample, 32767 / 32768)) : row));
      fail(describeDifference(written.startTime ?? 0, stored.startTime));
      fail(describeDifference(expected, storedAsFloat(stored)));
    },
    decoders: { 'waveform#time-window': { crop: 'window', seconds: WINDOW_SECONDS }, length: undefined },
    window: { seconds: WINDOW_SECONDS, offsetSeconds },
    checkDecoded(written, slot, output, { decoder, window }) {
      const rows = rowsOf(written).map((row) => (dtype === 'int16' ? row.map((sample) => Math.min(sample, 32767 / 32768)) : row));
      const length = rows[0]!.length;
      if (decoder === 'length') return fail(describeDifference(length, slot.data[0]));
      fail(describeDifference([channels, WINDOW_SAMPLES], output.shape));
      expectWindowRows(rows, slot.data as Float32Array, slot.lengths, windowCut(written, window, length), (expected, actual, what) => {
        const difference = describeDifference(expected, actual);
        if (difference !== undefined) throw new Error(`${what}: ${difference}`);
      });
    },
  });
}

const tokenValue = (frames: number, seed: number) => Array.from({ length: 8 }, (_, codebook) => Array.from({ length: frames }, (_, frame) => (frame * 31 + codebook * 7 + seed) % 1024));
runFieldConformance<number[][]>({
  name: 'audio/codec-tokens',
  plugin: () => audioPlugin(),
  field: codecTokens({ codec: 'encodec_24khz', frameRate: 75, codebooks: 8, codebookSize: 1024 }),
  values: [tokenValue(75, 1), tokenValue(300, 2), tokenValue(13, 3)],
  edgeValues: [tokenValue(0, 0), tokenValue(1, 1023)],
  invalidValues: [tokenValue(10, 0).slice(0, 7), [[1024], [0], [0], [0], [0], [0], [0], [0]], [[-1], [0], [0], [0], [0], [0], [0], [0]], 'tokens', null],
  equals(written, read) {
    const stored = read as StoredCodecTokens;
    fail(describeDifference(Int16Array.from(written.flat()), stored.ids));
  },
  decoders: { tokens: undefined, 'tokens#window': { maxFrames: 50, crop: 'random' } },
  checkDecoded(written, slot, output) {
    const width = output.shape[1]!;
    const frames = written[0]!.length;
    const count = slot.lengths[0]!;
    if (count !== Math.min(width, frames)) throw new Error(`lengths[0] is ${count}`);
    const data = slot.data as Int32Array;
    const start = frames > width ? written[0]!.indexOf(data[0]!) : 0;
    for (let codebook = 0; codebook < 8; codebook++) fail(describeDifference(written[codebook]!.slice(start, start + count), Array.from(data.subarray(codebook * width, codebook * width + count))));
  },
});

const words: AlignmentSpan[] = [
  { start: 0, duration: 4000, label: 'hello', speaker: 'spk1', score: 0.5 },
  { start: 4000, duration: 8000, label: 'wörld 🙂' },
  { start: 12000, duration: 160, label: '', speaker: '' },
];
runFieldConformance<AlignmentSpan[]>({
  name: 'audio/alignments',
  plugin: () => audioPlugin(),
  field: alignments({ sampleRate: 16000 }),
  values: [words, words.slice(1), [{ start: 5, duration: 6, label: 'sil', score: -1.25 }]],
  edgeValues: [[], Array.from({ length: 500 }, (_, index) => ({ start: index * 160, duration: 160, label: `p${index % 40}` }))],
  invalidValues: ['hello', [{ start: -1, duration: 1, label: 'a' }], [{ start: 0, duration: 1.5, label: 'a' }], [{ start: 0, duration: 1, label: 7 }], [{ start: 0, duration: 1, label: 'a', extra: true }], [{ start: 0, duration: 1, label: 'a', score: Number.NaN }]],
  decoders: { spans: { vocabulary: ['hello', 'sil', 'p1'] }, count: undefined },
  checkDecoded(written, slot, output, { decoder }) {
    if (decoder === 'count') return fail(describeDifference(written.length, slot.data[0]));
    const vocabulary = ['hello', 'sil', 'p1'];
    const count = Math.min(output.shape[0]!, written.length);
    if (slot.lengths[0] !== count) throw new Error(`lengths[0] is ${slot.lengths[0]}`);
    const expected = written.slice(0, count).flatMap((span) => [span.start, span.duration, vocabulary.indexOf(span.label)]);
    fail(describeDifference(expected, Array.from((slot.data as Int32Array).subarray(0, count * 3))));
  },
});

/** The spans decoder with window: true (the spans overlapping the window, starts relative to it). */
runFieldConformance<AlignmentSpan[]>({
  name: 'audio/alignments, time window',
  plugin: () => audioPlugin(),
  field: alignments({ sampleRate: 16000 }),
  values: [words, words.slice(1), [{ start: 5, duration: 6, label: 'sil', score: -1.25 }]],
  edgeValues: [[], Array.from({ length: 500 }, (_, index) => ({ start: index * 160, duration: 160, label: `p${index % 40}` }))],
  decoders: { 'spans#window': { vocabulary: ['hello', 'sil', 'p1'], window: true }, 'spans#window-max': { maxSpans: 2, window: true }, count: undefined },
  window: { seconds: 0.25, offsetSeconds: 0.2 },
  checkDecoded(written, slot, output, { decoder, decoderOptions, window }) {
    if (decoder === 'count') return fail(describeDifference(written.length, slot.data[0]));
    if (window === undefined) throw new Error('no context.window with the window option');
    const vocabulary = ['hello', 'sil', 'p1'];
    const w0 = Math.round(window.startSeconds * 16000);
    const w1 = w0 + Math.round(window.durationSeconds * 16000);
    const withVocabulary = (decoderOptions as { vocabulary?: string[] }).vocabulary !== undefined;
    const inside = written.filter((span) => span.start < w1 && span.start + span.duration > w0).slice(0, output.shape[0]!);
    if (slot.lengths[0] !== inside.length) throw new Error(`lengths[0] is ${slot.lengths[0]}, expected ${inside.length} spans in [${w0}, ${w1})`);
    const expected = inside.flatMap((span) => [span.start - w0, span.duration, withVocabulary ? vocabulary.indexOf(span.label) : -1]);
    fail(describeDifference(expected, Array.from((slot.data as Int32Array).subarray(0, inside.length * 3))));
  },
});

for (const dtype of ['float32', 'float16'] as const) {
  const features = (frames: number, seed: number) => ({
    data: Float32Array.from({ length: 80 * frames }, (_, index) => (dtype === 'float16' ? Math.round(((index * 13 + seed) % 97) - 48) / 4 : Math.sin(index * 0.37 + seed) * 3)),
    frames,
  });
  runFieldConformance<{ data: Float32Array; frames: number }>({
    name: `audio/spectrogram whisper ${dtype}`,
    plugin: () => audioPlugin(),
    field: spectrogram({ preset: 'whisper', dtype }),
    values: [features(100, 1), features(3000, 2), features(7, 3)],
    edgeValues: [features(0, 0), features(1, 4)],
    invalidValueCodes: ['E_AUDIO_INPUT'],
    invalidValues: [{ data: new Float32Array(79), frames: 1 }, { data: new Float32Array(160), frames: -2 }, 'no-such-file.flac', null],
    equals(written, read) {
      const stored = read as StoredSpectrogram;
      fail(describeDifference({ bins: 80, frames: written.frames, data: written.data }, { bins: stored.bins, frames: stored.frames, data: stored.data }));
    },
    decoders: { features: undefined, 'features#window': { maxFrames: 50, crop: 'random' } },
    checkDecoded(written, slot, output) {
      const width = output.shape[1]!;
      const count = slot.lengths[0]!;
      if (count !== Math.min(width, written.frames)) throw new Error(`lengths[0] is ${count}`);
      const data = slot.data as Float32Array;
      let start = 0;
      if (written.frames > width) {
        start = -1;
        for (let candidate = 0; candidate <= written.frames - width && start < 0; candidate++) {
          if (written.data[candidate] === data[0] && written.data[written.frames + candidate] === data[width] && written.data[5 * written.frames + candidate + 3] === data[5 * width + 3]) start = candidate;
        }
        if (start < 0) throw new Error('the decoded window is no window of the features');
      }
      for (let bin = 0; bin < 80; bin++) fail(describeDifference(written.data.subarray(bin * written.frames + start, bin * written.frames + start + count), data.subarray(bin * width, bin * width + count)));
    },
  });
}

/** Signal-to-noise ratio of `actual` against `expected`, in dB. */
function snrDb(expected: Float32Array, actual: Float32Array): number {
  let signal = 0;
  let noise = 0;
  for (let index = 0; index < expected.length; index++) {
    signal += expected[index]! ** 2;
    noise += (expected[index]! - (actual[index] ?? 0)) ** 2;
  }
  return noise === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10(signal / noise);
}

for (const [format, channels] of [['flac', 1], ['flac', 2], ['opus', 1], ['opus', 2], ['mp3', 1]] as const) {
  const lossless = format === 'flac';
  const mono = (length: number, seed: number) => int16Exact(chirp(length, 16000, 150, 3000, seed, lossless ? 0.05 : 0));
  const value = (length: number, seed: number): PcmValue => ({ samples: channels === 1 ? mono(length, seed) : [mono(length, seed), mono(length, seed + 100)], sampleRate: 16000 });
  // Lossy codecs at 32–64 kb/s keep a chirp well above 15 dB; the exact length is checked separately.
  const close = (expected: Float32Array, actual: Float32Array, what: string) => {
    if (expected.length !== actual.length) throw new Error(`${what}: ${actual.length} samples, expected ${expected.length}`);
    if (lossless) return fail(describeDifference(expected, actual));
    if (expected.length >= 1600 && snrDb(expected, actual) < 12) throw new Error(`${what}: SNR ${snrDb(expected, actual).toFixed(1)} dB, below 12 dB`);
  };
  runFieldConformance<PcmValue>({
    name: `audio/compressed ${format} ${channels}ch`,
    plugin: () => audioPlugin(),
    field: compressedAudio({ format, sampleRate: 16000, channels }),
    values: [value(16000, 1), value(7919, 2), value(40037, 3)],
    edgeValues: [value(0, 4), value(1, 5), value(4096, 6), value(4097, 7)],
    invalidValueCodes: ['E_AUDIO_INPUT'],
    invalidValues: [42, null, 'no-such-file.wav', { samples: new Float32Array([Number.NaN, 0]), sampleRate: 16000 }],
    equals(written, read) {
      const stored = read as StoredCompressedAudio;
      const rows = rowsOf(written);
      if (stored.format !== format || stored.sampleRate !== 16000 || stored.samples.length !== channels) return false;
      for (let channel = 0; channel < channels; channel++) close(rows[channel]!, stored.samples[channel]!, `channel ${channel}`);
    },
    decoders: { waveform: undefined, length: undefined, 'waveform#crop': { maxSamples: 5000, crop: 'random' } },
    checkDecoded(written, slot, output, { decoder, decoderOptions }) {
      const rows = rowsOf(written);
      const length = rows[0]!.length;
      if (decoder === 'length') return fail(describeDifference(length, slot.data[0]));
      const width = output.shape[1]!;
      const count = slot.lengths[0]!;
      if (count !== Math.min(width, length)) throw new Error(`lengths[0] is ${count}, expected ${Math.min(width, length)}`);
      const data = slot.data as Float32Array;
      if (decoderOptions === undefined) {
        for (let channel = 0; channel < channels; channel++) close(rows[channel]!, data.subarray(channel * width, channel * width + count), `channel ${channel}`);
      } else if (lossless && length > width) {
        let start = -1;
        for (let candidate = 0; candidate <= length - width && start < 0; candidate++) {
          if (rows[0]![candidate] === data[0] && rows[0]![candidate + 1] === data[1] && rows[0]![candidate + 9] === data[9]) start = candidate;
        }
        if (start < 0) throw new Error('the decoded window is no window of the clip');
        for (let channel = 0; channel < channels; channel++) close(rows[channel]!.subarray(start, start + count), data.subarray(channel * width, channel * width + count), `channel ${channel}`);
      }
      for (let channel = 0; channel < channels; channel++) {
        if (data.subarray(channel * width + count, (channel + 1) * width).some((sample) => sample !== 0)) throw new Error(`channel ${channel}: padding is not zero`);
      }
    },
  });
}

/**
 * crop 'window' of compressed clips: FLAC exact, Opus and MP3 within the SNR bound (frames before the
 * window are decoded as pre-roll). The lossy windows lie in the chirp's lower part: a window 0.6 s
 * into the 1 s clip (1.9–2.6 kHz) is below 12 dB for Opus at 32 kb/s in stereo, although the window
 * decode equals the whole-clip decode there within 0.0012 (the codec, not the cut).
 */
for (const [format, channels, offsetSeconds] of [['flac', 2, 0.1], ['opus', 1, -0.05], ['mp3', 1, 0.3], ['opus', 2, 0.1]] as const) {
  const lossless = format === 'flac';
  const mono = (length: number, seed: number) => int16Exact(chirp(length, 16000, 150, 3000, seed, lossless ? 0.05 : 0));
  const value = (length: number, seed: number, startTime?: number): TimedPcmValue => ({
    samples: channels === 1 ? mono(length, seed) : [mono(length, seed), mono(length, seed + 100)],
    sampleRate: 16000,
    ...(startTime === undefined ? {} : { startTime }),
  });
  const close = (expected: Float32Array, actual: Float32Array, what: string) => {
    if (expected.length !== actual.length) throw new Error(`${what}: ${actual.length} samples, expected ${expected.length}`);
    if (lossless) return fail(describeDifference(expected, actual));
    if (expected.length >= 1600 && snrDb(expected, actual) < 12) throw new Error(`${what}: SNR ${snrDb(expected, actual).toFixed(1)} dB, below 12 dB`);
  };
  runFieldConformance<TimedPcmValue>({
    name: `audio/compressed ${format} ${channels}ch, time window from ${offsetSeconds} s`,
    plugin: () => audioPlugin(),
    field: compressedAudio({ format, sampleRate: 16000, channels }),
    values: [value(16000, 1, 0.5), value(7919, 2), value(40037, 3, 1.75)],
    edgeValues: [value(0, 4), value(1, 5, 0.25), value(4097, 7, 3)],
    equals(written, read) {
      const stored = read as StoredCompressedAudio;
      fail(describeDifference(written.startTime ?? 0, stored.startTime));
      const rows = rowsOf(written);
      for (let channel = 0; channel < channels; channel++) close(rows[channel]!, stored.samples[channel]!, `channel ${channel}`);
    },
    decoders: { 'waveform#time-window': { crop: 'window', seconds: WINDOW_SECONDS }, length: undefined },
    window: { seconds: WINDOW_SECONDS, offsetSeconds },
    checkDecoded(written, slot, output, { decoder, window }) {
      const rows = rowsOf(written);
      const length = rows[0]!.length;
      if (decoder === 'length') return fail(describeDifference(length, slot.data[0]));
      fail(describeDifference([channels, WINDOW_SAMPLES], output.shape));
      expectWindowRows(rows, slot.data as Float32Array, slot.lengths, windowCut(written, window, length), close);
    },
  });
}
