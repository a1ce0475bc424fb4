/**
 * What the clip decoders of every video field share once frames are decoded: the flip, the CTHW
 * scatter, whether a decoder draws random numbers, and the one output size a field's videos have.
 * Both fields' metadata columns keep width and height at the same offsets (stored-stream.ts), so
 * `sameSize` reads either.
 */
import type { DecodeContext, DecoderDefinition, DecoderInstance, FieldReader, JsonValue, OutputSlot } from '@tessera/core';
import { TesseraError } from '@tessera/core';
import { emptyHeader, readHeader } from '../fields/stored-stream.js';
import { CLIP_OPTION_NAMES, type ClipLayout, asRecord, clipOptions, frameOptions } from './clip-options.js';
import { type ClipOptions, type ClipVideo, createPlans, planClips } from './clip-sampler.js';

/** Mirrors `height` rows of `width` RGB pixels at `data[offset…]` in place. */
export function flipRows(data: Uint8Array, offset: number, width: number, height: number): void {
  for (let row = 0; row < height; row++) {
    let left = offset + row * width * 3;
    let right = left + (width - 1) * 3;
    while (left < right) {
      for (let channel = 0; channel < 3; channel++) {
        const value = data[left + channel]!;
        data[left + channel] = data[right + channel]!;
        data[right + channel] = value;
      }
      left += 3;
      right -= 3;
    }
  }
}

/** HWC frame → the k-th frame of each of the three [T, H, W] planes of a CTHW clip. */
export function scatterPlanes(frame: Uint8Array, out: Uint8Array, clipBase: number, k: number, frames: number, pixels: number): void {
  for (let channel = 0; channel < 3; channel++) {
    const target = clipBase + (channel * frames + k) * pixels;
    for (let pixel = 0; pixel < pixels; pixel++) out[target + pixel] = frame[pixel * 3 + channel]!;
  }
}

/** A decoder with these options draws from the loader's random source. */
export const isRandom = (options: ClipOptions): boolean => options.sampler === 'random' || options.crop === 'random-resized' || options.crop === 'random' || options.flip > 0;

/** [height, width] when every video of the field has one size, else why not (for the error message). */
export function sameSize(field: FieldReader): [number, number] | string {
  const header = emptyHeader();
  const sizes = new Set<string>();
  let first: [number, number] = [0, 0];
  for (let sampleIndex = 0; sampleIndex < field.numSamples; sampleIndex++) {
    readHeader(field, sampleIndex, header);
    if (sizes.size === 0) first = [header.height, header.width];
    sizes.add(`${header.width}×${header.height}`);
    if (sizes.size > 3) break;
  }
  if (sizes.size === 1) return first;
  return sizes.size === 0 ? 'the dataset is empty' : `the videos have different sizes (${[...sizes].slice(0, 3).join(', ')}${sizes.size > 3 ? ', …' : ''})`;
}

/** A field's view of one stored video, as the shared `times` and `info` decoders read it. */
export interface StoredClipVideo extends ClipVideo {
  /** Reads and checks sample `sampleIndex`; the other members then describe it. */
  load(field: FieldReader, sampleIndex: number): unknown;
  readonly rotation: number;
  nominalFps(): number;
  firstFrameSeconds(): number;
}

/**
 * float64 [T] (or [clips, T]): seconds after the video's first frame of each frame of the clip —
 * the clips the field's pixel decoder draws with the same options and seed. With sampler 'window':
 * float64 [T] variable in T (`lengths[0]` frames, zero padding), the frames' presentation times on
 * the stream's own axis (pts × time base, the axis of the window), not shifted to the first frame.
 */
export function clipTimesDecoder<TArgs extends JsonValue>(createView: (field: FieldReader<TArgs>, where: string) => StoredClipVideo): DecoderDefinition<TArgs> {
  return {
    options: [...CLIP_OPTION_NAMES],
    setup(field, rawOptions): DecoderInstance {
      const where = `decoder "times" of field "${field.name}"`;
      const options = clipOptions(asRecord(rawOptions, where), where);
      const view = createView(field, where);
      const plans = createPlans(options);
      const windowed = options.sampler === 'window';
      return {
        output: windowed ? { dtype: 'float64', shape: [options.frames], variableDims: [0] } : { dtype: 'float64', shape: options.clips > 1 ? [options.clips, options.frames] : [options.frames] },
        random: isRandom(options),
        decode(sampleIndex: number, slot: OutputSlot, context?: DecodeContext) {
          view.load(field, sampleIndex);
          planClips(view, options, context, plans, `${where}, sample ${sampleIndex}`);
          const out = slot.data as Float64Array;
          if (windowed) {
            const plan = plans[0]!;
            for (let k = 0; k < plan.count; k++) out[k] = view.presentationSeconds(plan.frames[k]!);
            out.fill(0, plan.count, options.frames);
            slot.lengths[0] = plan.count;
            return;
          }
          for (let clip = 0; clip < plans.length; clip++) {
            const frames = plans[clip]!.frames;
            for (let k = 0; k < frames.length; k++) out[clip * options.frames + k] = view.frameTime(frames[k]!);
          }
        },
      };
    },
  };
}

