/**
 * FLAC frame headers: sync code 0xFFF8/0xFFF9, block size, sample rate, channel assignment, sample size,
 * the UTF-8-like coded frame or sample number, and the CRC-8 that ends the header.
 */
import { AudioFormatError } from '../audio-errors.js';
import { flacCrc8 } from './flac-crc.js';
import type { FlacStreamInfo } from './flac-stream.js';

/** Channel assignments (frame header bits): 0–7 are n + 1 independent channels. */
export const CHANNELS_LEFT_SIDE = 8;
export const CHANNELS_SIDE_RIGHT = 9;
export const CHANNELS_MID_SIDE = 10;

const SAMPLE_RATES_HZ = [0, 88200, 176400, 192000, 8000, 16000, 22050, 24000, 32000, 44100, 48000, 96000];
/** Sample size codes; 0 means "from STREAMINFO", −1 is reserved. */
const SAMPLE_SIZES_BITS = [0, 8, 12, -1, 16, 20, 24, 32];

/** A parsed frame header, reused from frame to frame. */
export class FlacFrameHeader {
  /** Variable-blocksize stream (the coded number is the first sample, not the frame number). */
  variableBlockSize = false;
  blockSize = 0;
  sampleRate = 0;
  /** 0–7 independent (channels − 1), or CHANNELS_LEFT_SIDE / CHANNELS_SIDE_RIGHT / CHANNELS_MID_SIDE. */
  channelAssignment = 0;
  channels = 0;
  bitsPerSample = 0;
  /** Frame number (fixed block size) or first sample number (variable block size). */
  codedNumber = 0;
  /** Bytes from the sync code to the CRC-8, inclusive. */
  byteLength = 0;
}

function fail(message: string, byteOffset: number): never {
  throw new AudioFormatError(message, { byteOffset });
}

/**
 * Parses the frame header at bytes[offset] (bytes past `end` do not belong to the data) into `header`,
 * with "from STREAMINFO" codes resolved from `info`. Throws AudioFormatError on any violation.
 */
export function readFlacFrameHeader(bytes: Uint8Array, offset: number, end: number, info: FlacStreamInfo, header: FlacFrameHeader): void {
  if (offset + 6 > end) fail(`FLAC frame header truncated: ${end - offset} bytes left, a header needs at least 6`, offset);
  const byte1 = bytes[offset + 1];
  if (bytes[offset] !== 0xff || (byte1 & 0xfe) !== 0xf8) {
    fail(`no FLAC frame sync code: expected 0xFFF8 or 0xFFF9, found 0x${((bytes[offset] << 8) | byte1).toString(16).toUpperCase()}`, offset);
  }
  header.variableBlockSize = (byte1 & 1) === 1;
  const byte2 = bytes[offset + 2];
  const byte3 = bytes[offset + 3];
  const blockSizeCode = byte2 >>> 4;
  const sampleRateCode = byte2 & 15;
  const channelCode = byte3 >>> 4;
  const sampleSizeCode = (byte3 >>> 1) & 7;
  if (blockSizeCode === 0) fail('FLAC frame header uses the reserved block size code 0', offset + 2);
  if (sampleRateCode === 15) fail('FLAC frame header uses the invalid sample rate code 15', offset + 2);
  if (channelCode > CHANNELS_MID_SIDE) fail(`FLAC frame header uses the reserved channel assignment ${channelCode}`, offset + 3);
  if (SAMPLE_SIZES_BITS[sampleSizeCode] < 0) fail('FLAC frame header uses the reserved sample size code 3', offset + 3);
  if ((byte3 & 1) !== 0) fail('FLAC frame header reserved bit is set', offset + 3);

  // Coded number: 1–7 bytes, UTF-8-like (up to 31 bits for frame numbers, 36 for sample numbers).
  let position = offset + 4;
  const first = bytes[position++];
  let extraBytes: number;
  let value: number;
  if (first < 0x80) {
    extraBytes = 0;
    value = first;
  } else if (first >= 0xc0 && first < 0xfe) {
    extraBytes = Math.clz32(~(first << 24)) - 1;
    value = first & (0x3f >>> extraBytes);
  } else if (first === 0xfe) {
    extraBytes = 6;
    value = 0;
  } else {
    throw new AudioFormatError(`FLAC frame header has an invalid coded number byte 0x${first.toString(16)}`, { byteOffset: position - 1 });
  }
  if (extraBytes === 6 && !header.variableBlockSize) fail('FLAC frame number is coded in 7 bytes, only sample numbers may be', offset + 4);
  const sizeBytes = blockSizeCode === 6 ? 1 : blockSizeCode === 7 ? 2 : 0;
  const rateBytes = sampleRateCode === 12 ? 1 : sampleRateCode >= 13 ? 2 : 0;
  if (position + extraBytes + sizeBytes + rateBytes + 1 > end) fail(`FLAC frame header truncated: ${end - offset} bytes left`, offset);
  for (let index = 0; index < extraBytes; index++) {
    const next = bytes[position++];
    if ((next & 0xc0) !== 0x80) fail(`FLAC frame header coded number has an invalid continuation byte 0x${next.toString(16)}`, position - 1);
    value = value * 64 + (next & 0x3f);
  }
  header.codedNumber = value;

  let blockSize: number;
  if (blockSizeCode === 1) blockSize = 192;
  else if (blockSizeCode <= 5) blockSize = 576 << (blockSizeCode - 2);
  else if (blockSizeCode === 6) blockSize = bytes[position++] + 1;
  else if (blockSizeCode === 7) {
    blockSize = ((bytes[position] << 8) | bytes[position + 1]) + 1;
    position += 2;
  } else blockSize = 256 << (blockSizeCode - 8);

  let sampleRate: number;
  if (sampleRateCode === 0) sampleRate = info.sampleRate;
  else if (sampleRateCode <= 11) sampleRate = SAMPLE_RATES_HZ[sampleRateCode];
  else if (sampleRateCode === 12) sampleRate = bytes[position++] * 1000;
  else {
    sampleRate = (bytes[position] << 8) | bytes[position + 1];
    if (sampleRateCode === 14) sampleRate *= 10;
    position += 2;
  }
  const crc = flacCrc8(bytes, offset, position);
  if (crc !== bytes[position]) {
    fail(`FLAC frame header CRC-8 mismatch: stored 0x${bytes[position].toString(16)}, computed 0x${crc.toString(16)}`, offset);
  }
  header.blockSize = blockSize;
  header.sampleRate = sampleRate;
  header.channelAssignment = channelCode;
  header.channels = channelCode <= 7 ? channelCode + 1 : 2;
  header.bitsPerSample = sampleSizeCode === 0 ? info.bitsPerSample : SAMPLE_SIZES_BITS[sampleSizeCode];
  header.byteLength = position + 1 - offset;
}
