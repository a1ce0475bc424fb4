import { AudioFormatError } from '../audio-errors.js';
import type { PacketStream } from '../opus/packet-stream.js';
import { type Mp3FrameHeader, mp3HeaderProblem, readMp3Header, sameMp3Stream } from './mp3-frame-header.js';
import { type Mp3InfoTag, readMp3InfoTag } from './mp3-info-tag.js';

/** The decoder's own delay (mpg123, ffmpeg and LAME's gapless arithmetic agree on it). */
export const MP3_DECODER_DELAY_SAMPLES = 529;

/** How far before a frame's first byte its main data may start (the bit reservoir). */
export function mp3ReservoirBytes(version: number): number {
  return version === 1 ? 511 : 255;
}

/** How far junk before the first frame is searched. */
const SYNC_SEARCH_BYTES = 64 * 1024;

/**
 * Reads an MP3 file (as ffmpeg's libmp3lame writes it) into its Layer III frames and their index.
 * Skips ID3v2 tags (and ID3v1/APE tags at the end), checks every frame header and that the frames
 * follow each other exactly, excludes the Xing/Info frame and takes the exact length from its LAME
 * extension (encoder delay and padding; without one the whole decode counts, as ffmpeg does).
 * Throws AudioFormatError naming the file offset of the first byte that contradicts the format,
 * including a frame cut by the end of the file or fewer frames than the Info tag counts.
 */
export function parseMp3(bytes: Uint8Array): PacketStream {
  let offset = skipId3v2(bytes, 0);
  const first = findFirstFrame(bytes, offset);
  offset = first;
  const header = readMp3Header(bytes, first);
  const info = readMp3InfoTag(bytes, first, header);
  if (info !== undefined) {
    if (first + header.frameBytes > bytes.length) throw cutFrame(first, header, bytes.length);
    offset = first + header.frameBytes;
  }
  const frameStarts: number[] = [];
  let frameBytesTotal = 0;
  while (offset < bytes.length) {
    const problem = mp3HeaderProblem(bytes, offset);
    if (problem !== undefined) {
      if (isTrailingTag(bytes, offset)) break;
      if (info?.frameCount !== undefined && frameStarts.length === info.frameCount) break; // junk after the counted frames
      if (offset + 4 > bytes.length) throw new AudioFormatError(`the file ends ${bytes.length - offset} bytes into the header of MP3 frame ${frameStarts.length}`, { byteOffset: offset });
      throw new AudioFormatError(`MP3 frame ${frameStarts.length} should start here: ${problem}`, { byteOffset: offset });
    }
    if (!sameMp3Stream(bytes, first, offset)) {
      throw new AudioFormatError(`MP3 frame ${frameStarts.length} changes the MPEG version, sample rate or channel count of the stream`, { byteOffset: offset });
    }
    const frameBytes = readMp3Header(bytes, offset).frameBytes;
    if (offset + frameBytes > bytes.length) throw cutFrame(offset, { frameBytes }, bytes.length, frameStarts.length);
    frameStarts.push(offset);
    frameBytesTotal += frameBytes;
    offset += frameBytes;
  }
  const frames = frameStarts.length;
  if (info?.frameCount !== undefined && frames !== info.frameCount) {
    throw new AudioFormatError(`the Info tag counts ${info.frameCount} MP3 frames, the file has ${frames} (truncated?)`, { byteOffset: offset });
  }
  const packets = new Uint8Array(frameBytesTotal);
  const packetByteOffsets = new Uint32Array(frames + 1);
  const packetFirstSamples = new Float64Array(frames + 1);
  let written = 0;
  for (let frame = 0; frame < frames; frame++) {
    const start = frameStarts[frame]!;
    const length = (frame + 1 < frames ? frameStarts[frame + 1]! : offset) - start;
    packets.set(bytes.subarray(start, start + length), written);
    packetByteOffsets[frame] = written;
    packetFirstSamples[frame] = frame * header.samplesPerFrame;
    written += length;
  }
  packetByteOffsets[frames] = written;
  packetFirstSamples[frames] = frames * header.samplesPerFrame;
  const { delaySamples, totalSamples } = exactLength(info, frames * header.samplesPerFrame);
  return {
    codec: 'mp3',
    sampleRate: header.sampleRate,
    channels: header.channels,
    packets,
    packetByteOffsets,
    packetFirstSamples,
    delaySamples,
    totalSamples,
    preRollSamples: mp3OverlapSamples(header.samplesPerFrame),
  };
}

