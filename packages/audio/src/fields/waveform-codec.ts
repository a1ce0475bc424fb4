import type { DecoderDefinition, FieldCodec, FieldReader, MetadataLayout, OutputSlot } from '@tessera/core';
import { pcmPreview } from './audio-preview.js';
import { CLIP_WINDOW_OPTIONS, clipWindow, windowFirstSample, windowStart } from './clip-window.js';
import { MAX_CHANNELS, MAX_SAMPLE_RATE, MIN_SAMPLE_RATE, booleanValue, choiceValue, integerValue, optionRecord, rejectUnknown } from './option-values.js';
import { ByteScratch, checkPayloadRange } from './payload-range.js';
import { type FieldPcm, type PcmRow, type WaveformInput, fieldPcm } from './pcm-value.js';

/**
 * `waveform({ sampleRate, channels, dtype })`: PCM at a fixed rate and channel count, any length.
 *
 *   metadata column (16 bytes, 8-aligned)   pointer u64 @0   samples per channel u32 @8   start i32 @12
 *   payload (one allocation, none when empty)   planar little-endian PCM: channel 0's samples, then channel 1's…
 *
 * `start` places the clip on the sample's time axis, in samples at the field's rate: stored sample
 * i lies at (start + i) / sampleRate seconds. It is round(startTime × rate) of the value (see
 * `WaveformInput`); files written before it existed have 0 there (the byte was reserved, zero), so
 * their clips start at 0.
 *
 * Values are resampled and remixed to the field's rate and channels when written (see `WaveformInput`).
 */
export type WaveformDType = 'int16' | 'int32' | 'float32';
export const WAVEFORM_DTYPES: readonly WaveformDType[] = ['int16', 'int32', 'float32'];

export type WaveformArguments = {
  sampleRate: number;
  channels: number;
  dtype: WaveformDType;
  /** false: PCM values at another rate are refused (E_AUDIO_SAMPLE_RATE) instead of resampled. */
  resample: boolean;
};

/** What `read()` gives: the stored PCM, planar, in the field's dtype. */
export interface StoredWaveform {
  sampleRate: number;
  samples: PcmRow[];
  /** Where the first sample lies on the sample's time axis, in seconds (start / sampleRate; 0 for files without starts). */
  startTime: number;
}

export const WAVEFORM_CODEC_ID = 'audio/waveform';
const METADATA_LAYOUT: MetadataLayout = { byteLength: 16, alignment: 8 };
const POINTER_OFFSET = 0;
const LENGTH_OFFSET = 8;
const START_OFFSET = 12;
const MAX_LENGTH = 0xffff_ffff;
const MAX_START = 0x7fff_ffff;
const ITEM_SIZE: Record<WaveformDType, number> = { int16: 2, int32: 4, float32: 4 };
const FLOAT_SCALE: Record<WaveformDType, number> = { int16: 1 / 32768, int32: 1 / 2147483648, float32: 1 };

const readLength = (field: FieldReader, sampleIndex: number): number => field.metadata.getUint32(field.recordOffset(sampleIndex) + LENGTH_OFFSET, true);
const readPointer = (field: FieldReader, sampleIndex: number): number => field.readUint64(field.recordOffset(sampleIndex) + POINTER_OFFSET);
const readStart = (field: FieldReader, sampleIndex: number): number => field.metadata.getInt32(field.recordOffset(sampleIndex) + START_OFFSET, true);

/** The stored start as i32 (a RangeError beyond ±2^31 samples, about 12 hours at 48 kHz). */
export function checkStart(start: number, sampleRate: number): number {
  if (!(start >= -MAX_START - 1 && start <= MAX_START)) {
    throw new RangeError(`startTime ${start / sampleRate} s is ${start} samples at ${sampleRate} Hz, beyond the stored range ±${MAX_START}; move the sample's time axis closer to 0`);
  }
  return start;
}

