import type { DecoderDefinition, DecoderInstance, FieldCodec, FieldReader, MetadataLayout, OutputSlot } from '@tessera/core';
import { AudioFormatError } from '../audio-errors.js';
import { flacIntegerRows } from '../flac/flac-encode-pcm.js';
import { encodeFlac } from '../flac/flac-encoder.js';
import { createFlacDecoder, encodeFlacFile } from '../flac/index.js';
import type { FlacStream, FlacStreamInfo } from '../flac/index.js';
import { encodeAudio } from '../input/index.js';
import { createMp3Decoder, parseMp3 } from '../mp3/index.js';
import { createOpusDecoder, parseOggOpus } from '../opus/index.js';
import type { PacketDecoder, PacketStream } from '../opus/index.js';
import { pcmPreview, wavFile } from './audio-preview.js';
import { CLIP_WINDOW_OPTIONS, clipWindow, windowFirstSample, windowStart } from './clip-window.js';
import { MAX_CHANNELS, MAX_SAMPLE_RATE, MIN_SAMPLE_RATE, booleanValue, choiceValue, integerValue, optionRecord, rejectUnknown } from './option-values.js';
import { ByteScratch, checkPayloadRange } from './payload-range.js';
import { type WaveformInput, fieldPcm, pcmAsFloat } from './pcm-value.js';
import { checkStart } from './waveform-codec.js';

/**
 * `compressedAudio({ format, sampleRate, channels })` (and `flac()`, `opus()`, `mp3()`): audio
 * encoded at write time (ffmpeg), decoded in-process at read time. The container is not stored:
 * only the codec's frames (FLAC) or packets (Opus, MP3) and an index of them, so a crop decodes only
 * the frames it covers.
 *
 *   metadata column (24 bytes, 8-aligned; 32 with `timeAxis`)
 *     pointer u64 @0   payload bytes u32 @8   frames u32 @12   samples per channel u32 @16   delay u32 @20
 *     timeAxis only: start i32 @24   reserved u32 @28 (zero)
 *   payload (one allocation, none when the clip is empty)
 *     frame byte offsets u32 × (frames + 1)   (into the frame bytes; the last is their length)
 *     frame first samples u32 × (frames + 1) (FLAC: absolute; Opus/MP3: before removing the delay)
 *     FLAC only: the stream's MD5 (16 bytes)
 *     the frame bytes, as the encoder wrote them
 *
 * `samples` is exact: FLAC's frames hold it; Opus's pre-skip and last granule and MP3's LAME
 * delay/padding are stored so decoders give exactly the samples that were encoded.
 *
 * `start` (argument `timeAxis`, which `compressedAudio()` sets for new fields) places the clip on the
 * sample's time axis in samples at the field's rate, as in `waveform()`. The 24-byte column had no
 * spare byte, so the start is a second layout: files written before it (no `timeAxis` argument,
 * read as false) keep their 24-byte records and start at 0.
 */
export type CompressedFormat = 'flac' | 'opus' | 'mp3';
export const COMPRESSED_FORMATS: readonly CompressedFormat[] = ['flac', 'opus', 'mp3'];

export type CompressedAudioArguments = {
  format: CompressedFormat;
  sampleRate: number;
  channels: number;
  /** FLAC: 16 or 24; 0 for the lossy formats (they decode to float). */
  bitsPerSample: number;
  /** Opus and MP3: the target bit rate in bits/s; 0 for FLAC. */
  bitrate: number;
  /** FLAC only: samples per frame (the granularity of crops). */
  frameSize: number;
  /** Each clip's start on the time axis is stored (32-byte metadata); false for files written before it. */
  timeAxis: boolean;
};

/** What `read()` gives: the decoded clip (float32, planar). FLAC fields also give a standalone .flac file. */
export interface StoredCompressedAudio {
  format: CompressedFormat;
  sampleRate: number;
  samples: Float32Array[];
  /** Where the first sample lies on the sample's time axis, in seconds (0 without `timeAxis`). */
  startTime: number;
  /** FLAC only: a playable .flac file of the stored frames (STREAMINFO + frames, no padding). */
  file?: Uint8Array;
}