/** Output samples that depend on the previous frames besides the reservoir: the synthesis filter's delay and one granule of overlap, plus a frame of margin. */
export function mp3OverlapSamples(samplesPerFrame: number): number {
  return MP3_DECODER_DELAY_SAMPLES + 576 + samplesPerFrame;
}

function exactLength(info: Mp3InfoTag | undefined, decodedSamples: number): { delaySamples: number; totalSamples: number } {
  if (info?.encoderDelaySamples === undefined || info.encoderPaddingSamples === undefined) return { delaySamples: 0, totalSamples: decodedSamples };
  const delaySamples = info.encoderDelaySamples + MP3_DECODER_DELAY_SAMPLES;
  const totalSamples = decodedSamples - info.encoderDelaySamples - info.encoderPaddingSamples;
  if (totalSamples < 0 || delaySamples + totalSamples > decodedSamples) {
    // A LAME tag whose delay and padding exceed the frames: keep what decodes after the delay.
    return { delaySamples: Math.min(delaySamples, decodedSamples), totalSamples: Math.max(0, decodedSamples - delaySamples) };
  }
  return { delaySamples, totalSamples };
}

function skipId3v2(bytes: Uint8Array, start: number): number {
  let offset = start;
  while (offset + 10 <= bytes.length && bytes[offset] === 0x49 && bytes[offset + 1] === 0x44 && bytes[offset + 2] === 0x33) {
    const size = ((bytes[offset + 6]! & 0x7f) << 21) | ((bytes[offset + 7]! & 0x7f) << 14) | ((bytes[offset + 8]! & 0x7f) << 7) | (bytes[offset + 9]! & 0x7f);
    const footer = (bytes[offset + 5]! & 0x10) !== 0 ? 10 : 0;
    const end = offset + 10 + size + footer;
    if (end > bytes.length) throw new AudioFormatError(`the ID3v2 tag at ${offset} declares ${10 + size + footer} bytes, the file has ${bytes.length - offset} left`, { byteOffset: bytes.length });
    offset = end;
  }
  return offset;
}

/** The first offset from `start` holding a frame header followed by another frame of the stream (or the end of the file). */
function findFirstFrame(bytes: Uint8Array, start: number): number {
  if (start >= bytes.length) throw new AudioFormatError('the file has no MP3 frames', { byteOffset: start });
  const limit = Math.min(bytes.length - 4, start + SYNC_SEARCH_BYTES);
  for (let offset = start; offset <= limit; offset++) {
    if (bytes[offset] !== 0xff || mp3HeaderProblem(bytes, offset) !== undefined) continue;
    const next = offset + readMp3Header(bytes, offset).frameBytes;
    if (next > bytes.length) {
      if (offset === start) throw cutFrame(offset, readMp3Header(bytes, offset), bytes.length, 0);
      continue;
    }
    if (next === bytes.length || isTrailingTag(bytes, next) || (mp3HeaderProblem(bytes, next) === undefined && sameMp3Stream(bytes, offset, next))) return offset;
    if (offset === start && next + 4 > bytes.length) throw new AudioFormatError(`the file ends ${bytes.length - next} bytes into the header of MP3 frame 1`, { byteOffset: next });
  }
  const why = mp3HeaderProblem(bytes, start);
  throw new AudioFormatError(`no MP3 Layer III frame in the ${limit - start} bytes from ${start}${why === undefined ? '' : ` (at ${start}: ${why})`}`, { byteOffset: start });
}

function isTrailingTag(bytes: Uint8Array, offset: number): boolean {
  const text = (length: number) => String.fromCharCode(...bytes.subarray(offset, Math.min(bytes.length, offset + length)));
  if (bytes.length - offset === 128 && text(3) === 'TAG') return true;
  return text(8) === 'APETAGEX' || text(3) === 'ID3';
}

function cutFrame(offset: number, header: Pick<Mp3FrameHeader, 'frameBytes'>, fileBytes: number, frame?: number): AudioFormatError {
  const which = frame === undefined ? 'the Info frame' : `MP3 frame ${frame}`;
  return new AudioFormatError(`${which} at ${offset} needs ${header.frameBytes} bytes, the file has ${fileBytes - offset} left`, { byteOffset: fileBytes });
}