export function normalizeWaveformArguments(args: WaveformArguments): WaveformArguments {
  const record = optionRecord(args, 'waveform()');
  rejectUnknown(record, ['sampleRate', 'channels', 'dtype', 'resample'], 'waveform()');
  return {
    sampleRate: integerValue(record, 'sampleRate', undefined, MIN_SAMPLE_RATE, MAX_SAMPLE_RATE, 'waveform()'),
    channels: integerValue(record, 'channels', 1, 1, MAX_CHANNELS, 'waveform()'),
    dtype: choiceValue(record, 'dtype', WAVEFORM_DTYPES, 'float32', 'waveform()'),
    resample: booleanValue(record, 'resample', true, 'waveform()'),
  };
}

/** The longest clip of a field, in samples per channel (the default output length of decoders). */
export function longestWaveform(field: FieldReader): number {
  let longest = 0;
  for (let sampleIndex = 0; sampleIndex < field.numSamples; sampleIndex++) longest = Math.max(longest, readLength(field, sampleIndex));
  return longest;
}

const encodeScratch = new ByteScratch();

function writeRows(pcm: FieldPcm, args: WaveformArguments, metadata: DataView, allocate: (payload: Uint8Array, pointerOffset?: number) => void): void {
  const { rows, length } = pcm;
  if (length > MAX_LENGTH) throw new RangeError(`${length} samples per channel, more than ${MAX_LENGTH}`);
  metadata.setUint32(LENGTH_OFFSET, length, true);
  metadata.setInt32(START_OFFSET, checkStart(pcm.start, args.sampleRate), true);
  if (length === 0) return;
  const itemSize = ITEM_SIZE[args.dtype];
  const bytes = encodeScratch.bytes(args.channels * length * itemSize);
  const buffer = encodeScratch.arrayBuffer;
  for (let channel = 0; channel < args.channels; channel++) {
    const row = rows[channel]!;
    const offset = channel * length;
    if (args.dtype === 'float32') {
      const out = new Float32Array(buffer, 0, args.channels * length);
      if (row instanceof Float32Array) {
        for (let index = 0; index < length; index++) {
          const sample = row[index]!;
          if (!Number.isFinite(sample)) throw new RangeError(`channel ${channel} sample ${index} is ${sample}; audio samples must be finite`);
          out[offset + index] = sample;
        }
      } else {
        const scale = row instanceof Int16Array ? 1 / 32768 : 1 / 2147483648;
        for (let index = 0; index < length; index++) out[offset + index] = row[index]! * scale;
      }
    } else {
      const out = args.dtype === 'int16' ? new Int16Array(buffer, 0, args.channels * length) : new Int32Array(buffer, 0, args.channels * length);
      const max = args.dtype === 'int16' ? 32767 : 2147483647;
      const min = -max - 1;
      if (row instanceof Float32Array) {
        const scale = args.dtype === 'int16' ? 32768 : 2147483648;
        for (let index = 0; index < length; index++) {
          const sample = row[index]!;
          if (!Number.isFinite(sample)) throw new RangeError(`channel ${channel} sample ${index} is ${sample}; audio samples must be finite`);
          const value = Math.round(sample * scale);
          out[offset + index] = Math.min(max, Math.max(min, value));
        }
      } else if (row instanceof Int32Array && args.dtype === 'int16') {
        // int32 PCM into an int16 field: the top 16 bits, rounded.
        for (let index = 0; index < length; index++) {
          const value = Math.round(row[index]! / 65536);
          out[offset + index] = Math.min(max, value);
        }
      } else if (row instanceof Int16Array && args.dtype === 'int32') {
        for (let index = 0; index < length; index++) out[offset + index] = row[index]! * 65536;
      } else {
        out.set(row, offset);
      }
    }
  }
  allocate(bytes, POINTER_OFFSET);
}

