/**
 * The stored form of a lossy clip (Opus or MP3): the codec's packets without their container, and
 * an index of them, so a crop decodes only the packets it covers (plus a pre-roll).
 */
export interface PacketStream {
  codec: 'opus' | 'mp3';
  /** Opus: the rate the decoder runs at (8000, 12000, 16000, 24000 or 48000); MP3: the file's rate. */
  sampleRate: number;
  channels: number;
  /** The packets (Opus) or frames (MP3, each with its 4-byte header), concatenated. */
  packets: Uint8Array;
  /** P + 1 byte offsets into `packets`: packet p is [packetByteOffsets[p], packetByteOffsets[p + 1]). */
  packetByteOffsets: Uint32Array;
  /** P + 1 sample positions at `sampleRate`, before removing the delay: the first output sample of each packet; the last is the decoded length. */
  packetFirstSamples: Float64Array;
  /** Decoder output samples before the first real sample: Opus pre-skip, MP3 encoder delay + 529 (decoder delay). */
  delaySamples: number;
  /** Real samples per channel, after removing the delay and the padding. */
  totalSamples: number;
  /** Samples decoded (and dropped) before a crop start so the decoder has converged; 0 means the codec's default. */
  preRollSamples: number;
}

/** A decoder reused for many clips; each `decode` starts from a reset state. */
export interface PacketDecoder {
  /**
   * Decodes real samples [startSample, startSample + sampleCount) of `stream` (sample 0 is the first
   * sample after the delay) into planar float32 `out`: channel c, sample i at
   * out[outOffset + c * rowStride + i]. Decodes only the packets from (start - pre-roll) on. Returns
   * the samples written per channel (fewer than asked when the stream ends first). Throws
   * AudioFormatError (E_AUDIO_FORMAT) for packets that do not decode; never reads or writes out of
   * bounds. The decoder stays usable after an error.
   */
  decode(stream: PacketStream, startSample: number, sampleCount: number, out: Float32Array, outOffset: number, rowStride: number): number;
  /** Releases the decoder; calling it twice is harmless. */
  free(): void;
}