export const COMPRESSED_CODEC_ID = 'audio/compressed';
const OPUS_RATES = [8000, 12000, 16000, 24000, 48000];
const MP3_RATES = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000];
const METADATA_LAYOUT: MetadataLayout = { byteLength: 24, alignment: 8 };
const TIMED_METADATA_LAYOUT: MetadataLayout = { byteLength: 32, alignment: 8 };
const POINTER_OFFSET = 0;
const BYTES_OFFSET = 8;
const FRAMES_OFFSET = 12;
const SAMPLES_OFFSET = 16;
const DELAY_OFFSET = 20;
const START_OFFSET = 24;
const MD5_BYTES = 16;

interface StoredHeader {
  pointer: number;
  byteLength: number;
  frames: number;
  samples: number;
  delay: number;
  /** On the time axis, in samples (0 without `timeAxis`). */
  start: number;
}

const emptyHeader = (): StoredHeader => ({ pointer: 0, byteLength: 0, frames: 0, samples: 0, delay: 0, start: 0 });

function readHeader(field: FieldReader<CompressedAudioArguments>, sampleIndex: number, header: StoredHeader): StoredHeader {
  const record = field.recordOffset(sampleIndex);
  const metadata = field.metadata;
  header.byteLength = metadata.getUint32(record + BYTES_OFFSET, true);
  header.frames = metadata.getUint32(record + FRAMES_OFFSET, true);
  header.samples = metadata.getUint32(record + SAMPLES_OFFSET, true);
  header.delay = metadata.getUint32(record + DELAY_OFFSET, true);
  header.start = field.arguments.timeAxis === true ? metadata.getInt32(record + START_OFFSET, true) : 0;
  header.pointer = header.byteLength > 0 ? field.readUint64(record + POINTER_OFFSET) : 0;
  return header;
}

const tableBytes = (frames: number, format: CompressedFormat): number => 8 * (frames + 1) + (format === 'flac' ? MD5_BYTES : 0);

export function normalizeCompressedArguments(args: CompressedAudioArguments): CompressedAudioArguments {
  const where = 'compressedAudio()';
  const record = optionRecord(args, where);
  rejectUnknown(record, ['format', 'sampleRate', 'channels', 'bitsPerSample', 'bitrate', 'frameSize', 'timeAxis'], where);
  // Absent in files written before starts were stored: those have the 24-byte layout.
  const timeAxis = booleanValue(record, 'timeAxis', false, where);
  const format = choiceValue(record, 'format', COMPRESSED_FORMATS, 'flac', where);
  const sampleRate = integerValue(record, 'sampleRate', undefined, MIN_SAMPLE_RATE, MAX_SAMPLE_RATE, where);
  const channels = integerValue(record, 'channels', 1, 1, format === 'flac' ? MAX_CHANNELS : 2, where);
  if (format === 'opus' && !OPUS_RATES.includes(sampleRate)) {
    throw new RangeError(`${where}: Opus decodes at ${OPUS_RATES.join(', ')} Hz only, got sampleRate ${sampleRate}; choose one of them (16000 for speech)`);
  }
  if (format === 'mp3' && !MP3_RATES.includes(sampleRate)) {
    throw new RangeError(`${where}: MP3 exists at ${MP3_RATES.join(', ')} Hz only, got sampleRate ${sampleRate}`);
  }
  if (format === 'flac') {
    if (record.bitrate !== undefined && record.bitrate !== 0) throw new TypeError(`${where}: bitrate applies to opus and mp3; FLAC is lossless`);
    const bitsPerSample = record.bitsPerSample ?? 16;
    if (bitsPerSample !== 16 && bitsPerSample !== 24) throw new RangeError(`${where}: bitsPerSample must be 16 or 24, got ${JSON.stringify(bitsPerSample)}`);
    return {
      format,
      sampleRate,
      channels,
      bitsPerSample,
      bitrate: 0,
      frameSize: integerValue(record, 'frameSize', 4096, 16, 65535, where),
      timeAxis,
    };
  }
  for (const key of ['bitsPerSample', 'frameSize']) {
    if (record[key] !== undefined && record[key] !== 0) throw new TypeError(`${where}: ${key} applies to flac only`);
  }
  const defaultBitrate = format === 'opus' ? 32_000 : 64_000;
  return { format, sampleRate, channels, bitsPerSample: 0, bitrate: integerValue(record, 'bitrate', defaultBitrate, 6_000, 512_000, where), frameSize: 0, timeAxis };
}

