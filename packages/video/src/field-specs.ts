import type { FieldSpec } from '@tessera/core';
import { COMPRESSED_VIDEO_CODEC_ID, type CompressedVideoArguments } from './fields/compressed-video-codec.js';
import { videoPlugin } from './video-plugin.js';

export interface CompressedVideoOptions {
  /** 'copy' (the default and, for now, the only mode): the packets as the container holds them, no re-encode. */
  mode?: 'copy';
}

/** Each video's encoded stream with a keyframe index: `{ video: compressedVideo() }`; values are file paths or `{ path, start, end }`. */
export function compressedVideo(options: CompressedVideoOptions = {}): FieldSpec<CompressedVideoArguments> {
  return { plugin: videoPlugin(), codecId: COMPRESSED_VIDEO_CODEC_ID, arguments: { mode: options.mode ?? 'copy' } as CompressedVideoArguments };
}
