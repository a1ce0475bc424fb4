import { readFileSync } from 'node:fs';
import type { DecodeContext, DecoderDefinition, DecoderInstance, FieldCodec, FieldReader, MetadataLayout, OutputSlot } from '@tessera/core';
import { TesseraError } from '@tessera/core';
import { JPEG_DCT_SCALING, JPEG_FAST_DCT, type JpegBackend, jpegBackend } from '@tessera/image';
import { fitSize, rationalFrameRate as rational, readVideoFrames } from '../backend/read-video-frames.js';
import { CLIP_OPTION_NAMES, FRAME_OPTION_NAMES, asRecord } from '../clips/clip-options.js';
import { clipTimesDecoder, finishWindowClip, flipRows, frameOutput, isRandom, scatterPlanes, videoInfoDecoder } from '../clips/clip-output.js';
import { createPlans, planClips } from '../clips/clip-sampler.js';
import { VideoFormatError, VideoInputError } from '../video-errors.js';
import { type VideoInput, inputOf } from './compressed-video-codec.js';
import { readFrameCount } from './stored-stream.js';
import { videoStatistics } from './video-preview.js';
import { FRAMES_METADATA_BYTES, type FramesToStore, MJPEG_CODEC_ID, PRE_EXTRACTED_FLAG, RESAMPLED_FLAG, StoredFrames, emptyFramesHeader, encodeFrames, framesTimeline, readFramesHeader } from './jpeg-frames-layout.js';

/**
 * `videoFrames()`: each video as one JPEG per frame (pre-extracted at write time, optionally resized
 * and resampled to a frame rate), with per-frame pts and byte offsets (see jpeg-frames-layout.ts).
 * Read through @tessera/image's libjpeg-turbo backend: a clip decodes only the JPEGs of its frames,
 * each cropped (one window per clip) and scaled in the DCT domain straight into the batch.
 */
export type VideoFramesArguments = {
  /** JPEG quality of frames encoded at write time, 1–100. */
  quality: number;
  /** The longer side of the stored frames, in pixels (frames are never enlarged); absent: as decoded. */
  maxSide?: number;
  /** Resample at write time: the frame shown at each instant k / fps; absent: every frame. */
  fps?: number;
};

/** Frames extracted beforehand: JPEG files or bytes, at `fps` frames per second. Stored as given. */
export type PreExtractedFrames = { frames: ReadonlyArray<string | Uint8Array>; fps: number };

/** A `videoFrames()` value: a video file (or a range of one), or pre-extracted JPEG frames. */
export type VideoFramesInput = VideoInput | PreExtractedFrames;

/** What `read()` gives: the stored JPEGs, one per frame (frames that repeat a picture repeat its bytes), and the video's properties. */
export interface StoredJpegFrames {
  /** Size of the stored frames. */
  width: number;
  height: number;
  sourceWidth: number;
  sourceHeight: number;
  /** FFmpeg codec id of the source stream (7, MJPEG, for pre-extracted frames). */
  codecId: number;
  timeBase: [number, number];
  frameRate: [number, number];
  /** Degrees, FFmpeg's counter-clockwise convention; recorded, not applied to the pixels. */
  rotation: number;
  frames: number;
  durationSeconds: number;
  /** The first stored frame's time on the source's timeline (seconds). */
  firstSeconds: number;
  /** JPEG quality used at write time; 0 when the JPEGs were stored as given. */
  quality: number;
  resampled: boolean;
  preExtracted: boolean;
  /** Per frame, in `timeBase`. */
  pts: number[];
  jpegs: Uint8Array[];
}

export const VIDEO_FRAMES_CODEC_ID = 'video/frames';
const METADATA_LAYOUT: MetadataLayout = { byteLength: FRAMES_METADATA_BYTES, alignment: 8 };
const MAX_SIDE = 16384;
const MAX_FPS = 1000;
const DECODE_FLAGS = JPEG_FAST_DCT | JPEG_DCT_SCALING;