/**
 * float32 [channels, maxSamples] (or the stored integers with dtype 'stored'), variable in dimension 1.
 * With crop 'window': [channels, round(seconds × rate)] of the loader's window [t, t + seconds) on the
 * time axis, output sample j being stored sample round(t × rate) − start + j; positions outside the
 * clip are 0 and lengths[0] counts from the window's first sample to the clip's last real one,
 * clamped to [0, N] (samples before a clip that starts inside the window count, as zeros).
 */
const waveformDecoder: DecoderDefinition<WaveformArguments> = {
  options: [...CLIP_WINDOW_OPTIONS, 'dtype'],
  setup(field, rawOptions) {
    const where = `decoder "waveform" of field "${field.name}"`;
    const options = optionRecord(rawOptions, where);
    const { sampleRate, channels, dtype } = field.arguments;
    const window = clipWindow(options, sampleRate, channels, () => longestWaveform(field), where, true);
    const stored = choiceValue(options, 'dtype', ['float32', 'stored'] as const, 'float32', where) === 'stored';
    const outputLength = window.outputLength;
    const itemSize = ITEM_SIZE[dtype];
    const scale = FLOAT_SCALE[dtype];
    const scratch = new ByteScratch();
    // Views of the scratch, made again only when it grows (no allocation per decode).
    let bytes = new Uint8Array(scratch.arrayBuffer);
    let source: Int16Array | Int32Array = dtype === 'int16' ? new Int16Array(scratch.arrayBuffer) : new Int32Array(scratch.arrayBuffer);
    const timeWindow = window.crop === 'window';

    /** Output positions [to, to + count) of every row from stored samples [from, from + count); the rest zero. */
    const copyRows = (sampleIndex: number, slot: OutputSlot, length: number, from: number, to: number, count: number): void => {
      const out = slot.bytes;
      if (count <= 0) {
        out.fill(0);
        return;
      }
      const pointer = readPointer(field, sampleIndex);
      if (stored || dtype === 'float32') {
        for (let channel = 0; channel < channels; channel++) {
          const row = channel * outputLength;
          out.fill(0, row * itemSize, (row + to) * itemSize);
          field.copyBytes(pointer + (channel * length + from) * itemSize, count * itemSize, out, (row + to) * itemSize);
          out.fill(0, (row + to + count) * itemSize, (row + outputLength) * itemSize);
        }
      } else {
        const data = slot.data as Float32Array;
        if (bytes.byteLength < count * itemSize) {
          scratch.bytes(count * itemSize);
          bytes = new Uint8Array(scratch.arrayBuffer);
          source = dtype === 'int16' ? new Int16Array(scratch.arrayBuffer) : new Int32Array(scratch.arrayBuffer);
        }
        for (let channel = 0; channel < channels; channel++) {
          field.copyBytes(pointer + (channel * length + from) * itemSize, count * itemSize, bytes, 0);
          const base = channel * outputLength + to;
          data.fill(0, channel * outputLength, base);
          for (let index = 0; index < count; index++) data[base + index] = source[index]! * scale;
          data.fill(0, base + count, (channel + 1) * outputLength);
        }
      }
    };

    return {
      output: { dtype: stored ? dtype : 'float32', shape: [channels, outputLength], variableDims: [1] },
      random: window.crop === 'random',
      decode(sampleIndex: number, slot: OutputSlot, context) {
        const length = readLength(field, sampleIndex);
        if (timeWindow) {
          // Stored index of output sample 0 (negative: the window starts before the clip).
          const first = windowFirstSample(window, context, sampleRate, where) - readStart(field, sampleIndex);
          const to = Math.min(outputLength, Math.max(0, -first));
          const end = Math.min(outputLength, Math.max(0, length - first));
          copyRows(sampleIndex, slot, length, first + to, to, end - to);
          slot.lengths[0] = end;
          return;
        }
        const start = windowStart(window, length, context?.random);
        const count = Math.min(outputLength, length - start);
        copyRows(sampleIndex, slot, length, start, 0, count);
        slot.lengths[0] = Math.max(0, count);
      },
    };
  },
};

