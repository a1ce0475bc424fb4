import { ArgumentError } from '@tessera/core';
import { AudioFormatError } from '../audio-errors.js';
import { oggPageCrc } from './ogg-crc.js';
import { isStandardOpusMapping } from './opus-channel-mapping.js';
import { type OpusHead, parseOpusHead } from './opus-head.js';
import { opusPacketSamples48k } from './opus-packet.js';
import type { PacketStream } from './packet-stream.js';

/** The rates libopus decodes at. */
export const OPUS_DECODE_RATES: readonly number[] = [8000, 12000, 16000, 24000, 48000];

/**
 * Audio decoded (and dropped) before a crop start. RFC 7845 §4.6 asks for at least 80 ms; with
 * ffmpeg's libopus streams at 32 kb/s (SILK mode) the decoder measured here still differed by up to
 * 0.17 for ~100 ms after an 80 ms pre-roll, and by < 0.005 (crop SNR ≥ 40 dB) after 200 ms.
 */
export const OPUS_PRE_ROLL_MS = 200;

const OGG_PAGE_HEADER_BYTES = 27;
const FLAG_CONTINUED = 1;
const FLAG_FIRST_PAGE = 2;
const FLAG_LAST_PAGE = 4;

/**
 * Reads an Ogg Opus file (as ffmpeg writes it) into its audio packets and their index, for decoding
 * at `decodeRate`. Checks every page (capture pattern, version, lengths, CRC) of the first Opus
 * logical stream (pages of other streams are skipped), takes channels and pre-skip from OpusHead,
 * skips OpusTags, and takes the exact length from the last granule position. Throws
 * AudioFormatError naming the file offset of the first byte that contradicts the format,
 * including a page or packet cut by the end of the file.
 */
