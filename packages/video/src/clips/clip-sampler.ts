/**
 * Which frames a clip holds. Pure functions of the video's frame times and the options, plus the
 * seeded random source for random clips and the loader's time window for window clips: the frames
 * decoder and the times decoder call the same code with the same draws, so they agree on every clip.
 */
import type { DecodeContext, SampleWindow } from '@tessera/core';
import { TesseraError } from '@tessera/core';
import { type CropWindow, centerCrop, randomResizedCrop } from '@tessera/image';
import { VideoFormatError } from '../video-errors.js';

export type ClipSampler = 'random' | 'uniform' | 'regular' | 'window';
export type EndPolicy = 'repeat_last' | 'wrap' | 'error';
export type ClipCrop = 'none' | 'center' | 'random' | 'random-resized';
export const CLIP_SAMPLERS: readonly ClipSampler[] = ['random', 'uniform', 'regular', 'window'];
/**
 * Window clips: a frame at presentation time p is in [t, t + d) when t ≤ p + ε < t + d, with ε = 1 ns
 * (far below any frame interval), so that a window computed in floating point as t + d still
 * excludes a frame whose pts is exactly at its end, and adjacent windows share no frame.
 */
export const WINDOW_EPSILON_SECONDS = 1e-9;
export const END_POLICIES: readonly EndPolicy[] = ['repeat_last', 'wrap', 'error'];
export const CLIP_CROPS: readonly ClipCrop[] = ['none', 'center', 'random', 'random-resized'];

/** Options shared by the decoders that sample clips (resolved, validated). */
export interface ClipOptions {
  /** Frames per clip; with sampler 'window' the most a clip holds (the first ones of the window). */
  frames: number;
  /** Clips per video per sample (the output gets a leading dimension when > 1). */
  clips: number;
  sampler: ClipSampler;
  /** Frame-index mode: every `stride`-th frame. Ignored when `fps` is set. */
  stride: number;
  /** Time mode: frames at this rate (the frame shown at each instant), whatever the video's rate or VFR. */
  fps: number | undefined;
  /** 'regular': clip i starts at i × interval (frames in index mode, seconds in time mode). */
  interval: number | undefined;
  endPolicy: EndPolicy;
  crop: ClipCrop;
  scale: [number, number];
  ratio: [number, number];
  centerRatio: number;
  /**
   * With crop 'center' or 'random': the frame is seen as resized to this short side (torchvision's
   * Resize(shortSide) before CenterCrop / RandomCrop(size)); the window is `outputSize` at that scale.
   * Without it, 'random' crops `outputSize` pixels of the frame as stored.
   */
  shortSide: number | undefined;
  /** [height, width] of the decoded frames, set by the decoders that make pixels (windows of 'center' with shortSide and 'random'). */
  outputSize?: [number, number];
  /** Probability of a horizontal flip (one draw per clip). */
  flip: number;
}

export interface ClipVideo {
  /** Frames in presentation order. */
  frames: number;
  width: number;
  height: number;
  /** Seconds of frame k after the first frame. */
  frameTime(k: number): number;
  /**
   * Frame k's presentation time on the stream's own axis (pts × time base, not shifted to 0): the
   * axis of the field's `timeline` and of the loader's windows.
   */
  presentationSeconds(k: number): number;
  durationSeconds(): number;
}

export interface RandomDraws {
  nextFloat(): number;
  nextInt(bound: number): number;
}

/** One clip: the frames (presentation indices, with repeats), the crop window and the flip. */
export interface ClipPlan {
  /** `frames` entries (the options' frames); the clip is the first `count` of them. */
  frames: Int32Array;
  /** Frames the clip holds: the options' `frames`, except with sampler 'window' (0 to `frames`). */
  count: number;
  crop: CropWindow;
  flip: boolean;
}

/** Fixed choices when no random source is given (standalone decode): a clip from the start, center crop, no flip. */
const NO_RANDOM: RandomDraws = { nextFloat: () => 0.5, nextInt: (bound) => Math.floor(bound / 2) };

