import { type DecoderDefinition, type FieldCodec, type FieldReader, type MetadataLayout, type OutputSlot, float16BitsToNumber, numberToFloat16Bits } from '@tessera/core';
import { createKaldiFbank, createMelSpectrogram, createSpectrogram, melSpectrogramPreset, resolveMelSpectrogramParams } from '../dsp/index.js';
import type { KaldiFbankParams, MelSpectrogramParams, SpectrogramParams } from '../dsp/index.js';
import { FRAME_WINDOW_OPTIONS, frameWindow, windowStart } from './clip-window.js';
import { choiceValue, optionRecord, rejectUnknown } from './option-values.js';
import { ByteScratch, checkPayloadRange } from './payload-range.js';
import { type PcmRow, type WaveformInput, fieldPcm, pcmAsFloat } from './pcm-value.js';

/**
 * `spectrogram({ kind, … })`: precomputed features, [bins, frames] per sample, float16 or float32.
 * Every parameter of the transform is stored in the field arguments (resolved: no defaults left
 * implicit), so a reader can recompute or verify them with the same `createMelSpectrogram`,
 * `createKaldiFbank` or `createSpectrogram` call.
 *
 *   metadata column (16 bytes, 8-aligned)   pointer u64 @0   frames u32 @8   reserved u32 @12
 *   payload (one allocation, none when empty)   bin 0's frames, then bin 1's… (little-endian)
 *
 * Values are audio (any `WaveformInput`, mixed down to mono; features computed by the writer) or
 * precomputed features: `{ data, frames }` (bin-major, bins × frames values) or an array of bin rows.
 */
export type SpectrogramKind = 'mel' | 'fbank' | 'linear';
export type SpectrogramDType = 'float16' | 'float32';

export type SpectrogramArguments = {
  kind: SpectrogramKind;
  /** 'torchaudio' | 'whisper' | 'kaldi-fbank' | null: the preset the parameters started from (informative). */
  preset: string | null;
  /** Every parameter of the transform, resolved (see MelSpectrogramParams, KaldiFbankParams, SpectrogramParams). */
  parameters: Record<string, string | number | boolean>;
  /** Rows: mel bins, fbank bins or nFft / 2 + 1. */
  bins: number;
  /** Hz of the audio the features were computed from. */
  sampleRate: number;
  /** Samples between frames. */
  hopLength: number;
  dtype: SpectrogramDType;
};

export type SpectrogramInput = WaveformInput | { data: Float32Array | Float64Array | readonly number[]; frames: number } | readonly (readonly number[] | Float32Array)[];

/** What `read()` gives: bin-major float32 features. */
export interface StoredSpectrogram {
  bins: number;
  frames: number;
  data: Float32Array;
}

interface FeatureTransform {
  readonly bins: number;
  frameCount(sampleCount: number): number;
  compute(input: Float32Array, inputOffset: number, sampleCount: number, out: Float32Array, outOffset: number, outRowStride: number): number;
}

export const SPECTROGRAM_CODEC_ID = 'audio/spectrogram';
/** The most values an array preview carries (the viewer's limit). */
const PREVIEW_VALUES = 4096;
const METADATA_LAYOUT: MetadataLayout = { byteLength: 16, alignment: 8 };
const FRAMES_OFFSET = 8;
const readFrames = (field: FieldReader, sampleIndex: number): number => field.metadata.getUint32(field.recordOffset(sampleIndex) + FRAMES_OFFSET, true);
const readPointer = (field: FieldReader, sampleIndex: number): number => field.readUint64(field.recordOffset(sampleIndex));

function longestFrames(field: FieldReader): number {
  let longest = 0;
  for (let sampleIndex = 0; sampleIndex < field.numSamples; sampleIndex++) longest = Math.max(longest, readFrames(field, sampleIndex));
  return longest;
}
const itemSize = (dtype: SpectrogramDType): number => (dtype === 'float16' ? 2 : 4);

