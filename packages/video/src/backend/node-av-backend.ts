/**
 * The one module that touches FFmpeg (STYLE.md: one boundary module per native dependency). It
 * loads `node-av` (FFmpeg's libraries through N-API; the prebuilt binary comes in an optional
 * platform package, so it installs offline) and offers the four things the fields need:
 *
 *   demuxVideo()          write time: the video stream's packets (as stored: no re-encode), its
 *                         codec parameters, time base, rate and rotation
 *   createPictureDecoder  read time: packets in, pictures out, converted by swscale straight into
 *                         the caller's memory (a batch slot), cropped and resized in one pass
 *   videoBackend()        which backend is loaded (name, FFmpeg version), for loader.stats() and docs
 *
 * node-av is loaded synchronously (decoders are set up synchronously in decode workers): through
 * `require()` of its ES module, which Node.js allows from 20.19 on. A load failure becomes one
 * VideoBackendError listing what was tried. Licence: node-av's wrapper is MIT; the FFmpeg it bundles
 * is built with --enable-gpl (GPLv3): see the package README.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { VideoBackendError, VideoFormatError, VideoInputError } from '../video-errors.js';

// ── node-av, typed as far as this module uses it ──────────────────────────────────────────────

export interface Rational {
  num: number;
  den: number;
}
/** node-av's CodecParameters, as far as the backend modules use them. */
export interface NativeCodecParameters {
  codecType: number;
  codecId: number;
  width: number;
  height: number;
  format: number;
  profile: number;
  level: number;
  colorRange: number;
  colorSpace: number;
  colorPrimaries: number;
  colorTrc: number;
  chromaLocation: number;
  bitsPerRawSample: number;
  videoDelay: number;
  sampleAspectRatio: Rational;
  extradata: Buffer | null;
  getCodedSideData(type: number): Buffer | null;
  alloc(): void;
  free(): void;
}
interface NativeStream {
  index: number;
  codecpar: NativeCodecParameters;
  timeBase: Rational;
  avgFrameRate: Rational;
  rFrameRate: Rational;
  metadata: { getAll?(): Record<string, string> } | null;
}
/** node-av's Packet, as far as the backend modules use it. */
export interface NativePacket {
  alloc(): void;
  free(): void;
  unref(): void;
  data: Buffer | null;
  pts: bigint;
  dts: bigint;
  duration: bigint;
  flags: number;
  streamIndex: number;
}
interface NativeFrame {
  alloc(): void;
  free(): void;
  unref(): void;
  width: number;
  height: number;
  format: number;
  pts: bigint;
  bestEffortTimestamp: bigint;
  linesize: number[];
  data: Buffer[] | null;
}
interface NativeCodec {
  name: string;
}
interface NativeCodecContext {
  allocContext3(codec: NativeCodec): void;
  parametersToContext(params: NativeCodecParameters): number;
  open2(codec: NativeCodec, options: null): Promise<number>;
  open2Sync(codec: NativeCodec, options: null): number;
  sendPacketSync(packet: NativePacket | null): number;
  receiveFrameSync(frame: NativeFrame): number;
  flushBuffers(): void;
  freeContext(): void;
  threadCount: number;
}
interface NativeFormatContext {
  openInputSync(url: string, format?: null, options?: null): number;
  findStreamInfoSync(options?: null): number;
  readFrameSync(packet: NativePacket): number;
  closeInputSync(): void;
  streams: NativeStream[];
  iformat: { name: string } | null;
}
interface NativeScaler {
  allocContext(): void;
  getContext(srcW: number, srcH: number, srcFormat: number, dstW: number, dstH: number, dstFormat: number, flags: number): void;
  scaleSync(srcSlice: Buffer[], srcStride: number[], srcSliceY: number, srcSliceH: number, dst: Buffer[], dstStride: number[]): number;
  freeContext(): void;
}
interface NodeAv {
  FormatContext: new () => NativeFormatContext;
  CodecContext: new () => NativeCodecContext;
  CodecParameters: new () => NativeCodecParameters;
  Codec: { findDecoder(id: number): NativeCodec | null };
  Packet: new () => NativePacket;
  Frame: new () => NativeFrame;
  SoftwareScaleContext: new () => NativeScaler;
  avGetCodecName(id: number): string | null;
  avGetPixFmtName(format: number): string | null;
  getFFmpegInfo(): { version: string };
  Log: { setLevel(level: number): void };
}
interface NodeAvConstants {
  AVMEDIA_TYPE_VIDEO: number;
  AV_PKT_FLAG_KEY: number;
  AV_PKT_FLAG_CORRUPT: number;
  AV_PKT_FLAG_DISPOSABLE: number;
  AV_LOG_QUIET: number;
  AV_LOG_ERROR: number;
  AV_LOG_WARNING: number;
  AV_LOG_INFO: number;
  AV_LOG_DEBUG: number;
  AV_PKT_DATA_DISPLAYMATRIX: number;
  AV_PIX_FMT_RGB24: number;
  SWS_BILINEAR: number;
  AVERROR_EOF: number;
  AVERROR_EAGAIN?: number;
}