/**
 * Fills `plans` (one per clip) for a video; throws VideoFormatError with `endPolicy: 'error'` when a
 * clip does not fit. With the loader's `repeat: n` (`occurrences` n, this sample's `occurrence`),
 * 'uniform' and 'regular' place the clips of occurrence k after those of occurrences 0 … k − 1: n
 * occurrences of `clips` clips each are n × clips clips of the video, one spacing. Sampler 'window'
 * takes the frames presented in `context.window` (E_ARGUMENT without one).
 *
 * Draws from `context.random`, per clip, in this order (decoders paired by the loader's
 * `randomFrom` — a video and its flow — rely on it): the clip's start (sampler 'random' only: one
 * nextInt in frame-index mode, one nextFloat with `fps`; 'uniform', 'regular' and 'window' draw
 * nothing), then the crop ('random-resized': randomResizedCrop's draws; 'random': two nextFloat),
 * then the flip (one nextFloat when `flip` > 0).
 */
export function planClips(video: ClipVideo, options: ClipOptions, context: DecodeContext | undefined, plans: ClipPlan[], where: string): void {
  const random = context?.random;
  const draws = random ?? NO_RANDOM;
  const occurrence = context?.occurrence ?? 0;
  const n = video.frames;
  const total = options.clips * (context?.occurrences ?? 1);
  for (let clip = 0; clip < options.clips; clip++) {
    const plan = plans[clip]!;
    const index = occurrence * options.clips + clip;
    plan.count = options.frames;
    if (options.sampler === 'window') plan.count = planWindow(video, options, context?.window, plan.frames, where);
    else if (options.fps === undefined) planByIndex(n, options, index, total, draws, plan.frames, where);
    else planByTime(video, options, index, total, draws, plan.frames, where);
    if (options.crop === 'random-resized') randomResizedCrop(video.width, video.height, options.scale, options.ratio, draws, plan.crop);
    else if (options.crop === 'random' || (options.crop === 'center' && options.shortSide !== undefined)) sizedCrop(video, options, options.crop === 'random' ? draws : undefined, plan.crop);
    else if (options.crop === 'center') centerCrop(video.width, video.height, options.centerRatio, plan.crop);
    else plan.crop.splice(0, 4, 0, 0, video.width, video.height);
    plan.flip = options.flip > 0 && (random === undefined ? false : draws.nextFloat() < options.flip);
  }
}

/**
 * Window clips: the frames presented in [t, t + d) (see WINDOW_EPSILON_SECONDS), in presentation
 * order, every `stride`-th from the first, at most `frames`; writes them to `out` and returns how
 * many. A window outside the stream holds no frame (0, not an error).
 */
function planWindow(video: ClipVideo, options: ClipOptions, window: SampleWindow | undefined, out: Int32Array, where: string): number {
  if (window === undefined) {
    throw new TesseraError('E_ARGUMENT', `${where}: sampler 'window' cuts the clip by the sample's time window, and none was given: set the loader option window: { timeline, seconds } (a standalone decode() passes context.window)`);
  }
  const start = window.startSeconds;
  const duration = window.durationSeconds;
  if (!Number.isFinite(start) || !(duration >= 0) || !Number.isFinite(duration)) {
    throw new TesseraError('E_ARGUMENT', `${where}: the time window must have a finite start and a finite duration ≥ 0 (seconds), got start ${start}, duration ${duration}`);
  }
  const end = start + duration;
  // The first frame presented at or after the start (binary search over increasing times).
  let low = 0;
  let high = video.frames;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (video.presentationSeconds(middle) + WINDOW_EPSILON_SECONDS >= start) high = middle;
    else low = middle + 1;
  }
  let count = 0;
  for (let k = low; k < video.frames && count < options.frames; k += options.stride) {
    if (!(video.presentationSeconds(k) + WINDOW_EPSILON_SECONDS < end)) break;
    out[count++] = k;
  }
  return count;
}