/** int32 scalar: the clip's length in samples per channel. */
const lengthDecoder: DecoderDefinition<WaveformArguments> = {
  options: [],
  setup(field) {
    return {
      output: { dtype: 'int32', shape: [] },
      decode(sampleIndex: number, slot: OutputSlot) {
        (slot.data as Int32Array)[0] = readLength(field, sampleIndex);
      },
    };
  },
};

export const waveformCodec: FieldCodec<WaveformInput, WaveformArguments> = {
  id: WAVEFORM_CODEC_ID,
  normalizeArguments: normalizeWaveformArguments,
  metadataLayout: () => METADATA_LAYOUT,
  encode(value, args, target) {
    const pcm = fieldPcm(value, args);
    if (!(pcm instanceof Promise)) return writeRows(pcm, args, target.metadata, target.allocate.bind(target));
    // The target is reused after a synchronous return only: an asynchronous encode keeps it until it settles.
    return pcm.then((loaded) => writeRows(loaded, args, target.metadata, target.allocate.bind(target)));
  },
  validate(field) {
    const byteLength = ITEM_SIZE[field.arguments.dtype] * field.arguments.channels;
    for (let sampleIndex = 0; sampleIndex < field.numSamples; sampleIndex++) {
      const length = readLength(field, sampleIndex);
      if (length > 0) checkPayloadRange(field, sampleIndex, readPointer(field, sampleIndex), length * byteLength, 'the PCM');
    }
  },
  read(field, sampleIndex) {
    const { sampleRate, channels, dtype } = field.arguments;
    const length = readLength(field, sampleIndex);
    const itemSize = ITEM_SIZE[dtype];
    const samples: PcmRow[] = [];
    const pointer = length > 0 ? readPointer(field, sampleIndex) : 0;
    for (let channel = 0; channel < channels; channel++) {
      const row = dtype === 'int16' ? new Int16Array(length) : dtype === 'int32' ? new Int32Array(length) : new Float32Array(length);
      if (length > 0) field.copyBytes(pointer + channel * length * itemSize, length * itemSize, new Uint8Array(row.buffer), 0);
      samples.push(row);
    }
    const stored: StoredWaveform = { sampleRate, samples, startTime: readStart(field, sampleIndex) / sampleRate };
    return stored as unknown as WaveformInput;
  },
  toJSON(field, sampleIndex) {
    const { sampleRate, channels, dtype } = field.arguments;
    const length = readLength(field, sampleIndex);
    const payload = length > 0 ? field.describeBytes(readPointer(field, sampleIndex), length * channels * ITEM_SIZE[dtype]) : { byteLength: 0, sha256: null };
    const start = readStart(field, sampleIndex);
    return { sampleRate, channels, dtype, length, seconds: length / sampleRate, start, startTime: start / sampleRate, ...payload };
  },
  length: readLength,
  /** The stored PCM as a WAV file (int16 fields as 16-bit PCM, the others as float32) and its peaks. */
  preview(field, sampleIndex) {
    const { samples, sampleRate } = waveformCodec.read(field, sampleIndex) as unknown as StoredWaveform;
    return pcmPreview(samples, readLength(field, sampleIndex), sampleRate);
  },
  statistics: (field, sampleIndex) => ({ seconds: readLength(field, sampleIndex) / field.arguments.sampleRate, channels: field.arguments.channels }),
  timeline(field, sampleIndex, out) {
    const length = readLength(field, sampleIndex);
    if (length === 0) return false;
    const { sampleRate } = field.arguments;
    out.startSeconds = readStart(field, sampleIndex) / sampleRate;
    out.durationSeconds = length / sampleRate;
    return true;
  },
  decoders: { waveform: waveformDecoder, length: lengthDecoder },
  defaultDecoder: 'waveform',
};
