/**
 * Write time: a video's frames as RGB24 pictures, in presentation order, decoded through the
 * selected backend's demuxer and decoder (video-backend.ts: node-av, or the ffmpeg process when
 * node-av cannot load) — optionally a [start, end) range, resampled to a frame rate (the frame
 * shown at each instant) and resized so the longest side is at most `maxSide` (swscale, bilinear).
 * Synchronous, like demuxVideo(). The ffmpeg process backend decodes on drain: it holds the range's
 * pictures in memory until they are handed out.
 */
import { TesseraError } from '@tessera/core';
import { VideoInputError } from '../video-errors.js';
import { type DemuxedVideo, createPictureDecoder, demuxVideo } from './video-backend.js';

export interface ReadFramesOptions {
  /** Seconds after the video's first frame; frames shown before it are left out. */
  startSeconds?: number;
  /** Seconds after the video's first frame; frames presented at or after it are left out. */
  endSeconds?: number;
  /** Resample: the frame shown at each instant start + k / fps before the end. */
  fps?: number;
  /** Resize so the longer side is at most this many pixels (aspect ratio kept). */
  maxSide?: number;
  /** Round the output size down to even numbers (what 4:2:0 encoders need). */
  evenSize?: boolean;
}

/** What was read, besides the pictures handed to `onFrame`. */
export interface ReadFramesResult {
  video: Omit<DemuxedVideo, 'packets'>;
  /** Output picture size (after maxSide). */
  width: number;
  height: number;
  /** Presentation time of each output frame, in seconds after the video's first frame. */
  times: number[];
  /** Each output frame's source pts (the stream's time base). */
  sourcePts: number[];
  /** Per output frame: the ordinal of the onFrame call that delivered its picture (repeats share one). */
  pictureOfFrame: number[];
  /** Seconds of the video's first frame on the stream's timeline (first pts × time base). */
  firstPtsSeconds: number;
  /** Duration of the last output frame: in the stream's time base, or in seconds (1 / fps) when resampled. */
  lastDuration: number;
}

/** Output size for a source size and a maximum side: the longer side scaled to maxSide, the other rounded (≥ 1). */
export function fitSize(width: number, height: number, maxSide: number | undefined): [number, number] {
  if (maxSide === undefined || Math.max(width, height) <= maxSide) return [width, height];
  const scale = maxSide / Math.max(width, height);
  return width >= height ? [maxSide, Math.max(1, Math.round(height * scale))] : [Math.max(1, Math.round(width * scale)), maxSide];
}

/** A frame rate as num/den (den ≤ 100000), exact to 1e-9 relative: 25 → 25/1, 29.97 → 2997/100, 30000/1001 → 30000/1001. */
export function rationalFrameRate(value: number, where: string): [number, number] {
  // Continued-fraction convergents.
  let [h0, h1, k0, k1] = [0, 1, 1, 0];
  let x = value;
  for (let step = 0; step < 32; step++) {
    const a = Math.floor(x);
    [h0, h1] = [h1, a * h1 + h0];
    [k0, k1] = [k1, a * k1 + k0];
    if (k1 > 100_000) break;
    if (Math.abs(h1 / k1 - value) <= 1e-9 * value) return [h1, k1];
    if (x === a) break;
    x = 1 / (x - a);
  }
  throw new TesseraError('E_ARGUMENT', `${where} ${value} is not a ratio of integers with a denominator up to 100000`);
}

/**
 * One distinct picture: `rgb` (reused: consume it before returning), its size, its time in seconds
 * after the video's first frame (the instant, when resampled), how many consecutive output frames
 * show it (more than 1 only when resampling repeats it), and its pts in the stream's time base.
 */
export type FrameCallback = (rgb: Uint8Array, width: number, height: number, seconds: number, repeats: number, sourcePts: number) => void;

/**
 * Decodes the frames of `path` a range needs and calls `onFrame` once per distinct picture, in
 * presentation order; `onStart` first, with the stream's properties and the output size.
 */
