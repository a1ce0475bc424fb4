import { AudioFormatError } from '../audio-errors.js';

/** The identification header of an Ogg Opus stream (RFC 7845 §5.1). */
export interface OpusHead {
  channels: number;
  /** Samples at 48 kHz to drop from the decoder's output. */
  preSkip48k: number;
  /** The encoder's input rate (informational: Opus always codes at 48 kHz internally). */
  inputSampleRate: number;
  /** Q7.8 dB gain to apply to the output. */
  outputGainQ8: number;
  mappingFamily: number;
  streamCount: number;
  coupledStreamCount: number;
  channelMapping: Uint8Array;
}

const OPUS_HEAD_MAGIC = 'OpusHead';

export function isOpusHead(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  for (let index = 0; index < 8; index++) if (bytes[index] !== OPUS_HEAD_MAGIC.charCodeAt(index)) return false;
  return true;
}

/** Parses OpusHead from `packet`; `fileOffset` (where the packet starts in the file) goes into errors. */
export function parseOpusHead(packet: Uint8Array, fileOffset: number): OpusHead {
  if (packet.length < 19 || !isOpusHead(packet)) {
    throw new AudioFormatError(`the first Ogg packet is not an OpusHead of at least 19 bytes (it has ${packet.length})`, { byteOffset: fileOffset });
  }
  const version = packet[8]!;
  if (version >> 4 !== 0) throw new AudioFormatError(`OpusHead version ${version} is not supported (major version 0 is)`, { byteOffset: fileOffset + 8 });
  const channels = packet[9]!;
  if (channels === 0) throw new AudioFormatError('OpusHead declares 0 channels', { byteOffset: fileOffset + 9 });
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  const mappingFamily = packet[18]!;
  let streamCount = 1;
  let coupledStreamCount = channels - 1;
  let channelMapping = Uint8Array.from(channels === 2 ? [0, 1] : [0]);
  if (mappingFamily === 0) {
    if (channels > 2) throw new AudioFormatError(`OpusHead mapping family 0 allows 1 or 2 channels, not ${channels}`, { byteOffset: fileOffset + 9 });
  } else {
    if (packet.length < 21 + channels) {
      throw new AudioFormatError(`OpusHead with mapping family ${mappingFamily} needs ${21 + channels} bytes, it has ${packet.length}`, { byteOffset: fileOffset });
    }
    streamCount = packet[19]!;
    coupledStreamCount = packet[20]!;
    channelMapping = packet.slice(21, 21 + channels);
    if (streamCount === 0 || coupledStreamCount > streamCount || streamCount + coupledStreamCount > 255) {
      throw new AudioFormatError(`OpusHead declares ${streamCount} streams of which ${coupledStreamCount} coupled`, { byteOffset: fileOffset + 19 });
    }
    for (let index = 0; index < channels; index++) {
      const entry = channelMapping[index]!;
      if (entry !== 255 && entry >= streamCount + coupledStreamCount) {
        throw new AudioFormatError(`OpusHead maps channel ${index} to decoded channel ${entry}, there are ${streamCount + coupledStreamCount}`, { byteOffset: fileOffset + 21 + index });
      }
    }
  }
  return {
    channels,
    preSkip48k: view.getUint16(10, true),
    inputSampleRate: view.getUint32(12, true),
    outputGainQ8: view.getInt16(16, true),
    mappingFamily,
    streamCount,
    coupledStreamCount,
    channelMapping,
  };
}