function createTransform(kind: SpectrogramKind, parameters: Record<string, unknown>): FeatureTransform {
  if (kind === 'mel') {
    const mel = createMelSpectrogram(parameters as MelSpectrogramParams);
    return { bins: mel.melCount, frameCount: (n) => mel.frameCount(n), compute: (...args) => mel.compute(...args) };
  }
  if (kind === 'fbank') {
    const fbank = createKaldiFbank(parameters as KaldiFbankParams);
    return { bins: fbank.melCount, frameCount: (n) => fbank.frameCount(n), compute: (...args) => fbank.compute(...args) };
  }
  const linear = createSpectrogram(parameters as SpectrogramParams);
  return { bins: linear.binCount, frameCount: (n) => linear.frameCount(n), compute: (...args) => linear.compute(...args) };
}

/** The arguments for a kind, a preset and overrides: resolved parameters, bins and hop. */
export function spectrogramArguments(kind: SpectrogramKind, preset: string | null, overrides: Record<string, unknown>, dtype: SpectrogramDType): SpectrogramArguments {
  let parameters: Record<string, string | number | boolean>;
  let hopLength: number;
  let sampleRate: number;
  if (kind === 'mel') {
    const base = preset === null ? {} : melSpectrogramPreset(preset as 'torchaudio' | 'whisper');
    const resolved = resolveMelSpectrogramParams({ ...base, ...overrides } as MelSpectrogramParams);
    parameters = resolved as unknown as Record<string, string | number | boolean>;
    hopLength = resolved.hopLength;
    sampleRate = resolved.sampleRate;
  } else if (kind === 'fbank') {
    const fbank = createKaldiFbank(overrides as KaldiFbankParams);
    parameters = { ...fbank.params } as unknown as Record<string, string | number | boolean>;
    hopLength = fbank.windowShift;
    sampleRate = fbank.params.sampleRate;
  } else {
    const linear = createSpectrogram(overrides as SpectrogramParams);
    parameters = { ...linear.params } as unknown as Record<string, string | number | boolean>;
    hopLength = linear.params.hopLength;
    sampleRate = linear.params.sampleRate;
  }
  const bins = createTransform(kind, parameters).bins;
  return { kind, preset, parameters, bins, sampleRate, hopLength, dtype };
}

export function normalizeSpectrogramArguments(args: SpectrogramArguments): SpectrogramArguments {
  const where = 'spectrogram()';
  const record = optionRecord(args, where);
  rejectUnknown(record, ['kind', 'preset', 'parameters', 'bins', 'sampleRate', 'hopLength', 'dtype'], where);
  const kind = choiceValue(record, 'kind', ['mel', 'fbank', 'linear'] as const, undefined, where);
  const dtype = choiceValue(record, 'dtype', ['float16', 'float32'] as const, 'float32', where);
  const parameters = optionRecord(record.parameters, `${where} parameters`);
  const preset = record.preset ?? null;
  if (preset !== null && typeof preset !== 'string') throw new TypeError(`${where}: preset must be a string or null, got ${JSON.stringify(preset)}`);
  // Resolving again must give the same parameters (files written by this version are self-describing).
  const resolved = spectrogramArguments(kind, null, parameters, dtype);
  if (record.bins !== undefined && record.bins !== resolved.bins) throw new RangeError(`${where}: bins is ${JSON.stringify(record.bins)}, the parameters give ${resolved.bins}`);
  return { ...resolved, preset };
}

const encodeScratch = new ByteScratch();
const transforms = new Map<string, FeatureTransform>();

function transformOf(args: SpectrogramArguments): FeatureTransform {
  const key = JSON.stringify([args.kind, args.parameters]);
  let transform = transforms.get(key);
  if (transform === undefined) transforms.set(key, (transform = createTransform(args.kind, args.parameters)));
  return transform;
}