interface Loaded {
  av: NodeAv;
  constants: NodeAvConstants;
  /** FFmpeg's version */
  version: string;
  /** node-av's own version */
  bindingVersion: string;
}

let loaded: Loaded | VideoBackendError | undefined;

function nodeAv(): Loaded {
  if (loaded === undefined) {
    const require = createRequire(import.meta.url);
    try {
      const av = require('node-av/lib') as NodeAv;
      const constants = require('node-av/constants') as NodeAvConstants;
      loaded = { av, constants, version: av.getFFmpegInfo().version, bindingVersion: bindingVersion(require.resolve('node-av')) };
      // FFmpeg's own log goes to stderr from every thread; Tessera's errors say what failed. Set
      // TESSERA_VIDEO_FFMPEG_LOG=error|warning|info|debug to see FFmpeg's messages.
      const levels: Record<string, number> = { error: constants.AV_LOG_ERROR, warning: constants.AV_LOG_WARNING, info: constants.AV_LOG_INFO, debug: constants.AV_LOG_DEBUG };
      av.Log.setLevel(levels[process.env.TESSERA_VIDEO_FFMPEG_LOG ?? ''] ?? constants.AV_LOG_QUIET);
    } catch (error) {
      const code = (error as { code?: string }).code;
      const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
      const reason =
        code === 'MODULE_NOT_FOUND'
          ? 'node-av is not installed'
          : code === 'ERR_REQUIRE_ESM' || major < 20 || (major === 20 && minor < 19)
            ? `Node.js ${process.versions.node} cannot require() node-av's ES module (needs ≥ 20.19)`
            : `node-av does not load: ${(error as Error).message?.split('\n')[0]}`;
      loaded = new VideoBackendError([{ backend: 'node-av', reason }]);
    }
  }
  if (loaded instanceof VideoBackendError) throw loaded;
  return loaded;
}

/**
 * node-av's library and constants, untyped, for the other modules of this backend folder
 * (node-av-encoder.ts types what it uses); throws VideoBackendError like every entry point.
 */
export function loadedNodeAv(): { av: unknown; constants: Readonly<Record<string, number>>; ffmpegVersion: string } {
  const { av, constants, version } = nodeAv();
  return { av, constants: constants as unknown as Readonly<Record<string, number>>, ffmpegVersion: version };
}

/** node-av's version, from the package.json above its entry point ('unknown' if unreadable). */
function bindingVersion(entry: string): string {
  for (let folder = dirname(entry); folder !== dirname(folder); folder = dirname(folder)) {
    try {
      const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'node-av') return manifest.version ?? 'unknown';
    } catch {
      // no package.json here: go up
    }
  }
  return 'unknown';
}

