/**
 * Which backend decodes video, chosen once per process (per worker): node-av (FFmpeg's libraries
 * in-process, node-av-backend.ts) first; when it cannot load, an ffmpeg process
 * (ffmpeg-process-backend.ts) found through @tessera/ffmpeg's chain. TESSERA_VIDEO_BACKEND=node-av
 * or =ffmpeg forces one. Neither working is one VideoBackendError listing both attempts.
 *
 * The fields call only the functions below; each backend implements the same three things:
 * `demuxVideo` (write side), `createPictureDecoder` (read side) and a description. A file written
 * by either backend reads with either (both store the container's packets as they are).
 */
import { FfmpegNotFoundError } from '@tessera/ffmpeg';
import { type BackendAttempt, VideoBackendError } from '../video-errors.js';
import { ffmpegProcessBackend } from './ffmpeg-process-backend.js';
import {
  type DemuxedVideo,
  type PictureDecoder as NodeAvPictureDecoder,
  type VideoCodecParameters,
  createPictureDecoder as createNodeAvPictureDecoder,
  demuxVideo as demuxWithNodeAv,
  videoBackend as nodeAvBackend,
} from './node-av-backend.js';

export type { DemuxedPacket, DemuxedVideo, PictureCrop, VideoCodecParameters } from './node-av-backend.js';

/**
 * A decoder for one stream's packets (see node-av-backend.ts for the protocol: send, receive,
 * convert, reset). A process decoder decodes a whole run of packets at once, so it says so:
 */
export interface PictureDecoder extends NodeAvPictureDecoder {
  /**
   * True when pictures come out only after `send(undefined)` (the ffmpeg process backend): the
   * reader then sends only the packets a run of needed frames requires, and drains.
   */
  readonly decodesOnDrain?: boolean;
  /** Set by the reader before a sample's packets, so decoder errors name the sample. */
  sampleIndex?: number;
}

export interface VideoBackend {
  name: 'node-av' | 'ffmpeg';
  /** node-av's version, or the ffmpeg binary's. */
  version: string;
  /** FFmpeg's version as the backend reports it, e.g. '8.1-Jellyfin' or '5.1.9-0+deb12u1'. */
  ffmpegVersion: string;
  /** One line for logs and `loader.stats().decoders`: 'node-av 6.1.1 (FFmpeg 8.1-Jellyfin)', 'ffmpeg 5.1.9 process (/usr/bin/ffmpeg, from PATH)'. */
  description: string;
}

/** What a backend module offers the fields. */
export interface VideoBackendImplementation {
  info(): VideoBackend;
  demuxVideo(path: string, range?: { startSeconds?: number; endSeconds?: number }): DemuxedVideo;
  createPictureDecoder(params: VideoCodecParameters, where: string): PictureDecoder;
}

const nodeAvImplementation: VideoBackendImplementation = {
  info: () => nodeAvBackend(),
  demuxVideo: demuxWithNodeAv,
  createPictureDecoder: createNodeAvPictureDecoder,
};

const FORCED_NAMES = ['node-av', 'ffmpeg'] as const;
let selected: { key: string; backend: VideoBackendImplementation | VideoBackendError } | undefined;

/** The active backend (cached per TESSERA_VIDEO_BACKEND and TESSERA_FFMPEG), or throws VideoBackendError listing what was tried. */
export function selectedBackend(): VideoBackendImplementation {
  const forced = process.env.TESSERA_VIDEO_BACKEND ?? '';
  const key = `${forced}\0${process.env.TESSERA_FFMPEG ?? ''}`;
  if (selected?.key !== key) selected = { key, backend: select(forced) };
  if (selected.backend instanceof VideoBackendError) throw selected.backend;
  return selected.backend;
}

function select(forced: string): VideoBackendImplementation | VideoBackendError {
  if (forced !== '' && !(FORCED_NAMES as readonly string[]).includes(forced)) {
    return new VideoBackendError([{ backend: 'TESSERA_VIDEO_BACKEND', reason: `is ${JSON.stringify(forced)}; set it to node-av or ffmpeg, or unset it (node-av first, then an ffmpeg process)` }]);
  }
  const attempts: BackendAttempt[] = [];
  if (forced !== 'ffmpeg') {
    try {
      nodeAvImplementation.info();
      return nodeAvImplementation;
    } catch (error) {
      if (!(error instanceof VideoBackendError)) throw error;
      attempts.push(...error.attempts);
    }
    if (forced === 'node-av') return new VideoBackendError(attempts.map((attempt) => ({ ...attempt, reason: `${attempt.reason} (TESSERA_VIDEO_BACKEND=node-av: no fallback tried)` })));
  }
  try {
    ffmpegProcessBackend.info();
    return ffmpegProcessBackend;
  } catch (error) {
    if (!(error instanceof FfmpegNotFoundError)) throw error;
    const tried = error.attempts.map((attempt) => `${attempt.link}${attempt.path === undefined ? '' : ` (${attempt.path})`}: ${attempt.reason}`).join('; ');
    attempts.push({
      backend: 'ffmpeg process',
      reason: `no usable ffmpeg (tried ${tried}); or fix this one: TESSERA_FFMPEG=/path/to/ffmpeg, npm i @ffmpeg-installer/ffmpeg, or apt/brew install ffmpeg`,
    });
  }
  return new VideoBackendError(attempts);
}

/** The backend that decodes video here, or throws VideoBackendError (E_VIDEO_BACKEND) naming what was tried. */
export function videoBackend(): VideoBackend {
  return selectedBackend().info();
}

/** The video stream's packets of `path` through the active backend (see node-av-backend.ts demuxVideo). */
export function demuxVideo(path: string, range: { startSeconds?: number; endSeconds?: number } = {}): DemuxedVideo {
  return selectedBackend().demuxVideo(path, range);
}

/** A picture decoder of the active backend for stored codec parameters. */
export function createPictureDecoder(params: VideoCodecParameters, where: string): PictureDecoder {
  return selectedBackend().createPictureDecoder(params, where);
}