function writeFeatures(data: Float32Array, frames: number, args: SpectrogramArguments, metadata: DataView, allocate: (payload: Uint8Array, pointerOffset?: number) => void): void {
  if (frames > 0xffff_ffff) throw new RangeError(`${frames} frames, more than ${0xffff_ffff}`);
  metadata.setUint32(FRAMES_OFFSET, frames, true);
  if (frames === 0) return;
  const count = args.bins * frames;
  if (args.dtype === 'float32') {
    allocate(new Uint8Array(data.buffer, data.byteOffset, count * 4), 0);
    return;
  }
  const bytes = encodeScratch.bytes(count * 2);
  const halves = new Uint16Array(encodeScratch.arrayBuffer, 0, count);
  for (let index = 0; index < count; index++) halves[index] = numberToFloat16Bits(data[index]!);
  allocate(bytes, 0);
}

function precomputed(value: unknown, args: SpectrogramArguments): { data: Float32Array; frames: number } | undefined {
  if (Array.isArray(value)) {
    if (value.length !== args.bins) throw new RangeError(`the value has ${value.length} rows, the field ${args.bins} bins`);
    const frames = (value[0] as ArrayLike<number>).length;
    const data = new Float32Array(args.bins * frames);
    for (const [bin, row] of (value as ArrayLike<number>[]).entries()) {
      if (row.length !== frames) throw new RangeError(`row ${bin} has ${row.length} frames, row 0 has ${frames}`);
      for (let frame = 0; frame < frames; frame++) data[bin * frames + frame] = row[frame]!;
    }
    return { data, frames };
  }
  if (value !== null && typeof value === 'object' && 'data' in value && 'frames' in value) {
    const { data, frames } = value as { data: ArrayLike<number>; frames: number };
    if (!Number.isSafeInteger(frames) || frames < 0) throw new RangeError(`frames must be a non-negative integer, got ${JSON.stringify(frames)}`);
    if (data === null || typeof data !== 'object' || data.length !== args.bins * frames) throw new RangeError(`data must hold bins × frames = ${args.bins} × ${frames} values, got ${data?.length}`);
    return { data: data instanceof Float32Array ? data : Float32Array.from(data), frames };
  }
  return undefined;
}

function computeFeatures(rows: ArrayLike<number>[], length: number, args: SpectrogramArguments): { data: Float32Array; frames: number } {
  const mono = pcmAsFloat(rows[0] as PcmRow);
  const transform = transformOf(args);
  const frames = length === 0 ? 0 : transform.frameCount(length);
  const data = new Float32Array(args.bins * frames);
  if (frames > 0) transform.compute(mono, 0, length, data, 0, frames);
  return { data, frames };
}

/** float32 [bins, maxFrames], variable in dimension 1 (a window of maxFrames: 'start', 'center' or 'random'). */
const featuresDecoder: DecoderDefinition<SpectrogramArguments> = {
  options: [...FRAME_WINDOW_OPTIONS],
  setup(field, rawOptions) {
    const where = `decoder "features" of field "${field.name}"`;
    const options = optionRecord(rawOptions, where);
    const { bins, dtype, sampleRate, hopLength } = field.arguments;
    const size = itemSize(dtype);
    const window = frameWindow(options, sampleRate / hopLength, bins, () => longestFrames(field), where);
    const maxFrames = window.outputLength;
    const scratch = new ByteScratch();
    return {
      output: { dtype: 'float32', shape: [bins, maxFrames], variableDims: [1] },
      random: window.crop === 'random',
      decode(sampleIndex: number, slot: OutputSlot, context) {
        const frames = readFrames(field, sampleIndex);
        const start = windowStart(window, frames, context?.random);
        const count = Math.min(maxFrames, frames);
        const out = slot.data as Float32Array;
        if (count > 0) {
          const pointer = readPointer(field, sampleIndex);
          for (let bin = 0; bin < bins; bin++) {
            const at = pointer + (bin * frames + start) * size;
            if (dtype === 'float32') {
              field.copyBytes(at, count * 4, slot.bytes, bin * maxFrames * 4);
            } else {
              field.copyBytes(at, count * 2, scratch.bytes(count * 2), 0);
              const halves = new Uint16Array(scratch.arrayBuffer, 0, count);
              for (let frame = 0; frame < count; frame++) out[bin * maxFrames + frame] = float16BitsToNumber(halves[frame]!);
            }
            out.fill(0, bin * maxFrames + count, (bin + 1) * maxFrames);
          }
        } else {
          out.fill(0);
        }
        slot.lengths[0] = count;
      },
    };
  },
};

