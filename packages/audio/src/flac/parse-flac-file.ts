/**
 * parseFlacFile: a .flac file → STREAMINFO, the audio frames exactly as stored, and a frame index.
 * Every frame is decoded on the way (decoding is exact and gives each frame's true end, which a sync
 * code search cannot: 0xFFF8 can occur inside frame data), so a file that parses also decodes.
 */
import { AudioFormatError } from '../audio-errors.js';
import { FlacFrameDecoder } from './flac-frame-decoder.js';
import { readFlacMetadata } from './flac-metadata.js';
import type { FlacStream, FlacStreamInfo } from './flac-stream.js';

/** An ID3v1 tag (128 bytes starting "TAG") some tools append; it is not audio. */
const ID3V1_BYTE_LENGTH = 128;

function hasId3v1Trailer(bytes: Uint8Array, offset: number): boolean {
  return bytes.length - offset === ID3V1_BYTE_LENGTH && bytes[offset] === 0x54 && bytes[offset + 1] === 0x41 && bytes[offset + 2] === 0x47;
}

export function parseFlacFile(bytes: Uint8Array): FlacStream {
  const metadata = readFlacMetadata(bytes);
  const info: FlacStreamInfo = { ...metadata.info };
  const decoder = new FlacFrameDecoder();
  const header = decoder.header;
  const framesOffset = metadata.framesOffset;
  const end = bytes.length;
  const byteOffsets: number[] = [];
  const firstSamples: number[] = [];
  let offset = framesOffset;
  let samples = 0;
  let variableBlockSize = false;
  let firstBlockSize = 0;
  let previousBlockSize = 0;
  let previousOffset = 0;
  while (offset < end && !hasId3v1Trailer(bytes, offset)) {
    const frameOffset = offset;
    const frameIndex = byteOffsets.length;
    offset = decoder.decodeFrame(bytes, offset, end, info);
    const blockSize = header.blockSize;
    const fail = (message: string): never => {
      throw new AudioFormatError(`FLAC frame ${frameIndex} at byte offset ${frameOffset}: ${message}`, { byteOffset: frameOffset });
    };
    if (frameIndex === 0) {
      variableBlockSize = header.variableBlockSize;
      firstBlockSize = blockSize;
    } else {
      if (header.variableBlockSize !== variableBlockSize) fail('the blocking strategy changes within the stream');
      if (previousBlockSize < info.minBlockSize) {
        throw new AudioFormatError(
          `FLAC frame ${frameIndex - 1} at byte offset ${previousOffset} has ${previousBlockSize} samples, fewer than STREAMINFO's minimum block size ${info.minBlockSize} (only the last frame may)`,
          { byteOffset: previousOffset },
        );
      }
      if (!variableBlockSize && previousBlockSize !== firstBlockSize) {
        throw new AudioFormatError(
          `FLAC frame ${frameIndex - 1} at byte offset ${previousOffset} has ${previousBlockSize} samples in a fixed-blocksize stream of ${firstBlockSize}-sample frames (only the last frame may differ)`,
          { byteOffset: previousOffset },
        );
      }
    }
    if (blockSize > info.maxBlockSize) fail(`block size ${blockSize} exceeds STREAMINFO's maximum block size ${info.maxBlockSize}`);
    if (header.sampleRate !== info.sampleRate) fail(`sample rate ${header.sampleRate} Hz differs from STREAMINFO's ${info.sampleRate} Hz`);
    if (variableBlockSize ? header.codedNumber !== samples : header.codedNumber !== frameIndex) {
      fail(
        variableBlockSize
          ? `header says it starts at sample ${header.codedNumber}, the frames before it hold ${samples} samples`
          : `header says it is frame ${header.codedNumber}, it is frame ${frameIndex} of the stream`,
      );
    }
    byteOffsets.push(frameOffset - framesOffset);
    firstSamples.push(samples);
    samples += blockSize;
    previousBlockSize = blockSize;
    previousOffset = frameOffset;
  }
  if (info.totalSamples !== 0 && info.totalSamples !== samples) {
    throw new AudioFormatError(
      `FLAC STREAMINFO says ${info.totalSamples} samples per channel, the ${byteOffsets.length} frames hold ${samples} (the file is truncated or its frames damaged)`,
      { byteOffset: offset },
    );
  }
  info.totalSamples = samples;
  const frameCount = byteOffsets.length;
  const frameByteOffsets = new Uint32Array(frameCount + 1);
  const frameFirstSamples = new Float64Array(frameCount + 1);
  for (let index = 0; index < frameCount; index++) {
    frameByteOffsets[index] = byteOffsets[index];
    frameFirstSamples[index] = firstSamples[index];
  }
  frameByteOffsets[frameCount] = offset - framesOffset;
  frameFirstSamples[frameCount] = samples;
  return { info, frames: bytes.slice(framesOffset, offset), frameByteOffsets, frameFirstSamples };
}