export interface VideoBackend {
  name: 'node-av';
  /** node-av's version. */
  version: string;
  /** FFmpeg's version as the backend reports it, e.g. '8.1-Jellyfin'. */
  ffmpegVersion: string;
  /** One line for logs and `loader.stats().decoders`: 'node-av 6.1.1 (FFmpeg 8.1-Jellyfin)'. */
  description: string;
}

/** The loaded backend, or throws VideoBackendError (E_VIDEO_BACKEND) naming what was tried. */
export function videoBackend(): VideoBackend {
  const { version, bindingVersion: binding } = nodeAv();
  return { name: 'node-av', version: binding, ffmpegVersion: version, description: `node-av ${binding} (FFmpeg ${version})` };
}

// ── write side: the video stream's packets ─────────────────────────────────────────────────────

/** What a decoder needs to be rebuilt at read time (FFmpeg's AVCodecParameters, video part). */
export interface VideoCodecParameters {
  codecId: number;
  /** FFmpeg's name of the codec: 'h264', 'hevc', 'vp9', 'av1', … */
  codecName: string;
  width: number;
  height: number;
  /** AVPixelFormat of the decoded pictures (0 = yuv420p). */
  pixelFormat: number;
  profile: number;
  level: number;
  colorRange: number;
  colorSpace: number;
  colorPrimaries: number;
  colorTrc: number;
  chromaLocation: number;
  bitsPerRawSample: number;
  videoDelay: number;
  sampleAspectNum: number;
  sampleAspectDen: number;
  extradata: Uint8Array;
}

/** The codec parameters a decoder and a muxer both take from a stored stream. */
type SharedCodecParameters = Pick<
  NativeCodecParameters,
  'codecType' | 'codecId' | 'width' | 'height' | 'format' | 'profile' | 'level' | 'colorRange' | 'colorSpace' | 'colorPrimaries' | 'colorTrc' | 'chromaLocation' | 'sampleAspectRatio' | 'extradata'
>;

/** Fills node-av CodecParameters from a stored stream's parameters (a video stream's). */
export function setVideoCodecParameters(par: SharedCodecParameters, params: VideoCodecParameters, videoType: number): void {
  par.codecType = videoType;
  par.codecId = params.codecId;
  par.width = params.width;
  par.height = params.height;
  par.format = params.pixelFormat;
  par.profile = params.profile;
  par.level = params.level;
  par.colorRange = params.colorRange;
  par.colorSpace = params.colorSpace;
  par.colorPrimaries = params.colorPrimaries;
  par.colorTrc = params.colorTrc;
  par.chromaLocation = params.chromaLocation;
  par.sampleAspectRatio = { num: params.sampleAspectNum, den: params.sampleAspectDen };
  if (params.extradata.byteLength > 0) par.extradata = Buffer.from(params.extradata);
}

export interface DemuxedPacket {
  data: Uint8Array;
  pts: number;
  dts: number;
  duration: number;
  key: boolean;
  /** No other frame references this one (H.264 nal_ref_idc 0, or the demuxer says so): a clip that does not show it need not decode it. */
  disposable: boolean;
}

export interface DemuxedVideo {
  params: VideoCodecParameters;
  timeBase: [number, number];
  /** The stream's average frame rate (0/1 when the container does not say). */
  averageFrameRate: [number, number];
  /** Degrees, as FFmpeg's av_display_rotation_get gives them (counter-clockwise); 0 when none. */
  rotation: number;
  container: string;
  /** In decode order. */
  packets: DemuxedPacket[];
}

/** Integer fields of VideoCodecParameters in their stored order (see compressed-video-layout.ts). */
export const CODEC_PARAMETER_KEYS = [
  'codecId',
  'width',
  'height',
  'pixelFormat',
  'profile',
  'level',
  'colorRange',
  'colorSpace',
  'colorPrimaries',
  'colorTrc',
  'chromaLocation',
  'bitsPerRawSample',
  'videoDelay',
  'sampleAspectNum',
  'sampleAspectDen',
] as const;

