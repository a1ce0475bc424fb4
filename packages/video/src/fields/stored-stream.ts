/**
 * How one video's stream is stored by the `compressedVideo` field, and read back.
 *
 *   metadata column (48 bytes, 8-aligned)
 *     pointer u64 @0   payload bytes u32 @8   frames u32 @12   width u32 @16   height u32 @20
 *     time base num u32 @24, den u32 @28   codec id u32 @32   rotation i32 @36 (1/100 degree)
 *     average frame rate num u32 @40, den u32 @44
 *   payload (one allocation)
 *     header   u32 × 4: layout version (1), extradata bytes, packets n, 0
 *              i32 × 15: the codec parameters (CODEC_PARAMETER_KEYS order), 4 bytes of zero
 *     index    pts f64 × n, dts f64 × n, duration f64 × n      (decode order, stream time base)
 *              packet byte offsets u32 × (n + 1)                (into the packet bytes; last = their length)
 *              presentation order u32 × n                       (packet index of the k-th frame by pts)
 *              flags u8 × n (bit 0 key frame, bit 1 disposable: no frame references it), zero padding to 8
 *              extradata, zero padding to 8
 *     packets  the packets' bytes, as the container held them (no re-encode)
 *
 * One packet is one frame (true of the containers FFmpeg demuxes for these codecs); presentation
 * order is pts order. Timestamps are exact integers below 2^53 (checked when written).
 */
import type { FieldReader, StreamSpan } from '@tessera/core';
import { CODEC_PARAMETER_KEYS, type DemuxedVideo, type VideoCodecParameters } from '../backend/node-av-backend.js';
import { VideoFormatError } from '../video-errors.js';

export const METADATA_BYTES = 48;
const POINTER = 0;
const BYTES = 8;
const FRAMES = 12;
const WIDTH = 16;
const HEIGHT = 20;
const TIME_BASE_NUM = 24;
const TIME_BASE_DEN = 28;
const CODEC_ID = 32;
const ROTATION = 36;
const RATE_NUM = 40;
const RATE_DEN = 44;
const LAYOUT_VERSION = 1;
export const KEY_FLAG = 1;
export const DISPOSABLE_FLAG = 2;
const HEADER_BYTES = 16 + 4 * CODEC_PARAMETER_KEYS.length + 4;

const align8 = (value: number): number => Math.ceil(value / 8) * 8;

/** Bytes before the packets: header, index, extradata. */
export function tableByteLength(packets: number, extradataBytes: number): number {
  return align8(HEADER_BYTES + 24 * packets + 4 * (packets + 1) + 4 * packets + packets) + align8(extradataBytes);
}

/** The per-video values of the metadata column (no payload read). */
export interface VideoHeader {
  pointer: number;
  byteLength: number;
  frames: number;
  width: number;
  height: number;
  timeBase: [number, number];
  codecId: number;
  /** Degrees (FFmpeg's counter-clockwise convention). */
  rotation: number;
  averageFrameRate: [number, number];
}

export function emptyHeader(): VideoHeader {
  return { pointer: 0, byteLength: 0, frames: 0, width: 0, height: 0, timeBase: [1, 1], codecId: 0, rotation: 0, averageFrameRate: [0, 1] };
}

/** The frames of a sample (the metadata column's frame count, shared by every video field): its `length`. */
export function readFrameCount(field: FieldReader, sampleIndex: number): number {
  return field.metadata.getUint32(field.recordOffset(sampleIndex) + FRAMES, true);
}

export function readHeader(field: FieldReader, sampleIndex: number, header: VideoHeader): VideoHeader {
  const record = field.recordOffset(sampleIndex);
  const metadata = field.metadata;
  header.byteLength = metadata.getUint32(record + BYTES, true);
  header.frames = metadata.getUint32(record + FRAMES, true);
  header.width = metadata.getUint32(record + WIDTH, true);
  header.height = metadata.getUint32(record + HEIGHT, true);
  header.timeBase[0] = metadata.getUint32(record + TIME_BASE_NUM, true);
  header.timeBase[1] = metadata.getUint32(record + TIME_BASE_DEN, true);
  header.codecId = metadata.getUint32(record + CODEC_ID, true);
  header.rotation = metadata.getInt32(record + ROTATION, true) / 100;
  header.averageFrameRate[0] = metadata.getUint32(record + RATE_NUM, true);
  header.averageFrameRate[1] = metadata.getUint32(record + RATE_DEN, true);
  header.pointer = header.byteLength > 0 ? field.readUint64(record + POINTER) : 0;
  return header;
}

