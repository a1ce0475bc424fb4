/**
 * Write time: re-encodes a video in-process through node-av's encoders (libx264, libx265,
 * libvpx-vp9, libsvtav1), from the pictures read-video-frames.ts decodes (range, fps resampling and
 * maxSide applied there), into the same shape demuxVideo() gives, so compressedVideo stores it like
 * a copied stream. Single-threaded encoders with a fixed GOP (no scene-cut keyframes) and no
 * wall-clock input: the same video gives the same bytes in any writer worker.
 */
import { TesseraError } from '@tessera/core';
import { VideoInputError } from '../video-errors.js';
import { CODEC_PARAMETER_KEYS, type DemuxedPacket, type DemuxedVideo, type NativeCodecParameters, type NativePacket, type Rational, type VideoCodecParameters, h264Disposable, loadedNodeAv } from './node-av-backend.js';
import { rationalFrameRate, readVideoFrames } from './read-video-frames.js';

export type VideoEncoderCodec = 'h264' | 'h265' | 'vp9' | 'av1';
export const VIDEO_ENCODER_CODECS: readonly VideoEncoderCodec[] = ['h264', 'h265', 'vp9', 'av1'];
/** The FFmpeg encoder behind each codec name. */
export const ENCODER_NAMES: Readonly<Record<VideoEncoderCodec, string>> = { h264: 'libx264', h265: 'libx265', vp9: 'libvpx-vp9', av1: 'libsvtav1' };
/** Each encoder's own default CRF (the quality it gives without a crf option). */
export const DEFAULT_CRF: Readonly<Record<VideoEncoderCodec, number>> = { h264: 23, h265: 28, vp9: 32, av1: 35 };
export const CRF_RANGE: Readonly<Record<VideoEncoderCodec, [number, number]>> = { h264: [0, 51], h265: [0, 51], vp9: [0, 63], av1: [1, 63] };

export interface ReencodeOptions {
  codec: VideoEncoderCodec;
  /** Frames from one keyframe to the next (fixed: no scene-cut keyframes). */
  gop: number;
  crf: number;
  maxSide?: number;
  fps?: number;
  startSeconds?: number;
  endSeconds?: number;
}

/** The default GOP: a keyframe every 32 frames (a clip decodes from the keyframe before its first frame). */
export const DEFAULT_GOP = 32;

/** compressedVideo({ mode: 'encode', … }) arguments, validated and with defaults (no node-av needed). */
export function normalizeEncodeArguments(record: Record<string, unknown>): { mode: 'encode'; codec: VideoEncoderCodec; gop: number; crf: number; maxSide?: number; fps?: number } {
  const bad = (message: string): never => {
    throw new TesseraError('E_ARGUMENT', `compressedVideo({ mode: 'encode' }): ${message}`);
  };
  const codec = record.codec as VideoEncoderCodec;
  if (!VIDEO_ENCODER_CODECS.includes(codec)) bad(`codec must be one of ${VIDEO_ENCODER_CODECS.map((name) => `'${name}'`).join(', ')}, got ${JSON.stringify(record.codec)}`);
  const gop = record.gop ?? DEFAULT_GOP;
  if (!Number.isSafeInteger(gop) || (gop as number) < 1 || (gop as number) > 10_000) bad(`gop must be an integer from 1 to 10000 (frames), got ${JSON.stringify(record.gop)}`);
  const [low, high] = CRF_RANGE[codec];
  const crf = record.crf ?? DEFAULT_CRF[codec];
  if (!Number.isSafeInteger(crf) || (crf as number) < low || (crf as number) > high) bad(`crf must be an integer from ${low} to ${high} for ${codec}, got ${JSON.stringify(record.crf)}`);
  const normalized: { mode: 'encode'; codec: VideoEncoderCodec; gop: number; crf: number; maxSide?: number; fps?: number } = { mode: 'encode', codec, gop: gop as number, crf: crf as number };
  if (record.maxSide !== undefined) {
    // Even sizes: 4:2:0 chroma planes are half the picture.
    if (!Number.isSafeInteger(record.maxSide) || (record.maxSide as number) < 2 || (record.maxSide as number) > 16384) bad(`maxSide must be an integer from 2 to 16384 (pixels), got ${JSON.stringify(record.maxSide)}`);
    normalized.maxSide = record.maxSide as number;
  }
  if (record.fps !== undefined) {
    if (typeof record.fps !== 'number' || !(record.fps > 0) || record.fps > 1000) bad(`fps must be a number in (0, 1000], got ${JSON.stringify(record.fps)}`);
    rationalFrameRate(record.fps as number, "compressedVideo({ mode: 'encode' }): fps");
    normalized.fps = record.fps as number;
  }
  return normalized;
}

