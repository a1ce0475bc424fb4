import { ArgumentError } from '@tessera/core';
import { AudioFormatError } from '../audio-errors.js';
import { type NativeAudio, nativeAudio } from '../audio-backend.js';
import type { PacketDecoder, PacketStream } from '../opus/packet-stream.js';
import { checkDecodeRequest, checkPacketBounds, closedError, packetAt } from '../opus/packet-window.js';
import { mp3HeaderProblem, readMp3Header, sameMp3Stream } from './mp3-frame-header.js';
import { MP3_INPUT_CAPACITY_BYTES, MPG123_NEED_MORE, MPG123_NEW_FORMAT, type Mp3Engine, mp3Engine } from './mp3-wasm.js';
import { mp3OverlapSamples, mp3ReservoirBytes } from './parse-mp3.js';

/** Header and the largest side information: what of a frame is not main data. */
const FRAME_OVERHEAD_BYTES = 4 + 2 + 32;

/**
 * An MP3 decoder reused for any number of clips (any rate and channel count), on the active backend
 * (audioBackend().mp3): minimp3 in the native addon, or mpg123 in WebAssembly. Both decode the same
 * frames (from enough before the start to refill the bit reservoir and the filter bank) from a reset
 * state and write the requested samples straight into `out`. With mpg123, every `decode`
 * starts a fresh mpg123 handle in the thread's WebAssembly instance (~30 µs, released when it
 * returns), feeds the frames from
 * enough before the start to refill the bit reservoir and the filter bank, and copies the requested
 * samples straight from the heap into `out` (mono from mpg123's first channel: it always writes two).
 */
export function createMp3Decoder(): PacketDecoder {
  const native = nativeAudio();
  return createDecoder(native?.hasMp3 === true ? native : undefined);
}

/** The WebAssembly mpg123 decoder, whatever the active backend (tests compare the two). */
export function createWasmMp3Decoder(): PacketDecoder {
  return createDecoder(undefined);
}