const NO_PTS = -(2n ** 63n);

/**
 * The packets of the first video stream of `path`, in decode order, as stored (no decoding).
 * Synchronous on purpose: node-av's asynchronous calls complete on libuv's pool, and one completing
 * while a writer worker thread is torn down (after another sample failed) aborts the process. `start`
 * and `end` (seconds, presentation time) keep the packets from the keyframe at or before `start` to
 * the last packet whose presentation time is before `end`.
 */
export function demuxVideo(path: string, range: { startSeconds?: number; endSeconds?: number } = {}): DemuxedVideo {
  const { av, constants } = nodeAv();
  const format = new av.FormatContext();
  const opened = format.openInputSync(path, null, null);
  if (opened < 0) throw new VideoInputError(`FFmpeg cannot open it (${ffmpegError(opened)})`, { input: path });
  try {
    const probed = format.findStreamInfoSync(null);
    if (probed < 0) throw new VideoInputError(`FFmpeg cannot read its streams (${ffmpegError(probed)})`, { input: path });
    const stream = format.streams.find((candidate) => candidate.codecpar.codecType === constants.AVMEDIA_TYPE_VIDEO);
    if (stream === undefined) throw new VideoInputError(`it has no video stream (streams: ${format.streams.length === 0 ? 'none' : format.streams.map((s) => mediaTypeName(s.codecpar.codecType)).join(', ')})`, { input: path });
    const par = stream.codecpar;
    const codecName = av.avGetCodecName(par.codecId) ?? `codec ${par.codecId}`;
    if (par.width <= 0 || par.height <= 0) throw new VideoInputError(`its ${codecName} stream has no picture size`, { input: path });
    const params: VideoCodecParameters = {
      codecId: par.codecId,
      codecName,
      width: par.width,
      height: par.height,
      pixelFormat: par.format,
      profile: par.profile,
      level: par.level,
      colorRange: par.colorRange,
      colorSpace: par.colorSpace,
      colorPrimaries: par.colorPrimaries,
      colorTrc: par.colorTrc,
      chromaLocation: par.chromaLocation,
      bitsPerRawSample: par.bitsPerRawSample,
      videoDelay: par.videoDelay,
      sampleAspectNum: par.sampleAspectRatio?.num ?? 0,
      sampleAspectDen: par.sampleAspectRatio?.den ?? 1,
      extradata: par.extradata === null ? new Uint8Array(0) : new Uint8Array(par.extradata),
    };
    const timeBase: [number, number] = [stream.timeBase.num, stream.timeBase.den];
    const packets: DemuxedPacket[] = [];
    // avcC extradata (version 1) gives the NAL length size; without it the stream is Annex B.
    const nalLengthSize = params.extradata.length > 4 && params.extradata[0] === 1 ? (params.extradata[4]! & 3) + 1 : 0;
    const packet = new av.Packet();
    packet.alloc();
    try {
      for (;;) {
        const read = format.readFrameSync(packet);
        if (read < 0) {
          if (read !== constants.AVERROR_EOF) throw new VideoInputError(`reading packet ${packets.length + 1} failed (${ffmpegError(read)}): the file is truncated or corrupt`, { input: path });
          break;
        }
        if (packet.streamIndex === stream.index && packet.data !== null && packet.data.length > 0) {
          if ((packet.flags & constants.AV_PKT_FLAG_CORRUPT) !== 0) throw new VideoInputError(`packet ${packets.length} of its ${codecName} stream is corrupt or cut off: the file is truncated or damaged`, { input: path });
          const dts = packet.dts === NO_PTS ? Number.NaN : Number(packet.dts);
          const pts = packet.pts === NO_PTS ? dts : Number(packet.pts);
          const data = new Uint8Array(packet.data);
          const key = (packet.flags & constants.AV_PKT_FLAG_KEY) !== 0;
          const disposable = !key && ((packet.flags & constants.AV_PKT_FLAG_DISPOSABLE) !== 0 || (codecName === 'h264' && h264Disposable(data, nalLengthSize)));
          packets.push({ data, pts, dts, duration: Number(packet.duration), key, disposable });
        }
        packet.unref();
      }
    } finally {
      packet.free();
    }
    if (packets.length === 0) throw new VideoInputError(`its ${codecName} stream has no packets`, { input: path });
    fillTimestamps(packets, path);
    return {
      params,
      timeBase,
      averageFrameRate: [stream.avgFrameRate.num, stream.avgFrameRate.den],
      rotation: rotationOf(stream, constants),
      container: format.iformat?.name ?? 'unknown',
      packets: selectRange(packets, timeBase, range, path),
    };
  } finally {
    format.closeInputSync();
  }
}

