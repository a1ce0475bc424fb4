import type { Pcm } from './audio-input.js';

/** ffmpeg has a default channel layout for 1–8 channels, so it can remix between any of those counts. */
export const FFMPEG_LAYOUT_CHANNELS = 8;

/**
 * Remixes in JS where the rule is unambiguous: same count (the input itself, no copy), N → 1 (the
 * mean of the channels), 1 → N (the channel repeated; the rows share one array). Undefined for other
 * counts (ffmpeg's default layout mapping decides those).
 */
export function remixChannels(pcm: Pcm, channels: number): Pcm | undefined {
  const count = pcm.channels.length;
  if (count === channels) return pcm;
  if (channels === 1) {
    const mono = new Float32Array(pcm.length);
    for (const row of pcm.channels) for (let index = 0; index < pcm.length; index++) mono[index]! += row[index]!;
    for (let index = 0; index < pcm.length; index++) mono[index]! /= count;
    return { channels: [mono], sampleRate: pcm.sampleRate, length: pcm.length };
  }
  if (count === 1) return { channels: Array.from({ length: channels }, () => pcm.channels[0]!), sampleRate: pcm.sampleRate, length: pcm.length };
  return undefined;
}

/** Planar channels → one interleaved float32 array (what ffmpeg's f32le reads). */
export function interleave(pcm: Pcm): Float32Array {
  const count = pcm.channels.length;
  if (count === 1) return pcm.channels[0]!.subarray(0, pcm.length);
  const out = new Float32Array(pcm.length * count);
  for (let channel = 0; channel < count; channel++) {
    const row = pcm.channels[channel]!;
    for (let frame = 0, position = channel; frame < pcm.length; frame++, position += count) out[position] = row[frame]!;
  }
  return out;
}

/** Interleaved float32 (ffmpeg's f32le output) → planar channels. */
export function deinterleave(interleaved: Float32Array, channels: number, sampleRate: number): Pcm {
  const length = Math.floor(interleaved.length / channels);
  if (channels === 1) return { channels: [interleaved.length === length ? interleaved : interleaved.subarray(0, length)], sampleRate, length };
  const rows = Array.from({ length: channels }, () => new Float32Array(length));
  for (let channel = 0; channel < channels; channel++) {
    const row = rows[channel]!;
    for (let frame = 0, position = channel; frame < length; frame++, position += channels) row[frame] = interleaved[position]!;
  }
  return { channels: rows, sampleRate, length };
}
