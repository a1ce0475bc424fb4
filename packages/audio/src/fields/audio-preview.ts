import type { FieldPreview } from '@tessera/core';
import type { PcmRow } from './pcm-value.js';

/** [min, max] pairs in a waveform strip: enough for a row of thumbnails, small as JSON. */
export const PEAK_PAIRS = 200;
const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_IEEE_FLOAT = 3;

/** Full scale of each stored type, so peaks are in [−1, 1]. */
const scaleOf = (row: PcmRow): number => (row instanceof Int16Array ? 1 / 32768 : row instanceof Int32Array ? 1 / 2147483648 : 1);

/**
 * A WAV file of planar rows, interleaved as WAV wants: int16 rows as 16-bit PCM (exact), others as
 * 32-bit IEEE float (float32 exact; int32 rounded to float32's 24-bit mantissa). Every browser plays both.
 */
export function wavFile(rows: readonly PcmRow[], length: number, sampleRate: number): Uint8Array {
  const channels = rows.length;
  const pcm16 = rows.every((row) => row instanceof Int16Array);
  const bytesPerSample = pcm16 ? 2 : 4;
  const dataBytes = length * channels * bytesPerSample;
  // IEEE float needs the 18-byte fmt chunk (with cbSize) and a fact chunk; PCM the 16-byte one.
  const formatBytes = pcm16 ? 16 : 18;
  const factBytes = pcm16 ? 0 : 12;
  const headerBytes = 12 + 8 + formatBytes + factBytes + 8;
  const file = new Uint8Array(headerBytes + dataBytes);
  const view = new DataView(file.buffer);
  const ascii = (offset: number, text: string) => {
    for (let index = 0; index < text.length; index++) file[offset + index] = text.charCodeAt(index);
  };
  ascii(0, 'RIFF');
  view.setUint32(4, file.byteLength - 8, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, formatBytes, true);
  view.setUint16(20, pcm16 ? WAVE_FORMAT_PCM : WAVE_FORMAT_IEEE_FLOAT, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * channels * bytesPerSample, true);
  view.setUint16(32, channels * bytesPerSample, true);
  view.setUint16(34, bytesPerSample * 8, true);
  let offset = 20 + formatBytes;
  if (!pcm16) {
    ascii(offset, 'fact');
    view.setUint32(offset + 4, 4, true);
    view.setUint32(offset + 8, length, true);
    offset += 12;
  }
  ascii(offset, 'data');
  view.setUint32(offset + 4, dataBytes, true);
  offset += 8;
  for (let channel = 0; channel < channels; channel++) {
    const row = rows[channel]!;
    const scale = scaleOf(row);
    for (let index = 0, at = offset + channel * bytesPerSample; index < length; index++, at += channels * bytesPerSample) {
      if (pcm16) view.setInt16(at, row[index]!, true);
      else view.setFloat32(at, row instanceof Float32Array ? row[index]! : row[index]! * scale, true);
    }
  }
  return file;
}

/** [min, max] of every channel over `pairs` equal slices of the clip (fewer for a shorter clip), in [−1, 1]. */
export function clipPeaks(rows: readonly PcmRow[], length: number, pairs = PEAK_PAIRS): Float32Array {
  const count = Math.min(pairs, length);
  const peaks = new Float32Array(2 * count);
  for (let slice = 0; slice < count; slice++) {
    const from = Math.floor((slice * length) / count);
    const to = Math.floor(((slice + 1) * length) / count);
    let minimum = Number.POSITIVE_INFINITY;
    let maximum = Number.NEGATIVE_INFINITY;
    for (const row of rows) {
      const scale = scaleOf(row);
      for (let index = from; index < to; index++) {
        const value = row[index]! * scale;
        if (value < minimum) minimum = value;
        if (value > maximum) maximum = value;
      }
    }
    peaks[2 * slice] = Math.max(-1, minimum);
    peaks[2 * slice + 1] = Math.min(1, maximum);
  }
  return peaks;
}

/** A decoded clip as a WAV preview with its waveform strip. */
export function pcmPreview(rows: readonly PcmRow[], length: number, sampleRate: number): FieldPreview {
  return { kind: 'audio', mimeType: 'audio/wav', bytes: wavFile(rows, length, sampleRate), durationSeconds: length / sampleRate, sampleRate, channels: rows.length, peaks: clipPeaks(rows, length) };
}
