import type { FieldSpec } from '@tessera/core';
import { COMPRESSED_VIDEO_CODEC_ID, type CompressedVideoArguments } from './fields/compressed-video-codec.js';
import { VIDEO_FRAMES_CODEC_ID, type VideoFramesArguments } from './fields/jpeg-frames-codec.js';
import { OPTICAL_FLOW_CODEC_ID, type OpticalFlowArguments, normalizeOpticalFlowArguments } from './fields/flow-codec.js';
import { videoPlugin } from './video-plugin.js';

export interface CompressedVideoOptions {
  /** 'copy' (the default): the packets as the container holds them, no re-encode. 'encode': re-encoded at write time with the options below. */
  mode?: 'copy' | 'encode';
  /** mode 'encode': the codec (libx264, libx265, libvpx-vp9, libsvtav1 through node-av). */
  codec?: 'h264' | 'h265' | 'vp9' | 'av1';
  /** mode 'encode': frames from one keyframe to the next, fixed (default 32). */
  gop?: number;
  /** mode 'encode': constant rate factor (default: the encoder's own, 23 h264, 28 h265, 32 vp9, 35 av1). */
  crf?: number;
  /** mode 'encode': the longer side in pixels (aspect kept, never enlarged; sizes rounded down to even). */
  maxSide?: number;
  /** mode 'encode': resample to this frame rate (the frame shown at each k / fps instant). */
  fps?: number;
}

/** Each video's encoded stream with a keyframe index: `{ video: compressedVideo() }`; values are file paths or `{ path, start, end }`. */
export function compressedVideo(options: CompressedVideoOptions = {}): FieldSpec<CompressedVideoArguments> {
  // Options left out stay out: normalizeArguments fills the defaults and rejects options of the other mode.
  const args = Object.fromEntries(Object.entries({ mode: 'copy', ...options }).filter(([, value]) => value !== undefined));
  return { plugin: videoPlugin(), codecId: COMPRESSED_VIDEO_CODEC_ID, arguments: args as CompressedVideoArguments };
}

export interface VideoFramesOptions {
  /** JPEG quality of the frames encoded at write time, 1–100 (default 90). Pre-extracted JPEGs are stored as given. */
  quality?: number;
  /** The longer side of the stored frames in pixels (aspect ratio kept, never enlarged); default: the video's size. */
  maxSide?: number;
  /** Resample at write time: the frame shown at each instant k / fps (VFR-safe); default: every frame. */
  fps?: number;
}

/**
 * Each video as one JPEG per frame, extracted at write time: `{ video: videoFrames({ maxSide: 256 }) }`.
 * Values: a video file path, `{ path, start, end }`, or pre-extracted frames `{ frames: [jpeg paths or bytes], fps }`.
 * Decoders are compressedVideo's (`frames`, `times`, `info`, same options and shapes).
 */
export function videoFrames(options: VideoFramesOptions = {}): FieldSpec<VideoFramesArguments> {
  const args: VideoFramesArguments = { quality: options.quality ?? 90 };
  if (options.maxSide !== undefined) args.maxSide = options.maxSide;
  if (options.fps !== undefined) args.fps = options.fps;
  return { plugin: videoPlugin(), codecId: VIDEO_FRAMES_CODEC_ID, arguments: args };
}

export interface OpticalFlowOptions {
  /** How u and v are stored: 'int16' (default), 'uint8x2' (two uint8 channels), or 'jpeg' (the uint8 codes as one grayscale JPEG per pair). */
  quantization?: 'int16' | 'uint8x2' | 'jpeg';
  /** Pixels per quantization step (value = code × scale); default 1/64 for int16 (±512 px), 1/4 for uint8x2 and jpeg (−32 to +31.75 px). */
  scale?: number;
  /** Instead of scale: the largest |u| or |v| stored without clipping (scale = maxMagnitude / 32767 for int16, / 127 otherwise). */
  maxMagnitude?: number;
  /** JPEG quality 1–100 (quantization 'jpeg' only; default 95). */
  quality?: number;
}

/**
 * Each video's precomputed optical flow, one field per frame pair: `{ video: compressedVideo(), flow: opticalFlow() }`.
 * Values: `{ flow, width, height, frameTimes | fps, videoWidth?, videoHeight? }` (see OpticalFlowValue).
 * Decoders: `flow` (float32 clips with the frames decoder's clip options) and `info`.
 */
export function opticalFlow(options: OpticalFlowOptions = {}): FieldSpec<OpticalFlowArguments> {
  // Resolved now (maxMagnitude → scale, defaults): a bad option is E_ARGUMENT here, and the stored arguments state the scale.
  return { plugin: videoPlugin(), codecId: OPTICAL_FLOW_CODEC_ID, arguments: normalizeOpticalFlowArguments(options as OpticalFlowArguments) };
}
