/**
 * How one video is stored by the `videoFrames` field (one JPEG per frame), and read back.
 *
 *   metadata column (48 bytes, 8-aligned) — the same offsets as compressedVideo's (stored-stream.ts),
 *   so one reader of sizes serves both fields
 *     pointer u64 @0   payload bytes u32 @8   frames u32 @12   width u32 @16   height u32 @20
 *     time base num u32 @24, den u32 @28   source codec id u32 @32   rotation i32 @36 (1/100 degree)
 *     frame rate num u32 @40, den u32 @44
 *   payload (one allocation)
 *     header   u32 version (1) @0, frames n @4, width @8, height @12 (of the JPEGs),
 *              source width @16, source height @20, JPEG quality @24 (0: stored as given),
 *              flags @28 (bit 0 resampled to a frame rate, bit 1 pre-extracted frames),
 *              f64 first frame's time in the source (s) @32, f64 last frame's duration (time base) @40,
 *              8 bytes of zero @48                                                      (56 bytes)
 *     index    pts f64 × n (time base, increasing), JPEG byte offset u32 × n, JPEG bytes u32 × n,
 *              zero padding to 8
 *     JPEGs    the frames' JPEG bytes; frames that repeat one picture (fps resampling) share them
 *
 * Width and height are the JPEGs' (after `maxSide`); rotation is the source's display rotation,
 * recorded, not applied. Every offset and length is checked against the allocation on load.
 */
import type { FieldReader, StreamSpan } from '@tessera/core';
import { VideoFormatError } from '../video-errors.js';
import { METADATA_BYTES, StoredVideoHeader, emptyHeader, readHeader, type VideoHeader, writeHeader } from './stored-stream.js';

export const FRAMES_METADATA_BYTES = METADATA_BYTES;
// The column is compressedVideo's (stored-stream.ts writeHeader/readHeader); the pointer is the writer's.
const LAYOUT_VERSION = 1;
const HEADER_BYTES = 56;
export const RESAMPLED_FLAG = 1;
export const PRE_EXTRACTED_FLAG = 2;
/** FFmpeg's AV_CODEC_ID_MJPEG: the source codec recorded for pre-extracted JPEG frames. */
export const MJPEG_CODEC_ID = 7;

const align8 = (value: number): number => Math.ceil(value / 8) * 8;

/** Bytes before the JPEGs: header and index. */
export function framesTableByteLength(frames: number): number {
  return align8(HEADER_BYTES + 16 * frames);
}

/** Everything a stored video is made of, as the encoder assembles it. */
export interface FramesToStore {
  width: number;
  height: number;
  sourceWidth: number;
  sourceHeight: number;
  sourceCodecId: number;
  timeBase: [number, number];
  frameRate: [number, number];
  /** Degrees (FFmpeg's counter-clockwise convention). */
  rotation: number;
  quality: number;
  flags: number;
  firstSeconds: number;
  lastDuration: number;
  /** Per frame, in the time base. */
  pts: ArrayLike<number>;
  /** The distinct JPEGs. */
  jpegs: readonly Uint8Array[];
  /** Per frame: which of `jpegs` it shows. */
  jpegOfFrame: ArrayLike<number>;
}

/** Writes the metadata column and returns the payload. */
export function encodeFrames(video: FramesToStore, metadata: DataView): Uint8Array {
  const n = video.pts.length;
  if (n === 0) throw new RangeError('the video has no frames to store');
  const table = framesTableByteLength(n);
  const starts: number[] = [];
  let jpegBytes = 0;
  for (const jpeg of video.jpegs) {
    starts.push(jpegBytes);
    jpegBytes += jpeg.byteLength;
  }
  if (table + jpegBytes > 0xffff_ffff) throw new RangeError(`the video's frames have ${table + jpegBytes} bytes; one sample holds at most 4 GiB (split it with start/end, or lower quality/maxSide)`);
  const payload = new Uint8Array(table + jpegBytes);
  const view = new DataView(payload.buffer);
  view.setUint32(0, LAYOUT_VERSION, true);
  view.setUint32(4, n, true);
  view.setUint32(8, video.width, true);
  view.setUint32(12, video.height, true);
  view.setUint32(16, video.sourceWidth, true);
  view.setUint32(20, video.sourceHeight, true);
  view.setUint32(24, video.quality, true);
  view.setUint32(28, video.flags, true);
  view.setFloat64(32, video.firstSeconds, true);
  view.setFloat64(40, video.lastDuration, true);
  let at = HEADER_BYTES;
  for (let k = 0; k < n; k++) {
    if (k > 0 && !(video.pts[k]! > video.pts[k - 1]!)) throw new RangeError(`frame ${k} has pts ${video.pts[k]}, not after frame ${k - 1}'s ${video.pts[k - 1]}`);
    view.setFloat64(at + 8 * k, video.pts[k]!, true);
    const jpeg = video.jpegOfFrame[k]!;
    view.setUint32(at + 8 * n + 4 * k, starts[jpeg]!, true);
    view.setUint32(at + 12 * n + 4 * k, video.jpegs[jpeg]!.byteLength, true);
  }
  at = table;
  for (const jpeg of video.jpegs) {
    payload.set(jpeg, at);
    at += jpeg.byteLength;
  }
  writeHeader(metadata, { byteLength: payload.byteLength, frames: n, width: video.width, height: video.height, timeBase: video.timeBase, codecId: video.sourceCodecId, rotation: video.rotation, averageFrameRate: video.frameRate });
  return payload;
}

