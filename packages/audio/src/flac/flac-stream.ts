/**
 * The parts Tessera keeps of a FLAC file: STREAMINFO's facts, the audio frames exactly as they were in the
 * file, and a frame index (byte offset and first sample of every frame), so a crop decodes only its frames.
 */

/** STREAMINFO, the one metadata block a FLAC file must have. */
export interface FlacStreamInfo {
  /** Hz */
  sampleRate: number;
  /** 1–8 */
  channels: number;
  /** 4–32 */
  bitsPerSample: number;
  /** Samples per channel (the frames' sum; STREAMINFO's own value when it is non-zero agrees with it). */
  totalSamples: number;
  /** Samples per channel in a block, as STREAMINFO states them (16–65535). */
  minBlockSize: number;
  maxBlockSize: number;
  /** MD5 of the decoded samples as STREAMINFO states it (all zero when the encoder did not compute it). */
  md5: Uint8Array;
}

export interface FlacStream {
  info: FlacStreamInfo;
  /** All audio frames, concatenated, exactly as in the file (header … CRC-16). */
  frames: Uint8Array;
  /** Length F + 1: start of each frame in `frames`; the last entry is `frames.byteLength`. */
  frameByteOffsets: Uint32Array;
  /** Length F + 1: first sample (per channel) of each frame; the last entry is `info.totalSamples`. */
  frameFirstSamples: Float64Array;
}