/**
 * Writes the metadata column (all but the pointer, which the writer sets): the layout every video
 * field of this package shares, so readHeader and the shared decoders read any of them.
 */
export function writeHeader(metadata: DataView, header: Omit<VideoHeader, 'pointer'>): void {
  metadata.setUint32(BYTES, header.byteLength, true);
  metadata.setUint32(FRAMES, header.frames, true);
  metadata.setUint32(WIDTH, header.width, true);
  metadata.setUint32(HEIGHT, header.height, true);
  metadata.setUint32(TIME_BASE_NUM, header.timeBase[0], true);
  metadata.setUint32(TIME_BASE_DEN, header.timeBase[1], true);
  metadata.setUint32(CODEC_ID, header.codecId, true);
  metadata.setInt32(ROTATION, Math.round(header.rotation * 100), true);
  metadata.setUint32(RATE_NUM, Math.max(0, header.averageFrameRate[0]), true);
  metadata.setUint32(RATE_DEN, Math.max(1, header.averageFrameRate[1]), true);
}

/** Writes the metadata column and returns the payload of one demuxed video. */
export function encodeStream(video: DemuxedVideo, metadata: DataView): Uint8Array {
  const packets = video.packets;
  const n = packets.length;
  const extradata = video.params.extradata;
  const table = tableByteLength(n, extradata.byteLength);
  let packetBytes = 0;
  for (const packet of packets) packetBytes += packet.data.byteLength;
  if (table + packetBytes > 0xffff_ffff) throw new RangeError(`the video's stream has ${table + packetBytes} bytes; one sample holds at most 4 GiB (split it with start/end)`);
  const payload = new Uint8Array(table + packetBytes);
  const view = new DataView(payload.buffer);
  view.setUint32(0, LAYOUT_VERSION, true);
  view.setUint32(4, extradata.byteLength, true);
  view.setUint32(8, n, true);
  for (const [index, key] of CODEC_PARAMETER_KEYS.entries()) view.setInt32(16 + 4 * index, video.params[key], true);
  let at = HEADER_BYTES;
  for (const column of ['pts', 'dts', 'duration'] as const) {
    for (const packet of packets) {
      view.setFloat64(at, packet[column], true);
      at += 8;
    }
  }
  let offset = 0;
  for (let index = 0; index <= n; index++) {
    view.setUint32(at, offset, true);
    at += 4;
    if (index < n) offset += packets[index]!.data.byteLength;
  }
  const order = Array.from({ length: n }, (_, index) => index).sort((a, b) => packets[a]!.pts - packets[b]!.pts || a - b);
  for (let k = 0; k < n; k++) {
    if (k > 0 && packets[order[k]!]!.pts === packets[order[k - 1]!]!.pts) throw new RangeError(`two frames share pts ${packets[order[k]!]!.pts}: frames must have distinct presentation times`);
    view.setUint32(at, order[k]!, true);
    at += 4;
  }
  for (const packet of packets) payload[at++] = (packet.key ? KEY_FLAG : 0) | (packet.disposable ? DISPOSABLE_FLAG : 0);
  at = align8(at);
  payload.set(extradata, at);
  at += align8(extradata.byteLength);
  if (at !== table) throw new Error(`stored-stream layout: table ends at ${at}, expected ${table}`);
  for (const packet of packets) {
    payload.set(packet.data, at);
    at += packet.data.byteLength;
  }
  writeHeader(metadata, { byteLength: payload.byteLength, frames: n, width: video.params.width, height: video.params.height, timeBase: video.timeBase, codecId: video.params.codecId, rotation: video.rotation, averageFrameRate: video.averageFrameRate });
  return payload;
}

