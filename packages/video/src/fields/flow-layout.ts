/**
 * How one video's optical flow is stored by the `opticalFlow` field, and read back.
 *
 *   metadata column (40 bytes, 8-aligned)
 *     pointer u64 @0   payload bytes u32 @8   frames N u32 @12   flow width u32 @16   flow height u32 @20
 *     video width u32 @24   video height u32 @28   clipped values u32 @32   rotation i32 @36 (1/100 degree)
 *   payload (one allocation)
 *     header   u32 layout version (1) @0, quantization (1 int16, 2 uint8x2, 3 jpeg) @4, frames N @8,
 *              jpeg quality (0 otherwise) @12; f64 scale (pixels per step) @16, duration (s) @24,
 *              nominal fps (0: none) @32, first frame time (s) @40                      48 bytes
 *     times    f64 × N: seconds of each video frame after the first (0 first, increasing)
 *     offsets  jpeg only: u32 × (N − 1 + 1), byte offsets of each pair's JPEG in the data (last = their
 *              length), zero padding to 8
 *     data     N − 1 pairs (pair k: the flow from frame k to frame k + 1), each H × W × (u, v):
 *                int16     int16 LE, value = code × scale (codes −32767…32767)
 *                uint8x2   uint8, value = (code − 128) × scale
 *                jpeg      one grayscale JPEG per pair, W × 2H: the u plane's H rows, then the v plane's,
 *                          uint8 codes as uint8x2
 *
 * Everything read back is checked against the allocation (`FlowStream.load`): a corrupt or truncated
 * sample is a VideoFormatError naming it, never a read out of bounds.
 */
import type { FieldReader, StreamSpan } from '@tessera/core';
import { VideoFormatError } from '../video-errors.js';

export type FlowQuantization = 'int16' | 'uint8x2' | 'jpeg';
export const FLOW_QUANTIZATIONS: readonly FlowQuantization[] = ['int16', 'uint8x2', 'jpeg'];
const QUANTIZATION_CODES: Record<FlowQuantization, number> = { int16: 1, uint8x2: 2, jpeg: 3 };

export const FLOW_METADATA_BYTES = 40;
const POINTER = 0;
const BYTES = 8;
const FRAMES = 12;
const GRID_WIDTH = 16;
const GRID_HEIGHT = 20;
const VIDEO_WIDTH = 24;
const VIDEO_HEIGHT = 28;
const CLIPPED = 32;
const ROTATION = 36;
const LAYOUT_VERSION = 1;
export const FLOW_HEADER_BYTES = 48;
/** The largest flow grid side (a JPEG pair is W × 2H, within libjpeg-turbo's limits). */
export const MAX_GRID_SIDE = 8192;
/** The largest video side stored with a flow (the crop geometry's coordinates). */
export const MAX_VIDEO_SIDE = 65535;
/** Largest |code| of int16 storage (symmetric: −32768 is not used). */
export const INT16_MAX_CODE = 32767;
/** The zero of the uint8 codes (uint8x2, jpeg): value = (code − 128) × scale. */
export const UINT8_ZERO = 128;

const align8 = (value: number): number => Math.ceil(value / 8) * 8;

/** Bytes before the data: header, frame times, (jpeg) the pair offsets. */
export function flowTableByteLength(quantization: FlowQuantization, frames: number): number {
  const offsets = quantization === 'jpeg' ? align8(4 * frames) : 0; // (N − 1) + 1 offsets
  return FLOW_HEADER_BYTES + 8 * frames + offsets;
}

/** Bytes of one pair's codes (int16, uint8x2); jpeg pairs have their own lengths. */
export function pairByteLength(quantization: FlowQuantization, width: number, height: number): number {
  return quantization === 'int16' ? width * height * 4 : width * height * 2;
}

/** The per-video values a flow payload is written from (already validated and quantized). */
export interface FlowPayload {
  quantization: FlowQuantization;
  scale: number;
  quality: number;
  frames: number;
  width: number;
  height: number;
  videoWidth: number;
  videoHeight: number;
  frameTimes: Float64Array;
  durationSeconds: number;
  fps: number;
  startSeconds: number;
  rotation: number;
  clipped: number;
  /** int16/uint8x2: the codes of every pair, in order; jpeg: one JPEG per pair. */
  data: Uint8Array | readonly Uint8Array[];
}

