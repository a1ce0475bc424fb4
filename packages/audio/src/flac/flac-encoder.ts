/**
 * encodeFlac: planar integer PCM → a FLAC stream (STREAMINFO facts with the MD5 libFLAC computes,
 * the frames, a frame index), in process. Fixed blocking; each frame header carries its UTF-8 frame
 * number, the sample rate and sample size codes, CRC-8; each frame ends with CRC-16. Subframes are
 * CONSTANT, FIXED (orders 0–4, partitioned Rice) or VERBATIM, whichever is smallest
 * (flac-encode-subframe.ts); stereo picks independent, left/side, side/right or mid/side by
 * estimated size. No LPC: sizes are measured against ffmpeg's level 5 in test/flac-encode.test.ts.
 *
 * Scratch (the output buffer, channel blocks, residuals) is module-level and reused from call to
 * call; the call is synchronous, so no two encodes share it at once. The result owns its bytes.
 */
import { createHash } from 'node:crypto';
import { ArgumentError } from '@tessera/core';
import { flacCrc8, flacCrc16 } from './flac-crc.js';
import { FlacBitWriter } from './flac-encode-bit-writer.js';
import { FlacChannelAnalysis, FlacSubframeEncoder } from './flac-encode-subframe.js';
import { CHANNELS_LEFT_SIDE, CHANNELS_MID_SIDE, CHANNELS_SIDE_RIGHT } from './flac-frame-header.js';
import type { FlacStream } from './flac-stream.js';

export interface EncodeFlacOptions {
  /** Hz, 1–655 350. */
  sampleRate: number;
  /** The width the rows' integers are stored at: every value must fit in it. */
  bitsPerSample: 16 | 24;
  /** Samples per channel in a frame (the last frame may be shorter), 16–65 535. Default 4096. */
  blockSize?: number;
}

export const DEFAULT_FLAC_BLOCK_SIZE = 4096;
const MAX_CHANNELS = 8;
const MAX_SAMPLE_RATE = 655_350;
/** Sync code 0xFFF8 (fixed blocking strategy) as two bytes. */
const SYNC_HIGH = 0xff;
const SYNC_LOW_FIXED = 0xf8;
const SAMPLE_RATE_CODES = new Map<number, number>([
  [88200, 1],
  [176400, 2],
  [192000, 3],
  [8000, 4],
  [16000, 5],
  [22050, 6],
  [24000, 7],
  [32000, 8],
  [44100, 9],
  [48000, 10],
  [96000, 11],
]);
const SAMPLE_SIZE_CODES: Readonly<Record<16 | 24, number>> = { 16: 4, 24: 6 };
/** Largest frame header: 4 fixed bytes, a 6-byte frame number, 2 block size bytes, 2 rate bytes, CRC-8. */
const MAX_FRAME_HEADER_BYTES = 15;

const writer = new FlacBitWriter();
const subframes = new FlacSubframeEncoder();
const analyses = Array.from({ length: 4 }, () => new FlacChannelAnalysis());
const channelBlocks: Int32Array[] = [];
let md5Block = new Uint8Array(0);

/**
 * Encodes `rows` (one per channel, equal lengths, integers already at `bitsPerSample`: int16 values
 * for 16, −2^23 … 2^23 − 1 for 24) as FLAC. Throws ArgumentError (E_ARGUMENT) on bad options, rows
 * of unequal length or a value that does not fit in `bitsPerSample` bits.
 */
export function encodeFlac(rows: readonly (Int16Array | Int32Array)[], options: EncodeFlacOptions): FlacStream {
  const { sampleRate, bitsPerSample, blockSize } = checkOptions(rows, options);
  const channels = rows.length;
  const length = rows[0].length;
  const frameCount = Math.ceil(length / blockSize);
  const frameByteOffsets = new Uint32Array(frameCount + 1);
  const frameFirstSamples = new Float64Array(frameCount + 1);
  reserveBlocks(channels === 2 ? 4 : channels, blockSize, channels * (bitsPerSample / 8));
  const hash = createHash('md5');
  const rateCode = sampleRateCode(sampleRate);
  writer.clear();
  for (let frame = 0; frame < frameCount; frame++) {
    const start = frame * blockSize;
    const count = Math.min(blockSize, length - start);
    loadBlock(rows, start, count, bitsPerSample);
    hash.update(md5Block.subarray(0, count * channels * (bitsPerSample / 8)));
    frameByteOffsets[frame] = writer.byteLength;
    frameFirstSamples[frame] = start;
    writeFrame(frame, count, channels, bitsPerSample, sampleRate, rateCode);
  }
  frameByteOffsets[frameCount] = writer.byteLength;
  frameFirstSamples[frameCount] = length;
  return {
    info: {
      sampleRate,
      channels,
      bitsPerSample,
      totalSamples: length,
      minBlockSize: blockSize,
      maxBlockSize: blockSize,
      md5: new Uint8Array(hash.digest()),
    },
    frames: writer.bytes.slice(0, writer.byteLength),
    frameByteOffsets,
    frameFirstSamples,
  };
}