// ── node-av, typed as far as this module uses it ──────────────────────────────────────────────

interface EncoderCodec {
  name: string | null;
}
interface EncoderContext {
  allocContext3(codec: EncoderCodec): void;
  open2Sync(codec: EncoderCodec, options: null): number;
  sendFrameSync(frame: EncoderFrame | null): number;
  receivePacketSync(packet: EncoderPacket): number;
  freeContext(): void;
  getNative(): unknown;
  width: number;
  height: number;
  pixelFormat: number;
  timeBase: Rational;
  framerate: Rational;
  gopSize: number;
  threadCount: number;
  flags: number;
  bitRate: bigint;
}
interface EncoderFrame {
  alloc(): void;
  free(): void;
  allocBuffer(): number;
  makeWritable(): number;
  fromBuffer(buffer: Buffer): number;
  width: number;
  height: number;
  format: number;
  pts: bigint;
  duration: bigint;
}
type EncoderPacket = Omit<NativePacket, 'streamIndex'>;
interface EncoderParameters extends NativeCodecParameters {
  fromContext(context: EncoderContext): number;
}
interface EncoderAv {
  Codec: { findEncoderByName(name: string): EncoderCodec | null; findDecoder(id: number): EncoderCodec | null };
  CodecContext: new () => EncoderContext;
  CodecParameters: new () => EncoderParameters;
  Frame: new () => EncoderFrame;
  Packet: new () => EncoderPacket;
  SoftwareScaleContext: new () => { allocContext(): void; getContext(sw: number, sh: number, sf: number, dw: number, dh: number, df: number, flags: number): void; scaleFrameSync(dst: EncoderFrame, src: EncoderFrame): number; freeContext(): void };
  // Options are set on the context (AV_OPT_SEARCH_CHILDREN reaches the encoder's private ones) rather
  // than passed to open2 as a Dictionary: open2 replaces the dictionary, and its wrapper later frees a stale pointer.
  Option: { set(object: unknown, name: string, value: string, searchFlags: number): number };
  avGetCodecName(id: number): string | null;
}

const NO_PTS = -(2n ** 63n);

function encoderAv(): { av: EncoderAv; constants: Readonly<Record<string, number>>; ffmpegVersion: string } {
  const { av, constants, ffmpegVersion } = loadedNodeAv();
  return { av: av as EncoderAv, constants, ffmpegVersion };
}

function codecId(codec: VideoEncoderCodec, constants: Readonly<Record<string, number>>): number {
  return constants[{ h264: 'AV_CODEC_ID_H264', h265: 'AV_CODEC_ID_HEVC', vp9: 'AV_CODEC_ID_VP9', av1: 'AV_CODEC_ID_AV1' }[codec]]!;
}

/** Encoder options: single-threaded, fixed GOP, the CRF asked for, and nothing that depends on uninitialized memory. */
function encoderOptions(codec: VideoEncoderCodec, gop: number, crf: number): Record<string, string> {
  switch (codec) {
    case 'h264':
      // mbtree=0: with the macroblock tree on, node-av's x264 (core 165) gives different bytes from
      // run to run on CPUs with AVX-512 (cfr-gop30.mp4 at 64×42: 2–3 different streams in six
      // encodes in one process) while the pictures sent are identical; filling fresh heap memory
      // (MALLOC_PERTURB_) or x264 without AVX-512 (asm=AVX2) makes them stable, so it reads
      // uninitialized memory. Its AVX-512 tree propagation (mbtree_propagate_list) steps 8
      // macroblocks at a time with no mask for a row's tail, past the end of its arrays on the
      // last row. Without the tree the bytes are stable, with AVX-512 or without.
      return { crf: String(crf), preset: 'medium', 'x264-params': `keyint=${gop}:min-keyint=${gop}:scenecut=0:threads=1:sliced-threads=0:mbtree=0` };
    case 'h265':
      return { crf: String(crf), preset: 'medium', 'x265-params': `keyint=${gop}:min-keyint=${gop}:scenecut=0:open-gop=0:pools=none:frame-threads=1:log-level=error` };
    case 'vp9':
      return { crf: String(crf), b: '0', deadline: 'good', 'cpu-used': '4', 'row-mt': '0', keyint_min: String(gop), 'auto-alt-ref': '0', 'lag-in-frames': '0' };
    case 'av1':
      return { crf: String(crf), preset: '8', 'svtav1-params': `keyint=${gop}:scd=0:lp=1` };
  }
}