/**
 * The index of one stored video, copied into reused scratch memory (load() per sample, no
 * allocation once the scratch is large enough) and checked: offsets increasing and within the
 * payload, presentation order a valid packet index, timestamps finite.
 */
/**
 * The metadata-column half of a stored video's view, shared by the compressed and JPEG-frames
 * fields (their columns have one layout): size, frame count, rotation, stated rate.
 */
export abstract class StoredVideoHeader {
  readonly header: VideoHeader = emptyHeader();

  get frames(): number {
    return this.header.frames;
  }
  get width(): number {
    return this.header.width;
  }
  get height(): number {
    return this.header.height;
  }

  /** Degrees of the display rotation (for the info decoder). */
  get rotation(): number {
    return this.header.rotation;
  }
  /** The frame rate the source states, or 0 when it states none. */
  nominalFps(): number {
    const [num, den] = this.header.averageFrameRate;
    return num > 0 && den > 0 ? num / den : 0;
  }
}

/** Also the clip sampler's view of the video (ClipVideo: frames, size, frame times, duration). */
export class StoredStream extends StoredVideoHeader {
  private scratch = new ArrayBuffer(4096);
  params: VideoCodecParameters | undefined;
  pts = new Float64Array(0);
  dts = new Float64Array(0);
  durations = new Float64Array(0);
  offsets = new Uint32Array(0);
  order = new Uint32Array(0);
  /** Per packet: KEY_FLAG | DISPOSABLE_FLAG. */
  flags = new Uint8Array(0);
  /** Presentation index of each packet (the inverse of `order`). */
  positions = new Uint32Array(0);
  private positionScratch = new Uint32Array(0);
  /** pts of the k-th frame in presentation order (ascending). */
  sortedPts = new Float64Array(0);
  private sortedScratch = new Float64Array(0);
  packetsPointer = 0;
  private lastParameterBytes = new Uint8Array(0);

  constructor(private readonly where: string) {
    super();
  }