function checkOptions(rows: readonly (Int16Array | Int32Array)[], options: EncodeFlacOptions): Required<EncodeFlacOptions> {
  if (!Array.isArray(rows) || rows.length < 1 || rows.length > MAX_CHANNELS) {
    throw new ArgumentError('rows', `must be an array of 1–${MAX_CHANNELS} channels, got ${Array.isArray(rows) ? `${rows.length} channels` : typeof rows}`);
  }
  for (const [channel, row] of rows.entries()) {
    if (!(row instanceof Int16Array || row instanceof Int32Array)) throw new ArgumentError(`rows[${channel}]`, 'must be an Int16Array or an Int32Array');
    if (row.length !== rows[0].length) {
      throw new ArgumentError(`rows[${channel}]`, `has ${row.length} samples, channel 0 has ${rows[0].length}: channels must have equal lengths`);
    }
  }
  const sampleRate = options?.sampleRate;
  if (!Number.isInteger(sampleRate) || sampleRate < 1 || sampleRate > MAX_SAMPLE_RATE) {
    throw new ArgumentError('sampleRate', `FLAC stores 1–${MAX_SAMPLE_RATE} Hz, got ${String(sampleRate)}`, 'E_AUDIO_SAMPLE_RATE');
  }
  const bitsPerSample = options.bitsPerSample;
  if (bitsPerSample !== 16 && bitsPerSample !== 24) throw new ArgumentError('bitsPerSample', `must be 16 or 24, got ${String(bitsPerSample)}`);
  const blockSize = options.blockSize ?? DEFAULT_FLAC_BLOCK_SIZE;
  if (!Number.isInteger(blockSize) || blockSize < 16 || blockSize > 65535) {
    throw new ArgumentError('blockSize', `must be an integer from 16 to 65535 samples, got ${String(blockSize)}`);
  }
  return { sampleRate, bitsPerSample, blockSize };
}

function reserveBlocks(blocks: number, blockSize: number, frameBytesPerSample: number): void {
  for (let index = 0; index < blocks; index++) {
    if (channelBlocks.length <= index || channelBlocks[index].length < blockSize) {
      channelBlocks[index] = new Int32Array(blockSize);
    }
  }
  if (md5Block.length < blockSize * frameBytesPerSample) md5Block = new Uint8Array(blockSize * frameBytesPerSample);
}

/** Copies rows[c][start, start + count) into channelBlocks[c], checking the range and packing the MD5 bytes. */
function loadBlock(rows: readonly (Int16Array | Int32Array)[], start: number, count: number, bitsPerSample: number): void {
  const channels = rows.length;
  const bytesPerSample = bitsPerSample / 8;
  const stride = channels * bytesPerSample;
  const minimum = -(2 ** (bitsPerSample - 1));
  const maximum = 2 ** (bitsPerSample - 1) - 1;
  const md5 = md5Block;
  for (let channel = 0; channel < channels; channel++) {
    const row = rows[channel];
    const block = channelBlocks[channel];
    let offset = channel * bytesPerSample;
    if (row instanceof Int16Array && bitsPerSample === 16) {
      for (let i = 0; i < count; i++) {
        const value = row[start + i];
        block[i] = value;
        md5[offset] = value;
        md5[offset + 1] = value >> 8;
        offset += stride;
      }
      continue;
    }
    for (let i = 0; i < count; i++) {
      const value = row[start + i];
      if (value < minimum || value > maximum) {
        throw new ArgumentError(`rows[${channel}]`, `sample ${start + i} is ${value}, outside the ${bitsPerSample}-bit range ${minimum} … ${maximum}`);
      }
      block[i] = value;
      md5[offset] = value;
      md5[offset + 1] = value >> 8;
      if (bytesPerSample === 3) md5[offset + 2] = value >> 16;
      offset += stride;
    }
  }
}