/** Writes the metadata column and returns the payload. */
export function encodeFlowPayload(flow: FlowPayload, metadata: DataView): Uint8Array {
  const table = flowTableByteLength(flow.quantization, flow.frames);
  const pieces = flow.data instanceof Uint8Array ? [flow.data] : flow.data;
  let dataBytes = 0;
  for (const piece of pieces) dataBytes += piece.byteLength;
  if (table + dataBytes > 0xffff_ffff) throw new RangeError(`the flow has ${table + dataBytes} bytes; one sample holds at most 4 GiB`);
  const payload = new Uint8Array(table + dataBytes);
  const view = new DataView(payload.buffer);
  view.setUint32(0, LAYOUT_VERSION, true);
  view.setUint32(4, QUANTIZATION_CODES[flow.quantization], true);
  view.setUint32(8, flow.frames, true);
  view.setUint32(12, flow.quantization === 'jpeg' ? flow.quality : 0, true);
  view.setFloat64(16, flow.scale, true);
  view.setFloat64(24, flow.durationSeconds, true);
  view.setFloat64(32, flow.fps, true);
  view.setFloat64(40, flow.startSeconds, true);
  let at = FLOW_HEADER_BYTES;
  for (let k = 0; k < flow.frames; k++, at += 8) view.setFloat64(at, flow.frameTimes[k]!, true);
  if (flow.quantization === 'jpeg') {
    let offset = 0;
    view.setUint32(at, 0, true);
    for (const [index, piece] of pieces.entries()) {
      offset += piece.byteLength;
      view.setUint32(at + 4 * (index + 1), offset, true);
    }
  }
  at = table;
  for (const piece of pieces) {
    payload.set(piece, at);
    at += piece.byteLength;
  }
  metadata.setUint32(BYTES, payload.byteLength, true);
  metadata.setUint32(FRAMES, flow.frames, true);
  metadata.setUint32(GRID_WIDTH, flow.width, true);
  metadata.setUint32(GRID_HEIGHT, flow.height, true);
  metadata.setUint32(VIDEO_WIDTH, flow.videoWidth, true);
  metadata.setUint32(VIDEO_HEIGHT, flow.videoHeight, true);
  metadata.setUint32(CLIPPED, flow.clipped, true);
  metadata.setInt32(ROTATION, Math.round(flow.rotation * 100), true);
  return payload;
}

/** The per-video values of the metadata column (no payload read). */
export interface FlowHeader {
  pointer: number;
  byteLength: number;
  frames: number;
  width: number;
  height: number;
  videoWidth: number;
  videoHeight: number;
  clipped: number;
  /** Degrees (FFmpeg's counter-clockwise convention), as given when written. */
  rotation: number;
}

export function emptyFlowHeader(): FlowHeader {
  return { pointer: 0, byteLength: 0, frames: 0, width: 0, height: 0, videoWidth: 0, videoHeight: 0, clipped: 0, rotation: 0 };
}

export function readFlowHeader(field: FieldReader, sampleIndex: number, header: FlowHeader): FlowHeader {
  const record = field.recordOffset(sampleIndex);
  const metadata = field.metadata;
  header.byteLength = metadata.getUint32(record + BYTES, true);
  header.frames = metadata.getUint32(record + FRAMES, true);
  header.width = metadata.getUint32(record + GRID_WIDTH, true);
  header.height = metadata.getUint32(record + GRID_HEIGHT, true);
  header.videoWidth = metadata.getUint32(record + VIDEO_WIDTH, true);
  header.videoHeight = metadata.getUint32(record + VIDEO_HEIGHT, true);
  header.clipped = metadata.getUint32(record + CLIPPED, true);
  header.rotation = metadata.getInt32(record + ROTATION, true) / 100;
  header.pointer = header.byteLength > 0 ? field.readUint64(record + POINTER) : 0;
  return header;
}

/** The metadata checks that need no payload read (also run by the codec's `validate` at open). */
export function checkFlowHeader(header: FlowHeader): string | undefined {
  if (header.byteLength === 0) return 'no stored flow';
  if (header.frames < 1) return `${header.frames} frames`;
  if (header.width < 1 || header.width > MAX_GRID_SIDE || header.height < 1 || header.height > MAX_GRID_SIDE) return `a ${header.width}×${header.height} flow grid (1 to ${MAX_GRID_SIDE} per side)`;
  if (header.videoWidth < 1 || header.videoWidth > MAX_VIDEO_SIDE || header.videoHeight < 1 || header.videoHeight > MAX_VIDEO_SIDE) return `a ${header.videoWidth}×${header.videoHeight} video`;
  return undefined;
}

/**
 * One stored flow, its header and frame times copied into reused scratch memory (no allocation once
 * the scratch is large enough) and checked; then pairs are read on demand into a reused pair buffer.
 * Also the clip sampler's view of the video (ClipVideo: frames, the video's size, frame times and
 * duration), so the same options plan the same clips as the video's own decoders.
 */
