/**
 * FLAC metadata: the "fLaC" magic (after an optional ID3v2 tag), the metadata block headers, and
 * STREAMINFO, the one block every FLAC file starts with.
 */
import { AudioFormatError } from '../audio-errors.js';
import type { FlacStreamInfo } from './flac-stream.js';

export const FLAC_MAGIC = [0x66, 0x4c, 0x61, 0x43]; // "fLaC"
export const BLOCK_STREAMINFO = 0;
export const BLOCK_PADDING = 1;
export const STREAMINFO_BYTE_LENGTH = 34;
const BLOCK_INVALID = 127;

export interface FlacMetadata {
  info: FlacStreamInfo;
  /** Byte offset of the "fLaC" magic. */
  magicOffset: number;
  /** Byte offset of STREAMINFO's body (34 bytes). */
  streamInfoOffset: number;
  /** Byte offset of the first audio frame (just past the last metadata block). */
  framesOffset: number;
  /** Blocks met, in order: type, body offset and body byte length. */
  blocks: { type: number; offset: number; byteLength: number }[];
}

/** Skips an ID3v2 tag (some tools prepend one to FLAC files); returns the offset after it. */
function skipId3v2(bytes: Uint8Array): number {
  if (bytes.length < 10 || bytes[0] !== 0x49 || bytes[1] !== 0x44 || bytes[2] !== 0x33) return 0;
  const size = (bytes[6] << 21) | (bytes[7] << 14) | (bytes[8] << 7) | bytes[9];
  return 10 + size + (bytes[5] & 0x10 ? 10 : 0);
}

export function readFlacMetadata(bytes: Uint8Array): FlacMetadata {
  const magicOffset = skipId3v2(bytes);
  if (
    bytes.length < magicOffset + 4 ||
    bytes[magicOffset] !== FLAC_MAGIC[0] ||
    bytes[magicOffset + 1] !== FLAC_MAGIC[1] ||
    bytes[magicOffset + 2] !== FLAC_MAGIC[2] ||
    bytes[magicOffset + 3] !== FLAC_MAGIC[3]
  ) {
    const found = Array.from(bytes.subarray(magicOffset, magicOffset + 4), (byte) => byte.toString(16).padStart(2, '0')).join(' ');
    throw new AudioFormatError(`not a FLAC file: expected the magic "fLaC" (66 4c 61 43), found ${found || 'end of data'}`, { byteOffset: magicOffset });
  }
  const blocks: FlacMetadata['blocks'] = [];
  let offset = magicOffset + 4;
  for (;;) {
    if (offset + 4 > bytes.length) {
      throw new AudioFormatError(`FLAC metadata truncated: a block header needs 4 bytes, ${bytes.length - offset} are left`, { byteOffset: offset });
    }
    const last = (bytes[offset] & 0x80) !== 0;
    const type = bytes[offset] & 0x7f;
    const byteLength = (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3];
    const body = offset + 4;
    if (type === BLOCK_INVALID) throw new AudioFormatError('FLAC metadata block type 127 is invalid', { byteOffset: offset });
    if (blocks.length === 0 && type !== BLOCK_STREAMINFO) {
      throw new AudioFormatError(`FLAC metadata must start with STREAMINFO (type 0), found type ${type}`, { byteOffset: offset });
    }
    if (blocks.length > 0 && type === BLOCK_STREAMINFO) throw new AudioFormatError('FLAC metadata has a second STREAMINFO', { byteOffset: offset });
    if (type === BLOCK_STREAMINFO && byteLength !== STREAMINFO_BYTE_LENGTH) {
      throw new AudioFormatError(`FLAC STREAMINFO is ${byteLength} bytes long, must be ${STREAMINFO_BYTE_LENGTH}`, { byteOffset: offset });
    }
    if (body + byteLength > bytes.length) {
      throw new AudioFormatError(
        `FLAC metadata truncated: block type ${type} announces ${byteLength} bytes, ${bytes.length - body} are left`,
        { byteOffset: offset },
      );
    }
    blocks.push({ type, offset: body, byteLength });
    offset = body + byteLength;
    if (last) break;
  }
  const streamInfoOffset = blocks[0].offset;
  return { info: readStreamInfo(bytes, streamInfoOffset), magicOffset, streamInfoOffset, framesOffset: offset, blocks };
}

function readStreamInfo(bytes: Uint8Array, offset: number): FlacStreamInfo {
  const at = (index: number) => bytes[offset + index];
  const minBlockSize = (at(0) << 8) | at(1);
  const maxBlockSize = (at(2) << 8) | at(3);
  const sampleRate = (at(10) << 12) | (at(11) << 4) | (at(12) >>> 4);
  const channels = ((at(12) >>> 1) & 7) + 1;
  const bitsPerSample = (((at(12) & 1) << 4) | (at(13) >>> 4)) + 1;
  const totalSamples = (at(13) & 15) * 2 ** 32 + ((at(14) << 24) >>> 0) + ((at(15) << 16) | (at(16) << 8) | at(17));
  const md5 = bytes.slice(offset + 18, offset + 34);
  if (sampleRate === 0) throw new AudioFormatError('FLAC STREAMINFO sample rate is 0', { byteOffset: offset + 10 });
  if (bitsPerSample < 4) throw new AudioFormatError(`FLAC STREAMINFO says ${bitsPerSample} bits per sample, at least 4 are required`, { byteOffset: offset + 12 });
  if (maxBlockSize < minBlockSize || maxBlockSize === 0) {
    throw new AudioFormatError(`FLAC STREAMINFO block sizes are inconsistent: minimum ${minBlockSize}, maximum ${maxBlockSize}`, { byteOffset: offset });
  }
  return { sampleRate, channels, bitsPerSample, totalSamples, minBlockSize, maxBlockSize, md5 };
}

/** STREAMINFO's 34 bytes for `info`; min/max frame sizes as given (0 = unknown). */
export function writeStreamInfo(info: FlacStreamInfo, minFrameBytes: number, maxFrameBytes: number, target: Uint8Array, offset: number): void {
  const put = (index: number, value: number) => {
    target[offset + index] = value & 0xff;
  };
  put(0, info.minBlockSize >>> 8);
  put(1, info.minBlockSize);
  put(2, info.maxBlockSize >>> 8);
  put(3, info.maxBlockSize);
  put(4, minFrameBytes >>> 16);
  put(5, minFrameBytes >>> 8);
  put(6, minFrameBytes);
  put(7, maxFrameBytes >>> 16);
  put(8, maxFrameBytes >>> 8);
  put(9, maxFrameBytes);
  const high = Math.floor(info.totalSamples / 2 ** 32);
  const low = info.totalSamples >>> 0;
  put(10, info.sampleRate >>> 12);
  put(11, info.sampleRate >>> 4);
  put(12, ((info.sampleRate & 15) << 4) | ((info.channels - 1) << 1) | ((info.bitsPerSample - 1) >>> 4));
  put(13, (((info.bitsPerSample - 1) & 15) << 4) | (high & 15));
  put(14, low >>> 24);
  put(15, low >>> 16);
  put(16, low >>> 8);
  put(17, low);
  target.set(info.md5.subarray(0, 16), offset + 18);
}
