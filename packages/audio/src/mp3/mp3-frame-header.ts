/** An MPEG audio Layer III frame header (ISO 11172-3 / 13818-3, and the MPEG 2.5 extension). */
export interface Mp3FrameHeader {
  /** 1 (MPEG-1), 2 (MPEG-2) or 2.5. */
  version: 1 | 2 | 2.5;
  sampleRate: number;
  channels: 1 | 2;
  bitrateKbps: number;
  /** Whole frame, header included. */
  frameBytes: number;
  samplesPerFrame: 1152 | 576;
  /** Bytes of side information after the header (and its CRC). */
  sideInfoBytes: number;
  hasCrc: boolean;
}

const BITRATES_MPEG1 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const BITRATES_MPEG2 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
const SAMPLE_RATES_MPEG1 = [44100, 48000, 32000];

/** Why the four bytes at `offset` are not a usable Layer III header, or undefined when they are. */
export function mp3HeaderProblem(bytes: Uint8Array, offset: number): string | undefined {
  if (offset + 4 > bytes.length) return 'the header is cut by the end of the data';
  const b1 = bytes[offset + 1]!;
  const b2 = bytes[offset + 2]!;
  if (bytes[offset] !== 0xff || (b1 & 0xe0) !== 0xe0) return 'no frame sync (11 set bits)';
  if (((b1 >> 3) & 3) === 1) return 'reserved MPEG version';
  const layer = (b1 >> 1) & 3;
  if (layer !== 1) return layer === 0 ? 'reserved layer' : `Layer ${4 - layer}, not Layer III`;
  const bitrateIndex = b2 >> 4;
  if (bitrateIndex === 0) return 'free-format bitrate (not supported)';
  if (bitrateIndex === 15) return 'invalid bitrate index 15';
  if (((b2 >> 2) & 3) === 3) return 'reserved sample rate index';
  return undefined;
}

/** Reads the header at `offset`; call mp3HeaderProblem first. */
export function readMp3Header(bytes: Uint8Array, offset: number): Mp3FrameHeader {
  const b1 = bytes[offset + 1]!;
  const b2 = bytes[offset + 2]!;
  const b3 = bytes[offset + 3]!;
  const versionBits = (b1 >> 3) & 3;
  const version = versionBits === 3 ? 1 : versionBits === 2 ? 2 : 2.5;
  const sampleRate = SAMPLE_RATES_MPEG1[(b2 >> 2) & 3]! / (version === 1 ? 1 : version === 2 ? 2 : 4);
  const bitrateKbps = (version === 1 ? BITRATES_MPEG1 : BITRATES_MPEG2)[b2 >> 4]!;
  const padding = (b2 >> 1) & 1;
  const channels = (b3 >> 6) === 3 ? 1 : 2;
  const samplesPerFrame = version === 1 ? 1152 : 576;
  const frameBytes = Math.floor(((samplesPerFrame / 8) * bitrateKbps * 1000) / sampleRate) + padding;
  const sideInfoBytes = version === 1 ? (channels === 1 ? 17 : 32) : channels === 1 ? 9 : 17;
  return { version, sampleRate, channels, bitrateKbps, frameBytes, samplesPerFrame, sideInfoBytes, hasCrc: (b1 & 1) === 0 };
}

/** Two headers belong to one stream: same version, layer, sample rate and channel count. */
export function sameMp3Stream(bytes: Uint8Array, first: number, other: number): boolean {
  return (bytes[first + 1]! & 0xfe) === (bytes[other + 1]! & 0xfe) && (bytes[first + 2]! & 0x0c) === (bytes[other + 2]! & 0x0c) && (bytes[first + 3]! >> 6 === 3) === (bytes[other + 3]! >> 6 === 3);
}