  load(field: FieldReader, sampleIndex: number): VideoHeader {
    const header = readHeader(field, sampleIndex, this.header);
    const fail = (problem: string): never => {
      throw new VideoFormatError(`${this.where}, sample ${sampleIndex}: ${problem}; the file is corrupt: re-create the dataset`);
    };
    if (header.byteLength < HEADER_BYTES) fail(`the payload has ${header.byteLength} bytes, less than its ${HEADER_BYTES}-byte header`);
    if (this.scratch.byteLength < HEADER_BYTES) this.scratch = new ArrayBuffer(HEADER_BYTES);
    field.copyBytes(header.pointer, HEADER_BYTES, new Uint8Array(this.scratch, 0, HEADER_BYTES), 0);
    let view = new DataView(this.scratch);
    const version = view.getUint32(0, true);
    if (version !== LAYOUT_VERSION) fail(`stream layout version ${version}, this @tessera/video reads version ${LAYOUT_VERSION}`);
    const extradataBytes = view.getUint32(4, true);
    const n = view.getUint32(8, true);
    if (n !== header.frames) fail(`the payload holds ${n} packets, the metadata says ${header.frames} frames`);
    if (n === 0) fail('no packets');
    const table = tableByteLength(n, extradataBytes);
    if (table > header.byteLength) fail(`${n} packets need a ${table}-byte index, the payload has ${header.byteLength} bytes`);
    if (this.scratch.byteLength < table) this.scratch = new ArrayBuffer(Math.max(table, this.scratch.byteLength * 2));
    field.copyBytes(header.pointer, table, new Uint8Array(this.scratch, 0, table), 0);
    view = new DataView(this.scratch);
    let at = HEADER_BYTES;
    this.pts = new Float64Array(this.scratch, at, n);
    this.dts = new Float64Array(this.scratch, (at += 8 * n), n);
    this.durations = new Float64Array(this.scratch, (at += 8 * n), n);
    this.offsets = new Uint32Array(this.scratch, (at += 8 * n), n + 1);
    this.order = new Uint32Array(this.scratch, (at += 4 * (n + 1)), n);
    this.flags = new Uint8Array(this.scratch, (at += 4 * n), n);
    at = align8(at + n);
    const extradata = new Uint8Array(this.scratch, at, extradataBytes);
    const packetBytes = header.byteLength - table;
    if (this.offsets[0] !== 0 || this.offsets[n] !== packetBytes) fail(`the packet index ends at byte ${this.offsets[n]}, the packets have ${packetBytes} bytes`);
    for (let index = 0; index < n; index++) {
      if (this.offsets[index + 1]! <= this.offsets[index]!) fail(`packet ${index} is empty or the packet index decreases`);
      if (!Number.isFinite(this.pts[index]!) || !Number.isFinite(this.dts[index]!)) fail(`packet ${index} has no finite timestamp`);
    }
    if (this.sortedScratch.length < n) this.sortedScratch = new Float64Array(Math.max(n, this.sortedScratch.length * 2));
    this.sortedPts = this.sortedScratch.subarray(0, n);
    if (this.positionScratch.length < n) this.positionScratch = new Uint32Array(Math.max(n, this.positionScratch.length * 2));
    this.positions = this.positionScratch.subarray(0, n);
    for (let k = 0; k < n; k++) {
      const packet = this.order[k]!;
      if (packet >= n) fail(`the presentation order names packet ${packet} of ${n}`);
      this.sortedPts[k] = this.pts[packet]!;
      this.positions[packet] = k;
      if (k > 0 && this.sortedPts[k]! <= this.sortedPts[k - 1]!) fail(`the presentation order is not by increasing pts at frame ${k}`);
    }
    if (!this.flags.some((flags) => (flags & KEY_FLAG) !== 0)) fail('no packet is a keyframe');
    this.packetsPointer = header.pointer + table;
    // The decoder is rebuilt only when the codec parameters change (most datasets have one set):
    // the stored parameter and extradata bytes are compared with the last ones, without allocating.
    const parameterBytes = new Uint8Array(this.scratch, 16, 4 * CODEC_PARAMETER_KEYS.length);
    if (this.params === undefined || !sameBytes(parameterBytes, this.lastParameterBytes) || !sameBytes(extradata, this.params.extradata)) {
      const params = {} as VideoCodecParameters;
      for (const [index, name] of CODEC_PARAMETER_KEYS.entries()) params[name] = view.getInt32(16 + 4 * index, true);
      params.extradata = extradata.slice();
      params.codecName = '';
      this.params = params;
      this.lastParameterBytes = parameterBytes.slice();
    }
    return header;
  }

  /** Seconds of the first frame in the source. */
  firstFrameSeconds(): number {
    return (this.sortedPts[0]! * this.header.timeBase[0]) / this.header.timeBase[1];
  }

  /** Bytes of packet `index` (a zero-copy view while the dataset is open). */
  packet(field: FieldReader, index: number): Uint8Array {
    const from = this.offsets[index]!;
    return field.bytes(this.packetsPointer + from, this.offsets[index + 1]! - from);
  }

  /** Seconds of the k-th frame (presentation order) after the first frame. */
  frameTime(k: number): number {
    return ((this.sortedPts[k]! - this.sortedPts[0]!) * this.header.timeBase[0]) / this.header.timeBase[1];
  }

  /** The k-th frame's presentation time in the source: pts × time base. */
  presentationSeconds(k: number): number {
    return (this.sortedPts[k]! * this.header.timeBase[0]) / this.header.timeBase[1];
  }

  /** The video's duration in seconds: first pts to the end of the last frame (see `lastFrameDuration`). */
  durationSeconds(): number {
    const n = this.sortedPts.length;
    const first = this.sortedPts[0]!;
    const last = this.sortedPts[n - 1]!;
    return ((last + lastFrameDuration(this.durations[this.order[n - 1]!]!, first, last, n, this.header) - first) * this.header.timeBase[0]) / this.header.timeBase[1];
  }
}

