import type { Mp3FrameHeader } from './mp3-frame-header.js';

/** What a Xing/Info frame (with its LAME extension) says about the stream. */
export interface Mp3InfoTag {
  /** Frames after the Info frame, when the tag has the count. */
  frameCount: number | undefined;
  /** From the LAME extension: samples the encoder added before and after the audio. */
  encoderDelaySamples: number | undefined;
  encoderPaddingSamples: number | undefined;
}

/** Reads a Xing/Info tag from the frame at `offset`, or undefined when the frame is audio. */
export function readMp3InfoTag(bytes: Uint8Array, offset: number, header: Mp3FrameHeader): Mp3InfoTag | undefined {
  const tag = offset + 4 + (header.hasCrc ? 2 : 0) + header.sideInfoBytes;
  const frameEnd = offset + header.frameBytes;
  if (tag + 8 > frameEnd) return undefined;
  const magic = String.fromCharCode(bytes[tag]!, bytes[tag + 1]!, bytes[tag + 2]!, bytes[tag + 3]!);
  if (magic !== 'Xing' && magic !== 'Info') return undefined;
  const flags = readUint32(bytes, tag + 4);
  let cursor = tag + 8;
  let frameCount: number | undefined;
  if (flags & 1) {
    if (cursor + 4 > frameEnd) return { frameCount: undefined, encoderDelaySamples: undefined, encoderPaddingSamples: undefined };
    frameCount = readUint32(bytes, cursor);
    cursor += 4;
  }
  if (flags & 2) cursor += 4; // byte count
  if (flags & 4) cursor += 100; // seek table
  if (flags & 8) cursor += 4; // quality
  // The LAME extension: a 9-character encoder name, then at +21 the delay and padding (12 bits
  // each); its own CRC-16 at +34 covers the frame up to there.
  let encoderDelaySamples: number | undefined;
  let encoderPaddingSamples: number | undefined;
  if (cursor + 36 <= frameEnd && lameTagTrusted(bytes, offset, frameEnd, cursor)) {
    encoderDelaySamples = (bytes[cursor + 21]! << 4) | (bytes[cursor + 22]! >> 4);
    encoderPaddingSamples = ((bytes[cursor + 22]! & 0x0f) << 8) | bytes[cursor + 23]!;
  }
  return { frameCount, encoderDelaySamples, encoderPaddingSamples };
}

function lameTagTrusted(bytes: Uint8Array, frameStart: number, frameEnd: number, lame: number): boolean {
  const stored = (bytes[lame + 34]! << 8) | bytes[lame + 35]!;
  if (crc16(bytes, frameStart, lame + 34, lame + 34) === stored) return true;
  if (frameStart + 190 <= frameEnd && crc16(bytes, frameStart, frameStart + 190, lame + 34) === stored) return true;
  // Some encoders leave the CRC at zero; then trust only a known encoder name.
  const name = String.fromCharCode(bytes[lame]!, bytes[lame + 1]!, bytes[lame + 2]!, bytes[lame + 3]!);
  return stored === 0 && (name === 'LAME' || name === 'Lavc' || name === 'Lavf' || name.startsWith('L3.9'));
}

/** CRC-16 (polynomial 0x8005, reflected, initial 0) of [start, end), the two bytes at `zeroAt` read as 0. */
function crc16(bytes: Uint8Array, start: number, end: number, zeroAt: number): number {
  let crc = 0;
  for (let offset = start; offset < end; offset++) {
    crc ^= offset === zeroAt || offset === zeroAt + 1 ? 0 : bytes[offset]!;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

function readUint32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}