/** minimp3 in the native addon when `minimp3` is given, else mpg123 in WebAssembly. */
function createDecoder(minimp3: NativeAudio | undefined): PacketDecoder {
  let freed = false;
  let engine: Mp3Engine | undefined;
  let handle = 0;

  function releaseHandle(): void {
    if (handle !== 0 && engine !== undefined && !engine.broken) engine.destroyHandle(handle);
    handle = 0;
  }

  /** Checks the frames [first, last] are whole Layer III frames of the stream, so mpg123 decodes exactly one frame's samples each. */
  function checkFrames(stream: PacketStream, first: number, last: number): void {
    const bytes = stream.packets;
    const offsets = stream.packetByteOffsets;
    const reference = offsets[first]!;
    for (let frame = first; frame <= last; frame++) {
      checkPacketBounds(stream, frame);
      const start = offsets[frame]!;
      const problem = mp3HeaderProblem(bytes, start);
      if (problem !== undefined) throw new AudioFormatError(`MP3 frame ${frame}: ${problem}`, { byteOffset: start });
      if (!sameMp3Stream(bytes, reference, start)) throw new AudioFormatError(`MP3 frame ${frame} changes the MPEG version, sample rate or channel count`, { byteOffset: start });
      const header = readMp3Header(bytes, start);
      if (header.frameBytes !== offsets[frame + 1]! - start) {
        throw new AudioFormatError(`MP3 frame ${frame}'s header says ${header.frameBytes} bytes, the index ${offsets[frame + 1]! - start}`, { byteOffset: start });
      }
      if (header.sampleRate !== stream.sampleRate || header.channels !== stream.channels || header.samplesPerFrame !== stream.packetFirstSamples[frame + 1]! - stream.packetFirstSamples[frame]!) {
        throw new AudioFormatError(`MP3 frame ${frame} is ${header.sampleRate} Hz, ${header.channels} channels, ${header.samplesPerFrame} samples; the stream is ${stream.sampleRate} Hz, ${stream.channels} channels`, { byteOffset: start });
      }
    }
  }

  function decodeWindow(current: Mp3Engine | undefined, stream: PacketStream, from: number, to: number, out: Float32Array, outOffset: number, rowStride: number): number {
    const offsets = stream.packetByteOffsets;
    const firsts = stream.packetFirstSamples;
    const frames = offsets.length - 1;
    const bytes = stream.packets;
    checkFrames(stream, 0, 0);
    const firstHeader = readMp3Header(bytes, offsets[0]!);
    const preRoll = Math.max(stream.preRollSamples, mp3OverlapSamples(firstHeader.samplesPerFrame));
    let first = packetAt(firsts, frames, Math.max(0, from - preRoll));
    const reservoir = mp3ReservoirBytes(firstHeader.version);
    for (let backed = 0; first > 0 && backed < reservoir; ) {
      first--;
      backed += offsets[first + 1]! - offsets[first]! - FRAME_OVERHEAD_BYTES;
    }
    const last = packetAt(firsts, frames, to - 1);
    checkFrames(stream, first, last);
    if (current === undefined) return decodeNatively(minimp3 as NativeAudio, stream, first, last, from, to, out, outOffset, rowStride);
    handle = current.createHandle();
    if (handle === 0) throw new AudioFormatError('mpg123 could not make a decoder handle (WebAssembly heap exhausted?)');
    let feedPosition = offsets[first]!;
    const feedEnd = offsets[last + 1]!;
    const heap = current.bytes;
    const floats = current.floats;
    const feedNext = (): void => {
      const length = Math.min(MP3_INPUT_CAPACITY_BYTES, feedEnd - feedPosition);
      heap.set(bytes.subarray(feedPosition, feedPosition + length), current.inputPointer);
      const result = current.feed(handle, length);
      if (result !== 0 && result !== MPG123_NEED_MORE) throw new AudioFormatError(`mpg123 refused the MP3 data (error ${result}: ${current.errorText()})`, { byteOffset: feedPosition });
      feedPosition += length;
    };
    feedNext();
    let position = firsts[first]!;
    const outputIndex = current.outputIndex;
    const channels = stream.channels;
    // Every read yields samples, asks for more data or reports a format: bounded by the frames fed.
    const maxReads = 4 * (last - first + 1) + 16;
    for (let reads = 0; position < to; reads++) {
      if (reads > maxReads) throw new AudioFormatError(`mpg123 made no progress decoding MP3 frames ${first}–${last}`, { byteOffset: offsets[first]! });
      const result = current.read(handle);
      const decoded = current.samplesRead();
      const copyFrom = Math.max(position, from);
      const copyTo = Math.min(position + decoded, to);
      if (copyTo > copyFrom) {
        for (let channel = 0; channel < channels; channel++) {
          let read = outputIndex + channel * decoded + (copyFrom - position);
          let write = outOffset + channel * rowStride + (copyFrom - from);
          const stop = write + (copyTo - copyFrom);
          while (write < stop) out[write++] = floats[read++]!;
        }
      }
      position += decoded;
      if (result === MPG123_NEED_MORE) {
        if (feedPosition >= feedEnd) break;
        feedNext();
      } else if (result !== 0 && result !== MPG123_NEW_FORMAT) {
        throw new AudioFormatError(`mpg123 could not decode MP3 frames ${first}–${last} (error ${result}: ${current.errorText()})`, { byteOffset: offsets[first]! });
      }
    }
    return Math.max(0, Math.min(position, to) - from);
  }

  return {
    decode(stream, startSample, sampleCount, out, outOffset, rowStride) {
      if (freed) throw closedError('mp3');
      if (stream.codec !== 'mp3') throw new ArgumentError('stream', `this decoder decodes mp3; the stream is ${stream.codec}`);
      const end = checkDecodeRequest(stream, startSample, sampleCount, out, outOffset, rowStride);
      if (end <= startSample) return 0;
      if (minimp3 !== undefined) return decodeWindow(undefined, stream, startSample + stream.delaySamples, end + stream.delaySamples, out, outOffset, rowStride);
      const current = mp3Engine();
      if (current === undefined) throw new AudioFormatError('the MP3 WebAssembly instance trapped on an earlier clip and is being replaced; retry');
      if (engine !== current) handle = 0;
      engine = current;
      releaseHandle();
      try {
        return decodeWindow(current, stream, startSample + stream.delaySamples, end + stream.delaySamples, out, outOffset, rowStride);
      } catch (error) {
        if (error instanceof Error && error.name === 'RuntimeError') {
          current.broken = true;
          handle = 0;
          throw new AudioFormatError(`the MP3 data made the WebAssembly decoder trap (${error.message})`, { cause: error });
        }
        throw error;
      } finally {
        releaseHandle(); // nothing is held between clips: a decoder never freed costs no heap
      }
    },
    free() {
      if (freed) return;
      freed = true;
      releaseHandle();
    },
  };
}

/** minimp3 in the native addon: the same frames and window as mpg123's path, decoded straight into `out`. */
function decodeNatively(native: NativeAudio, stream: PacketStream, first: number, last: number, from: number, to: number, out: Float32Array, outOffset: number, rowStride: number): number {
  const reached = native.mp3DecodeFrames(stream.packets, stream.packetByteOffsets, stream.packetFirstSamples, first, last, from, to, stream.channels, out, outOffset, rowStride);
  if (reached < 0) throw new AudioFormatError(`could not decode MP3 frames ${first}–${last}: ${native.lastError()}`, { byteOffset: stream.packetByteOffsets[first]! });
  return Math.max(0, Math.min(reached, to) - from);
}