export class FlowStream {
  readonly header: FlowHeader = emptyFlowHeader();
  scale = 0;
  fps = 0;
  startSeconds = 0;
  private duration = 0;
  private table = new ArrayBuffer(4096);
  private tableBytes = new Uint8Array(this.table);
  private tableView = new DataView(this.table);
  private dataPointer = 0;
  private offsetsAt = 0;
  private sampleIndex = -1;
  /** The pair's codes: int16 interleaved, uint8 interleaved (uint8x2) or two planes (jpeg). */
  private pairBuffer = new ArrayBuffer(0);
  pairCodes16 = new Int16Array(0);
  pairCodes8 = new Uint8Array(0);
  private loadedPair = -1;

  constructor(
    private readonly where: string,
    readonly quantization: FlowQuantization,
    private readonly expectedScale: number,
    private readonly jpegDecode?: (jpeg: Uint8Array, out: Uint8Array, width: number, height: number) => void,
  ) {}

  private fail(problem: string): never {
    throw new VideoFormatError(`${this.where}, sample ${this.sampleIndex}: ${problem}; the file is corrupt: re-create the dataset`);
  }

  load(field: FieldReader, sampleIndex: number): FlowHeader {
    this.sampleIndex = sampleIndex;
    this.loadedPair = -1;
    const header = readFlowHeader(field, sampleIndex, this.header);
    const problem = checkFlowHeader(header);
    if (problem !== undefined) this.fail(problem);
    let allocated: number;
    try {
      allocated = field.allocationByteLength(header.pointer, sampleIndex);
    } catch (error) {
      this.fail((error as Error).message);
    }
    if (allocated < header.byteLength) this.fail(`the flow has ${header.byteLength} bytes, its allocation ${allocated}`);
    const n = header.frames;
    const table = flowTableByteLength(this.quantization, n);
    if (table > header.byteLength) this.fail(`${n} frames need a ${table}-byte table, the payload has ${header.byteLength} bytes`);
    if (this.table.byteLength < table) {
      this.table = new ArrayBuffer(Math.max(table, this.table.byteLength * 2));
      this.tableBytes = new Uint8Array(this.table);
      this.tableView = new DataView(this.table);
    }
    field.copyBytes(header.pointer, table, this.tableBytes, 0);
    const view = this.tableView;
    const version = view.getUint32(0, true);
    if (version !== LAYOUT_VERSION) this.fail(`flow layout version ${version}, this @tessera/video reads version ${LAYOUT_VERSION}`);
    const code = view.getUint32(4, true);
    if (code !== QUANTIZATION_CODES[this.quantization]) this.fail(`quantization code ${code}, the field's arguments say ${this.quantization}`);
    if (view.getUint32(8, true) !== n) this.fail(`the payload holds ${view.getUint32(8, true)} frames, the metadata says ${n}`);
    this.scale = view.getFloat64(16, true);
    if (this.scale !== this.expectedScale) this.fail(`scale ${this.scale}, the field's arguments say ${this.expectedScale}`);
    this.duration = view.getFloat64(24, true);
    this.fps = view.getFloat64(32, true);
    this.startSeconds = view.getFloat64(40, true);
    if (!Number.isFinite(this.fps) || this.fps < 0 || !Number.isFinite(this.startSeconds)) this.fail(`fps ${this.fps}, first frame time ${this.startSeconds}`);
    let previous = -1;
    for (let k = 0; k < n; k++) {
      const time = view.getFloat64(FLOW_HEADER_BYTES + 8 * k, true);
      if (!(time > previous) || !Number.isFinite(time) || (k === 0 && time !== 0)) this.fail(`frame ${k} has time ${time} s, after ${previous} s`);
      previous = time;
    }
    if (!(this.duration >= previous) || !Number.isFinite(this.duration)) this.fail(`duration ${this.duration} s, before the last frame (${previous} s)`);
    const pairs = n - 1;
    const dataBytes = header.byteLength - table;
    this.dataPointer = header.pointer + table;
    if (this.quantization === 'jpeg') {
      this.offsetsAt = FLOW_HEADER_BYTES + 8 * n;
      if (view.getUint32(this.offsetsAt, true) !== 0 || view.getUint32(this.offsetsAt + 4 * pairs, true) !== dataBytes) {
        this.fail(`the pair index ends at byte ${view.getUint32(this.offsetsAt + 4 * pairs, true)}, the JPEGs have ${dataBytes} bytes`);
      }
      for (let pair = 0; pair < pairs; pair++) {
        if (view.getUint32(this.offsetsAt + 4 * (pair + 1), true) <= view.getUint32(this.offsetsAt + 4 * pair, true)) this.fail(`pair ${pair}'s JPEG is empty or the pair index decreases`);
      }
    } else {
      const expected = pairs * pairByteLength(this.quantization, header.width, header.height);
      if (dataBytes !== expected) this.fail(`${pairs} pairs of ${header.width}×${header.height} ${this.quantization} need ${expected} bytes, the payload has ${dataBytes}`);
    }
    return header;
  }