/** The metadata column of one sample (no payload read); the column is compressedVideo's. */
export const readFramesHeader = readHeader;
export const emptyFramesHeader = emptyHeader;

/**
 * One stored video's index, copied into reused scratch memory by load() (no allocation once the
 * scratch is large enough) and checked against the allocation; also the clip sampler's view of the
 * video (ClipVideo: frames, size, frame times, duration).
 */
export class StoredFrames extends StoredVideoHeader {
  private scratch = new ArrayBuffer(4096);
  pts = new Float64Array(0);
  offsets = new Uint32Array(0);
  lengths = new Uint32Array(0);
  sourceWidth = 0;
  sourceHeight = 0;
  quality = 0;
  flags = 0;
  firstSeconds = 0;
  lastDuration = 0;
  private jpegsPointer = 0;

  constructor(private readonly where: string) {
    super();
  }

  load(field: FieldReader, sampleIndex: number): VideoHeader {
    const header = readHeader(field, sampleIndex, this.header);
    const fail = (problem: string): never => {
      throw new VideoFormatError(`${this.where}, sample ${sampleIndex}: ${problem}; the file is corrupt: re-create the dataset`);
    };
    if (header.byteLength < HEADER_BYTES) fail(`the payload has ${header.byteLength} bytes, less than its ${HEADER_BYTES}-byte header`);
    const allocated = field.allocationByteLength(header.pointer, sampleIndex);
    if (allocated < header.byteLength) fail(`the payload has ${header.byteLength} bytes, its allocation ${allocated}`);
    field.copyBytes(header.pointer, HEADER_BYTES, new Uint8Array(this.scratch, 0, HEADER_BYTES), 0);
    let view = new DataView(this.scratch);
    const version = view.getUint32(0, true);
    if (version !== LAYOUT_VERSION) fail(`frames layout version ${version}, this @tessera/video reads version ${LAYOUT_VERSION}`);
    const n = view.getUint32(4, true);
    if (n !== header.frames) fail(`the payload holds ${n} frames, the metadata says ${header.frames}`);
    if (n === 0) fail('no frames');
    if (view.getUint32(8, true) !== header.width || view.getUint32(12, true) !== header.height) fail(`the payload's frames are ${view.getUint32(8, true)}×${view.getUint32(12, true)}, the metadata says ${header.width}×${header.height}`);
    if (header.width === 0 || header.height === 0) fail('the frames have no size');
    const table = framesTableByteLength(n);
    if (table > header.byteLength) fail(`${n} frames need a ${table}-byte index, the payload has ${header.byteLength} bytes`);
    if (this.scratch.byteLength < table) this.scratch = new ArrayBuffer(Math.max(table, this.scratch.byteLength * 2));
    field.copyBytes(header.pointer, table, new Uint8Array(this.scratch, 0, table), 0);
    view = new DataView(this.scratch);
    this.sourceWidth = view.getUint32(16, true);
    this.sourceHeight = view.getUint32(20, true);
    this.quality = view.getUint32(24, true);
    this.flags = view.getUint32(28, true);
    this.firstSeconds = view.getFloat64(32, true);
    this.lastDuration = view.getFloat64(40, true);
    this.pts = new Float64Array(this.scratch, HEADER_BYTES, n);
    this.offsets = new Uint32Array(this.scratch, HEADER_BYTES + 8 * n, n);
    this.lengths = new Uint32Array(this.scratch, HEADER_BYTES + 12 * n, n);
    const jpegBytes = header.byteLength - table;
    if (!Number.isFinite(this.firstSeconds) || !(this.lastDuration > 0) || !Number.isFinite(this.lastDuration)) fail(`first time ${this.firstSeconds} s, last duration ${this.lastDuration}`);
    for (let k = 0; k < n; k++) {
      const offset = this.offsets[k]!;
      const length = this.lengths[k]!;
      if (length === 0 || offset + length > jpegBytes) fail(`frame ${k}'s JPEG (${length} bytes at ${offset}) lies outside the ${jpegBytes} bytes of JPEGs`);
      const pts = this.pts[k]!;
      if (!Number.isFinite(pts) || (k > 0 && !(pts > this.pts[k - 1]!))) fail(`frame ${k} has pts ${pts}, not a finite time after frame ${k - 1}'s`);
    }
    this.jpegsPointer = header.pointer + table;
    return header;
  }

