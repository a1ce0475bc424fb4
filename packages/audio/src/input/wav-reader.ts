import type { Pcm } from './audio-input.js';

/** A parsed PCM WAV file: where its samples are and how they are stored. */
export interface WavLayout {
  sampleRate: number;
  channels: number;
  /** 'int' (8-bit unsigned, 16/24/32-bit signed) or 'float' (32/64-bit). */
  encoding: 'int' | 'float';
  bitsPerSample: number;
  /** Byte offset of the first sample in the file. */
  dataOffset: number;
  /** Frames (samples per channel) in the data chunk, clamped to the bytes present. */
  frames: number;
}

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_IEEE_FLOAT = 3;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

const ascii = (bytes: Uint8Array, offset: number): string =>
  String.fromCharCode(bytes[offset]!, bytes[offset + 1]!, bytes[offset + 2]!, bytes[offset + 3]!);

/** True when the bytes start like a RIFF/WAVE file (PCM or not). */
export function isWav(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 12 && ascii(bytes, 0) === 'RIFF' && ascii(bytes, 8) === 'WAVE';
}

/**
 * The layout of a PCM or float WAV (WAVE_FORMAT_EXTENSIBLE too), or undefined when the file is a
 * WAV that JS does not read (ADPCM, µ-law, …; ffmpeg does) or not a complete WAV header. `bytes` may
 * be the file's head only (up to its data chunk) when `fileByteLength` gives the whole file's size. A
 * data size of 0 or 0xFFFFFFFF (streamed WAV) or past the end is clamped to the bytes present.
 */
export function parseWavLayout(bytes: Uint8Array, fileByteLength = bytes.byteLength): WavLayout | undefined {
  if (!isWav(bytes)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 12;
  let format: { tag: number; channels: number; sampleRate: number; blockAlign: number; bitsPerSample: number } | undefined;
  while (offset + 8 <= bytes.byteLength) {
    const id = ascii(bytes, offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.byteLength) return undefined;
      let tag = view.getUint16(body, true);
      if (tag === WAVE_FORMAT_EXTENSIBLE) {
        // The sub-format GUID's first two bytes are the format tag (KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT).
        if (size < 40 || body + 26 > bytes.byteLength) return undefined;
        tag = view.getUint16(body + 24, true);
      }
      format = {
        tag,
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        blockAlign: view.getUint16(body + 12, true),
        bitsPerSample: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      if (format === undefined) return undefined;
      const { tag, channels, sampleRate, bitsPerSample, blockAlign } = format;
      const supported =
        (tag === WAVE_FORMAT_PCM && (bitsPerSample === 8 || bitsPerSample === 16 || bitsPerSample === 24 || bitsPerSample === 32)) ||
        (tag === WAVE_FORMAT_IEEE_FLOAT && (bitsPerSample === 32 || bitsPerSample === 64));
      if (!supported || channels === 0 || sampleRate === 0 || blockAlign !== channels * (bitsPerSample / 8)) return undefined;
      const available = fileByteLength - body;
      const dataBytes = size === 0 || size === 0xffffffff || size > available ? available : size;
      return {
        sampleRate,
        channels,
        encoding: tag === WAVE_FORMAT_IEEE_FLOAT ? 'float' : 'int',
        bitsPerSample,
        dataOffset: body,
        frames: Math.floor(dataBytes / blockAlign),
      };
    }
    offset = body + size + (size & 1);
  }
  return undefined;
}

/**
 * Frames `[startFrame, endFrame)` of a parsed WAV as planar float32: int16 x → x/32768, int24 x →
 * x/8388608, int32 x → x/2147483648, uint8 x → (x − 128)/128 (what soundfile, torchaudio and ffmpeg give).
 */
export function readWavPcm(bytes: Uint8Array, layout: WavLayout, startFrame = 0, endFrame = layout.frames): Pcm {
  const length = Math.max(0, Math.min(endFrame, layout.frames) - startFrame);
  const { channels: channelCount, bitsPerSample, encoding } = layout;
  const channels = Array.from({ length: channelCount }, () => new Float32Array(length));
  const bytesPerSample = bitsPerSample / 8;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let position = layout.dataOffset + startFrame * channelCount * bytesPerSample;
  if (encoding === 'int' && bitsPerSample === 16) {
    // The common case, without the per-sample format dispatch.
    for (let frame = 0; frame < length; frame++) {
      for (let channel = 0; channel < channelCount; channel++) {
        channels[channel]![frame] = view.getInt16(position, true) / 32768;
        position += 2;
      }
    }
    return { channels, sampleRate: layout.sampleRate, length };
  }
  for (let frame = 0; frame < length; frame++) {
    for (let channel = 0; channel < channelCount; channel++) {
      const row = channels[channel]!;
      if (encoding === 'float') {
        row[frame] = bitsPerSample === 32 ? view.getFloat32(position, true) : view.getFloat64(position, true);
      } else if (bitsPerSample === 16) {
        row[frame] = view.getInt16(position, true) / 32768;
      } else if (bitsPerSample === 24) {
        const value = bytes[position]! | (bytes[position + 1]! << 8) | (bytes[position + 2]! << 16);
        row[frame] = ((value << 8) >> 8) / 8388608;
      } else if (bitsPerSample === 32) {
        row[frame] = view.getInt32(position, true) / 2147483648;
      } else {
        row[frame] = (bytes[position]! - 128) / 128;
      }
      position += bytesPerSample;
    }
  }
  return { channels, sampleRate: layout.sampleRate, length };
}

/** A 16-bit PCM WAV file of planar float32 channels (clipped, rounded), or 32-bit float with `bitsPerSample: 32`. */
export function encodeWav(pcm: Pcm, options: { bitsPerSample?: 16 | 32 } = {}): Uint8Array {
  const float = options.bitsPerSample === 32;
  const bytesPerSample = float ? 4 : 2;
  const channelCount = pcm.channels.length;
  const dataBytes = pcm.length * channelCount * bytesPerSample;
  const bytes = new Uint8Array(44 + dataBytes);
  const view = new DataView(bytes.buffer);
  const text = (offset: number, value: string) => {
    for (let index = 0; index < 4; index++) bytes[offset + index] = value.charCodeAt(index);
  };
  text(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  text(8, 'WAVE');
  text(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, float ? WAVE_FORMAT_IEEE_FLOAT : WAVE_FORMAT_PCM, true);
  view.setUint16(22, channelCount, true);
  view.setUint32(24, pcm.sampleRate, true);
  view.setUint32(28, pcm.sampleRate * channelCount * bytesPerSample, true);
  view.setUint16(32, channelCount * bytesPerSample, true);
  view.setUint16(34, bytesPerSample * 8, true);
  text(36, 'data');
  view.setUint32(40, dataBytes, true);
  let position = 44;
  for (let frame = 0; frame < pcm.length; frame++) {
    for (let channel = 0; channel < channelCount; channel++) {
      const sample = pcm.channels[channel]![frame]!;
      if (float) view.setFloat32(position, sample, true);
      else view.setInt16(position, Math.max(-32768, Math.min(32767, Math.round(sample * 32768))), true);
      position += bytesPerSample;
    }
  }
  return bytes;
}