/** float64 [7]: frames, duration (s), fps (stated, else frames / duration), width, height, rotation (degrees), first frame's time in the source (s). */
export function videoInfoDecoder<TArgs extends JsonValue>(createView: (field: FieldReader<TArgs>, where: string) => StoredClipVideo): DecoderDefinition<TArgs> {
  return {
    options: [],
    setup(field): DecoderInstance {
      const view = createView(field, `decoder "info" of field "${field.name}"`);
      return {
        output: { dtype: 'float64', shape: [7] },
        decode(sampleIndex: number, slot: OutputSlot) {
          view.load(field, sampleIndex);
          const out = slot.data as Float64Array;
          const duration = view.durationSeconds();
          const fps = view.nominalFps();
          out[0] = view.frames;
          out[1] = duration;
          out[2] = fps > 0 ? fps : view.frames / Math.max(duration, 1e-9);
          out[3] = view.width;
          out[4] = view.height;
          out[5] = view.rotation;
          out[6] = view.firstFrameSeconds();
        },
      };
    },
  };
}

/** The largest output a clip decoder may declare per sample, in bytes (1 GiB). */
const MAX_OUTPUT_BYTES = 1 << 30;

/** What a pixel clip decoder (`frames`) resolves from its options before decoding. */
export interface FrameOutput {
  options: ClipOptions;
  layout: ClipLayout;
  height: number;
  width: number;
  frameBytes: number;
  clipBytes: number;
  /** [T, H, W, 3] or [3, T, H, W], with a leading clips dimension when clips > 1. */
  shape: number[];
  /** Sampler 'window': T is variable (dimension 0 in THWC, 1 in CTHW); undefined otherwise. */
  variableDims: number[] | undefined;
}

/**
 * After a window clip of `count` frames is written: zero-fills the rest of the slot (the frames
 * `count` … T − 1; in CTHW, of each channel's [T, H, W] plane) and records `lengths[0] = count`.
 */
export function finishWindowClip(slot: OutputSlot, output: FrameOutput, count: number): void {
  const frames = output.options.frames;
  const bytes = slot.bytes;
  if (output.layout === 'THWC') {
    if (count < frames) bytes.fill(0, count * output.frameBytes, frames * output.frameBytes);
  } else if (count < frames) {
    const plane = output.clipBytes / 3;
    const pixels = output.height * output.width;
    for (let channel = 0; channel < 3; channel++) bytes.fill(0, channel * plane + count * pixels, (channel + 1) * plane);
  }
  slot.lengths[0] = count;
}

/**
 * The clip options, layout and output size of a `frames` decoder: `size`, or the one size every video
 * of the field has (required with a crop). Crops sized by the output ('random', 'center' with
 * shortSide) are drawn at that size.
 */
export function frameOutput(field: FieldReader, rawOptions: unknown, where: string): FrameOutput {
  const record = asRecord(rawOptions, where);
  const options = clipOptions(record, where);
  const frame = frameOptions(record, where);
  let size = frame.size;
  if (size === undefined) {
    if (options.crop !== 'none') throw new TesseraError('E_ARGUMENT', `${where}: crop '${options.crop}' needs size: [height, width] (the output size)`);
    const found = sameSize(field);
    if (typeof found === 'string') throw new TesseraError('E_ARGUMENT', `${where}: ${found}; give size: [height, width] to resize every clip to one size`);
    size = found;
  }
  const [height, width] = size;
  options.outputSize = size;
  const frameBytes = height * width * 3;
  const clipBytes = frameBytes * options.frames;
  if (clipBytes * options.clips > MAX_OUTPUT_BYTES) throw new TesseraError('E_ARGUMENT', `${where}: ${options.clips} × ${options.frames} frames of ${width}×${height} need ${clipBytes * options.clips} bytes per sample, more than 1 GiB`);
  const clipShape = frame.layout === 'THWC' ? [options.frames, height, width, 3] : [3, options.frames, height, width];
  // Window clips are one per sample (clips is 1): T is dimension 0 of [T, H, W, 3], 1 of [3, T, H, W].
  const variableDims = options.sampler === 'window' ? [frame.layout === 'THWC' ? 0 : 1] : undefined;
  return { options, layout: frame.layout, height, width, frameBytes, clipBytes, shape: options.clips > 1 ? [options.clips, ...clipShape] : clipShape, variableDims };
}
