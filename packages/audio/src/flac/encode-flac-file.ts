/**
 * encodeFlacFile: the stored parts of a FLAC stream → a standalone, playable .flac file
 * ("fLaC", STREAMINFO as the only metadata block, the frames unchanged).
 */
import { ArgumentError } from '@tessera/core';
import { BLOCK_STREAMINFO, FLAC_MAGIC, STREAMINFO_BYTE_LENGTH, writeStreamInfo } from './flac-metadata.js';
import type { FlacStream } from './flac-stream.js';

export function encodeFlacFile(stream: FlacStream): Uint8Array {
  const { info, frames, frameByteOffsets } = stream;
  const frameCount = frameByteOffsets.length - 1;
  if (frameCount < 0 || frameByteOffsets[frameCount] !== frames.byteLength) {
    throw new ArgumentError('stream', `frameByteOffsets must end at frames.byteLength (${frames.byteLength}), ends at ${frameByteOffsets[frameCount]}`);
  }
  let minFrameBytes = frameCount === 0 ? 0 : Number.MAX_SAFE_INTEGER;
  let maxFrameBytes = 0;
  for (let index = 0; index < frameCount; index++) {
    const byteLength = frameByteOffsets[index + 1] - frameByteOffsets[index];
    if (byteLength < minFrameBytes) minFrameBytes = byteLength;
    if (byteLength > maxFrameBytes) maxFrameBytes = byteLength;
  }
  // Frame sizes are 24-bit fields where 0 means unknown.
  if (maxFrameBytes >= 2 ** 24) minFrameBytes = maxFrameBytes = 0;
  const headerBytes = 4 + 4 + STREAMINFO_BYTE_LENGTH;
  const file = new Uint8Array(headerBytes + frames.byteLength);
  file.set(FLAC_MAGIC, 0);
  file[4] = 0x80 | BLOCK_STREAMINFO;
  file[7] = STREAMINFO_BYTE_LENGTH;
  writeStreamInfo(info, minFrameBytes, maxFrameBytes, file, 8);
  file.set(frames, headerBytes);
  return file;
}