function writeFrame(frame: number, count: number, channels: number, bitsPerSample: number, sampleRate: number, rateCode: number): void {
  let assignment = channels - 1;
  const blocks = channelBlocks;
  if (channels === 2) {
    const left = blocks[0];
    const right = blocks[1];
    const mid = blocks[2];
    const side = blocks[3];
    for (let i = 0; i < count; i++) {
      mid[i] = (left[i] + right[i]) >> 1;
      side[i] = left[i] - right[i];
    }
    subframes.analyze(left, count, bitsPerSample, analyses[0]);
    subframes.analyze(right, count, bitsPerSample, analyses[1]);
    subframes.analyze(mid, count, bitsPerSample, analyses[2]);
    subframes.analyze(side, count, bitsPerSample + 1, analyses[3]);
    const leftBits = analyses[0].estimatedBits;
    const rightBits = analyses[1].estimatedBits;
    const midBits = analyses[2].estimatedBits;
    const sideBits = analyses[3].estimatedBits;
    let best = leftBits + rightBits;
    if (leftBits + sideBits < best) {
      best = leftBits + sideBits;
      assignment = CHANNELS_LEFT_SIDE;
    }
    if (sideBits + rightBits < best) {
      best = sideBits + rightBits;
      assignment = CHANNELS_SIDE_RIGHT;
    }
    if (midBits + sideBits < best) assignment = CHANNELS_MID_SIDE;
  }
  // A chosen subframe is never larger than VERBATIM (a side channel has one bit more).
  writer.reserve(MAX_FRAME_HEADER_BYTES + 2 + channels * (Math.ceil((count * (bitsPerSample + 1)) / 8) + 1));
  const frameStart = writer.byteLength;
  writeFrameHeader(frame, count, assignment, bitsPerSample, sampleRate, rateCode);
  if (channels === 2) {
    const first = assignment === CHANNELS_SIDE_RIGHT ? 3 : assignment === CHANNELS_MID_SIDE ? 2 : 0;
    const second = assignment === CHANNELS_LEFT_SIDE || assignment === CHANNELS_MID_SIDE ? 3 : 1;
    subframes.encode(writer, blocks[first], count, first === 3 ? bitsPerSample + 1 : bitsPerSample, analyses[first]);
    subframes.encode(writer, blocks[second], count, second === 3 ? bitsPerSample + 1 : bitsPerSample, analyses[second]);
  } else {
    const analysis = analyses[0];
    for (let channel = 0; channel < channels; channel++) {
      subframes.analyze(blocks[channel], count, bitsPerSample, analysis);
      subframes.encode(writer, blocks[channel], count, bitsPerSample, analysis);
    }
  }
  writer.alignToByte();
  const crc = flacCrc16(writer.bytes, frameStart, writer.byteLength);
  writer.writeByte(crc >>> 8);
  writer.writeByte(crc & 0xff);
}

/** Sample rate code: a table entry, else kHz / Hz / tens of Hz in extra bytes, else 0 (from STREAMINFO). */
function sampleRateCode(sampleRate: number): number {
  const code = SAMPLE_RATE_CODES.get(sampleRate);
  if (code !== undefined) return code;
  if (sampleRate % 1000 === 0 && sampleRate / 1000 <= 255) return 12;
  if (sampleRate <= 65535) return 13;
  if (sampleRate % 10 === 0 && sampleRate / 10 <= 65535) return 14;
  return 0;
}

/** Block size code: 192, 576·2^n, 256·2^n, else the size − 1 in 8 or 16 extra bits. */
function blockSizeCode(count: number): number {
  if (count === 192) return 1;
  for (let code = 2; code <= 5; code++) if (count === 576 << (code - 2)) return code;
  for (let code = 8; code <= 15; code++) if (count === 256 << (code - 8)) return code;
  return count <= 256 ? 6 : 7;
}

function writeFrameHeader(frame: number, count: number, assignment: number, bitsPerSample: number, sampleRate: number, rateCode: number): void {
  const bytes = writer.bytes;
  const start = writer.byteLength;
  let position = start;
  const sizeCode = blockSizeCode(count);
  bytes[position++] = SYNC_HIGH;
  bytes[position++] = SYNC_LOW_FIXED;
  bytes[position++] = (sizeCode << 4) | rateCode;
  bytes[position++] = (assignment << 4) | (SAMPLE_SIZE_CODES[bitsPerSample as 16 | 24] << 1);
  position = writeCodedNumber(bytes, position, frame);
  if (sizeCode === 6) bytes[position++] = count - 1;
  else if (sizeCode === 7) {
    bytes[position++] = (count - 1) >>> 8;
    bytes[position++] = (count - 1) & 0xff;
  }
  if (rateCode === 12) bytes[position++] = sampleRate / 1000;
  else if (rateCode === 13 || rateCode === 14) {
    const value = rateCode === 13 ? sampleRate : sampleRate / 10;
    bytes[position++] = value >>> 8;
    bytes[position++] = value & 0xff;
  }
  bytes[position] = flacCrc8(bytes, start, position);
  writer.byteLength = position + 1;
}

/** The frame number in FLAC's UTF-8-like code (1–6 bytes for numbers below 2^31). */
function writeCodedNumber(bytes: Uint8Array, position: number, value: number): number {
  if (value < 0x80) {
    bytes[position] = value;
    return position + 1;
  }
  let extraBytes = 1;
  while (extraBytes < 5 && value >= 2 ** (6 + 5 * extraBytes)) extraBytes++;
  // Lead byte: extraBytes + 1 one bits, a zero, then the value's top bits.
  const leadMarker = (0xff << (7 - extraBytes)) & 0xff;
  bytes[position] = leadMarker | Math.floor(value / 2 ** (6 * extraBytes));
  for (let index = 1; index <= extraBytes; index++) {
    bytes[position + index] = 0x80 | (Math.floor(value / 2 ** (6 * (extraBytes - index))) & 0x3f);
  }
  return position + extraBytes + 1;
}