// ── write side ────────────────────────────────────────────────────────────────────────────────

interface IndexedFrames {
  frames: Uint8Array;
  offsets: ArrayLike<number>;
  firstSamples: ArrayLike<number>;
  samples: number;
  delay: number;
  md5?: Uint8Array;
  /** On the time axis, in samples at the field's rate. */
  start: number;
}

/** The packets and index of an Opus (Ogg) or MP3 file made by ffmpeg. (FLAC is encoded in process.) */
function indexEncoded(file: Uint8Array, args: CompressedAudioArguments): IndexedFrames {
  const stream: PacketStream = args.format === 'opus' ? parseOggOpus(file, args.sampleRate) : parseMp3(file);
  if (stream.sampleRate !== args.sampleRate || stream.channels !== args.channels) {
    throw new AudioFormatError(`the ${args.format} encoder gave ${stream.sampleRate} Hz, ${stream.channels} channels; the field is ${args.sampleRate} Hz, ${args.channels} channels`);
  }
  return { frames: stream.packets, offsets: stream.packetByteOffsets, firstSamples: stream.packetFirstSamples, samples: stream.totalSamples, delay: stream.delaySamples, start: 0 };
}

function writeIndexed(indexed: IndexedFrames, args: CompressedAudioArguments, metadata: DataView, allocate: (payload: Uint8Array, pointerOffset?: number) => void): void {
  const frameCount = indexed.offsets.length - 1;
  metadata.setUint32(SAMPLES_OFFSET, indexed.samples, true);
  metadata.setUint32(DELAY_OFFSET, indexed.delay, true);
  metadata.setUint32(FRAMES_OFFSET, Math.max(0, frameCount), true);
  if (args.timeAxis) metadata.setInt32(START_OFFSET, checkStart(indexed.start, args.sampleRate), true);
  else if (indexed.start !== 0) {
    throw new RangeError(`this field stores no start times (it has no timeAxis argument: written by an older @tessera/audio), the value has startTime ${indexed.start / args.sampleRate} s; make the field with compressedAudio(), which stores them`);
  }
  if (indexed.samples === 0 || frameCount <= 0) return;
  const table = tableBytes(frameCount, args.format);
  const payload = new Uint8Array(table + indexed.frames.byteLength);
  const view = new DataView(payload.buffer);
  for (let index = 0; index <= frameCount; index++) {
    view.setUint32(index * 4, indexed.offsets[index]!, true);
    view.setUint32((frameCount + 1 + index) * 4, indexed.firstSamples[index]!, true);
  }
  if (indexed.md5 !== undefined) payload.set(indexed.md5, 8 * (frameCount + 1));
  payload.set(indexed.frames, table);
  metadata.setUint32(BYTES_OFFSET, payload.byteLength, true);
  allocate(payload, POINTER_OFFSET);
}