export function readVideoFrames(path: string, options: ReadFramesOptions, onFrame: FrameCallback, onStart?: (video: Omit<DemuxedVideo, 'packets'>, width: number, height: number) => void): ReadFramesResult {
  const video = demuxVideo(path);
  const { packets, ...rest } = video;
  const [num, den] = video.timeBase;
  const n = packets.length;
  // Presentation order: packet index of the k-th frame by pts.
  const order = Array.from({ length: n }, (_, index) => index).sort((a, b) => packets[a]!.pts - packets[b]!.pts || a - b);
  const sortedPts = order.map((index) => packets[index]!.pts);
  for (let k = 1; k < n; k++) if (sortedPts[k] === sortedPts[k - 1]) throw new VideoInputError(`two frames share pts ${sortedPts[k]}: frames must have distinct presentation times`, { input: path });
  const first = sortedPts[0]!;
  const seconds = (pts: number) => ((pts - first) * num) / den;
  const lastPacket = packets[order[n - 1]!]!;
  const duration = seconds(lastPacket.pts + lastPacket.duration);
  const start = options.startSeconds ?? 0;
  const end = Math.min(options.endSeconds ?? Number.POSITIVE_INFINITY, duration);
  if (!(end > start)) throw new VideoInputError(`no frame between ${start} s and ${options.endSeconds ?? duration} s (the video lasts ${duration} s)`, { input: path });

  // Which frames (presentation indices) the output shows, one entry per output frame.
  const shown: number[] = [];
  const times: number[] = [];
  let lastDuration: number;
  if (options.fps === undefined) {
    for (let k = 0; k < n; k++) {
      const time = seconds(sortedPts[k]!);
      if (time >= start - 1e-9 && time < end - 1e-9) {
        shown.push(k);
        times.push(time);
      }
    }
    if (shown.length === 0) throw new VideoInputError(`no frame between ${start} s and ${end} s`, { input: path });
    const last = shown.at(-1)!;
    lastDuration = last + 1 < n ? sortedPts[last + 1]! - sortedPts[last]! : lastPacket.duration;
  } else {
    let frame = 0;
    for (let k = 0; ; k++) {
      const time = start + k / options.fps;
      if (time >= end - 1e-9) break;
      while (frame + 1 < n && seconds(sortedPts[frame + 1]!) <= time + 1e-9) frame++;
      shown.push(frame);
      times.push(time);
    }
    lastDuration = 1 / options.fps;
  }

  let [width, height] = fitSize(video.params.width, video.params.height, options.maxSide);
  if (options.evenSize === true) [width, height] = [Math.max(2, width & ~1), Math.max(2, height & ~1)];
  onStart?.(rest, width, height);
  const rgb = new Uint8Array(width * height * 3);
  const pictureOfFrame: number[] = new Array(shown.length);
  const where = `video ${path}`;
  const decoder = createPictureDecoder(video.params, where);
  try {
    // From the last keyframe (decode order) at or before the first shown frame, through the packets
    // until every shown frame has come out of the decoder.
    const firstShown = order[shown[0]!]!;
    let from = firstShown;
    while (from > 0 && !(packets[from]!.key && packets[from]!.pts <= sortedPts[shown[0]!]!)) from--;
    const crop = { x: 0, y: 0, width: video.params.width, height: video.params.height };
    let next = from;
    let output = 0; // next output frame to fill
    let pictures = 0;
    let drained = false;
    while (output < shown.length) {
      if (next < n) {
        const packet = packets[next++]!;
        decoder.send(packet.data, packet.pts, packet.dts, packet.key);
      } else if (!drained) {
        decoder.send(undefined, 0, 0, false);
        drained = true;
      } else {
        throw new VideoInputError(`the decoder gave no picture for frame ${shown[output]} (pts ${sortedPts[shown[output]!]}): the stream is corrupt`, { input: path });
      }
      while (output < shown.length && decoder.receive()) {
        const index = binarySearch(sortedPts, decoder.pts);
        if (index !== shown[output]) continue;
        decoder.convert(crop, width, height, rgb, 0);
        let repeats = 1;
        while (output + repeats < shown.length && shown[output + repeats] === index) repeats++;
        onFrame(rgb, width, height, times[output]!, repeats, sortedPts[index]!);
        for (let repeat = 0; repeat < repeats; repeat++) pictureOfFrame[output++] = pictures;
        pictures++;
      }
    }
  } finally {
    decoder.close();
  }
  return {
    video: rest,
    width,
    height,
    times,
    sourcePts: shown.map((k) => sortedPts[k]!),
    pictureOfFrame,
    firstPtsSeconds: (first * num) / den,
    lastDuration,
  };
}

function binarySearch(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const at = sorted[middle]!;
    if (at === value) return middle;
    if (at < value) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}