/**
 * True when every slice NAL unit of an H.264 access unit has nal_ref_idc 0: no frame references
 * it. `nalLengthSize` 1–4 for length-prefixed (avcC) packets, 0 for Annex B start codes. Anything
 * unexpected answers false (the frame is then always decoded).
 */
export function h264Disposable(data: Uint8Array, nalLengthSize: number): boolean {
  let slices = 0;
  const visit = (header: number): boolean => {
    const type = header & 0x1f;
    if (type >= 1 && type <= 5) {
      slices++;
      if ((header & 0x60) !== 0) return false;
    }
    return true;
  };
  if (nalLengthSize > 0) {
    let at = 0;
    while (at + nalLengthSize < data.length) {
      let length = 0;
      for (let index = 0; index < nalLengthSize; index++) length = length * 256 + data[at + index]!;
      at += nalLengthSize;
      if (length === 0 || at + length > data.length) return false;
      if (!visit(data[at]!)) return false;
      at += length;
    }
    return slices > 0 && at === data.length;
  }
  for (let at = 0; at + 3 < data.length; at++) {
    if (data[at] === 0 && data[at + 1] === 0 && data[at + 2] === 1) {
      if (!visit(data[at + 3]!)) return false;
      at += 3;
    }
  }
  return slices > 0;
}

/** Packets without a dts (raw streams) get their index; without a duration, the gap to the next pts. */
export function fillTimestamps(packets: DemuxedPacket[], input: string): void {
  for (let index = 0; index < packets.length; index++) {
    const packet = packets[index]!;
    if (Number.isNaN(packet.dts)) packet.dts = index === 0 ? 0 : packets[index - 1]!.dts + 1;
    if (Number.isNaN(packet.pts)) packet.pts = packet.dts;
    if (!Number.isSafeInteger(packet.pts) || !Number.isSafeInteger(packet.dts)) throw new VideoInputError(`packet ${index} has a timestamp beyond 2^53`, { input });
  }
  // A missing duration is the gap to the next frame in presentation order (or the previous gap for the last).
  const byPts = packets.map((_, index) => index).sort((a, b) => packets[a]!.pts - packets[b]!.pts);
  for (let rank = 0; rank < byPts.length; rank++) {
    const packet = packets[byPts[rank]!]!;
    if (packet.duration > 0) continue;
    const next = packets[byPts[rank + 1]!];
    const previous = packets[byPts[rank - 1]!];
    packet.duration = next !== undefined ? next.pts - packet.pts : previous !== undefined ? packet.pts - previous.pts : 1;
  }
}