async function encodeValue(value: WaveformInput, args: CompressedAudioArguments): Promise<IndexedFrames> {
  const pcm = await fieldPcm(value, { sampleRate: args.sampleRate, channels: args.channels, resample: true });
  if (pcm.length === 0) return { frames: new Uint8Array(0), offsets: [0], firstSamples: [0], samples: 0, delay: 0, start: pcm.start };
  if (args.format === 'flac') {
    // FLAC is encoded in process (flac/flac-encoder.ts): PCM and WAV at the field's rate need no ffmpeg.
    const bitsPerSample = args.bitsPerSample as 16 | 24;
    const stream = encodeFlac(flacIntegerRows(pcm.rows, bitsPerSample), { sampleRate: args.sampleRate, bitsPerSample, blockSize: args.frameSize });
    return { frames: stream.frames, offsets: stream.frameByteOffsets, firstSamples: stream.frameFirstSamples, samples: stream.info.totalSamples, delay: 0, md5: stream.info.md5, start: pcm.start };
  }
  // 40 ms of silence after the clip: lossy encoders emit nothing for a clip shorter than their
  // look-ahead (libopus gave no packet for one sample) and fade the last frame; the stored length
  // stays the clip's own.
  const encodedLength = pcm.length + Math.ceil(args.sampleRate / 25);
  const rows = pcm.rows.map((row) => {
    const padded = new Float32Array(encodedLength);
    padded.set(pcmAsFloat(row));
    return padded;
  });
  const file = await encodeAudio({ channels: rows, sampleRate: args.sampleRate, length: encodedLength }, { format: args.format, bitrate: args.bitrate });
  const indexed = indexEncoded(file, args);
  // The exact length is the PCM's: the containers' own accounting (Ogg granules, the LAME tag) can
  // be off for clips shorter than a frame. Decoders stop there; the packets hold at least that much.
  return { ...indexed, samples: pcm.length, start: pcm.start };
}

// ── read side ─────────────────────────────────────────────────────────────────────────────────

/** The stored parts of one clip, copied into a decoder's scratch (tables) and viewed (frames). */
class ClipParts {
  private readonly tableScratch = new ByteScratch();
  offsets = new Uint32Array(0);
  firstSamples = new Uint32Array(0);
  md5 = new Uint8Array(0);
  readonly header: StoredHeader = emptyHeader();

  constructor(private readonly format: CompressedFormat) {}

  load(field: FieldReader<CompressedAudioArguments>, sampleIndex: number): StoredHeader {
    const header = readHeader(field, sampleIndex, this.header);
    if (header.byteLength === 0) return header;
    const table = tableBytes(header.frames, this.format);
    if (table > header.byteLength) throw new AudioFormatError(`sample ${sampleIndex}: ${header.frames} frames need a ${table}-byte index, the payload has ${header.byteLength} bytes`);
    const bytes = this.tableScratch.bytes(table);
    field.copyBytes(header.pointer, table, bytes, 0);
    const buffer = this.tableScratch.arrayBuffer;
    this.offsets = new Uint32Array(buffer, 0, header.frames + 1);
    this.firstSamples = new Uint32Array(buffer, 4 * (header.frames + 1), header.frames + 1);
    if (this.format === 'flac') this.md5 = new Uint8Array(buffer, 8 * (header.frames + 1), MD5_BYTES);
    const frameBytes = header.byteLength - table;
    if (this.offsets[header.frames] !== frameBytes || this.offsets[0] !== 0) {
      throw new AudioFormatError(`sample ${sampleIndex}: the frame index ends at byte ${this.offsets[header.frames]}, the frames have ${frameBytes} bytes`);
    }
    for (let frame = 0; frame < header.frames; frame++) {
      if (this.offsets[frame + 1]! < this.offsets[frame]! || this.firstSamples[frame + 1]! < this.firstSamples[frame]!) {
        throw new AudioFormatError(`sample ${sampleIndex}: the frame index is not increasing at frame ${frame}`);
      }
    }
    return header;
  }

  /** Index of the last frame whose first sample is ≤ `sample`. */
  frameAt(sample: number): number {
    let low = 0;
    let high = this.header.frames - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.firstSamples[middle]! <= sample) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  flacInfo(args: CompressedAudioArguments): FlacStreamInfo {
    return {
      sampleRate: args.sampleRate,
      channels: args.channels,
      bitsPerSample: args.bitsPerSample,
      totalSamples: this.header.samples,
      minBlockSize: args.frameSize,
      maxBlockSize: args.frameSize,
      md5: this.md5,
    };
  }