export function normalizeVideoFramesArguments(args: VideoFramesArguments): VideoFramesArguments {
  const record = asRecord(args, 'videoFrames()');
  for (const key of Object.keys(record)) if (key !== 'quality' && key !== 'maxSide' && key !== 'fps') throw new TesseraError('E_ARGUMENT', `videoFrames(): unknown option "${key}" (options: quality, maxSide, fps)`);
  const quality = record.quality ?? 90;
  if (!Number.isSafeInteger(quality) || (quality as number) < 1 || (quality as number) > 100) throw new TesseraError('E_ARGUMENT', `videoFrames(): quality must be an integer from 1 to 100, got ${JSON.stringify(record.quality)}`);
  const normalized: VideoFramesArguments = { quality: quality as number };
  if (record.maxSide !== undefined) {
    if (!Number.isSafeInteger(record.maxSide) || (record.maxSide as number) < 1 || (record.maxSide as number) > MAX_SIDE) throw new TesseraError('E_ARGUMENT', `videoFrames(): maxSide must be an integer from 1 to ${MAX_SIDE} (pixels), got ${JSON.stringify(record.maxSide)}`);
    normalized.maxSide = record.maxSide as number;
  }
  if (record.fps !== undefined) {
    if (typeof record.fps !== 'number' || !(record.fps > 0) || record.fps > MAX_FPS) throw new TesseraError('E_ARGUMENT', `videoFrames(): fps must be a number in (0, ${MAX_FPS}], got ${JSON.stringify(record.fps)}`);
    rational(record.fps, 'videoFrames(): fps');
    normalized.fps = record.fps;
  }
  return normalized;
}

function isPreExtracted(value: unknown): value is PreExtractedFrames {
  return value !== null && typeof value === 'object' && 'frames' in value && !('path' in value);
}

function jpegEncoder(): NonNullable<JpegBackend['encode']> {
  const backend = jpegBackend();
  if (backend.encode === undefined) {
    throw new TesseraError(
      'E_VIDEO_BACKEND',
      `videoFrames() encodes frames with @tessera/image's JPEG encoder, and its active backend (${backend.description}) cannot encode. Fix: build @tessera/image's native libjpeg-turbo addon (needs a C compiler; pnpm rebuild @tessera/image) and install its optional dependency @julusian/jpeg-turbo, or store pre-extracted JPEG frames ({ frames, fps }), which need no encoder`,
    );
  }
  return backend.encode;
}

function encodeVideo(input: { path: string; start?: number; end?: number; label: string }, args: VideoFramesArguments): FramesToStore {
  const encode = jpegEncoder();
  const jpegs: Uint8Array[] = [];
  let result: ReturnType<typeof readVideoFrames>;
  try {
    result = readVideoFrames(input.path, { startSeconds: input.start, endSeconds: input.end, fps: args.fps, maxSide: args.maxSide }, (rgb, width, height) => {
      jpegs.push(encode(rgb, width, height, 3, args.quality));
    });
  } catch (error) {
    if (error instanceof TesseraError) throw error;
    throw new VideoInputError(`cannot be read (${(error as Error)?.message ?? String(error)})`, { input: input.label, cause: error });
  }
  const { video } = result;
  const frames = result.times.length;
  let timeBase = video.timeBase;
  let frameRate = video.averageFrameRate;
  let pts: number[] = result.sourcePts;
  let lastDuration = result.lastDuration;
  if (args.fps !== undefined) {
    frameRate = rational(args.fps, 'fps');
    timeBase = [frameRate[1], frameRate[0]];
    pts = Array.from({ length: frames }, (_, k) => k);
    lastDuration = 1;
  }
  return {
    width: result.width,
    height: result.height,
    sourceWidth: video.params.width,
    sourceHeight: video.params.height,
    sourceCodecId: video.params.codecId,
    timeBase,
    frameRate,
    rotation: video.rotation,
    quality: args.quality,
    flags: args.fps !== undefined ? RESAMPLED_FLAG : 0,
    firstSeconds: result.firstPtsSeconds + result.times[0]!,
    lastDuration,
    pts,
    jpegs,
    jpegOfFrame: result.pictureOfFrame,
  };
}

