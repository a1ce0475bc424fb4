import { TesseraError } from '@tessera/core';
import { demuxVideo } from '../backend/video-backend.js';
import { VideoInputError } from '../video-errors.js';

/** What buildVideoDataset learns of a video before writing it (nothing is decoded). */
export interface VideoProbe {
  /** Frames kept (the packets of the range, from the keyframe at or before `start`). */
  frames: number;
  /** First frame to the end of the last, as the stored stream's `info` decoder reports it. */
  seconds: number;
  width: number;
  height: number;
  rotation: number;
  /** The first kept frame's presentation time in seconds (the `info` decoder's first pts). */
  startSeconds: number;
  /** Seconds of each kept frame after the first, in presentation order. */
  frameTimes: Float64Array;
  /** The stream's average frame rate, 0 when the container does not say. */
  averageFps: number;
  /** FFmpeg's codec name: 'h264', 'vp9', … */
  codecName: string;
}

/**
 * Demuxes `path` (the range [start, end) in seconds) as compressedVideo's encode does, on this
 * thread, so an unreadable, truncated or video-less file is a VideoInputError naming it before the
 * writer starts. The packets are read and dropped, not decoded.
 */
export function probeVideo(path: string, start?: number, end?: number): VideoProbe {
  let video: ReturnType<typeof demuxVideo>;
  try {
    video = demuxVideo(path, { startSeconds: start, endSeconds: end });
  } catch (error) {
    if (error instanceof TesseraError) throw error;
    throw new VideoInputError(`cannot be read (${error instanceof Error ? error.message : String(error)})`, { input: path, cause: error });
  }
  const { packets, timeBase } = video;
  const pts = new Float64Array(packets.length);
  let last = 0;
  for (let index = 0; index < packets.length; index++) {
    pts[index] = packets[index]!.pts;
    if (packets[index]!.pts >= packets[last]!.pts) last = index;
  }
  pts.sort();
  const first = pts[0]!;
  const toSeconds = (ticks: number) => (ticks * timeBase[0]) / timeBase[1];
  const frameTimes = pts.map((value) => toSeconds(value - first));
  const [num, den] = video.averageFrameRate;
  return {
    frames: packets.length,
    seconds: toSeconds(pts[pts.length - 1]! + packets[last]!.duration - first),
    width: video.params.width,
    height: video.params.height,
    rotation: video.rotation,
    startSeconds: toSeconds(first),
    frameTimes,
    averageFps: num > 0 && den > 0 ? num / den : 0,
    codecName: video.params.codecName,
  };
}