  private float64Scratch = new Float64Array(64);

  /** The first samples as the lossy decoders take them, in a reused buffer (no copy allocated per sample). */
  private firstSamplesAsFloat64(): Float64Array {
    const count = this.firstSamples.length;
    if (this.float64Scratch.length < count) this.float64Scratch = new Float64Array(Math.max(count, this.float64Scratch.length * 2));
    const out = this.float64Scratch.subarray(0, count);
    for (let index = 0; index < count; index++) out[index] = this.firstSamples[index]!;
    return out;
  }

  packetStream(field: FieldReader, args: CompressedAudioArguments, preRollSamples: number): PacketStream {
    const table = tableBytes(this.header.frames, args.format);
    return {
      codec: args.format as 'opus' | 'mp3',
      sampleRate: args.sampleRate,
      channels: args.channels,
      packets: field.bytes(this.header.pointer + table, this.header.byteLength - table),
      packetByteOffsets: this.offsets,
      packetFirstSamples: this.firstSamplesAsFloat64(),
      delaySamples: this.header.delay,
      totalSamples: this.header.samples,
      preRollSamples,
    };
  }
}

/** Decodes [start, start + count) of one clip into planar float32 rows of `rowStride`. */
interface ClipDecoder {
  parts: ClipParts;
  decode(field: FieldReader, sampleIndex: number, start: number, count: number, out: Float32Array, outOffset: number, rowStride: number): number;
}

function createClipDecoder(args: CompressedAudioArguments): ClipDecoder {
  const parts = new ClipParts(args.format);
  if (args.format === 'flac') {
    const flac = createFlacDecoder();
    return {
      parts,
      decode(field, _sampleIndex, start, count, out, outOffset, rowStride) {
        const first = parts.frameAt(start);
        const last = parts.frameAt(start + count - 1);
        const table = tableBytes(parts.header.frames, 'flac');
        const from = parts.offsets[first]!;
        const frames = field.bytes(parts.header.pointer + table + from, parts.offsets[last + 1]! - from);
        return flac.decode(frames, parts.flacInfo(args), parts.firstSamples[first]!, start, count, out, outOffset, rowStride);
      },
    };
  }
  let decoder: PacketDecoder | undefined;
  const fresh = (): PacketDecoder => (args.format === 'opus' ? createOpusDecoder(args.sampleRate, args.channels) : createMp3Decoder());
  return {
    parts,
    decode(field, sampleIndex, start, count, out, outOffset, rowStride) {
      decoder ??= fresh();
      const stream = parts.packetStream(field, args, 0);
      try {
        return decoder.decode(stream, start, count, out, outOffset, rowStride);
      } catch (error) {
        // A decoder that failed on corrupt data is not trusted for the next clip.
        decoder.free();
        decoder = undefined;
        if (error instanceof AudioFormatError) throw error;
        throw new AudioFormatError(`sample ${sampleIndex}: the ${args.format} data does not decode (${(error as Error)?.message ?? String(error)})`);
      }
    },
  };
}

/**
 * float32 [channels, maxSamples], variable in dimension 1: the clip (or its window), decoded
 * in-process. crop 'window' cuts the loader's window as the waveform field's decoder does (zeros
 * outside the clip, lengths[0] up to the clip's last real sample); only the frames it covers decode.
 */
