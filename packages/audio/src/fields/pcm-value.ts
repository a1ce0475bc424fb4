import type { AudioInput, Pcm } from '../input/index.js';
import { loadAudio } from '../input/index.js';
import { checkStartTime } from '../input/load-audio.js';

/** Integer or float PCM rows; integers are taken as stored values (int16 x means x/32768). */
export type PcmRow = Float32Array | Int16Array | Int32Array;

/**
 * A value of a waveform field: any audio input (a path, `{ path, start, end, startTime }`, file bytes)
 * or PCM, mono or planar channels, with its sample rate and optional `startTime` (seconds on the
 * sample's time axis; see `AudioInput`). Integer PCM is stored exactly in integer fields.
 */
export type WaveformInput = AudioInput | { samples: PcmRow | readonly PcmRow[]; sampleRate: number; startTime?: number };

export interface FieldPcm {
  rows: readonly PcmRow[];
  length: number;
  /** The first sample's place on the sample's time axis, in samples at the field's rate: round(startTime × rate). */
  start: number;
}

/** round(startTime × rate), the stored start (seconds → samples at the field's rate). */
export const startSamples = (startTime: number | undefined, sampleRate: number): number => (startTime === undefined ? 0 : Math.round(startTime * sampleRate));

export interface PcmTarget {
  sampleRate: number;
  channels: number;
  /** false: a PCM value at another rate is an error (E_AUDIO_SAMPLE_RATE) instead of being resampled. */
  resample: boolean;
  ffmpegPath?: string;
}

const isRow = (value: unknown): value is PcmRow => value instanceof Float32Array || value instanceof Int16Array || value instanceof Int32Array;

/**
 * PCM at the field's rate and channel count without any conversion, when the value already is
 * (the fast path: no ffmpeg, no copy); undefined when it needs loading, resampling or remixing.
 */
export function directPcm(value: unknown, target: PcmTarget): FieldPcm | undefined {
  if (value === null || typeof value !== 'object' || !('samples' in value) || !('sampleRate' in value)) return undefined;
  const { samples, sampleRate, startTime } = value as { samples: unknown; sampleRate: unknown; startTime?: unknown };
  if (sampleRate !== target.sampleRate) return undefined;
  const start = startSamples(checkStartTime(startTime, 'PCM', false) as number | undefined, target.sampleRate);
  const rows = isRow(samples) ? [samples] : Array.isArray(samples) && samples.every(isRow) ? (samples as PcmRow[]) : undefined;
  if (rows === undefined || rows.length === 0) {
    throw new TypeError(`samples must be a Float32Array, Int16Array or Int32Array, or an array of them (one per channel), got ${describe(samples)}`);
  }
  const length = rows[0]!.length;
  for (const [channel, row] of rows.entries()) {
    if (row.length !== length) throw new RangeError(`channel ${channel} has ${row.length} samples, channel 0 has ${length}: planar channels must have equal lengths`);
    if (row instanceof Float32Array) checkFinite(row, channel);
  }
  if (rows.length === target.channels) return { rows, length, start };
  if (target.channels === 1 && rows.every((row) => row instanceof Float32Array)) {
    // Mixdown to mono: the mean of the channels.
    const mono = new Float32Array(length);
    for (const row of rows) for (let index = 0; index < length; index++) mono[index]! += row[index]!;
    for (let index = 0; index < length; index++) mono[index]! /= rows.length;
    return { rows: [mono], length, start };
  }
  if (rows.length === 1) return { rows: Array.from({ length: target.channels }, () => rows[0]!), length, start };
  return undefined;
}

/** The value as PCM at the field's rate and channels: directly, or through `loadAudio` (WAV in JS, the rest with ffmpeg). */
export function fieldPcm(value: unknown, target: PcmTarget): FieldPcm | Promise<FieldPcm> {
  const direct = directPcm(value, target);
  if (direct !== undefined) return direct;
  if (value !== null && typeof value === 'object' && 'samples' in value) {
    const { samples } = value as { samples: unknown };
    const rows = isRow(samples) ? [samples] : (samples as PcmRow[]);
    if (Array.isArray(rows) && rows.some((row) => !(row instanceof Float32Array))) {
      // loadAudio takes float PCM; integer rows at another rate are converted first.
      const floats = rows.map(pcmAsFloat);
      value = { ...(value as object), samples: floats };
    }
  }
  return loadAudio(value as AudioInput, target).then((pcm: Pcm) => ({ rows: pcm.channels, length: pcm.length, start: startSamples(pcm.startTime, target.sampleRate) }));
}

function checkFinite(row: Float32Array, channel: number): void {
  for (let index = 0; index < row.length; index++) {
    const sample = row[index]!;
    // NaN fails both comparisons.
    if (!(sample >= -1e30 && sample <= 1e30)) throw new RangeError(`channel ${channel} sample ${index} is ${sample}; audio samples must be finite`);
  }
}

/** A PCM row as float32 (int16 x → x/32768, int32 x → x/2^31); float rows are returned as they are. */
export function pcmAsFloat(row: PcmRow): Float32Array {
  if (row instanceof Float32Array) return row;
  const scale = row instanceof Int16Array ? 1 / 32768 : 1 / 2147483648;
  const out = new Float32Array(row.length);
  for (let index = 0; index < row.length; index++) out[index] = row[index]! * scale;
  return out;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return value.constructor?.name ?? 'an object';
  return typeof value;
}