/** The packets from the keyframe at or before `range.startSeconds` through the last presented before `range.endSeconds`. */
export function selectRange(packets: DemuxedPacket[], timeBase: [number, number], range: { startSeconds?: number; endSeconds?: number }, input: string): DemuxedPacket[] {
  if (range.startSeconds === undefined && range.endSeconds === undefined) return packets;
  const seconds = (pts: number) => (pts * timeBase[0]) / timeBase[1];
  let first = Number.POSITIVE_INFINITY;
  for (const packet of packets) first = Math.min(first, packet.pts);
  const start = range.startSeconds ?? 0;
  const end = range.endSeconds ?? Number.POSITIVE_INFINITY;
  if (!(end > start)) throw new VideoInputError(`end ${end} s is not after start ${start} s`, { input });
  // From the last keyframe whose pts ≤ start (decode order), through every packet presented before end.
  let from = 0;
  for (let index = 0; index < packets.length; index++) {
    if (packets[index]!.key && seconds(packets[index]!.pts - first) <= start) from = index;
  }
  let to = from;
  for (let index = from; index < packets.length; index++) if (seconds(packets[index]!.pts - first) < end) to = index + 1;
  const kept = packets.slice(from, to);
  if (kept.length === 0) throw new VideoInputError(`no frame between ${start} s and ${end} s`, { input });
  return kept;
}

function rotationOf(stream: NativeStream, constants: NodeAvConstants): number {
  const matrix = stream.codecpar.getCodedSideData(constants.AV_PKT_DATA_DISPLAYMATRIX);
  if (matrix !== null && matrix.length >= 36) {
    // av_display_rotation_get: 16.16 fixed-point a, b, c, d of the 3×3 matrix.
    const view = new DataView(matrix.buffer, matrix.byteOffset, 36);
    const a = view.getInt32(0, true) / 65536;
    const b = view.getInt32(4, true) / 65536;
    const c = view.getInt32(12, true) / 65536;
    const d = view.getInt32(16, true) / 65536;
    const scale0 = Math.hypot(a, c);
    const scale1 = Math.hypot(b, d);
    if (scale0 === 0 || scale1 === 0) return 0;
    const degrees = (-Math.atan2(b / scale1, a / scale0) * 180) / Math.PI;
    return Math.round(degrees * 100) / 100 + 0;
  }
  const tag = stream.metadata?.getAll?.().rotate;
  return tag === undefined ? 0 : -Number(tag) || 0;
}

function mediaTypeName(type: number): string {
  return ['video', 'audio', 'data', 'subtitle', 'attachment'][type] ?? `type ${type}`;
}

function ffmpegError(code: number): string {
  return `FFmpeg error ${code}`;
}

// ── read side: pictures into caller memory ─────────────────────────────────────────────────────

