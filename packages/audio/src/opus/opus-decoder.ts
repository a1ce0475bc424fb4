import { ArgumentError } from '@tessera/core';
import { AudioFormatError } from '../audio-errors.js';
import { MAX_OPUS_CHANNELS } from './opus-channel-mapping.js';
import { OPUS_ERROR_NAMES, OPUS_INPUT_CAPACITY_BYTES, type OpusEngine, opusEngine } from './opus-wasm.js';
import type { PacketDecoder, PacketStream } from './packet-stream.js';
import { checkDecodeRequest, checkPacketBounds, closedError, packetAt } from './packet-window.js';
import { OPUS_DECODE_RATES, OPUS_PRE_ROLL_MS } from './parse-ogg-opus.js';

/**
 * An Opus decoder for streams of `sampleRate` (a libopus rate) and `channels`, reused for any
 * number of clips. Every `decode` starts from a fresh libopus state (created in place in the
 * thread's WebAssembly instance, ~10 µs, no new instance, released when it returns), decodes from the packet holding
 * (start − pre-roll) and copies the requested samples straight from the WebAssembly heap into `out`.
 */
export function createOpusDecoder(sampleRate: number, channels: number): PacketDecoder {
  if (!OPUS_DECODE_RATES.includes(sampleRate)) throw new ArgumentError('sampleRate', `${sampleRate} Hz is not a rate Opus decodes at; use one of ${OPUS_DECODE_RATES.join(', ')}`);
  if (!Number.isInteger(channels) || channels < 1 || channels > MAX_OPUS_CHANNELS) throw new ArgumentError('channels', `must be 1–${MAX_OPUS_CHANNELS}, got ${channels}`);
  const defaultPreRoll = (sampleRate * OPUS_PRE_ROLL_MS) / 1000;
  let freed = false;
  let engine: OpusEngine | undefined;
  let state = 0;

  function releaseState(): void {
    if (state !== 0 && engine !== undefined && !engine.broken) engine.destroyState(state);
    state = 0;
  }

  function decodeWindow(current: OpusEngine, stream: PacketStream, from: number, to: number, out: Float32Array, outOffset: number, rowStride: number): number {
    const offsets = stream.packetByteOffsets;
    const firsts = stream.packetFirstSamples;
    const packets = offsets.length - 1;
    const source = stream.packets;
    const heap = current.bytes;
    const floats = current.floats;
    const outputIndex = current.outputIndex;
    const preRoll = Math.max(stream.preRollSamples, defaultPreRoll);
    let packet = packetAt(firsts, packets, Math.max(0, from - preRoll));
    let position = firsts[packet]!;
    let blockStart = 0; // file of packet bytes staged in the heap: [blockStart, blockEnd)
    let blockEnd = 0;
    while (packet < packets && position < to) {
      checkPacketBounds(stream, packet);
      const start = offsets[packet]!;
      const end = offsets[packet + 1]!;
      if (end - start > OPUS_INPUT_CAPACITY_BYTES) throw new AudioFormatError(`Opus packet ${packet} has ${end - start} bytes, more than the ${OPUS_INPUT_CAPACITY_BYTES} any Opus packet has`, { byteOffset: start });
      if (start < blockStart || end > blockEnd) {
        blockStart = start;
        blockEnd = Math.min(offsets[packets]!, start + OPUS_INPUT_CAPACITY_BYTES);
        heap.set(source.subarray(blockStart, blockEnd), current.inputPointer);
      }
      const decoded = current.decodePacket(state, current.inputPointer + (start - blockStart), end - start);
      if (decoded < 0) {
        throw new AudioFormatError(`Opus packet ${packet} (${end - start} bytes) does not decode: libopus ${OPUS_ERROR_NAMES.get(decoded) ?? decoded}`, { byteOffset: start });
      }
      if (decoded !== firsts[packet + 1]! - position) {
        throw new AudioFormatError(`Opus packet ${packet} decodes to ${decoded} samples, the index says ${firsts[packet + 1]! - position}`, { byteOffset: start });
      }
      const copyFrom = Math.max(position, from);
      const copyTo = Math.min(position + decoded, to);
      if (copyTo > copyFrom) {
        for (let channel = 0; channel < stream.channels; channel++) {
          let read = outputIndex + channel * decoded + (copyFrom - position);
          let write = outOffset + channel * rowStride + (copyFrom - from);
          const stop = write + (copyTo - copyFrom);
          while (write < stop) out[write++] = floats[read++]!;
        }
      }
      position += decoded;
      packet++;
    }
    return Math.max(0, Math.min(position, to) - from);
  }

  return {
    decode(stream, startSample, sampleCount, out, outOffset, rowStride) {
      if (freed) throw closedError('opus');
      if (stream.codec !== 'opus' || stream.sampleRate !== sampleRate || stream.channels !== channels) {
        throw new ArgumentError('stream', `this decoder decodes opus at ${sampleRate} Hz, ${channels} channels; the stream is ${stream.codec} at ${stream.sampleRate} Hz, ${stream.channels} channels`);
      }
      const end = checkDecodeRequest(stream, startSample, sampleCount, out, outOffset, rowStride);
      if (end <= startSample) return 0;
      const current = opusEngine();
      if (current === undefined) throw new AudioFormatError('the Opus WebAssembly instance trapped on an earlier clip and is being replaced; retry');
      if (engine !== current) state = 0; // a replaced engine took its states with it
      engine = current;
      releaseState();
      state = current.createState(sampleRate, channels);
      if (state === 0) throw new AudioFormatError('the Opus WebAssembly heap is exhausted (no room for a decoder state)');
      try {
        return decodeWindow(current, stream, startSample + stream.delaySamples, end + stream.delaySamples, out, outOffset, rowStride);
      } catch (error) {
        if (error instanceof Error && error.name === 'RuntimeError') {
          current.broken = true;
          state = 0;
          throw new AudioFormatError(`the Opus data made the WebAssembly decoder trap (${error.message})`, { cause: error });
        }
        throw error;
      } finally {
        releaseState(); // nothing is held between clips: a decoder never freed costs no heap
      }
    },
    free() {
      if (freed) return;
      freed = true;
      releaseState();
    },
  };
}