function encodePreExtracted(value: PreExtractedFrames, args: VideoFramesArguments): FramesToStore {
  const { frames, fps } = value;
  if (!Array.isArray(frames) || frames.length === 0) throw new TesseraError('E_FIELD_VALUE', `pre-extracted frames: frames must be a non-empty array of JPEG file paths or bytes, got ${Array.isArray(frames) ? 'an empty array' : typeof frames}`);
  if (typeof fps !== 'number' || !(fps > 0) || fps > MAX_FPS) throw new TesseraError('E_FIELD_VALUE', `pre-extracted frames: fps must be a number in (0, ${MAX_FPS}], got ${JSON.stringify(fps)}`);
  const sourceRate = rational(fps, 'pre-extracted frames: fps');
  const backend = jpegBackend();
  let width = 0;
  let height = 0;
  const given: Uint8Array[] = frames.map((frame, k) => {
    let bytes: Uint8Array;
    if (typeof frame === 'string') {
      try {
        bytes = readFileSync(frame);
      } catch (error) {
        throw new VideoInputError(`frame ${k} cannot be read (${(error as Error).message})`, { input: frame, cause: error });
      }
    } else if (frame instanceof Uint8Array) {
      bytes = frame;
    } else {
      throw new TesseraError('E_FIELD_VALUE', `pre-extracted frames: frame ${k} is ${frame === null ? 'null' : typeof frame}, expected a JPEG file path or JPEG bytes (Uint8Array)`);
    }
    const header = backend.readHeader(bytes);
    if (header === undefined || header.width < 1 || header.height < 1) throw new TesseraError('E_FIELD_VALUE', `pre-extracted frames: frame ${k} (${typeof frame === 'string' ? frame : `${bytes.byteLength} bytes`}) is not a JPEG this backend reads; pre-extracted frames must be baseline 8-bit JPEGs`);
    if (k === 0) [width, height] = [header.width, header.height];
    else if (header.width !== width || header.height !== height) throw new TesseraError('E_FIELD_VALUE', `pre-extracted frames: frame ${k} is ${header.width}×${header.height}, frame 0 ${width}×${height}; every frame of a video must have one size`);
    return bytes;
  });
  // Resampling picks frames (the one shown at each instant); maxSide re-encodes only frames that are too large.
  let shown = given.map((_, k) => k);
  let frameRate = sourceRate;
  if (args.fps !== undefined) {
    const duration = given.length / fps;
    shown = [];
    for (let k = 0; k < duration * args.fps - 1e-9; k++) shown.push(Math.min(given.length - 1, Math.floor(((k / args.fps) * fps) + 1e-9)));
    frameRate = rational(args.fps, 'fps');
  }
  const [outWidth, outHeight] = fitSize(width, height, args.maxSide);
  const resize = outWidth !== width || outHeight !== height;
  const jpegs: Uint8Array[] = [];
  const jpegOfFrame: number[] = [];
  const pictureOf = new Map<number, number>();
  const pixels = resize ? new Uint8Array(outWidth * outHeight * 3) : undefined;
  const encode = resize ? jpegEncoder() : undefined;
  for (const source of shown) {
    let picture = pictureOf.get(source);
    if (picture === undefined) {
      picture = jpegs.length;
      pictureOf.set(source, picture);
      if (resize) {
        try {
          backend.decode(given[source]!, 3, 0, 0, width, height, pixels!, outWidth, outHeight, JPEG_DCT_SCALING);
        } catch (error) {
          throw new TesseraError('E_FIELD_VALUE', `pre-extracted frames: frame ${source} does not decode (${(error as Error).message})`);
        }
        jpegs.push(encode!(pixels!, outWidth, outHeight, 3, args.quality));
      } else {
        jpegs.push(given[source]!);
      }
    }
    jpegOfFrame.push(picture);
  }
  return {
    width: outWidth,
    height: outHeight,
    sourceWidth: width,
    sourceHeight: height,
    sourceCodecId: MJPEG_CODEC_ID,
    timeBase: [frameRate[1], frameRate[0]],
    frameRate,
    rotation: 0,
    quality: resize ? args.quality : 0,
    flags: PRE_EXTRACTED_FLAG | (args.fps !== undefined ? RESAMPLED_FLAG : 0),
    firstSeconds: 0,
    lastDuration: 1,
    pts: shown.map((_, k) => k),
    jpegs,
    jpegOfFrame,
  };
}

