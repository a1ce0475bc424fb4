/**
 * Decodes one FLAC frame (header, one subframe per channel, stereo decorrelation, CRC-16 footer) into
 * per-channel scratch owned by the object: Int32Array for up to 24 bits per sample, Float64Array for
 * 25–32 bits (the side channel of 32-bit stereo needs 33 bits). Scratch grows on demand, never shrinks.
 */
import { AudioFormatError } from '../audio-errors.js';
import { FlacBitReader } from './flac-bit-reader.js';
import { flacCrc16 } from './flac-crc.js';
import { restoreFixedFloat64, restoreFixedInt32 } from './flac-fixed.js';
import { CHANNELS_LEFT_SIDE, CHANNELS_MID_SIDE, CHANNELS_SIDE_RIGHT, FlacFrameHeader, readFlacFrameHeader } from './flac-frame-header.js';
import { restoreLpcFloat64, restoreLpcNarrow, restoreLpcWide } from './flac-lpc.js';
import { readFlacResidual } from './flac-residual.js';
import type { FlacStreamInfo } from './flac-stream.js';

/** Frames of more bits per sample than this are decoded in doubles. */
const MAX_INT32_BITS_PER_SAMPLE = 24;
const MAX_CHANNELS = 8;
const MAX_LPC_ORDER = 32;

export class FlacFrameDecoder {
  readonly header = new FlacFrameHeader();
  /** The last frame's samples, channel by channel: `int32Channels` when !wide, `float64Channels` when wide. */
  wide = false;
  readonly int32Channels: Int32Array[] = [];
  readonly float64Channels: Float64Array[] = [];
  private readonly reader = new FlacBitReader();
  private readonly coefficients = new Int32Array(MAX_LPC_ORDER);
  private residuals = new Int32Array(0);
  /** Byte offset of the frame being decoded, for messages. */
  private frameOffset = 0;

  /**
   * Decodes the frame at bytes[offset] (the data ends at `end`); checks it against `info` (channels,
   * bits per sample) and its CRC-16. Returns the offset just past the frame.
   */
  decodeFrame(bytes: Uint8Array, offset: number, end: number, info: FlacStreamInfo): number {
    const header = this.header;
    this.frameOffset = offset;
    readFlacFrameHeader(bytes, offset, end, info, header);
    if (header.channels !== info.channels) {
      this.fail(`frame has ${header.channels} channels, STREAMINFO says ${info.channels}`, offset + 3);
    }
    if (header.bitsPerSample !== info.bitsPerSample) {
      this.fail(`frame has ${header.bitsPerSample} bits per sample, STREAMINFO says ${info.bitsPerSample}`, offset + 3);
    }
    const blockSize = header.blockSize;
    const bitsPerSample = header.bitsPerSample;
    const assignment = header.channelAssignment;
    const wide = bitsPerSample > MAX_INT32_BITS_PER_SAMPLE;
    this.wide = wide;
    this.reserve(header.channels, blockSize, wide);
    const reader = this.reader;
    reader.reset(bytes, offset + header.byteLength, end);
    for (let channel = 0; channel < header.channels; channel++) {
      const isSide =
        (assignment === CHANNELS_LEFT_SIDE && channel === 1) ||
        (assignment === CHANNELS_SIDE_RIGHT && channel === 0) ||
        (assignment === CHANNELS_MID_SIDE && channel === 1);
      const subframeBits = isSide ? bitsPerSample + 1 : bitsPerSample;
      if (wide) this.decodeSubframeFloat64(this.float64Channels[channel], blockSize, subframeBits);
      else this.decodeSubframeInt32(this.int32Channels[channel], blockSize, subframeBits);
    }
    reader.alignToByte();
    const footer = reader.base + reader.bitPosition / 8;
    if (footer + 2 > end) {
      this.fail(`frame is truncated: its subframes and CRC-16 need ${footer + 2 - offset} bytes, ${end - offset} are left`, end);
    }
    const stored = (bytes[footer] << 8) | bytes[footer + 1];
    const computed = flacCrc16(bytes, offset, footer);
    if (stored !== computed) {
      this.fail(`frame CRC-16 mismatch: stored 0x${stored.toString(16)}, computed 0x${computed.toString(16)} over ${footer - offset} bytes`, offset);
    }
    if (assignment >= CHANNELS_LEFT_SIDE) {
      if (wide) decorrelateFloat64(this.float64Channels[0], this.float64Channels[1], blockSize, assignment);
      else decorrelateInt32(this.int32Channels[0], this.int32Channels[1], blockSize, assignment);
    }
    return footer + 2;
  }

  private fail(message: string, byteOffset: number): never {
    throw new AudioFormatError(`FLAC frame at byte offset ${this.frameOffset}: ${message}`, { byteOffset });
  }

  private reserve(channels: number, blockSize: number, wide: boolean): void {
    const length = Math.max(blockSize, MAX_LPC_ORDER);
    for (let channel = 0; channel < Math.min(channels, MAX_CHANNELS); channel++) {
      if (wide) {
        if (this.float64Channels.length <= channel || this.float64Channels[channel].length < length) {
          this.float64Channels[channel] = new Float64Array(length);
        }
      } else if (this.int32Channels.length <= channel || this.int32Channels[channel].length < length) {
        this.int32Channels[channel] = new Int32Array(length);
      }
    }
    if (wide && this.residuals.length < length) this.residuals = new Int32Array(length);
  }