export const spectrogramCodec: FieldCodec<SpectrogramInput, SpectrogramArguments> = {
  id: SPECTROGRAM_CODEC_ID,
  normalizeArguments: normalizeSpectrogramArguments,
  metadataLayout: () => METADATA_LAYOUT,
  encode(value, args, target) {
    const given = precomputed(value, args);
    if (given !== undefined) return writeFeatures(given.data, given.frames, args, target.metadata, target.allocate.bind(target));
    const pcm = fieldPcm(value, { sampleRate: args.sampleRate, channels: 1, resample: true });
    const write = (loaded: { rows: readonly ArrayLike<number>[]; length: number }) => {
      const features = computeFeatures(loaded.rows as ArrayLike<number>[], loaded.length, args);
      writeFeatures(features.data, features.frames, args, target.metadata, target.allocate.bind(target));
    };
    if (pcm instanceof Promise) return pcm.then(write);
    write(pcm);
  },
  validate(field) {
    const bytesPerFrame = field.arguments.bins * itemSize(field.arguments.dtype);
    for (let sampleIndex = 0; sampleIndex < field.numSamples; sampleIndex++) {
      const frames = readFrames(field, sampleIndex);
      if (frames > 0) checkPayloadRange(field, sampleIndex, readPointer(field, sampleIndex), frames * bytesPerFrame, 'the features');
    }
  },
  read(field, sampleIndex) {
    const frames = readFrames(field, sampleIndex);
    const { bins, dtype } = field.arguments;
    const data = new Float32Array(bins * frames);
    if (frames > 0) {
      const pointer = readPointer(field, sampleIndex);
      if (dtype === 'float32') field.copyBytes(pointer, data.byteLength, new Uint8Array(data.buffer), 0);
      else {
        const halves = new Uint16Array(bins * frames);
        field.copyBytes(pointer, halves.byteLength, new Uint8Array(halves.buffer), 0);
        for (let index = 0; index < halves.length; index++) data[index] = float16BitsToNumber(halves[index]!);
      }
    }
    return { bins, frames, data } satisfies StoredSpectrogram as unknown as SpectrogramInput;
  },
  toJSON(field, sampleIndex) {
    const frames = readFrames(field, sampleIndex);
    const { kind, preset, bins, dtype, sampleRate, hopLength } = field.arguments;
    const payload = frames > 0 ? field.describeBytes(readPointer(field, sampleIndex), frames * bins * itemSize(dtype)) : { byteLength: 0, sha256: null };
    return { kind, preset, bins, frames, seconds: (frames * hopLength) / sampleRate, ...payload };
  },
  /** The features as a [bins, frames] array (its first values). */
  preview(field, sampleIndex) {
    const { bins, frames, data } = spectrogramCodec.read(field, sampleIndex) as unknown as StoredSpectrogram;
    return { kind: 'array', dtype: field.arguments.dtype === 'float16' ? '<f2' : '<f4', shape: [bins, frames], values: Float64Array.from(data.subarray(0, PREVIEW_VALUES)) };
  },
  statistics(field, sampleIndex) {
    const frames = readFrames(field, sampleIndex);
    return { frames, seconds: (frames * field.arguments.hopLength) / field.arguments.sampleRate };
  },
  decoders: { features: featuresDecoder },
  defaultDecoder: 'features',
};