export function parseOggOpus(bytes: Uint8Array, decodeRate: number): PacketStream {
  if (!OPUS_DECODE_RATES.includes(decodeRate)) {
    throw new ArgumentError('decodeRate', `${decodeRate} Hz is not a rate Opus decodes at; use one of ${OPUS_DECODE_RATES.join(', ')}`);
  }
  const rateDivisor = 48_000 / decodeRate;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Packet bytes never exceed the file's; header packets are written here too, then dropped.
  const packetBytes = new Uint8Array(bytes.length);
  const packetStarts: number[] = [];
  const packetFileOffsets: number[] = [];
  let written = 0;
  let packetStart = 0;
  let packetFileOffset = -1;
  let continuing = false;
  let serial: number | undefined;
  let head: OpusHead | undefined;
  let headerPackets = 0;
  let firstAudioPage: { granule: number; packetsEnded: number; last: boolean } | undefined;
  let lastGranule = -1;
  let offset = 0;
  while (offset < bytes.length) {
    if (bytes.length - offset < OGG_PAGE_HEADER_BYTES) {
      throw new AudioFormatError(`the file ends ${bytes.length - offset} bytes into an Ogg page header (27 bytes)`, { byteOffset: offset });
    }
    if (bytes[offset] !== 0x4f || bytes[offset + 1] !== 0x67 || bytes[offset + 2] !== 0x67 || bytes[offset + 3] !== 0x53) {
      throw new AudioFormatError('expected an Ogg page (capture pattern "OggS")', { byteOffset: offset });
    }
    if (bytes[offset + 4] !== 0) throw new AudioFormatError(`Ogg page version ${bytes[offset + 4]} is not 0`, { byteOffset: offset + 4 });
    const flags = bytes[offset + 5]!;
    const granuleLow = view.getUint32(offset + 6, true);
    const granuleHigh = view.getUint32(offset + 10, true);
    const pageSerial = view.getUint32(offset + 14, true);
    const segments = bytes[offset + 26]!;
    const dataStart = offset + OGG_PAGE_HEADER_BYTES + segments;
    if (dataStart > bytes.length) {
      throw new AudioFormatError(`the file ends inside the segment table of the Ogg page at ${offset} (${segments} entries)`, { byteOffset: bytes.length });
    }
    let dataBytes = 0;
    for (let segment = 0; segment < segments; segment++) dataBytes += bytes[offset + OGG_PAGE_HEADER_BYTES + segment]!;
    const pageEnd = dataStart + dataBytes;
    if (pageEnd > bytes.length) {
      throw new AudioFormatError(`the Ogg page at ${offset} needs ${pageEnd - offset} bytes, the file has ${bytes.length - offset} left`, { byteOffset: bytes.length });
    }
    const storedCrc = view.getUint32(offset + 22, true);
    const crc = oggPageCrc(bytes, offset, pageEnd);
    if (crc !== storedCrc) {
      throw new AudioFormatError(`the Ogg page at ${offset} has checksum 0x${storedCrc.toString(16)}, its bytes give 0x${crc.toString(16)}`, { byteOffset: offset + 22 });
    }
    if (serial === undefined) {
      if ((flags & FLAG_FIRST_PAGE) === 0) throw new AudioFormatError('the first Ogg page of the stream is not marked as a first page', { byteOffset: offset + 5 });
      if (segments === 0 || !startsWithOpusHead(bytes, dataStart, pageEnd)) {
        offset = pageEnd; // another codec's stream; look for the Opus one
        continue;
      }
      serial = pageSerial;
    } else if (pageSerial !== serial) {
      offset = pageEnd;
      continue;
    }
    if ((flags & FLAG_CONTINUED) !== 0 && !continuing) {
      throw new AudioFormatError(`the Ogg page at ${offset} continues a packet, the previous page ended one`, { byteOffset: offset + 5 });
    }
    if ((flags & FLAG_CONTINUED) === 0 && continuing) {
      throw new AudioFormatError(`the Ogg page at ${offset} starts a new packet, the previous page's last packet continues`, { byteOffset: offset + 5 });
    }
    let dataOffset = dataStart;
    let audioPacketsEnded = 0;
    for (let segment = 0; segment < segments; segment++) {
      const lacing = bytes[offset + OGG_PAGE_HEADER_BYTES + segment]!;
      if (!continuing) {
        packetStart = written;
        packetFileOffset = dataOffset;
        continuing = true;
      }
      packetBytes.set(bytes.subarray(dataOffset, dataOffset + lacing), written);
      written += lacing;
      dataOffset += lacing;
      if (lacing === 255) continue;
      continuing = false;
      if (headerPackets === 0) {
        head = parseOpusHead(packetBytes.subarray(packetStart, written), packetFileOffset);
        if (!isStandardOpusMapping(head.channels, head)) {
          throw new AudioFormatError(
            `the OpusHead channel mapping (family ${head.mappingFamily}, ${head.streamCount} streams, ${head.coupledStreamCount} coupled, [${[...head.channelMapping].join(', ')}]) is not the standard one for ${head.channels} channels; re-encode with ffmpeg's libopus`,
            { byteOffset: packetFileOffset + 18 },
          );
        }
        headerPackets = 1;
        written = packetStart;
      } else if (headerPackets === 1) {
        if (!startsWith(packetBytes, packetStart, written, 'OpusTags')) {
          throw new AudioFormatError('the second Ogg Opus packet is not OpusTags', { byteOffset: packetFileOffset });
        }
        headerPackets = 2;
        written = packetStart;
      } else {
        packetStarts.push(packetStart);
        packetFileOffsets.push(packetFileOffset);
        audioPacketsEnded++;
      }
    }
    const granuleUnset = granuleLow === 0xffffffff && granuleHigh === 0xffffffff;
    const isLast = (flags & FLAG_LAST_PAGE) !== 0;
    if (audioPacketsEnded > 0) {
      if (granuleUnset) throw new AudioFormatError(`the Ogg page at ${offset} ends packets but has no granule position`, { byteOffset: offset + 6 });
      if (granuleHigh >= 0x200000) throw new AudioFormatError(`the Ogg page at ${offset} has granule position ${granuleHigh} × 2^32 + ${granuleLow}, beyond any real length`, { byteOffset: offset + 6 });
      const granule = granuleHigh * 0x100000000 + granuleLow;
      if (granule < lastGranule) throw new AudioFormatError(`the Ogg page at ${offset} has granule position ${granule}, lower than the previous page's ${lastGranule}`, { byteOffset: offset + 6 });
      firstAudioPage ??= { granule, packetsEnded: packetStarts.length, last: isLast };
      lastGranule = granule;
    }
    offset = pageEnd;
    if (isLast) break;
  }
  if (head === undefined) throw new AudioFormatError('no Opus stream (no OpusHead packet) in the file', { byteOffset: 0 });
  if (headerPackets < 2) throw new AudioFormatError('the file ends before the OpusTags packet', { byteOffset: bytes.length });
  if (continuing) {
    throw new AudioFormatError(`the Ogg packet starting at ${packetFileOffset} continues past the end of the file`, { byteOffset: bytes.length });
  }
  const packetCount = packetStarts.length;
  const packetByteOffsets = new Uint32Array(packetCount + 1);
  const packetFirstSamples = new Float64Array(packetCount + 1);
  let samples48k = 0;
  let firstPageSamples48k = 0;
  for (let packet = 0; packet < packetCount; packet++) {
    const start = packetStarts[packet]!;
    const end = packet + 1 < packetCount ? packetStarts[packet + 1]! : written;
    const duration = opusPacketSamples48k(packetBytes, start, end);
    if (duration < 0) {
      const why = duration === -1 ? 'is empty' : duration === -2 ? 'has no frame count' : 'is longer than 120 ms';
      throw new AudioFormatError(`Opus packet ${packet} ${why}`, { byteOffset: packetFileOffsets[packet]! });
    }
    packetByteOffsets[packet] = start;
    packetFirstSamples[packet] = samples48k / rateDivisor;
    samples48k += duration;
    if (firstAudioPage !== undefined && packet < firstAudioPage.packetsEnded) firstPageSamples48k = samples48k;
  }
  packetByteOffsets[packetCount] = written;
  packetFirstSamples[packetCount] = samples48k / rateDivisor;
  // Granule positions count 48 kHz samples including the pre-skip. A first page whose granule is
  // below its packets' samples trims the start (RFC 7845 §4.5), unless it is also the last page.
  let delay48k = head.preSkip48k;
  let endPosition48k = 0;
  if (firstAudioPage !== undefined) {
    const base = firstAudioPage.last ? 0 : firstAudioPage.granule - firstPageSamples48k;
    if (base < 0) delay48k -= base;
    endPosition48k = Math.min(samples48k, lastGranule - base);
  }
  // A stream shorter than its pre-skip decodes to nothing: its delay is all it has.
  const delaySamples = Math.min(Math.round(delay48k / rateDivisor), packetFirstSamples[packetCount]!);
  const totalSamples = Math.max(0, Math.round(endPosition48k / rateDivisor) - delaySamples);
  return {
    codec: 'opus',
    sampleRate: decodeRate,
    channels: head.channels,
    packets: packetBytes.slice(0, written),
    packetByteOffsets,
    packetFirstSamples,
    delaySamples,
    totalSamples,
    preRollSamples: (decodeRate * OPUS_PRE_ROLL_MS) / 1000,
  };
}

function startsWithOpusHead(bytes: Uint8Array, start: number, end: number): boolean {
  return startsWith(bytes, start, end, 'OpusHead');
}

function startsWith(bytes: Uint8Array, start: number, end: number, magic: string): boolean {
  if (end - start < magic.length) return false;
  for (let index = 0; index < magic.length; index++) if (bytes[start + index] !== magic.charCodeAt(index)) return false;
  return true;
}