/**
 * The output size at the scale where the short side is `shortSide` (1 without it), clamped to the
 * frame; centered, or at a random position (two nextFloat draws, whatever the sizes, so decoders
 * without an output size make the same draws).
 */
function sizedCrop(video: ClipVideo, options: ClipOptions, draws: RandomDraws | undefined, out: CropWindow): void {
  const [outHeight, outWidth] = options.outputSize ?? [video.height, video.width];
  const scale = options.shortSide === undefined ? 1 : Math.min(video.width, video.height) / options.shortSide;
  const width = Math.max(1, Math.min(video.width, Math.round(outWidth * scale)));
  const height = Math.max(1, Math.min(video.height, Math.round(outHeight * scale)));
  const fx = draws === undefined ? 0.5 : draws.nextFloat();
  const fy = draws === undefined ? 0.5 : draws.nextFloat();
  const x = draws === undefined ? Math.floor((video.width - width) / 2) : Math.min(video.width - width, Math.floor(fx * (video.width - width + 1)));
  const y = draws === undefined ? Math.floor((video.height - height) / 2) : Math.min(video.height - height, Math.floor(fy * (video.height - height + 1)));
  out.splice(0, 4, x, y, width, height);
}

function planByIndex(n: number, options: ClipOptions, clip: number, total: number, draws: RandomDraws, out: Int32Array, where: string): void {
  const span = (options.frames - 1) * options.stride + 1;
  const room = Math.max(0, n - span);
  let start: number;
  if (options.sampler === 'random') start = draws.nextInt(room + 1);
  else if (options.sampler === 'uniform') start = total === 1 ? Math.floor(room / 2) : Math.round((clip * room) / (total - 1));
  else start = clip * (options.interval ?? span);
  for (let k = 0; k < options.frames; k++) out[k] = resolveEnd(start + k * options.stride, n, options, where);
}

function planByTime(video: ClipVideo, options: ClipOptions, clip: number, total: number, draws: RandomDraws, out: Int32Array, where: string): void {
  const fps = options.fps!;
  const length = options.frames / fps;
  const duration = video.durationSeconds();
  const room = Math.max(0, duration - length);
  let start: number;
  if (options.sampler === 'random') start = draws.nextFloat() * room;
  else if (options.sampler === 'uniform') start = total === 1 ? room / 2 : (clip * room) / (total - 1);
  else start = clip * (options.interval ?? length);
  const n = video.frames;
  for (let k = 0; k < options.frames; k++) {
    const time = start + k / fps;
    if (time >= duration) {
      // Past the end: the same policies, counted in frames past the last one.
      const over = Math.floor((time - duration) * fps) + 1;
      out[k] = resolveEnd(n - 1 + over, n, options, where, time);
      continue;
    }
    out[k] = frameAt(video, time);
  }
}

/** The frame shown at `time` (seconds after the first frame): the last one whose time is ≤ it. */
export function frameAt(video: ClipVideo, time: number): number {
  let low = 0;
  let high = video.frames - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (video.frameTime(middle) <= time + 1e-9) low = middle;
    else high = middle - 1;
  }
  return low;
}

function resolveEnd(index: number, n: number, options: ClipOptions, where: string, time?: number): number {
  if (index < n) return index;
  if (options.endPolicy === 'repeat_last') return n - 1;
  if (options.endPolicy === 'wrap') return index % n;
  const asked = time === undefined ? `frame ${index}` : `${time.toFixed(3)} s`;
  throw new VideoFormatError(`${where}: the clip needs ${asked}, the video has ${n} frames (endPolicy 'error'; use 'repeat_last' or 'wrap' to pad short videos)`);
}

export function createPlans(options: ClipOptions): ClipPlan[] {
  return Array.from({ length: options.clips }, () => ({ frames: new Int32Array(options.frames), count: options.frames, crop: [0, 0, 0, 0] as CropWindow, flip: false }));
}