/** Sets encoder options on the context; returns the first one it rejects. */
function setOptions(av: EncoderAv, constants: Readonly<Record<string, number>>, context: EncoderContext, options: Record<string, string>): string | undefined {
  const native = context.getNative();
  for (const [name, value] of Object.entries(options)) if (av.Option.set(native, name, value, constants.AV_OPT_SEARCH_CHILDREN!) < 0) return `${name}=${value}`;
  return undefined;
}

let availability: Map<VideoEncoderCodec, string | undefined> | undefined;

/** Which codecs can be written here: each one's encoder opens and a decoder for it exists (else why not). */
export function encoderAvailability(): ReadonlyMap<VideoEncoderCodec, string | undefined> {
  if (availability !== undefined) return availability;
  const { av, constants } = encoderAv();
  availability = new Map();
  for (const codec of VIDEO_ENCODER_CODECS) {
    const name = ENCODER_NAMES[codec];
    const encoder = av.Codec.findEncoderByName(name);
    if (encoder === null) {
      availability.set(codec, `FFmpeg has no ${name} encoder`);
      continue;
    }
    if (av.Codec.findDecoder(codecId(codec, constants)) === null) {
      availability.set(codec, `FFmpeg has no ${codec} decoder to read it back`);
      continue;
    }
    const context = new av.CodecContext();
    context.allocContext3(encoder);
    Object.assign(context, { width: 64, height: 64, pixelFormat: constants.AV_PIX_FMT_YUV420P!, timeBase: { num: 1, den: 25 }, framerate: { num: 25, den: 1 }, gopSize: 8, threadCount: 1 });
    const set = setOptions(av, constants, context, encoderOptions(codec, 8, DEFAULT_CRF[codec]));
    const opened = set !== undefined ? -22 : context.open2Sync(encoder, null);
    context.freeContext();
    availability.set(codec, opened < 0 ? `${name} does not open (FFmpeg error ${opened})` : undefined);
  }
  return availability;
}

/** Throws E_VIDEO_BACKEND naming the codec, why, and the codecs that can be written. */
export function assertEncoderAvailable(codec: VideoEncoderCodec): void {
  const status = encoderAvailability();
  const reason = status.get(codec);
  if (reason === undefined) return;
  const available = VIDEO_ENCODER_CODECS.filter((candidate) => status.get(candidate) === undefined);
  throw new TesseraError(
    'E_VIDEO_BACKEND',
    `compressedVideo({ mode: 'encode', codec: '${codec}' }): ${reason}; codecs this node-av build encodes: ${available.length === 0 ? 'none' : available.join(', ')}. Fix: choose one of them, or install a node-av build whose FFmpeg has ${ENCODER_NAMES[codec]}`,
  );
}