// ── read side ─────────────────────────────────────────────────────────────────────────────────

/**
 * uint8 [T, H, W, 3] (THWC) or [3, T, H, W] (CTHW), with a leading clip dimension when clips > 1:
 * the same options and output as compressedVideo's "frames". Each needed JPEG is decoded once per
 * clip (consecutive repeats are copied), cropped and DCT-scaled by libjpeg-turbo, area-resized to `size`.
 * With sampler 'window' T is variable (`lengths[0]` frames written, the rest zero).
 */
const framesDecoder: DecoderDefinition<VideoFramesArguments> = {
  options: [...CLIP_OPTION_NAMES, ...FRAME_OPTION_NAMES],
  setup(field, rawOptions): DecoderInstance {
    const where = `decoder "frames" of field "${field.name}"`;
    const resolved = frameOutput(field, rawOptions, where);
    const { options, layout, height, width, frameBytes, clipBytes, shape, variableDims } = resolved;
    const stored = new StoredFrames(where);
    const plans = createPlans(options);
    const cthw = layout === 'CTHW';
    const scratch = cthw ? new Uint8Array(frameBytes) : undefined;
    // Loads the backend now: a missing one is an error when the loader is created, not at the first batch.
    const backend = jpegBackend();

    const decodeJpeg = (sampleIndex: number, index: number, crop: readonly number[], target: Uint8Array): void => {
      try {
        backend.decode(stored.jpeg(field, index), 3, crop[0]!, crop[1]!, crop[2]!, crop[3]!, target, width, height, DECODE_FLAGS);
      } catch (error) {
        throw new VideoFormatError(`${where}, sample ${sampleIndex}: the JPEG of frame ${index} does not decode (${(error as Error)?.message ?? String(error)}); the file is corrupt: re-create the dataset`, { cause: error });
      }
    };

    return {
      description: backend.description,
      output: { dtype: 'uint8', shape, variableDims },
      random: isRandom(options),
      decode(sampleIndex: number, slot: OutputSlot, context?: DecodeContext) {
        stored.load(field, sampleIndex);
        planClips(stored, options, context, plans, `${where}, sample ${sampleIndex}`);
        const out = slot.bytes;
        for (let clip = 0; clip < plans.length; clip++) {
          const plan = plans[clip]!;
          const clipBase = clip * clipBytes;
          for (let k = 0; k < plan.count; k++) {
            const index = plan.frames[k]!;
            const repeat = k > 0 && plan.frames[k - 1] === index;
            if (cthw) {
              // The scratch still holds the previous frame of this clip (flipped as the clip is).
              if (!repeat) {
                decodeJpeg(sampleIndex, index, plan.crop, scratch!);
                if (plan.flip) flipRows(scratch!, 0, width, height);
              }
              scatterPlanes(scratch!, out, clipBase, k, options.frames, width * height);
              continue;
            }
            const offset = clipBase + k * frameBytes;
            if (repeat) {
              out.copyWithin(offset, offset - frameBytes, offset);
              continue;
            }
            decodeJpeg(sampleIndex, index, plan.crop, out.subarray(offset, offset + frameBytes));
            if (plan.flip) flipRows(out, offset, width, height);
          }
        }
        if (variableDims !== undefined) finishWindowClip(slot, resolved, plans[0]!.count);
      },
    };
  },
};

const timesDecoder = clipTimesDecoder<VideoFramesArguments>((_field, where) => new StoredFrames(where));
const infoDecoder = videoInfoDecoder<VideoFramesArguments>((_field, where) => new StoredFrames(where));

