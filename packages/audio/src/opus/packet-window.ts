import { ArgumentError, TesseraError } from '@tessera/core';
import { AudioFormatError } from '../audio-errors.js';
import type { PacketStream } from './packet-stream.js';

/** Checks a decode request against its stream and output; returns the end (exclusive) of the real samples to decode. */
export function checkDecodeRequest(stream: PacketStream, startSample: number, sampleCount: number, out: Float32Array, outOffset: number, rowStride: number): number {
  if (!Number.isInteger(startSample) || startSample < 0) throw new ArgumentError('startSample', `must be an integer ≥ 0, got ${startSample}`);
  if (!Number.isInteger(sampleCount) || sampleCount < 0) throw new ArgumentError('sampleCount', `must be an integer ≥ 0, got ${sampleCount}`);
  if (!Number.isInteger(outOffset) || outOffset < 0) throw new ArgumentError('outOffset', `must be an integer ≥ 0, got ${outOffset}`);
  const end = Math.min(startSample + sampleCount, stream.totalSamples);
  const count = Math.max(0, end - startSample);
  if (stream.channels > 1 && (!Number.isInteger(rowStride) || rowStride < count)) {
    throw new ArgumentError('rowStride', `must be an integer ≥ the ${count} samples decoded per channel, got ${rowStride}`);
  }
  const needed = count === 0 ? 0 : outOffset + (stream.channels - 1) * rowStride + count;
  if (needed > out.length) throw new ArgumentError('out', `${stream.channels} rows of ${count} samples at offset ${outOffset}, stride ${rowStride} need ${needed} floats, it has ${out.length}`);
  checkIndex(stream);
  return end;
}

/** The packet index must be consistent with the packet bytes, or decoding would read outside them. */
function checkIndex(stream: PacketStream): void {
  const offsets = stream.packetByteOffsets;
  const firsts = stream.packetFirstSamples;
  const packets = offsets.length - 1;
  if (packets < 0 || firsts.length !== offsets.length) {
    throw new AudioFormatError(`the packet index has ${offsets.length} byte offsets and ${firsts.length} first samples; both need packets + 1`);
  }
  if (offsets[packets]! > stream.packets.length) {
    throw new AudioFormatError(`the packet index ends at byte ${offsets[packets]}, the packets have ${stream.packets.length} bytes`);
  }
  if (stream.delaySamples + stream.totalSamples > firsts[packets]!) {
    throw new AudioFormatError(`${stream.delaySamples} delay + ${stream.totalSamples} samples exceed the ${firsts[packets]} samples the packets decode to`);
  }
}

/** Index of the last packet whose first sample is ≤ `position` (0 when none is). */
export function packetAt(firsts: Float64Array, packets: number, position: number): number {
  let low = 0;
  let high = packets - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (firsts[middle]! <= position) low = middle;
    else high = middle - 1;
  }
  return low;
}

export function checkPacketBounds(stream: PacketStream, packet: number): void {
  const start = stream.packetByteOffsets[packet]!;
  const end = stream.packetByteOffsets[packet + 1]!;
  if (end < start || stream.packetFirstSamples[packet + 1]! < stream.packetFirstSamples[packet]!) {
    throw new AudioFormatError(`the packet index is not increasing at packet ${packet}`, { byteOffset: start });
  }
}

export function closedError(codec: string): TesseraError {
  return new TesseraError('E_CLOSED', `this ${codec} decoder was freed; create another with create${codec === 'opus' ? 'Opus' : 'Mp3'}Decoder()`);
}
