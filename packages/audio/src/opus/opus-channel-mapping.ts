/** How a multichannel Opus packet is split into streams and mapped to output channels. */
export interface OpusChannelMapping {
  streamCount: number;
  coupledStreamCount: number;
  channelMapping: ArrayLike<number>;
}

/**
 * The mapping libopus's surround encoder (and so ffmpeg) writes for 1–8 channels: family 0 for 1
 * and 2 channels, family 1 (Vorbis channel order) above. A stored clip keeps only its channel
 * count, so the decoder rebuilds the mapping from it and the parser accepts only these.
 */
const STANDARD_MAPPINGS: readonly OpusChannelMapping[] = [
  { streamCount: 1, coupledStreamCount: 0, channelMapping: [0] },
  { streamCount: 1, coupledStreamCount: 1, channelMapping: [0, 1] },
  { streamCount: 2, coupledStreamCount: 1, channelMapping: [0, 2, 1] },
  { streamCount: 2, coupledStreamCount: 2, channelMapping: [0, 1, 2, 3] },
  { streamCount: 3, coupledStreamCount: 2, channelMapping: [0, 4, 1, 2, 3] },
  { streamCount: 4, coupledStreamCount: 2, channelMapping: [0, 4, 1, 2, 3, 5] },
  { streamCount: 4, coupledStreamCount: 3, channelMapping: [0, 4, 1, 2, 3, 5, 6] },
  { streamCount: 5, coupledStreamCount: 3, channelMapping: [0, 6, 1, 2, 3, 4, 5, 7] },
];

export const MAX_OPUS_CHANNELS = STANDARD_MAPPINGS.length;

export function standardOpusMapping(channels: number): OpusChannelMapping | undefined {
  return STANDARD_MAPPINGS[channels - 1];
}

export function isStandardOpusMapping(channels: number, mapping: OpusChannelMapping): boolean {
  const standard = standardOpusMapping(channels);
  if (standard === undefined) return false;
  if (standard.streamCount !== mapping.streamCount || standard.coupledStreamCount !== mapping.coupledStreamCount) return false;
  for (let index = 0; index < channels; index++) if (standard.channelMapping[index] !== mapping.channelMapping[index]) return false;
  return true;
}