  get frames(): number {
    return this.header.frames;
  }
  /** The video's width (crop windows are in video pixels). */
  get width(): number {
    return this.header.videoWidth;
  }
  get height(): number {
    return this.header.videoHeight;
  }

  /** Degrees of the display rotation (for the info decoder). */
  get rotation(): number {
    return this.header.rotation;
  }
  /** The frame rate the source states, or 0 when it states none. */
  nominalFps(): number {
    return this.fps;
  }
  /** Seconds of the first frame in the source. */
  firstFrameSeconds(): number {
    return this.startSeconds;
  }

  frameTime(k: number): number {
    return this.tableView.getFloat64(FLOW_HEADER_BYTES + 8 * k, true);
  }

  /** Frame k's time on the video's axis: the stored first frame time (`startSeconds`) + its frame time. */
  presentationSeconds(k: number): number {
    return this.startSeconds + this.frameTime(k);
  }

  durationSeconds(): number {
    return this.duration;
  }

  /**
   * Reads pair `pair` (0 ≤ pair < frames − 1) into `pairCodes16` (int16) or `pairCodes8`
   * (uint8x2 interleaved, jpeg as two planes). A pair read twice in a row is read once.
   */
  readPair(field: FieldReader, pair: number): void {
    if (pair === this.loadedPair) return;
    const { width, height } = this.header;
    const bytes = pairByteLength(this.quantization, width, height);
    if (this.pairBuffer.byteLength < bytes) {
      this.pairBuffer = new ArrayBuffer(Math.max(bytes, this.pairBuffer.byteLength * 2));
      this.pairCodes16 = new Int16Array(this.pairBuffer);
      this.pairCodes8 = new Uint8Array(this.pairBuffer);
    }
    if (this.quantization === 'jpeg') {
      const from = this.tableView.getUint32(this.offsetsAt + 4 * pair, true);
      const to = this.tableView.getUint32(this.offsetsAt + 4 * (pair + 1), true);
      const jpeg = field.bytes(this.dataPointer + from, to - from);
      try {
        this.jpegDecode!(jpeg, this.pairCodes8, width, 2 * height);
      } catch (error) {
        this.loadedPair = -1;
        this.fail(`pair ${pair}'s JPEG does not decode to ${width}×${2 * height} gray (${(error as Error)?.message ?? String(error)})`);
      }
    } else {
      field.copyBytes(this.dataPointer + pair * bytes, bytes, this.pairCodes8, 0);
      if (BIG_ENDIAN && this.quantization === 'int16') swapBytes16(this.pairCodes8, bytes);
    }
    this.loadedPair = pair;
  }
}

const spanHeader = emptyFlowHeader();
const spanBytes = new Uint8Array(FLOW_HEADER_BYTES);
const spanView = new DataView(spanBytes.buffer);

function spanError(field: FieldReader, sampleIndex: number, problem: string): VideoFormatError {
  return new VideoFormatError(`field "${field.name}", sample ${sampleIndex}: ${problem}; the file is corrupt: re-create the dataset`);
}

/**
 * opticalFlow's `timeline`: the times the flow stores — [startSeconds, startSeconds + durationSeconds)
 * of its value (the video's first frame time, 0 when the value gave none, and the video's duration).
 * Reads the metadata column and the payload header; false when the sample stores no flow. No allocation.
 */
export function flowTimeline(field: FieldReader, sampleIndex: number, out: StreamSpan): boolean {
  const header = readFlowHeader(field, sampleIndex, spanHeader);
  if (header.byteLength === 0 || header.frames === 0) return false;
  if (header.byteLength < FLOW_HEADER_BYTES) throw spanError(field, sampleIndex, `the payload has ${header.byteLength} bytes, less than its ${FLOW_HEADER_BYTES}-byte header`);
  field.copyBytes(header.pointer, FLOW_HEADER_BYTES, spanBytes, 0);
  const duration = spanView.getFloat64(24, true);
  const start = spanView.getFloat64(40, true);
  if (!Number.isFinite(start) || !(duration >= 0) || !Number.isFinite(duration)) throw spanError(field, sampleIndex, `first frame time ${start} s, duration ${duration} s`);
  out.startSeconds = start;
  out.durationSeconds = duration;
  return true;
}

const BIG_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 0;

function swapBytes16(bytes: Uint8Array, byteLength: number): void {
  for (let index = 0; index < byteLength; index += 2) {
    const low = bytes[index]!;
    bytes[index] = bytes[index + 1]!;
    bytes[index + 1] = low;
  }
}