  /** Subframe header: returns the type; sets `wastedBits`. */
  private readSubframeHeader(bitsPerSample: number): number {
    const reader = this.reader;
    const head = reader.readBits(8);
    if (head & 0x80) this.fail('subframe padding bit is set', reader.byteOffset);
    let wasted = 0;
    if (head & 1) {
      wasted = reader.readUnary() + 1;
      if (wasted >= bitsPerSample) this.fail(`subframe has ${wasted} wasted bits of ${bitsPerSample}`, reader.byteOffset);
    }
    this.wastedBits = wasted;
    const type = head >>> 1;
    if (type === 1 || type === 0) return type;
    if (type >= 8 && type <= 12) return type;
    if (type >= 32) return type;
    return this.fail(`subframe uses the reserved type ${type}`, reader.byteOffset);
  }

  private wastedBits = 0;

  /** Reads LPC precision, shift (into `lpcShift`) and coefficients; returns NARROW when int32 sums are exact. */
  private readLpcParameters(order: number, sampleBits: number): boolean {
    const reader = this.reader;
    const precision = reader.readBits(4) + 1;
    if (precision === 16) this.fail('LPC coefficient precision code 15 is invalid', reader.byteOffset);
    const shift = reader.readSigned(5);
    if (shift < 0) this.fail(`LPC shift ${shift} is negative`, reader.byteOffset);
    let absoluteSum = 0;
    const coefficients = this.coefficients;
    for (let index = 0; index < order; index++) {
      const coefficient = reader.readSigned(precision);
      coefficients[index] = coefficient;
      absoluteSum += Math.abs(coefficient);
    }
    this.lpcShift = shift;
    return absoluteSum * 2 ** (sampleBits - 1) < 2 ** 31 ? NARROW : WIDE;
  }

  private lpcShift = 0;

  private decodeSubframeInt32(samples: Int32Array, blockSize: number, bitsPerSample: number): void {
    const reader = this.reader;
    const type = this.readSubframeHeader(bitsPerSample);
    const wasted = this.wastedBits;
    const sampleBits = bitsPerSample - wasted;
    if (type === 0) {
      samples.fill(reader.readSigned(sampleBits), 0, blockSize);
    } else if (type === 1) {
      for (let index = 0; index < blockSize; index++) samples[index] = reader.readSigned(sampleBits);
    } else {
      const order = type >= 32 ? type - 31 : type - 8;
      if (order > blockSize) this.fail(`predictor order ${order} exceeds the block size ${blockSize}`, reader.byteOffset);
      for (let index = 0; index < order; index++) samples[index] = reader.readSigned(sampleBits);
      if (type >= 32) {
        const arithmetic = this.readLpcParameters(order, sampleBits);
        readFlacResidual(reader, blockSize, order, samples);
        if (arithmetic === NARROW) restoreLpcNarrow(samples, blockSize, this.coefficients, order, this.lpcShift);
        else restoreLpcWide(samples, blockSize, this.coefficients, order, this.lpcShift);
      } else {
        readFlacResidual(reader, blockSize, order, samples);
        restoreFixedInt32(samples, blockSize, order);
      }
    }
    if (wasted !== 0) for (let index = 0; index < blockSize; index++) samples[index] <<= wasted;
  }

  private decodeSubframeFloat64(samples: Float64Array, blockSize: number, bitsPerSample: number): void {
    const reader = this.reader;
    const type = this.readSubframeHeader(bitsPerSample);
    const wasted = this.wastedBits;
    const sampleBits = bitsPerSample - wasted;
    if (type === 0) {
      samples.fill(reader.readSigned(sampleBits), 0, blockSize);
    } else if (type === 1) {
      for (let index = 0; index < blockSize; index++) samples[index] = reader.readSigned(sampleBits);
    } else {
      const order = type >= 32 ? type - 31 : type - 8;
      if (order > blockSize) this.fail(`predictor order ${order} exceeds the block size ${blockSize}`, reader.byteOffset);
      for (let index = 0; index < order; index++) samples[index] = reader.readSigned(sampleBits);
      const residuals = this.residuals;
      if (type >= 32) {
        this.readLpcParameters(order, sampleBits);
        readFlacResidual(reader, blockSize, order, residuals);
        restoreLpcFloat64(samples, residuals, blockSize, this.coefficients, order, this.lpcShift);
      } else {
        readFlacResidual(reader, blockSize, order, residuals);
        restoreFixedFloat64(samples, residuals, blockSize, order);
      }
    }
    if (wasted !== 0) {
      const scale = 2 ** wasted;
      for (let index = 0; index < blockSize; index++) samples[index] *= scale;
    }
  }
}

const NARROW = true;
const WIDE = false;

function decorrelateInt32(first: Int32Array, second: Int32Array, count: number, assignment: number): void {
  if (assignment === CHANNELS_LEFT_SIDE) {
    for (let i = 0; i < count; i++) second[i] = first[i] - second[i];
  } else if (assignment === CHANNELS_SIDE_RIGHT) {
    for (let i = 0; i < count; i++) first[i] += second[i];
  } else {
    for (let i = 0; i < count; i++) {
      const side = second[i];
      const mid = (first[i] << 1) | (side & 1);
      first[i] = (mid + side) >> 1;
      second[i] = (mid - side) >> 1;
    }
  }
}

function decorrelateFloat64(first: Float64Array, second: Float64Array, count: number, assignment: number): void {
  if (assignment === CHANNELS_LEFT_SIDE) {
    for (let i = 0; i < count; i++) second[i] = first[i] - second[i];
  } else if (assignment === CHANNELS_SIDE_RIGHT) {
    for (let i = 0; i < count; i++) first[i] += second[i];
  } else {
    for (let i = 0; i < count; i++) {
      const side = second[i];
      // mid * 2 + the side's parity is even-summed with the side, so the halves are exact.
      const mid = first[i] * 2 + (side % 2 === 0 ? 0 : 1);
      first[i] = (mid + side) / 2;
      second[i] = (mid - side) / 2;
    }
  }
}