/** The frames of `path` (range, fps and maxSide applied) encoded with `options.codec`, as demuxVideo() would give them. */
export function reencodeVideo(path: string, options: ReencodeOptions): DemuxedVideo {
  assertEncoderAvailable(options.codec);
  const { av, constants } = encoderAv();
  const name = ENCODER_NAMES[options.codec];
  const encoder = av.Codec.findEncoderByName(name)!;
  const context = new av.CodecContext();
  context.allocContext3(encoder);
  const source = new av.Frame();
  source.alloc();
  const picture = new av.Frame();
  picture.alloc();
  const packet = new av.Packet();
  packet.alloc();
  const scaler = new av.SoftwareScaleContext();
  let opened = false;
  let timeBase: [number, number] = [1, 1];
  let frameRate: [number, number] = [0, 1];
  let outputFrames = 0;
  let lastDuration = 1;
  const packets: DemuxedPacket[] = [];
  const fail = (what: string, code: number): never => {
    throw new TesseraError('E_VIDEO_BACKEND', `${path}: ${name} ${what} (FFmpeg error ${code})`);
  };
  const drain = (): void => {
    for (;;) {
      const received = context.receivePacketSync(packet);
      if (received < 0) {
        if (received === constants.AVERROR_EOF || received === constants.AVERROR_EAGAIN || received === -11) return;
        fail('gives no packet', received);
      }
      if (packet.data !== null && packet.data.length > 0) {
        const data = new Uint8Array(packet.data);
        const key = (packet.flags & constants.AV_PKT_FLAG_KEY!) !== 0;
        const pts = Number(packet.pts === NO_PTS ? packet.dts : packet.pts);
        packets.push({ data, pts, dts: packet.dts === NO_PTS ? pts : Number(packet.dts), duration: 0, key, disposable: !key && options.codec === 'h264' && h264Disposable(data, 0) });
      }
      packet.unref();
    }
  };
  try {
    const result = readVideoFrames(
      path,
      { startSeconds: options.startSeconds, endSeconds: options.endSeconds, fps: options.fps, maxSide: options.maxSide, evenSize: true },
      (rgb, width, height, _seconds, repeats, sourcePts) => {
        if (!opened) {
          context.width = width;
          context.height = height;
          context.pixelFormat = constants.AV_PIX_FMT_YUV420P!;
          context.timeBase = { num: timeBase[0], den: timeBase[1] };
          if (frameRate[0] > 0) context.framerate = { num: frameRate[0], den: frameRate[1] };
          context.gopSize = options.gop;
          context.threadCount = 1;
          // Codec parameters in the extradata, as a container keeps them.
          context.flags = context.flags | constants.AV_CODEC_FLAG_GLOBAL_HEADER!;
          const rejected = setOptions(av, constants, context, encoderOptions(options.codec, options.gop, options.crf));
          if (rejected !== undefined) fail(`rejects option ${rejected}`, -22);
          const code = context.open2Sync(encoder, null);
          if (code < 0) fail(`does not open for ${width}×${height}`, code);
          Object.assign(source, { width, height, format: constants.AV_PIX_FMT_RGB24! });
          Object.assign(picture, { width, height, format: constants.AV_PIX_FMT_YUV420P! });
          if (source.allocBuffer() < 0 || picture.allocBuffer() < 0) fail('frame buffers cannot be allocated', -12);
          scaler.allocContext();
          scaler.getContext(width, height, constants.AV_PIX_FMT_RGB24!, width, height, constants.AV_PIX_FMT_YUV420P!, constants.SWS_BILINEAR!);
          opened = true;
        }
        source.fromBuffer(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength));
        // The encoder may still hold the previous picture's buffer: write into a private one.
        picture.makeWritable();
        scaler.scaleFrameSync(picture, source);
        for (let repeat = 0; repeat < repeats; repeat++) {
          picture.pts = BigInt(options.fps === undefined ? sourcePts : outputFrames);
          const sent = context.sendFrameSync(picture);
          if (sent < 0) fail(`rejects frame ${outputFrames}`, sent);
          outputFrames++;
          drain();
        }
      },
      (video) => {
        if (options.fps === undefined) {
          timeBase = video.timeBase;
          frameRate = video.averageFrameRate;
        } else {
          frameRate = rationalFrameRate(options.fps, 'fps');
          timeBase = [frameRate[1], frameRate[0]];
        }
      },
    );
    const flushed = context.sendFrameSync(null);
    if (flushed < 0 && flushed !== constants.AVERROR_EOF) fail('cannot be flushed', flushed);
    drain();
    lastDuration = options.fps === undefined ? result.lastDuration : 1;
    if (packets.length !== outputFrames) throw new TesseraError('E_VIDEO_BACKEND', `${path}: ${name} gave ${packets.length} packets for ${outputFrames} frames`);
    // Durations: the gap to the next frame in presentation order; the last keeps the source's.
    const byPts = packets.map((_, index) => index).sort((a, b) => packets[a]!.pts - packets[b]!.pts);
    for (let rank = 0; rank < byPts.length; rank++) {
      const next = packets[byPts[rank + 1]!];
      const current = packets[byPts[rank]!]!;
      current.duration = next === undefined ? lastDuration : next.pts - current.pts;
    }
    const parameters = new av.CodecParameters();
    parameters.alloc();
    const copied = parameters.fromContext(context);
    if (copied < 0) fail('parameters cannot be read', copied);
    const params = {} as VideoCodecParameters;
    for (const key of CODEC_PARAMETER_KEYS) {
      params[key] =
        key === 'pixelFormat' ? parameters.format : key === 'sampleAspectNum' ? parameters.sampleAspectRatio.num : key === 'sampleAspectDen' ? parameters.sampleAspectRatio.den || 1 : (parameters[key] as number);
    }
    params.codecName = av.avGetCodecName(params.codecId) ?? options.codec;
    params.extradata = parameters.extradata === null ? new Uint8Array(0) : new Uint8Array(parameters.extradata);
    parameters.free();
    return { params, timeBase, averageFrameRate: frameRate, rotation: result.video.rotation, container: `${name} (re-encoded)`, packets };
  } catch (error) {
    if (error instanceof TesseraError) throw error;
    throw new VideoInputError(`cannot be re-encoded (${(error as Error)?.message ?? String(error)})`, { input: path, cause: error });
  } finally {
    if (opened) scaler.freeContext();
    packet.free();
    picture.free();
    source.free();
    context.freeContext();
  }
}
