/** Samples (at 48 kHz) of one Opus frame for each TOC configuration (RFC 6716 §3.1). */
const FRAME_SAMPLES_48K = new Uint16Array([
  480, 960, 1920, 2880, 480, 960, 1920, 2880, 480, 960, 1920, 2880, // SILK NB, MB, WB: 10/20/40/60 ms
  480, 960, 480, 960, // hybrid SWB, FB: 10/20 ms
  120, 240, 480, 960, 120, 240, 480, 960, 120, 240, 480, 960, 120, 240, 480, 960, // CELT: 2.5/5/10/20 ms
]);

/** Longest packet RFC 6716 allows: 120 ms. */
export const MAX_PACKET_SAMPLES_48K = 5760;

/**
 * Duration at 48 kHz of the Opus packet bytes[start, end), from its TOC byte and frame count, or a
 * negative number when the packet is malformed: -1 empty, -2 code-3 packet without its count
 * byte or with zero frames, -3 longer than 120 ms.
 */
export function opusPacketSamples48k(bytes: Uint8Array, start: number, end: number): number {
  if (end <= start) return -1;
  const toc = bytes[start]!;
  const frameSamples = FRAME_SAMPLES_48K[toc >> 3]!;
  const code = toc & 3;
  let frames: number;
  if (code === 0) frames = 1;
  else if (code !== 3) frames = 2;
  else {
    if (end - start < 2) return -2;
    frames = bytes[start + 1]! & 0x3f;
    if (frames === 0) return -2;
  }
  const samples = frames * frameSamples;
  return samples > MAX_PACKET_SAMPLES_48K ? -3 : samples;
}
