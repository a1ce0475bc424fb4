import { ArgumentError, type FieldSpec, TesseraError } from '@tessera/core';
import { VIDEO_ENCODER_CODECS, type VideoEncoderCodec } from '../backend/node-av-encoder.js';
import { compressedVideo, opticalFlow, videoFrames } from '../field-specs.js';
import { type CompressedVideoArguments, normalizeCompressedVideoArguments } from '../fields/compressed-video-codec.js';
import { VideoInputError } from '../video-errors.js';
import type { VideoEntry } from './build-video-dataset.js';
import { readNpyFloat32 } from './npy-file.js';
import type { VideoProbe } from './probe-video.js';

/** The representations buildVideoDataset stores. */
export type VideoFieldKind = 'compressed' | 'frames' | 'flow';
export const VIDEO_FIELD_KINDS: readonly VideoFieldKind[] = ['compressed', 'frames', 'flow'];
/** Codecs `compressed` re-encodes to when `codec` is given. */
export const VIDEO_ENCODE_CODECS: readonly VideoEncodeCodec[] = VIDEO_ENCODER_CODECS;
export type VideoEncodeCodec = VideoEncoderCodec;

/** The options of the representations; each applies to the kinds it names. */
export interface RepresentationOptions {
  /** compressed (re-encode), frames: frames per second stored (resampled). Default: the source's frames. */
  fps?: number;
  /** compressed (re-encode), frames: the longer side is scaled down to at most this many pixels. */
  maxSide?: number;
  /** compressed: re-encode to this codec (default: the stream as stored, no re-encode). */
  codec?: VideoEncodeCodec;
  /** compressed (re-encode): frames between keyframes. */
  gop?: number;
  /** compressed (re-encode): the encoder's constant rate factor. */
  crf?: number;
  /** frames: JPEG quality 1–100. */
  quality?: number;
}

export interface VideoRepresentation {
  spec: FieldSpec;
  /** flow: the compressed video written beside it. */
  companion?: FieldSpec;
  /** The value written for an entry (its video for compressed and frames, its flow arrays for flow). */
  valueOf(entry: VideoEntry, probe: VideoProbe): unknown | Promise<unknown>;
}

const videoValue = (entry: VideoEntry): unknown => (entry.start === undefined && entry.end === undefined ? entry.path : { path: entry.path, start: entry.start, end: entry.end });

/**
 * The field spec of `kind` with `options`, checked before any video is read: an option out of
 * range or one that does not apply to the kind is E_ARGUMENT naming it.
 */
export function videoRepresentation(kind: VideoFieldKind, options: RepresentationOptions): VideoRepresentation {
  const given = (names: ReadonlyArray<keyof RepresentationOptions>) => names.filter((name) => options[name] !== undefined);
  const reject = (names: ReadonlyArray<keyof RepresentationOptions>, why: string) => {
    const wrong = given(names);
    if (wrong.length > 0) throw new ArgumentError(wrong[0]!, `does not apply to field '${kind}' (${why})`);
  };
  checkNumbers(options);
  switch (kind) {
    case 'compressed': {
      reject(['quality'], 'quality is the JPEG quality of field frames');
      const encoding = given(['fps', 'maxSide', 'gop', 'crf']);
      if (options.codec === undefined && encoding.length > 0) throw new ArgumentError(encoding[0]!, `needs codec (${VIDEO_ENCODE_CODECS.join(', ')}): without one the stream is stored as it is, not re-encoded`);
      if (options.codec !== undefined) {
        if (!VIDEO_ENCODE_CODECS.includes(options.codec)) throw new ArgumentError('codec', `must be one of ${VIDEO_ENCODE_CODECS.join(', ')}, got ${JSON.stringify(options.codec)}`);
        const { codec, gop, crf, maxSide, fps } = options;
        const spec = compressedVideo({ mode: 'encode', codec, gop, crf, maxSide, fps });
        checkEncodeArguments(spec);
        return { spec, valueOf: videoValue };
      }
      return { spec: compressedVideo(), valueOf: videoValue };
    }
    case 'frames':
      reject(['codec', 'gop', 'crf'], 'codec, gop and crf re-encode field compressed');
      return { spec: videoFrames({ quality: options.quality, maxSide: options.maxSide, fps: options.fps }), valueOf: videoValue };
    case 'flow':
      reject(['codec', 'gop', 'crf', 'fps', 'maxSide', 'quality'], 'flow is stored as the .npy files give it, beside the stream as stored');
      return { spec: opticalFlow(), companion: compressedVideo(), valueOf: flowValue };
  }
}

/** The encoder's own checks (crf ranges differ by codec) now, as an ArgumentError naming the option. */
function checkEncodeArguments(spec: FieldSpec): void {
  try {
    normalizeCompressedVideoArguments(spec.arguments as CompressedVideoArguments);
  } catch (error) {
    if (!TesseraError.is(error, 'E_ARGUMENT')) throw error;
    const message = error.message.replace(/^compressedVideo\(\{ mode: 'encode' \}\): /, '');
    const option = /^(codec|gop|crf|maxSide|fps)\b/.exec(message)?.[1] ?? 'codec';
    throw new ArgumentError(option, message.startsWith(option) ? message.slice(option.length).trimStart() : message);
  }
}

function checkNumbers(options: RepresentationOptions): void {
  const positive = (name: keyof RepresentationOptions, integer: boolean, max: number) => {
    const value = options[name];
    if (value === undefined) return;
    if (typeof value !== 'number' || !(value > 0) || value > max || (integer && !Number.isInteger(value))) {
      throw new ArgumentError(name, `must be a ${integer ? 'positive integer' : 'positive number'} up to ${max}, got ${JSON.stringify(value)}`);
    }
  };
  positive('fps', false, 1000);
  positive('maxSide', true, 16384);
  positive('gop', true, 10000);
  positive('quality', true, 100);
  const crf = options.crf;
  if (crf !== undefined && (typeof crf !== 'number' || !Number.isInteger(crf) || crf < 0 || crf > 63)) throw new ArgumentError('crf', `must be an integer from 0 to 63, got ${JSON.stringify(crf)}`);
}

/** flow: the entry's .npy file as an opticalFlow() value for its video (N frames → float32 [N − 1, H, W, 2]). */
export async function flowValue(entry: VideoEntry, probe: VideoProbe): Promise<unknown> {
  const path = entry.flow!;
  const { shape, data } = await readNpyFloat32(path);
  const expected = `[${probe.frames - 1}, H, W, 2] (the video has ${probe.frames} frames${entry.start !== undefined || entry.end !== undefined ? ' in its range' : ''})`;
  if (shape.length !== 4 || shape[3] !== 2 || shape[0] !== probe.frames - 1 || shape[1]! < 1 || shape[2]! < 1) {
    throw new VideoInputError(`the flow has shape [${shape.join(', ')}], expected ${expected}`, { input: path });
  }
  return { flow: data, width: shape[2]!, height: shape[1]!, frameTimes: Array.from(probe.frameTimes), durationSeconds: probe.seconds, videoWidth: probe.width, videoHeight: probe.height, rotation: probe.rotation, startSeconds: probe.startSeconds, ...(probe.averageFps > 0 ? { fps: probe.averageFps } : {}) };
}