/** A source rectangle, in picture pixels. */
export interface PictureCrop {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * A decoder for one stream's packets, reused across clips (reset() between them). Packets go in
 * with `send`; decoded pictures come out with `receive` (true while one is ready, its pts in
 * `pts`), and `convert` writes the current picture as RGB24 (HWC) into the caller's memory.
 */
export interface PictureDecoder {
  /** Presentation timestamp of the picture `receive` made current. */
  readonly pts: number;
  readonly codecName: string;
  /** Feeds one packet (a view; copied by FFmpeg); `undefined` drains the decoder. */
  send(data: Uint8Array | undefined, pts: number, dts: number, key: boolean): void;
  /** Makes the next decoded picture current; false when the decoder needs more packets. */
  receive(): boolean;
  /** The current picture's `crop`, resized (bilinear) to outWidth × outHeight RGB24 at `out[offset…]`. */
  convert(crop: PictureCrop, outWidth: number, outHeight: number, out: Uint8Array, offset: number): void;
  /** Forgets every packet and picture (before the next clip). */
  reset(): void;
  close(): void;
}

/** Log2 chroma subsampling of the planar YUV formats whose planes can be offset for a crop. */
const PLANAR_YUV: Record<string, [number, number]> = {
  yuv420p: [1, 1],
  yuvj420p: [1, 1],
  yuv422p: [1, 0],
  yuvj422p: [1, 0],
  yuv444p: [0, 0],
  yuvj444p: [0, 0],
  yuv440p: [0, 1],
  yuv411p: [2, 0],
  yuv410p: [2, 2],
  gray: [0, 0],
};
const PLANAR_YUV_16: Record<string, [number, number]> = {
  yuv420p10le: [1, 1],
  yuv422p10le: [1, 0],
  yuv444p10le: [0, 0],
  yuv420p12le: [1, 1],
  gray10le: [0, 0],
};

/** Bytes past the last line of every swscale destination (its SIMD writes overrun, see convert()). */
const SWS_PADDING = 256;
const align = (value: number, to: number): number => Math.ceil(value / to) * to;

/** Opens a decoder for stored codec parameters (single-threaded: decode workers give the parallelism). */
export function createPictureDecoder(params: VideoCodecParameters, where: string): PictureDecoder {
  const { av, constants } = nodeAv();
  const codec = av.Codec.findDecoder(params.codecId);
  if (codec === null) throw new VideoFormatError(`${where}: FFmpeg ${nodeAv().version} has no decoder for codec id ${params.codecId}`);
  const par = new av.CodecParameters();
  par.alloc();
  setVideoCodecParameters(par, params, constants.AVMEDIA_TYPE_VIDEO);
  par.bitsPerRawSample = params.bitsPerRawSample;
  par.videoDelay = params.videoDelay;
  const context = new av.CodecContext();
  context.allocContext3(codec);
  const copied = context.parametersToContext(par);
  par.free();
  if (copied < 0) throw new VideoFormatError(`${where}: the stored ${params.codecName} parameters are rejected (${ffmpegError(copied)})`);
  context.threadCount = 1;
  const opened = context.open2Sync(codec, null);
  if (opened < 0) throw new VideoFormatError(`${where}: the ${params.codecName} decoder does not open with the stored parameters (${ffmpegError(opened)})`);

  const packet = new av.Packet();
  packet.alloc();
  const frame = new av.Frame();
  frame.alloc();
  const scaler = new av.SoftwareScaleContext();
  let scalerKey = '';
  // The RGB24 crop → output scaler of the fallback path (one window per clip: rebuilt per clip, not per frame).
  const cropScaler = new av.SoftwareScaleContext();
  let cropScalerKey = '';
  let planes: Buffer[] | null = null;
  let rgbScratch: Buffer | undefined;
  let scratch: Buffer | undefined;
  const destination = (stride: number, height: number): Buffer => {
    const bytes = stride * height + SWS_PADDING;
    if (scratch === undefined || scratch.length < bytes) scratch = Buffer.alloc(bytes);
    return scratch;
  };
  let framePts = 0;
  let hasFrame = false;
  const rgb = constants.AV_PIX_FMT_RGB24;

  const configure = (width: number, height: number, format: number, outWidth: number, outHeight: number, outFormat: number): void => {
    const key = `${width}x${height}:${format}>${outWidth}x${outHeight}:${outFormat}`;
    if (key === scalerKey) return;
    if (scalerKey !== '') scaler.freeContext();
    scaler.allocContext();
    scaler.getContext(width, height, format, outWidth, outHeight, outFormat, constants.SWS_BILINEAR);
    scalerKey = key;
  };

  return {
    get pts() {
      return framePts;
    },
    codecName: params.codecName,
    send(data, pts, dts, key) {
      if (data === undefined) {
        context.sendPacketSync(null);
        return;
      }
      packet.data = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      packet.pts = BigInt(pts);
      packet.dts = BigInt(dts);
      packet.flags = key ? constants.AV_PKT_FLAG_KEY : 0;
      const sent = context.sendPacketSync(packet);
      packet.unref();
      // EAGAIN (pictures must be received first) cannot happen: receive() drains after every send.
      if (sent < 0 && sent !== constants.AVERROR_EOF) throw new VideoFormatError(`${where}: the ${params.codecName} decoder rejects a packet at pts ${pts} (${ffmpegError(sent)})`);
    },
    receive() {
      if (hasFrame) {
        frame.unref();
        hasFrame = false;
        planes = null;
      }
      const received = context.receiveFrameSync(frame);
      if (received < 0) return false;
      hasFrame = true;
      const pts = frame.pts === NO_PTS ? frame.bestEffortTimestamp : frame.pts;
      framePts = Number(pts);
      return true;
    },
    convert(crop, outWidth, outHeight, out, offset) {
      if (!hasFrame) throw new VideoFormatError(`${where}: no decoded picture to convert`);
      planes ??= frame.data;
      if (planes === null) throw new VideoFormatError(`${where}: the decoded picture has no data`);
      // swscale writes whole SIMD blocks: its unscaled YUV→RGB path runs past the end of a line whose
      // width is not a multiple of 16 (heap corruption after the last line, seen at 90 pixels). So
      // it writes into a padded scratch, copied into the caller's memory (a memcpy per frame).
      const stride = align(outWidth * 3, 64);
      const target = destination(stride, outHeight);
      const whole = crop.x === 0 && crop.y === 0 && crop.width === frame.width && crop.height === frame.height;
      const formatName = av.avGetPixFmtName(frame.format) ?? '';
      const subsampling = PLANAR_YUV[formatName] ?? PLANAR_YUV_16[formatName];
      if (whole) {
        configure(frame.width, frame.height, frame.format, outWidth, outHeight, rgb);
        scaler.scaleSync(planes, frame.linesize, 0, frame.height, [target], [stride]);
      } else if (subsampling !== undefined && (crop.x & ((1 << subsampling[0]) - 1)) === 0 && (crop.y & ((1 << subsampling[1]) - 1)) === 0) {
        // Offset the planes to the crop's corner: swscale reads only the crop.
        const bytesPerSample = PLANAR_YUV_16[formatName] !== undefined ? 2 : 1;
        const cropped = planes.map((plane, index) => {
          const [shiftX, shiftY] = index === 0 || index === 3 ? [0, 0] : subsampling;
          return plane.subarray((crop.y >> shiftY) * frame.linesize[index]! + (crop.x >> shiftX) * bytesPerSample);
        });
        configure(crop.width, crop.height, frame.format, outWidth, outHeight, rgb);
        scaler.scaleSync(cropped, frame.linesize, 0, crop.height, [target], [stride]);
      } else {
        // Other formats (or an odd corner in subsampled chroma): the whole picture to RGB24, then the crop.
        const rgbStride = align(frame.width * 3, 64);
        if (rgbScratch === undefined || rgbScratch.length < rgbStride * frame.height + SWS_PADDING) rgbScratch = Buffer.alloc(rgbStride * frame.height + SWS_PADDING);
        configure(frame.width, frame.height, frame.format, frame.width, frame.height, rgb);
        scaler.scaleSync(planes, frame.linesize, 0, frame.height, [rgbScratch], [rgbStride]);
        const cropKey = `${crop.width}x${crop.height}>${outWidth}x${outHeight}`;
        if (cropKey !== cropScalerKey) {
          if (cropScalerKey !== '') cropScaler.freeContext();
          cropScaler.allocContext();
          cropScaler.getContext(crop.width, crop.height, rgb, outWidth, outHeight, rgb, constants.SWS_BILINEAR);
          cropScalerKey = cropKey;
        }
        cropScaler.scaleSync([rgbScratch.subarray(crop.y * rgbStride + crop.x * 3)], [rgbStride], 0, crop.height, [target], [stride]);
      }
      const rowBytes = outWidth * 3;
      if (stride === rowBytes) out.set(target.subarray(0, rowBytes * outHeight), offset);
      else for (let row = 0; row < outHeight; row++) out.set(target.subarray(row * stride, row * stride + rowBytes), offset + row * rowBytes);
    },
    reset() {
      if (hasFrame) {
        frame.unref();
        hasFrame = false;
        planes = null;
      }
      context.flushBuffers();
    },
    close() {
      if (hasFrame) frame.unref();
      frame.free();
      packet.free();
      if (scalerKey !== '') scaler.freeContext();
      if (cropScalerKey !== '') cropScaler.freeContext();
      context.freeContext();
    },
  };
}