function readStored(field: FieldReader, sampleIndex: number): StoredJpegFrames {
  const stored = new StoredFrames(`field "${field.name}"`);
  const header = stored.load(field, sampleIndex);
  return {
    width: header.width,
    height: header.height,
    sourceWidth: stored.sourceWidth,
    sourceHeight: stored.sourceHeight,
    codecId: header.codecId,
    timeBase: [...header.timeBase],
    frameRate: [...header.averageFrameRate],
    rotation: header.rotation,
    frames: header.frames,
    durationSeconds: stored.durationSeconds(),
    firstSeconds: stored.firstSeconds,
    quality: stored.quality,
    resampled: (stored.flags & RESAMPLED_FLAG) !== 0,
    preExtracted: (stored.flags & PRE_EXTRACTED_FLAG) !== 0,
    pts: Array.from(stored.pts),
    jpegs: Array.from({ length: header.frames }, (_, k) => stored.jpeg(field, k).slice()),
  };
}

export const videoFramesCodec: FieldCodec<VideoFramesInput, VideoFramesArguments> = {
  id: VIDEO_FRAMES_CODEC_ID,
  normalizeArguments: normalizeVideoFramesArguments,
  metadataLayout: () => METADATA_LAYOUT,
  encode(value, args, target) {
    const video = isPreExtracted(value) ? encodePreExtracted(value, args) : encodeVideo(inputOf(value), args);
    target.allocate(encodeFrames(video, target.metadata), 0);
  },
  validate(field) {
    const header = emptyFramesHeader();
    for (let sampleIndex = 0; sampleIndex < field.numSamples; sampleIndex++) {
      readFramesHeader(field, sampleIndex, header);
      if (header.byteLength === 0 || header.frames === 0) throw new RangeError(`sample ${sampleIndex}: no stored frames`);
      if (header.width === 0 || header.height === 0) throw new RangeError(`sample ${sampleIndex}: frames of ${header.width}×${header.height} pixels`);
      if (header.timeBase[0] === 0 || header.timeBase[1] === 0) throw new RangeError(`sample ${sampleIndex}: time base ${header.timeBase[0]}/${header.timeBase[1]}`);
      const allocated = field.allocationByteLength(header.pointer, sampleIndex);
      if (allocated < header.byteLength) throw new RangeError(`sample ${sampleIndex}: the frames have ${header.byteLength} bytes, their allocation ${allocated}`);
    }
  },
  read(field, sampleIndex) {
    return readStored(field, sampleIndex) as unknown as VideoFramesInput;
  },
  toJSON(field, sampleIndex) {
    const stored = new StoredFrames(`field "${field.name}"`);
    const header = stored.load(field, sampleIndex);
    return {
      codecId: header.codecId,
      width: header.width,
      height: header.height,
      sourceWidth: stored.sourceWidth,
      sourceHeight: stored.sourceHeight,
      frames: header.frames,
      timeBase: `${header.timeBase[0]}/${header.timeBase[1]}`,
      frameRate: `${header.averageFrameRate[0]}/${header.averageFrameRate[1]}`,
      durationSeconds: stored.durationSeconds(),
      firstSeconds: stored.firstSeconds,
      rotation: header.rotation,
      quality: stored.quality,
      resampled: (stored.flags & RESAMPLED_FLAG) !== 0,
      preExtracted: (stored.flags & PRE_EXTRACTED_FLAG) !== 0,
      ...field.describeBytes(header.pointer, header.byteLength),
    };
  },
  timeline: framesTimeline,
  length: readFrameCount,
  /** The first frame's JPEG as stored (no decoding). */
  preview(field, sampleIndex) {
    const stored = new StoredFrames(`field "${field.name}"`);
    const { width, height } = stored.load(field, sampleIndex);
    return { kind: 'image', mimeType: 'image/jpeg', bytes: stored.jpeg(field, 0), width, height };
  },
  statistics: (field, sampleIndex) => videoStatistics(field, sampleIndex, framesTimeline),
  decoders: { frames: framesDecoder, times: timesDecoder, info: infoDecoder },
  defaultDecoder: 'frames',
};
