/**
 * The reusable FLAC decoder (one per worker): decodes a sample range of stored frames into planar
 * output, converting to float32 (value / 2^(bitsPerSample − 1)) or copying integers on the way out.
 */
import { ArgumentError } from '@tessera/core';
import { AudioFormatError } from '../audio-errors.js';
import { nativeAudio } from '../audio-backend.js';
import { FlacFrameDecoder } from './flac-frame-decoder.js';
import type { FlacStreamInfo } from './flac-stream.js';

export interface FlacDecoder {
  /**
   * Decode samples [startSample, startSample + sampleCount) of a stream whose frames are `frames` (bytes
   * starting at the frame that contains startSample, i.e. the caller slices with the index) and whose first
   * frame begins at absolute sample `framesFirstSample`. Writes planar output: channel c sample i at
   * out[outOffset + c * rowStride + i]. Float32Array output gets value / 2^(bitsPerSample − 1)
   * (int16 x → x / 32768); Int16Array (at most 16 bits per sample) and Int32Array get the integers.
   * Returns the number of samples written (== sampleCount unless the frames end first).
   * Throws AudioFormatError (E_AUDIO_FORMAT) on corrupt data: bad CRC-16 / CRC-8, reserved codes,
   * residual overrun, or frames ending inside a frame. Never reads outside `frames`.
   */
  decode(
    frames: Uint8Array,
    info: FlacStreamInfo,
    framesFirstSample: number,
    startSample: number,
    sampleCount: number,
    out: Float32Array | Int16Array | Int32Array,
    outOffset: number,
    rowStride: number,
  ): number;
}

/**
 * The active backend's decoder (audioBackend(): the native addon's C decoder when it loaded, else
 * JavaScript). Both give identical output and identical errors: a native failure re-runs the
 * JavaScript decoder on the same bytes, which throws the typed error.
 */
export function createFlacDecoder(): FlacDecoder {
  const native = nativeAudio();
  return native === undefined ? createJsFlacDecoder() : createNativeFlacDecoder(native);
}

function createNativeFlacDecoder(native: NonNullable<ReturnType<typeof nativeAudio>>): FlacDecoder {
  let fallback: FlacDecoder | undefined;
  return {
    decode(frames, info, framesFirstSample, startSample, sampleCount, out, outOffset, rowStride) {
      checkArguments(info, framesFirstSample, startSample, sampleCount, out, outOffset, rowStride);
      const written = native.flacDecode(frames, info.channels, info.bitsPerSample, framesFirstSample, startSample, sampleCount, out, outOffset, rowStride);
      if (written >= 0) return written;
      // The JavaScript decoder (the reference) names the problem and its byte offset exactly: it throws here.
      fallback ??= createJsFlacDecoder();
      return fallback.decode(frames, info, framesFirstSample, startSample, sampleCount, out, outOffset, rowStride);
    },
  };
}

/** The JavaScript decoder, whatever the active backend (tests compare the two). */
export function createJsFlacDecoder(): FlacDecoder {
  const frameDecoder = new FlacFrameDecoder();

  function decode(
    frames: Uint8Array,
    info: FlacStreamInfo,
    framesFirstSample: number,
    startSample: number,
    sampleCount: number,
    out: Float32Array | Int16Array | Int32Array,
    outOffset: number,
    rowStride: number,
  ): number {
    checkArguments(info, framesFirstSample, startSample, sampleCount, out, outOffset, rowStride);
    const scale = out instanceof Float32Array ? 2 ** -(info.bitsPerSample - 1) : 1;
    const endSample = startSample + sampleCount;
    const channels = info.channels;
    const header = frameDecoder.header;
    const end = frames.byteLength;
    let offset = 0;
    let frameFirstSample = framesFirstSample;
    while (frameFirstSample < endSample && offset < end) {
      offset = frameDecoder.decodeFrame(frames, offset, end, info);
      const frameEndSample = frameFirstSample + header.blockSize;
      const from = Math.max(startSample, frameFirstSample);
      const to = Math.min(endSample, frameEndSample);
      if (from < to) {
        const sourceStart = from - frameFirstSample;
        const count = to - from;
        const target = outOffset + (from - startSample);
        for (let channel = 0; channel < channels; channel++) {
          const source = frameDecoder.wide ? frameDecoder.float64Channels[channel] : frameDecoder.int32Channels[channel];
          writeChannel(source, sourceStart, count, out, target + channel * rowStride, scale);
        }
      }
      frameFirstSample = frameEndSample;
    }
    return Math.max(0, Math.min(endSample, frameFirstSample) - startSample);
  }

  return { decode };
}

function writeChannel(
  source: Int32Array | Float64Array,
  sourceStart: number,
  count: number,
  out: Float32Array | Int16Array | Int32Array,
  target: number,
  scale: number,
): void {
  for (let index = 0; index < count; index++) out[target + index] = source[sourceStart + index] * scale;
}

function checkArguments(
  info: FlacStreamInfo,
  framesFirstSample: number,
  startSample: number,
  sampleCount: number,
  out: Float32Array | Int16Array | Int32Array,
  outOffset: number,
  rowStride: number,
): void {
  if (!Number.isSafeInteger(startSample) || startSample < framesFirstSample) {
    throw new ArgumentError('startSample', `must be an integer at or after framesFirstSample (${framesFirstSample}), got ${startSample}`);
  }
  if (!Number.isSafeInteger(sampleCount) || sampleCount < 0) {
    throw new ArgumentError('sampleCount', `must be a non-negative integer, got ${sampleCount}`);
  }
  if (!Number.isSafeInteger(outOffset) || outOffset < 0 || !Number.isSafeInteger(rowStride) || rowStride < 0) {
    throw new ArgumentError('outOffset', `outOffset and rowStride must be non-negative integers, got ${outOffset} and ${rowStride}`);
  }
  if (info.channels < 1 || info.channels > 8) throw new AudioFormatError(`FLAC streams have 1–8 channels, STREAMINFO says ${info.channels}`);
  if (sampleCount > 0 && outOffset + (info.channels - 1) * rowStride + sampleCount > out.length) {
    throw new ArgumentError(
      'out',
      `holds ${out.length} values; ${info.channels} channels × ${sampleCount} samples at offset ${outOffset}, row stride ${rowStride} need ${outOffset + (info.channels - 1) * rowStride + sampleCount}`,
    );
  }
  if (out instanceof Int16Array && info.bitsPerSample > 16) {
    throw new ArgumentError('out', `an Int16Array cannot hold ${info.bitsPerSample}-bit samples: pass an Int32Array or a Float32Array`);
  }
}