const waveformDecoder: DecoderDefinition<CompressedAudioArguments> = {
  options: [...CLIP_WINDOW_OPTIONS],
  setup(field, rawOptions): DecoderInstance {
    const where = `decoder "waveform" of field "${field.name}"`;
    const options = optionRecord(rawOptions, where);
    const args = field.arguments;
    const header = emptyHeader();
    const window = clipWindow(options, args.sampleRate, args.channels, () => longestCompressed(field, header), where, true);
    const timeWindow = window.crop === 'window';
    const outputLength = window.outputLength;
    const clip = createClipDecoder(args);
    return {
      output: { dtype: 'float32', shape: [args.channels, outputLength], variableDims: [1] },
      random: window.crop === 'random',
      decode(sampleIndex: number, slot: OutputSlot, context) {
        const stored = clip.parts.load(field, sampleIndex);
        // Output positions [to, to + count) from clip samples [start, start + count).
        let start: number;
        let to = 0;
        let count: number;
        if (timeWindow) {
          const first = windowFirstSample(window, context, args.sampleRate, where) - stored.start;
          to = Math.min(outputLength, Math.max(0, -first));
          start = first + to;
          count = Math.min(outputLength, Math.max(0, stored.samples - first)) - to;
        } else {
          start = windowStart(window, stored.samples, context?.random);
          count = Math.min(outputLength, stored.samples - start);
        }
        const out = slot.data as Float32Array;
        let written = 0;
        if (count > 0) {
          written = clip.decode(field, sampleIndex, start, count, out, to, outputLength);
          if (written !== count) throw new AudioFormatError(`sample ${sampleIndex}: ${count} samples expected from ${start}, the ${args.format} frames gave ${written}`);
        }
        for (let channel = 0; channel < args.channels; channel++) {
          out.fill(0, channel * outputLength, channel * outputLength + to);
          out.fill(0, channel * outputLength + to + written, (channel + 1) * outputLength);
        }
        slot.lengths[0] = to + written;
      },
    };
  },
};

function longestCompressed(field: FieldReader<CompressedAudioArguments>, header: StoredHeader): number {
  let longest = 0;
  for (let sampleIndex = 0; sampleIndex < field.numSamples; sampleIndex++) longest = Math.max(longest, readHeader(field, sampleIndex, header).samples);
  return longest;
}

/** int32 scalar: the clip's length in samples per channel (no decoding). */
const lengthDecoder: DecoderDefinition<CompressedAudioArguments> = {
  options: [],
  setup(field) {
    const header = emptyHeader();
    return {
      output: { dtype: 'int32', shape: [] },
      decode(sampleIndex: number, slot: OutputSlot) {
        (slot.data as Int32Array)[0] = readHeader(field, sampleIndex, header).samples;
      },
    };
  },
};

const readers = new WeakMap<FieldReader, ClipDecoder>();
const timelineHeader = emptyHeader();