  /** Seconds of the first frame in the source (its presentation time). */
  firstFrameSeconds(): number {
    return this.presentationSeconds(0);
  }

  /**
   * Frame k's presentation time in the source: pts × time base when the frames keep the source's
   * pts; resampled frames (pts k at 1 / fps) count from the first one's recorded source time.
   */
  presentationSeconds(k: number): number {
    return framesPresentationSeconds(this.flags, this.firstSeconds, this.pts[0]!, this.pts[k]!, this.header);
  }

  /** The JPEG of frame k (a zero-copy view while the dataset is open). */
  jpeg(field: FieldReader, k: number): Uint8Array {
    return field.bytes(this.jpegsPointer + this.offsets[k]!, this.lengths[k]!);
  }

  /** Seconds of frame k after the first stored frame. */
  frameTime(k: number): number {
    return ((this.pts[k]! - this.pts[0]!) * this.header.timeBase[0]) / this.header.timeBase[1];
  }

  /** The stored video's duration in seconds: first frame to the end of the last. */
  durationSeconds(): number {
    const n = this.pts.length;
    return ((this.pts[n - 1]! + this.lastDuration - this.pts[0]!) * this.header.timeBase[0]) / this.header.timeBase[1];
  }
}

function framesPresentationSeconds(flags: number, firstSeconds: number, firstPts: number, pts: number, header: VideoHeader): number {
  const [num, den] = header.timeBase;
  return (flags & RESAMPLED_FLAG) !== 0 ? firstSeconds + ((pts - firstPts) * num) / den : (pts * num) / den;
}

const spanHeader = emptyHeader();
const spanBytes = new Uint8Array(HEADER_BYTES + 8);
const spanView = new DataView(spanBytes.buffer);

function spanError(field: FieldReader, sampleIndex: number, problem: string): VideoFormatError {
  return new VideoFormatError(`field "${field.name}", sample ${sampleIndex}: ${problem}; the file is corrupt: re-create the dataset`);
}

/**
 * videoFrames' `timeline`: [first frame, end of the last) in seconds on the source's presentation
 * axis (the times StoredFrames.presentationSeconds gives). Reads the metadata column, the payload
 * header and the first and last pts; false when the sample stores no frame. No allocation.
 */
export function framesTimeline(field: FieldReader, sampleIndex: number, out: StreamSpan): boolean {
  const header = readHeader(field, sampleIndex, spanHeader);
  if (header.byteLength === 0 || header.frames === 0) return false;
  const n = header.frames;
  if (framesTableByteLength(n) > header.byteLength) throw spanError(field, sampleIndex, `${n} frames need a ${framesTableByteLength(n)}-byte index, the payload has ${header.byteLength} bytes`);
  if (header.timeBase[0] === 0 || header.timeBase[1] === 0) throw spanError(field, sampleIndex, `time base ${header.timeBase[0]}/${header.timeBase[1]}`);
  field.copyBytes(header.pointer, HEADER_BYTES + 8, spanBytes, 0);
  if (spanView.getUint32(4, true) !== n) throw spanError(field, sampleIndex, `the payload holds ${spanView.getUint32(4, true)} frames, the metadata says ${n}`);
  const flags = spanView.getUint32(28, true);
  const firstSeconds = spanView.getFloat64(32, true);
  const lastDuration = spanView.getFloat64(40, true);
  const firstPts = spanView.getFloat64(HEADER_BYTES, true);
  field.copyBytes(header.pointer + HEADER_BYTES + 8 * (n - 1), 8, spanBytes, 0);
  const lastPts = spanView.getFloat64(0, true);
  if (!Number.isFinite(firstSeconds) || !(lastDuration > 0) || !Number.isFinite(lastDuration) || !Number.isFinite(firstPts) || !Number.isFinite(lastPts) || !(lastPts >= firstPts)) {
    throw spanError(field, sampleIndex, `first time ${firstSeconds} s, pts ${firstPts} to ${lastPts}, last duration ${lastDuration}`);
  }
  out.startSeconds = framesPresentationSeconds(flags, firstSeconds, firstPts, firstPts, header);
  out.durationSeconds = ((lastPts + lastDuration - firstPts) * header.timeBase[0]) / header.timeBase[1];
  return true;
}