/**
 * The last frame's duration in the time base: its packet's, or when the container gave none (0) the
 * average frame duration — from the stated frame rate, else the frames' mean spacing (0 for a
 * single frame without a rate).
 */
export function lastFrameDuration(duration: number, firstPts: number, lastPts: number, frames: number, header: VideoHeader): number {
  if (duration > 0) return duration;
  const [rateNum, rateDen] = header.averageFrameRate;
  if (rateNum > 0 && rateDen > 0) return (rateDen * header.timeBase[1]) / (rateNum * header.timeBase[0]);
  return frames > 1 ? (lastPts - firstPts) / (frames - 1) : 0;
}

const spanHeader = emptyHeader();
const spanBytes = new Uint8Array(HEADER_BYTES);
const spanView = new DataView(spanBytes.buffer);

function spanError(field: FieldReader, sampleIndex: number, problem: string): VideoFormatError {
  return new VideoFormatError(`field "${field.name}", sample ${sampleIndex}: ${problem}; the file is corrupt: re-create the dataset`);
}

/** One u32 (4) or f64 (8) of the payload at `offset`, through the shared scratch. */
function payloadEntry(field: FieldReader, pointer: number, offset: number, bytes: 4 | 8): number {
  field.copyBytes(pointer + offset, bytes, spanBytes, 0);
  return bytes === 4 ? spanView.getUint32(0, true) : spanView.getFloat64(0, true);
}

/**
 * compressedVideo's `timeline`: the stored stream's [first pts, last pts + last duration) × time
 * base, in seconds on the source's presentation axis (not shifted to 0). Reads the metadata column,
 * the payload header and five index entries (of the first and last frames), no packet bytes; false
 * when the sample stores no frame. Synchronous, on shared scratch memory, no allocation.
 */
export function streamTimeline(field: FieldReader, sampleIndex: number, out: StreamSpan): boolean {
  const header = readHeader(field, sampleIndex, spanHeader);
  if (header.byteLength === 0 || header.frames === 0) return false;
  const pointer = header.pointer;
  if (header.byteLength < HEADER_BYTES) throw spanError(field, sampleIndex, `the payload has ${header.byteLength} bytes, less than its ${HEADER_BYTES}-byte header`);
  if (header.timeBase[0] === 0 || header.timeBase[1] === 0) throw spanError(field, sampleIndex, `time base ${header.timeBase[0]}/${header.timeBase[1]}`);
  field.copyBytes(pointer, HEADER_BYTES, spanBytes, 0);
  const n = spanView.getUint32(8, true);
  if (n !== header.frames) throw spanError(field, sampleIndex, `the payload holds ${n} packets, the metadata says ${header.frames} frames`);
  if (tableByteLength(n, spanView.getUint32(4, true)) > header.byteLength) throw spanError(field, sampleIndex, `${n} packets need a larger index than the ${header.byteLength}-byte payload`);
  const orderAt = HEADER_BYTES + 24 * n + 4 * (n + 1);
  const firstPacket = payloadEntry(field, pointer, orderAt, 4);
  const lastPacket = payloadEntry(field, pointer, orderAt + 4 * (n - 1), 4);
  if (firstPacket >= n || lastPacket >= n) throw spanError(field, sampleIndex, `the presentation order names packet ${Math.max(firstPacket, lastPacket)} of ${n}`);
  const first = payloadEntry(field, pointer, HEADER_BYTES + 8 * firstPacket, 8);
  const last = payloadEntry(field, pointer, HEADER_BYTES + 8 * lastPacket, 8);
  const duration = payloadEntry(field, pointer, HEADER_BYTES + 16 * n + 8 * lastPacket, 8);
  if (!Number.isFinite(first) || !Number.isFinite(last) || !(last >= first) || !Number.isFinite(duration)) throw spanError(field, sampleIndex, `first pts ${first}, last pts ${last}, last duration ${duration}`);
  const [num, den] = header.timeBase;
  out.startSeconds = (first * num) / den;
  out.durationSeconds = ((last + lastFrameDuration(duration, first, last, n, header) - first) * num) / den;
  return true;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}