export const compressedAudioCodec: FieldCodec<WaveformInput, CompressedAudioArguments> = {
  id: COMPRESSED_CODEC_ID,
  normalizeArguments: normalizeCompressedArguments,
  metadataLayout: (args) => (args.timeAxis ? TIMED_METADATA_LAYOUT : METADATA_LAYOUT),
  async encode(value, args, target) {
    const indexed = await encodeValue(value, args);
    writeIndexed(indexed, args, target.metadata, target.allocate.bind(target));
  },
  validate(field) {
    const header = emptyHeader();
    for (let sampleIndex = 0; sampleIndex < field.numSamples; sampleIndex++) {
      readHeader(field, sampleIndex, header);
      if (header.byteLength === 0) {
        if (header.samples !== 0) throw new RangeError(`sample ${sampleIndex}: ${header.samples} samples but no payload`);
        continue;
      }
      checkPayloadRange(field, sampleIndex, header.pointer, header.byteLength, `the ${field.arguments.format} payload`);
      if (tableBytes(header.frames, field.arguments.format) > header.byteLength) throw new RangeError(`sample ${sampleIndex}: ${header.frames} frames do not fit in a ${header.byteLength}-byte payload`);
    }
  },
  read(field, sampleIndex) {
    let clip = readers.get(field);
    if (clip === undefined) readers.set(field, (clip = createClipDecoder(field.arguments)));
    const args = field.arguments;
    const header = clip.parts.load(field, sampleIndex);
    const out = new Float32Array(args.channels * header.samples);
    if (header.samples > 0) {
      const written = clip.decode(field, sampleIndex, 0, header.samples, out, 0, header.samples);
      if (written !== header.samples) throw new AudioFormatError(`sample ${sampleIndex}: ${header.samples} samples stored, the ${args.format} frames gave ${written}`);
    }
    const samples = Array.from({ length: args.channels }, (_, channel) => out.subarray(channel * header.samples, (channel + 1) * header.samples));
    const stored: StoredCompressedAudio = { format: args.format, sampleRate: args.sampleRate, samples, startTime: header.start / args.sampleRate };
    if (args.format === 'flac' && header.samples > 0) stored.file = encodeFlacFile(flacStreamOf(field, clip.parts, args));
    return stored as unknown as WaveformInput;
  },
  toJSON(field, sampleIndex) {
    const args = field.arguments;
    const header = readHeader(field, sampleIndex, emptyHeader());
    const payload = header.byteLength > 0 ? field.describeBytes(header.pointer, header.byteLength) : { byteLength: 0, sha256: null };
    const time = args.timeAxis ? { start: header.start, startTime: header.start / args.sampleRate } : {};
    return { format: args.format, sampleRate: args.sampleRate, channels: args.channels, length: header.samples, seconds: header.samples / args.sampleRate, ...time, frames: header.frames, ...payload };
  },
  length: (field, sampleIndex) => field.metadata.getUint32(field.recordOffset(sampleIndex) + SAMPLES_OFFSET, true),
  /**
   * FLAC and MP3 without decoding: the stored frames behind a STREAMINFO header (a .flac file), or
   * as they are (Layer III frames are an MP3 file; without the Info tag a player also plays the
   * encoder's delay and padding, a few milliseconds). Opus packets have no container here, so they
   * are decoded to a float32 WAV.
   */
  preview(field, sampleIndex) {
    const args = field.arguments;
    let clip = readers.get(field);
    if (clip === undefined) readers.set(field, (clip = createClipDecoder(args)));
    const header = clip.parts.load(field, sampleIndex);
    const durationSeconds = header.samples / args.sampleRate;
    const audio = { kind: 'audio', durationSeconds, sampleRate: args.sampleRate, channels: args.channels } as const;
    if (header.samples === 0) return { ...audio, mimeType: 'audio/wav', bytes: wavFile(Array.from({ length: args.channels }, () => new Float32Array(0)), 0, args.sampleRate) };
    if (args.format === 'flac') return { ...audio, mimeType: 'audio/flac', bytes: encodeFlacFile(flacStreamOf(field, clip.parts, args)) };
    if (args.format === 'mp3') {
      const table = tableBytes(header.frames, 'mp3');
      return { ...audio, mimeType: 'audio/mpeg', bytes: field.bytes(header.pointer + table, header.byteLength - table) };
    }
    const { samples } = compressedAudioCodec.read(field, sampleIndex) as unknown as StoredCompressedAudio;
    return pcmPreview(samples, header.samples, args.sampleRate);
  },
  statistics: (field, sampleIndex) => ({
    seconds: field.metadata.getUint32(field.recordOffset(sampleIndex) + SAMPLES_OFFSET, true) / field.arguments.sampleRate,
    channels: field.arguments.channels,
  }),
  timeline(field, sampleIndex, out) {
    const header = readHeader(field, sampleIndex, timelineHeader);
    if (header.samples === 0) return false;
    out.startSeconds = header.start / field.arguments.sampleRate;
    out.durationSeconds = header.samples / field.arguments.sampleRate;
    return true;
  },
  decoders: { waveform: waveformDecoder, length: lengthDecoder },
  defaultDecoder: 'waveform',
};

function flacStreamOf(field: FieldReader, parts: ClipParts, args: CompressedAudioArguments): FlacStream {
  const table = tableBytes(parts.header.frames, 'flac');
  return {
    info: { ...parts.flacInfo(args), md5: parts.md5.slice() },
    frames: field.bytes(parts.header.pointer + table, parts.header.byteLength - table).slice(),
    frameByteOffsets: parts.offsets.slice(),
    frameFirstSamples: Float64Array.from(parts.firstSamples),
  };
}
