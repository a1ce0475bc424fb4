/**
 * stripFlacPadding: a FLAC file with STREAMINFO as its only metadata block (PADDING — ffmpeg's muxer adds
 * 8 KiB, 31% of a one-second 16 kHz clip — VORBIS_COMMENT, SEEKTABLE, PICTURE, … and any ID3v2 tag are
 * dropped); the frames are copied unchanged.
 */
import { BLOCK_STREAMINFO, FLAC_MAGIC, STREAMINFO_BYTE_LENGTH, readFlacMetadata } from './flac-metadata.js';

export function stripFlacPadding(bytes: Uint8Array): Uint8Array {
  const metadata = readFlacMetadata(bytes);
  const headerBytes = 4 + 4 + STREAMINFO_BYTE_LENGTH;
  const file = new Uint8Array(headerBytes + bytes.length - metadata.framesOffset);
  file.set(FLAC_MAGIC, 0);
  file[4] = 0x80 | BLOCK_STREAMINFO;
  file[7] = STREAMINFO_BYTE_LENGTH;
  file.set(bytes.subarray(metadata.streamInfoOffset, metadata.streamInfoOffset + STREAMINFO_BYTE_LENGTH), 8);
  file.set(bytes.subarray(metadata.framesOffset), headerBytes);
  return file;
}
